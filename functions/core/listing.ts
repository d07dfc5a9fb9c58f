/**
 * Drives a connector's paging to a complete listing. Paging lives here, once, for every app:
 * a page cap and a repeated-cursor check mean a misbehaving API fails the sync instead of
 * looping, and a failed page fails the whole listing (a partial listing never removes anything).
 * A listing may also stop early when time runs out, and resume later from where each stream stood.
 *
 * Every record is checked against what the inventory can hold (`limits.ts`) on arrival, whatever
 * the connector: one that does not fit becomes an invalid record and the listing goes on.
 */
import { ContractError } from './errors.ts';
import { checkAccount, checkInvalidRecord, unusableCursorReason } from './limits.ts';
import type { AccountPage, Connector, ListingProgress, StreamPosition } from './ports.ts';
import type { Account, InvalidRecord } from './types.ts';
import type { Listing } from './diff.ts';

export interface ListingOptions {
  /** Upper bound of pages per stream; reaching it fails the sync. */
  readonly maxPagesPerStream: number;
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
  /** Every stream reached its last page. */
  readonly complete: boolean;
  /** Where each stream stands now (to resume from when incomplete). */
  readonly streams: Record<string, StreamPosition>;
}

async function listStream(
  connector: Connector,
  stream: string,
  start: StreamPosition,
  options: ListingOptions,
  onPage: (page: AccountPage) => void,
  aborted: () => boolean,
): Promise<StreamPosition> {
  const seenCursors = new Set<string>();
  let position = start;
  while (!position.done) {
    if (aborted() || options.shouldStop?.() === true) return position;
    if (position.pages >= options.maxPagesPerStream) {
      throw new ContractError(
        `${connector.app} listing '${stream}' exceeded ${options.maxPagesPerStream} pages: refusing to page further`,
      );
    }
    const page = await connector.listPage(stream, position.cursor);
    const pages = position.pages + 1;
    if (page.nextCursor !== null) {
      if (seenCursors.has(page.nextCursor) || page.nextCursor === position.cursor) {
        throw new ContractError(`${connector.app} listing '${stream}' repeated a page token after page ${pages}`);
      }
      const unusable = unusableCursorReason(page.nextCursor);
      if (unusable !== null) throw new ContractError(`${connector.app} listing '${stream}' answered ${unusable} after page ${pages}`);
      seenCursors.add(page.nextCursor);
    }
    onPage(page);
    position = { cursor: page.nextCursor, done: page.nextCursor === null, pages };
  }
  return position;
}

/** Lists every stream of the connector concurrently and merges them, de-duplicated by account id. */
export async function collectListing(connector: Connector, options: ListingOptions): Promise<CollectedListing> {
  const byId = new Map<string, Account>();
  const invalid: InvalidRecord[] = [];
  let pages = 0;
  let duplicates = 0;
  // Once one stream fails the listing is lost anyway: the others stop fetching.
  let failed = false;
  // Streams run concurrently, so arrival order is chance: an id listed by several streams keeps
  // the record of the stream that comes last in `connector.streams` (the connector orders them
  // so that the most specific listing wins, e.g. Torq's SSO listing over its local one).
  const streamOfId = new Map<string, number>();
  const onPage = (page: AccountPage, streamIndex: number) => {
    pages += 1;
    for (const account of page.accounts) {
      const unfit = checkAccount(account);
      if (unfit !== null) {
        invalid.push(unfit);
        continue;
      }
      const earlier = streamOfId.get(account.id);
      if (earlier !== undefined) {
        duplicates += 1;
        if (earlier > streamIndex) continue;
      }
      byId.set(account.id, account);
      streamOfId.set(account.id, streamIndex);
    }
    for (const record of page.invalid) invalid.push(checkInvalidRecord(record));
    options.onProgress?.({ pages, accounts: byId.size });
  };
  const positions = await Promise.all(
    connector.streams.map((stream, streamIndex) =>
      listStream(
        connector,
        stream,
        options.resumeFrom?.[stream] ?? { cursor: null, done: false, pages: 0 },
        options,
        (page) => onPage(page, streamIndex),
        () => failed,
      ).catch((error: unknown) => {
        failed = true;
        throw error;
      }),
    ),
  );
  const streams: Record<string, StreamPosition> = {};
  connector.streams.forEach((stream, index) => {
    streams[stream] = positions[index] as StreamPosition;
  });
  return {
    accounts: [...byId.values()],
    invalid: dedupeInvalid(invalid, byId),
    pages,
    duplicates,
    complete: positions.every((position) => position.done),
    streams,
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
