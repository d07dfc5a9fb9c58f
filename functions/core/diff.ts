/**
 * The diff: what one complete listing changes in a connector's inventory (design.md section 4).
 * Pure: given the stored accounts, the listing and which emails other connectors already know,
 * it returns the writes, the events and the counts. Unchanged accounts produce nothing.
 * Groups and memberships (connectors with `listsGroups`) are diffed by `group-diff.ts` once the
 * accounts are, since their rules depend on which accounts stay.
 */
import { makeEvent, MAX_ANOMALY_ACCOUNT_IDS, type AccountRef, type AnomalyKind, type FieldChange, type RollcallEvent } from './events.ts';
import { diffGroups, type AccessChange, type AccountView, type GroupInventory, type GroupListing } from './group-diff.ts';
import type { AccountChangeRecord, InventoryWrites } from './ports.ts';
import {
  MATERIAL_FIELDS,
  type Account,
  type StoredGroup,
  type AppName,
  type InvalidRecord,
  type StoredAccount,
  type StoredIdentity,
  type StoredMembership,
  type SyncCounts,
} from './types.ts';

export interface Listing {
  /** De-duplicated by id. */
  readonly accounts: readonly Account[];
  readonly invalid: readonly InvalidRecord[];
  /** Ids one listing stream returned more than once (a defect of the API), sorted. */
  readonly repeatedIds?: readonly string[];
  /** Records beyond the first of each id within its stream. */
  readonly repeatedRecords?: number;
  /** Streams whose records listed differ from the total they reported: the listing proves no absence. */
  readonly countMismatches?: readonly CountMismatch[];
  /** Groups listed (connectors with `listsGroups`). */
  readonly groups?: GroupListing['groups'];
  readonly members?: GroupListing['members'];
  readonly invalidGroups?: GroupListing['invalidGroups'];
}

/** A stream that reported `total` records and listed another number. */
export interface CountMismatch {
  readonly stream: string;
  readonly total: number;
  readonly listed: number;
}

/** What the group diff starts from (only for connectors with `listsGroups`). */
export interface GroupDiffState {
  readonly previous: GroupInventory;
  /** Group ids listed by earlier invocations of the same listing (from its checkpoint). */
  readonly seenGroupIdsEarlier?: ReadonlySet<string>;
  /** Per group, member ids listed by earlier invocations of the same listing. */
  readonly seenMembersEarlier?: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface DiffInput {
  readonly connectorId: string;
  readonly app: AppName;
  readonly runId: string;
  /** ISO time of the sync. */
  readonly now: string;
  readonly previous: readonly StoredAccount[];
  readonly listing: Listing;
  /** Normalised emails other connectors already know (see `emailsToLookUp`). */
  readonly knownEmails: ReadonlySet<string>;
  /** Removals above this share of the active accounts are held (0..1). */
  readonly maxRemovalShare: number;
  /**
   * `false` while a listing continues in a later invocation: nothing is removed yet.
   * @default true
   */
  readonly complete?: boolean;
  /** Ids listed by earlier invocations of the same listing (from its checkpoint): never removal candidates. */
  readonly seenEarlier?: ReadonlySet<string>;
  /** Records without a usable id met by earlier invocations of the same listing. */
  readonly unidentifiedEarlier?: number;
  /** The connector's groups and memberships: present when its connector `listsGroups`, else groups are not diffed. */
  readonly groups?: GroupDiffState;
}

export interface DiffResult {
  readonly writes: InventoryWrites;
  readonly events: RollcallEvent[];
  readonly counts: SyncCounts;
  /** Anomaly kinds raised (each also has a `SyncAnomaly` event). */
  readonly anomalies: AnomalyKind[];
  /** Records without a usable id in this listing (carried in a checkpoint across invocations). */
  readonly unidentified: number;
}

/**
 * The emails of a listing this connector has never held: only these need a look-up in the
 * identity index to decide "new user". An unchanged poll therefore reads no identities.
 */
export function emailsToLookUp(previous: readonly StoredAccount[], accounts: readonly Account[]): string[] {
  const held = new Set<string>();
  for (const account of previous) if (account.emailKey !== null) held.add(account.emailKey);
  const missing = new Set<string>();
  for (const account of accounts) {
    if (account.emailKey !== null && !held.has(account.emailKey)) missing.add(account.emailKey);
  }
  return [...missing];
}

export function accountRef(account: Account): AccountRef {
  return { accountId: account.id, email: account.email, roleName: account.roleName, status: account.status, state: account.state };
}

function materialChanges(before: Account, after: Account): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of MATERIAL_FIELDS) {
    if (before[field] === after[field]) continue;
    // A stored account without a state predates states: the listing fills it in, it did not change.
    if (field === 'state' && before.state === null) continue;
    changes.push({ field, from: before[field], to: after[field] });
  }
  return changes;
}

