/**
 * Drives a connector's paging to a complete listing. Paging lives here, once, for every app:
 * bounds on pages, records held and time, and a repeated-cursor check mean a misbehaving API fails
 * the sync instead of looping, and a failed page fails the whole listing (a partial listing never
 * removes anything). A listing may also stop early when time runs out, and resume later from
 * where each stream stood.
 *
 * Every record is checked against what the inventory can hold (`limits.ts`) on arrival, whatever
 * the connector: one that does not fit becomes an invalid record and the listing goes on.
 *
 * Which record of an id is kept, deterministically whatever order pages arrive in:
 * - across streams, the record of the stream that comes last in `connector.streams` (the connector
 *   orders them so that the most specific listing wins, e.g. an SSO listing over a local one).
 *   That several streams list one id is expected: an app's listings may overlap;
 * - within one stream, the last record listed: the stream's pages are read in order, and a later
 *   page is the API's later word. One stream listing an id twice is a defect of the API: the ids
 *   are reported (`repeatedIds`, and a `DUPLICATE_IDS` anomaly in the diff). Repeats are found
 *   within one invocation; a listing resumed from a checkpoint cannot tell a repeat of an earlier
 *   invocation from a cross-stream overlap, and keeps the later record as well;
 * - a valid record of an id beats an invalid one, in any stream.
 *
 * Groups and their members (connectors with `listsGroups`) may come on any stream: groups are
 * de-duplicated by id as accounts are (the later stream's record, then the later page's), and each
 * group's members are a set, however many pages and entries list them. Members of implicit groups
 * are dropped: the inventory keeps no per-account membership of those.
 *
 * A stream may say how many accounts it holds (`AccountPage.total`). When its last page is read,
 * the distinct records it listed (across the invocations of a listing) must equal the last total it
 * reported; a stream that disagrees is a `countMismatches` entry and its listing proves no absence.
 */
import { ContractError } from './errors.ts';
import { checkAccount, checkGroup, checkInvalidRecord, memberIdOf } from './limits.ts';
import { createPageGuard } from './page-guard.ts';
import { systemClock, type AccountPage, type Clock, type Connector, type ListingProgress, type StreamPosition } from './ports.ts';
import type { Account, Group, InvalidRecord } from './types.ts';
import type { CountMismatch, Listing } from './diff.ts';

/**
 * A listing's bounds, whichever is reached first fails it (a `ContractError` naming the bound).
 * Legitimate listings stay far below each: they are the safety stop for an API whose page tokens
 * never end, not a budget (the Lambda's time budget is `shouldStop`).
 */
export interface ListingBounds {
  /** Pages per stream, across the invocations of one listing. */
  readonly maxPagesPerStream: number;
  /** Records (accounts, invalid records, groups and group members) held by one invocation. */
  readonly maxRecordsHeld: number;
  /** Wall time of one invocation's listing, by the injected clock. */
  readonly maxListingMs: number;
}

/**
 * - pages: 10,000 per stream is 1,000,000 accounts at a page size of 100;
 * - records: 500,000, five times the largest workspace the benchmark runs (100,000). A held
 *   account costs about 400 bytes of heap once listed (measured), several times that while its
 *   page is parsed: the poller's 1 GB keeps room for the stored accounts loaded beside them;
 * - time: 2 hours. 1,000,000 accounts at 50 requests per second take under 4 minutes, and
 *   100,000 throttled to one page per second 17 minutes; a Lambda invocation ends after 15.
 */
export const DEFAULT_LISTING_BOUNDS: ListingBounds = {
  maxPagesPerStream: 10_000,
  maxRecordsHeld: 500_000,
  maxListingMs: 2 * 60 * 60 * 1000,
};

export interface ListingOptions extends Partial<ListingBounds> {
  /** Upper bound of pages per stream; reaching it fails the sync. */
  readonly maxPagesPerStream: number;
  /** Measures the time bound. @default systemClock */
  readonly clock?: Clock;
  readonly onProgress?: (progress: ListingProgress) => void;
  /** Where each stream resumes (from a checkpoint); streams absent here start at their first page. */
  readonly resumeFrom?: Readonly<Record<string, StreamPosition>>;
  /** Asked before each page: `true` stops the listing there, leaving it incomplete. */
  readonly shouldStop?: () => boolean;
}