/**
 * Fields kept for inventory but not worth an event (display email case, role name, the person's
 * name, login and external id, the app's times), and a state where the stored account has none
 * yet: written, neither counted nor announced. Items stored before names existed read back with
 * `null` ones, so the first listing after the upgrade writes each account that has one, once.
 */
function refreshOnlyDiffers(before: Account, after: Account): boolean {
  return (
    before.email !== after.email ||
    before.roleName !== after.roleName ||
    before.createdAt !== after.createdAt ||
    before.lastLoginAt !== after.lastLoginAt ||
    before.state !== after.state ||
    before.name !== after.name ||
    before.login !== after.login ||
    before.externalId !== after.externalId ||
    before.updatedAt !== after.updatedAt
  );
}

/** Built field by field: a spread of `account` leaves V8 objects four times the size (measured). */
function stored(
  account: Account,
  base: { connectorId: string; app: AppName },
  firstSeenAt: string,
  lastChangedAt: string,
): StoredAccount {
  return {
    id: account.id,
    email: account.email,
    emailKey: account.emailKey,
    name: account.name,
    login: account.login,
    externalId: account.externalId,
    roleId: account.roleId,
    roleName: account.roleName,
    status: account.status,
    state: account.state,
    ssoProvisioned: account.ssoProvisioned,
    createdAt: account.createdAt,
    updatedAt: account.updatedAt,
    lastLoginAt: account.lastLoginAt,
    connectorId: base.connectorId,
    app: base.app,
    firstSeenAt,
    lastChangedAt,
    removedAt: null,
  };
}

/** What one slice of the listing changes: written and published before the next slice is diffed. */
export interface DiffSlice {
  readonly writes: InventoryWrites;
  readonly events: RollcallEvent[];
}

/**
 * The diff of one listing, fed in slices so that a first sync of 100,000 people never holds all
 * its events and items at once: `slice()` each part of `listing.accounts` (every account once),
 * then `finish()` for removals and anomalies, which need the whole listing.
 */
export class InventoryDiff {
  private readonly input: DiffInput;
  private readonly base: { connectorId: string; app: AppName; time: string };
  private readonly previousById = new Map<string, StoredAccount>();
  private readonly activeEmails = new Set<string>();
  /** For each email this connector ever held: the latest removal time, or null if never removed. */
  private readonly lastRemovalByEmail = new Map<string, string | null>();
  /** One association per person: the account with the smallest id, whatever order pages arrived in. */
  private readonly representative = new Map<string, Account>();
  /** People whose identity and association this diff has already emitted (in an earlier slice). */
  private readonly announced = new Set<string>();
  /** The accounts of this listing by id. */
  private readonly listedById = new Map<string, Account>();
  private previousActive = 0;
  private granted = 0;
  private revoked = 0;
  private created = 0;
  private changed = 0;
  private restored = 0;
  private newUsers = 0;
  private associations = 0;
  private removed = 0;

  constructor(input: DiffInput) {
    this.input = input;
    this.base = { connectorId: input.connectorId, app: input.app, time: input.now };
    for (const account of input.previous) {
      this.previousById.set(account.id, account);
      if (account.removedAt === null) this.previousActive += 1;
      if (account.emailKey === null) continue;
      if (account.removedAt === null) this.activeEmails.add(account.emailKey);
      const latest = this.lastRemovalByEmail.get(account.emailKey);
      if (latest === undefined || (account.removedAt !== null && (latest === null || account.removedAt > latest))) {
        this.lastRemovalByEmail.set(account.emailKey, account.removedAt);
      }
    }
    for (const account of input.listing.accounts) {
      this.listedById.set(account.id, account);
      if (account.emailKey === null) continue;
      const current = this.representative.get(account.emailKey);
      if (current === undefined || account.id < current.id) this.representative.set(account.emailKey, account);
    }
  }

  get counts(): SyncCounts {
    return {
      total: this.previousActive - this.removed + this.created + this.restored,
      new: this.created,
      changed: this.changed,
      removed: this.removed,
      restored: this.restored,
      newUsers: this.newUsers,
      associations: this.associations,
      invalid: this.input.listing.invalid.length,
      accessGranted: this.granted,
      accessRevoked: this.revoked,
    };
  }