export interface CollectedListing extends Listing {
  readonly pages: number;
  /** Records listed by more than one stream (same id), counted once in `accounts`. */
  readonly duplicates: number;
  /** Ids one stream listed more than once (a defect of the API), sorted. */
  readonly repeatedIds: readonly string[];
  /** Records beyond the first of each id within its stream. */
  readonly repeatedRecords: number;
  /** Every stream reached its last page. */
  readonly complete: boolean;
  /** Where each stream stands now (to resume from when incomplete). */
  readonly streams: Record<string, StreamPosition>;
  /** Groups listed, de-duplicated by id (valid ones). */
  readonly groups: readonly Group[];
  /** Per group listed with members here, the distinct member account ids (implicit groups left out). */
  readonly members: ReadonlyMap<string, ReadonlySet<string>>;
  /** Groups the inventory cannot hold, by id (when usable) and reason. */
  readonly invalidGroups: readonly InvalidRecord[];
  /** Streams whose last reported total differs from the records they listed (listing done only). */
  readonly countMismatches: readonly CountMismatch[];
}

/** Streams are told apart by one bit each in a number. */
const MAX_STREAMS = 30;

async function listStream(
  connector: Connector,
  stream: string,
  start: StreamPosition,
  options: ListingOptions,
  beforePage: () => void,
  onPage: (page: AccountPage) => void,
  aborted: () => boolean,
): Promise<StreamPosition> {
  const guard = createPageGuard(`${connector.app} listing '${stream}'`, options.maxPagesPerStream);
  let position = start;
  while (!position.done) {
    if (aborted() || options.shouldStop?.() === true) return position;
    guard.beforePage(position.pages);
    beforePage();
    const page = await connector.listPage(stream, position.cursor);
    const pages = position.pages + 1;
    guard.afterPage(pages, position.cursor, page.nextCursor);
    onPage(page);
    const total = page.total ?? position.total;
    position = { cursor: page.nextCursor, done: page.nextCursor === null, pages, ...(total === undefined ? {} : { total }) };
  }
  return position;
}