  slice(accounts: readonly Account[]): DiffSlice {
    const { base, input } = this;
    const { now, connectorId } = input;
    const putAccounts: StoredAccount[] = [];
    const putIdentities: StoredIdentity[] = [];
    const recordChanges: AccountChangeRecord[] = [];
    const events: RollcallEvent[] = [];
    for (const account of accounts) {
      const before = this.previousById.get(account.id);
      if (before === undefined) {
        this.created += 1;
        putAccounts.push(stored(account, base, now, now));
      } else {
        const changes = materialChanges(before, account);
        if (before.removedAt !== null) {
          this.restored += 1;
          putAccounts.push(stored(account, base, before.firstSeenAt, now));
          recordChanges.push({ connectorId, accountId: account.id, at: now, kind: 'restored', changes });
        } else if (changes.length > 0) {
          putAccounts.push(stored(account, base, before.firstSeenAt, now));
          recordChanges.push({ connectorId, accountId: account.id, at: now, kind: 'changed', changes });
        } else if (refreshOnlyDiffers(before, account)) {
          putAccounts.push(stored(account, base, before.firstSeenAt, before.lastChangedAt));
        }
        if (changes.length > 0) {
          this.changed += 1;
          events.push(
            makeEvent(
              'AccountChanged',
              base,
              [account.id, before.lastChangedAt, before.removedAt, changes.map((c) => `${c.field}=${String(c.to)}`).join('|')],
              { account: accountRef(account), previous: accountRef(before), changes },
            ),
          );
        }
      }

      // A person's identity and association go out with the first of their accounts in listing
      // order, carried by the representative account (so their ids do not depend on page order).
      // The store writes a slice's identities before its accounts: once any account of the person
      // is stored, so is the identity, even if the representative's own slice is never written.
      const emailKey = account.emailKey;
      if (emailKey === null || this.activeEmails.has(emailKey) || this.announced.has(emailKey)) continue;
      this.announced.add(emailKey);
      const representative = this.representative.get(emailKey) ?? account;
      const representativeBefore = this.previousById.get(representative.id);
      this.associations += 1;
      const everHeld = this.lastRemovalByEmail.has(emailKey);
      const generation = this.lastRemovalByEmail.get(emailKey) ?? 'first';
      if (!everHeld && !input.knownEmails.has(emailKey)) {
        this.newUsers += 1;
        putIdentities.push({
          emailKey,
          firstSeenAt: now,
          firstConnectorId: connectorId,
          ...(representative.name === null ? {} : { name: representative.name }),
        });
        events.push(makeEvent('UserDiscovered', base, [emailKey], { emailKey, account: accountRef(representative) }, 'global'));
      }
      events.push(
        // The account and its stored state make the id unique to this association: the same person
        // may come back later through another account, or through this one after an email change.
        makeEvent(
          'AppAssociationDiscovered',
          base,
          [emailKey, generation, representative.id, representativeBefore?.lastChangedAt ?? null],
          { emailKey, account: accountRef(representative), returning: everHeld },
        ),
      );
    }
    // Only when some account changed: an unchanged slice's writes stay empty.
    const history = recordChanges.length > 0 ? { recordChanges } : {};
    return { writes: { putAccounts, putIdentities, removeAccounts: [], ...history }, events };
  }

  /**
   * Removals and anomalies, once every account of the listing went through `slice()`; with groups,
   * their changes too: `groups` holds what to write before the rest (new, changed and restored
   * groups, then grants and revocations with their events), and the rest removes accounts and
   * groups and closes the memberships of removed accounts.
   */
  finish(): DiffSlice & { anomalies: AnomalyKind[]; unidentified: number; groups: GroupChanges } {
    const { base, input, previousActive } = this;
    const { listing, now } = input;
    const events: RollcallEvent[] = [];
    const anomalies: AnomalyKind[] = [];
    const complete = input.complete ?? true;
    const seenEarlier = input.seenEarlier ?? new Set<string>();
    const removalCandidates = complete
      ? input.previous.filter(
          (account) => account.removedAt === null && !this.listedById.has(account.id) && !seenEarlier.has(account.id),
        )
      : [];
    const countMismatches = complete ? (listing.countMismatches ?? []) : [];
    const invalidIds = new Set(listing.invalid.flatMap((record) => (record.id === null ? [] : [record.id])));
    const unidentified = listing.invalid.filter((record) => record.id === null).length;
    const unidentifiedInListing = unidentified + (input.unidentifiedEarlier ?? 0);
    // An invalid record still proves its account exists: it is neither updated nor removed.
    const removable = removalCandidates.filter((account) => !invalidIds.has(account.id));
    const removableIds = removable.map((account) => account.id).sort();
    const emptyListing = complete && listing.accounts.length === 0 && listing.invalid.length === 0 && seenEarlier.size === 0;

    /** Anomaly ids come from what is anomalous, so the same held removals raise the same id again. */
    const anomaly = (
      kind: AnomalyKind,
      idParts: readonly string[],
      message: string,
      heldRemovals?: number,
      accountIds?: readonly string[],
    ) => {
      anomalies.push(kind);
      events.push(
        makeEvent('SyncAnomaly', base, [kind, ...idParts], {
          runId: input.runId,
          anomaly: kind,
          message,
          ...(heldRemovals === undefined ? {} : { heldRemovals }),
          ...(accountIds === undefined ? {} : { accountIds: accountIds.slice(0, MAX_ANOMALY_ACCOUNT_IDS) }),
        }),
      );
    };

    let removeAccounts: { id: string; removedAt: string }[] = [];
    if (emptyListing) {
      // A listing that silently returns nothing is an anomaly, never a reason to remove everyone.
      anomaly(
        'EMPTY_LISTING',
        removableIds,
        previousActive === 0 ? 'the listing returned no accounts' : `the listing returned no accounts: ${removable.length} removal(s) held`,
        ...(previousActive === 0 ? [] : [removable.length]),
      );
    } else if (removable.length > 0) {
      const share = previousActive === 0 ? 0 : removable.length / previousActive;
      if (countMismatches.length > 0) {
        // Reported with the count mismatch below.
      } else if (unidentifiedInListing > 0) {
        anomaly(
          'UNIDENTIFIED_RECORDS',
          removableIds,
          `${unidentifiedInListing} record(s) without a usable id: ${removable.length} removal(s) held because the listing cannot be trusted as complete`,
          removable.length,
        );
      } else if (share > input.maxRemovalShare) {
        anomaly(
          'MASS_REMOVAL_HELD',
          removableIds,
          `${removable.length} of ${previousActive} active accounts (${Math.round(share * 100)} %) would be removed, above the ${Math.round(input.maxRemovalShare * 100)} % safety share: removals held`,
          removable.length,
        );
      } else {
        removeAccounts = removable.map((account) => ({ id: account.id, removedAt: now }));
        for (const account of removable) {
          events.push(
            makeEvent('AccountRemoved', base, [account.id, account.firstSeenAt, account.lastChangedAt], {
              account: accountRef(account),
              firstSeenAt: account.firstSeenAt,
            }),
          );
        }
      }
    } else if (unidentified > 0) {
      anomaly('UNIDENTIFIED_RECORDS', [String(unidentified)], `${unidentified} record(s) without a usable id were skipped`);
    }
    if (countMismatches.length > 0) {
      const streams = countMismatches.map((m) => `'${m.stream}' reported ${m.total} and listed ${m.listed}`).join(', ');
      anomaly(
        'COUNT_MISMATCH',
        countMismatches.flatMap((m) => [m.stream, String(m.total), String(m.listed)]),
        `the listing's counts disagree with the totals the API reported (${streams}): it proves no absence, ${removable.length} removal(s) held` +
          (input.groups === undefined ? '' : ', no group removed and no access revoked'),
        removable.length,
      );
    }
    const identifiedInvalid = [...invalidIds].sort();
    if (identifiedInvalid.length > 0) {
      anomaly('INVALID_RECORDS', identifiedInvalid, `${identifiedInvalid.length} record(s) failed validation and were left as they were`);
    }
    const repeatedIds = listing.repeatedIds ?? [];
    if (repeatedIds.length > 0) {
      const listed = repeatedIds.length > MAX_ANOMALY_ACCOUNT_IDS ? `the first ${MAX_ANOMALY_ACCOUNT_IDS} listed` : 'all listed';
      anomaly(
        'DUPLICATE_IDS',
        repeatedIds,
        `${listing.repeatedRecords ?? repeatedIds.length} record(s) repeated ${repeatedIds.length} id(s) within one listing stream (${listed}); the last record of each was kept`,
        undefined,
        repeatedIds,
      );
    }
    this.removed = removeAccounts.length;
    const writes: InventoryWrites = { putAccounts: [], putIdentities: [], removeAccounts };
    if (input.groups === undefined) return { writes, events, anomalies, unidentified, groups: NO_GROUP_CHANGES };

    const removedNow = new Set(removeAccounts.map((removal) => removal.id));
    const groups = diffGroups({
      connectorId: input.connectorId,
      app: input.app,
      runId: input.runId,
      now,
      previous: input.groups.previous,
      listing: { groups: listing.groups ?? [], members: listing.members ?? new Map(), invalidGroups: listing.invalidGroups ?? [] },
      complete,
      trusted: countMismatches.length === 0,
      seenGroupIdsEarlier: input.groups.seenGroupIdsEarlier ?? new Set(),
      seenMembersEarlier: input.groups.seenMembersEarlier ?? new Map(),
      maxRemovalShare: input.maxRemovalShare,
      accounts: this.accountView(removedNow, invalidIds, seenEarlier),
    });
    this.granted = groups.granted;
    this.revoked = groups.revoked;
    anomalies.push(...groups.anomalies);
    events.push(...groups.events);
    return {
      writes: { ...writes, removeGroups: groups.removeGroups, revokeMemberships: groups.closed },
      events,
      anomalies,
      unidentified,
      groups: { putGroups: groups.putGroups, access: groups.access, eventOf: groups.eventOf },
    };
  }