/** Lists every stream of the connector concurrently and merges them, de-duplicated by account id. */
export async function collectListing(connector: Connector, options: ListingOptions): Promise<CollectedListing> {
  if (connector.streams.length > MAX_STREAMS) throw new RangeError(`a connector has at most ${MAX_STREAMS} listing streams`);
  const maxRecordsHeld = options.maxRecordsHeld ?? DEFAULT_LISTING_BOUNDS.maxRecordsHeld;
  const maxListingMs = options.maxListingMs ?? DEFAULT_LISTING_BOUNDS.maxListingMs;
  const clock = options.clock ?? systemClock;
  const startedAtMs = clock.now().getTime();
  const byId = new Map<string, Account>();
  const invalid: InvalidRecord[] = [];
  // Per id, one bit per stream that listed it: valid records, and (rarely any) invalid ones with an id.
  const validBy = new Map<string, number>();
  const invalidBy = new Map<string, number>();
  const repeatedIds = new Set<string>();
  let repeatedRecords = 0;
  let pages = 0;
  let duplicates = 0;
  // Per stream, the records it listed for the first time in this invocation (its `total` cross-check).
  const listedBy = connector.streams.map(() => 0);
  // Per group id, the stream index of the record kept (a later stream's record wins, as for accounts).
  const groupsById = new Map<string, { group: Group; streamIndex: number }>();
  const invalidGroups = new Map<string | null, InvalidRecord[]>();
  const members = new Map<string, Set<string>>();
  let memberEntries = 0;
  // Once one stream fails the listing is lost anyway: the others stop fetching.
  let failed = false;

  /** A stream listing an id it listed before is a repeat, reported as such. */
  const note = (id: string, bit: number, streamIndex: number) => {
    const listed = (validBy.get(id) ?? 0) | (invalidBy.get(id) ?? 0);
    if ((listed & bit) !== 0) {
      repeatedRecords += 1;
      repeatedIds.add(id);
    } else {
      listedBy[streamIndex] = (listedBy[streamIndex] ?? 0) + 1;
    }
  };
  const keepValid = (account: Account, bit: number, streamIndex: number) => {
    note(account.id, bit, streamIndex);
    const valid = validBy.get(account.id) ?? 0;
    // Another stream listed it too: the expected overlap of listings, not an anomaly.
    if (valid !== 0 && (valid & bit) === 0) duplicates += 1;
    // Kept unless a later stream listed a valid record of the id: its highest bit is above this one.
    if (valid < bit * 2) byId.set(account.id, account);
    validBy.set(account.id, valid | bit);
  };
  const keepInvalid = (record: InvalidRecord, bit: number, streamIndex: number) => {
    if (record.id !== null) {
      note(record.id, bit, streamIndex);
      invalidBy.set(record.id, (invalidBy.get(record.id) ?? 0) | bit);
    } else {
      // A record without a usable id is still one of the stream's records.
      listedBy[streamIndex] = (listedBy[streamIndex] ?? 0) + 1;
    }
    invalid.push(record);
  };
  const keepGroup = (group: Group, streamIndex: number) => {
    const unfit = checkGroup(group);
    if (unfit !== null) {
      const sameId = invalidGroups.get(unfit.id) ?? [];
      if (unfit.id === null || sameId.length === 0) sameId.push(unfit);
      invalidGroups.set(unfit.id, sameId);
      return;
    }
    const kept = groupsById.get(group.id);
    if (kept === undefined || kept.streamIndex <= streamIndex) groupsById.set(group.id, { group, streamIndex });
  };
  const keepMembers = (groupId: string, accountIds: readonly string[]) => {
    let set = members.get(groupId);
    if (set === undefined) members.set(groupId, (set = new Set()));
    for (const accountId of accountIds) {
      const before = set.size;
      set.add(memberIdOf(accountId));
      memberEntries += set.size - before;
    }
  };

  const beforePage = () => {
    const elapsedMs = clock.now().getTime() - startedAtMs;
    if (elapsedMs > maxListingMs) {
      throw new ContractError(
        `${connector.app} listing ran for more than ${Math.round(maxListingMs / 1000)} s (the time bound) without reaching its last page: refusing to page further`,
      );
    }
  };
  const onPage = (page: AccountPage, streamIndex: number) => {
    const bit = 2 ** streamIndex;
    pages += 1;
    for (const account of page.accounts) {
      const unfit = checkAccount(account);
      if (unfit === null) keepValid(account, bit, streamIndex);
      else keepInvalid(unfit, bit, streamIndex);
    }
    for (const record of page.invalid) keepInvalid(checkInvalidRecord(record), bit, streamIndex);
    for (const group of page.groups ?? []) keepGroup(group, streamIndex);
    for (const entry of page.members ?? []) keepMembers(memberIdOf(entry.groupId), entry.accountIds);
    if (byId.size + invalid.length + groupsById.size + memberEntries > maxRecordsHeld) {
      throw new ContractError(
        `${connector.app} listing holds more than ${maxRecordsHeld} records (the record bound) without reaching its last page: refusing to page further`,
      );
    }
    options.onProgress?.({ pages, accounts: byId.size });
  };
  const positions = await Promise.all(
    connector.streams.map((stream, streamIndex) =>
      listStream(
        connector,
        stream,
        options.resumeFrom?.[stream] ?? { cursor: null, done: false, pages: 0 },
        options,
        beforePage,
        (page) => onPage(page, streamIndex),
        () => failed,
      ).catch((error: unknown) => {
        failed = true;
        throw error;
      }),
    ),
  );
  const streams: Record<string, StreamPosition> = {};
  const countMismatches: CountMismatch[] = [];
  connector.streams.forEach((stream, index) => {
    const position = positions[index] as StreamPosition;
    // Records listed across the invocations of the listing: a repeat across invocations cannot be
    // told from a new record (see above), so a resumed listing counts it twice.
    const listed = (options.resumeFrom?.[stream]?.listed ?? 0) + (listedBy[index] ?? 0);
    streams[stream] = { ...position, listed };
    if (position.done && position.total !== undefined && position.total !== listed) {
      countMismatches.push({ stream, total: position.total, listed });
    }
  });
  const groups: Group[] = [];
  for (const { group } of groupsById.values()) {
    groups.push(group);
    if (group.implicit) members.delete(group.id);
  }
  return {
    accounts: [...byId.values()],
    invalid: dedupeInvalid(invalid, byId),
    pages,
    duplicates,
    repeatedIds: [...repeatedIds].sort(),
    repeatedRecords,
    complete: positions.every((position) => position.done),
    streams,
    groups,
    members,
    invalidGroups: [...invalidGroups.entries()].flatMap(([id, records]) => (id !== null && groupsById.has(id) ? [] : records)),
    countMismatches,
  };
}

/** An id reported invalid in one stream but valid in another is not invalid; report each id once. */
function dedupeInvalid(invalid: readonly InvalidRecord[], valid: ReadonlyMap<string, Account>): InvalidRecord[] {
  const seen = new Set<string>();
  const result: InvalidRecord[] = [];
  for (const record of invalid) {
    if (record.id !== null) {
      if (valid.has(record.id) || seen.has(record.id)) continue;
      seen.add(record.id);
    }
    result.push(record);
  }
  return result;
}