  /** Which accounts stay, as the group diff needs to know (see `AccountView`). */
  private accountView(removedNow: ReadonlySet<string>, invalidIds: ReadonlySet<string>, seenEarlier: ReadonlySet<string>): AccountView {
    const { listedById, previousById } = this;
    return {
      ref: (id) => {
        const account = listedById.get(id) ?? previousById.get(id);
        return account === undefined ? null : accountRef(account);
      },
      held: (id) => {
        if (listedById.has(id)) return true;
        const stored = previousById.get(id);
        return stored !== undefined && stored.removedAt === null && !removedNow.has(id);
      },
      listed: (id) => listedById.has(id) || invalidIds.has(id) || seenEarlier.has(id),
      closing: (id) => {
        if (removedNow.has(id)) return true;
        const stored = previousById.get(id);
        return stored !== undefined && stored.removedAt !== null && !listedById.has(id);
      },
    };
  }
}

/** Group changes to write before the rest of `finish()`: groups first, then grants and revocations with their events. */
export interface GroupChanges {
  readonly putGroups: readonly StoredGroup[];
  readonly access: readonly AccessChange[];
  readonly eventOf: (change: AccessChange) => RollcallEvent;
}

const NO_GROUP_CHANGES: GroupChanges = Object.freeze({
  putGroups: [],
  access: [],
  eventOf: () => {
    throw new RangeError('no access changes without groups');
  },
});

/** The writes and events of some access changes (a slice of `GroupChanges.access`), in their order. */
export function accessSlice(groups: GroupChanges, start: number, end: number): DiffSlice {
  const putMemberships: StoredMembership[] = [];
  const revokeMemberships: { groupId: string; accountId: string; revokedAt: string }[] = [];
  const events: RollcallEvent[] = [];
  for (const change of groups.access.slice(start, end)) {
    if (change.kind === 'grant') putMemberships.push(change.membership);
    else revokeMemberships.push(change.revocation);
    events.push(groups.eventOf(change));
  }
  return { writes: { putAccounts: [], removeAccounts: [], putIdentities: [], putMemberships, revokeMemberships }, events };
}

/** The whole diff in one go (one slice): for tests and small listings. */
export function diffInventory(input: DiffInput): DiffResult {
  const diff = new InventoryDiff(input);
  const accounts = diff.slice(input.listing.accounts);
  const rest = diff.finish();
  const access = accessSlice(rest.groups, 0, rest.groups.access.length);
  const groupWrites: Partial<InventoryWrites> =
    input.groups === undefined
      ? {}
      : {
          putGroups: rest.groups.putGroups,
          removeGroups: rest.writes.removeGroups ?? [],
          putMemberships: access.writes.putMemberships ?? [],
          revokeMemberships: [...(access.writes.revokeMemberships ?? []), ...(rest.writes.revokeMemberships ?? [])],
        };
  return {
    writes: {
      putAccounts: accounts.writes.putAccounts,
      putIdentities: accounts.writes.putIdentities,
      removeAccounts: rest.writes.removeAccounts,
      ...(accounts.writes.recordChanges === undefined ? {} : { recordChanges: accounts.writes.recordChanges }),
      ...groupWrites,
    },
    events: [...accounts.events, ...access.events, ...rest.events],
    counts: diff.counts,
    anomalies: rest.anomalies,
    unidentified: rest.unidentified,
  };
}
