/**
 * The read model's rules, pure: what a person's state is, which accounts an insight lists, how runs
 * add up per day, how an access review row reads, how page cursors are made and checked. Every
 * `ConsoleReader` (DynamoDB, the in-memory fake) applies these, so they answer alike.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from './errors.ts';
import { searchKey } from './normalise.ts';
import type { AccountChangeRecord } from './ports.ts';
import {
  ADMIN_ROLE_PATTERN,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  type AccountFilter,
  type AccountHistoryEntry,
  type AdminCount,
  type DailyActivity,
  type DormantAccount,
  type GroupRef,
  type InsightAccount,
  type InsightCoverage,
  type Insights,
  type OffboardingGap,
  type PageRequest,
  type PendingInvitation,
  type PersonState,
  type ReviewRow,
} from './read-model.ts';
import type { AppName, StoredAccount, StoredGroup, StoredMembership, SyncRun } from './types.ts';

const DAY_MS = 86_400_000;

/** Insights' default threshold, in days. */
export const DEFAULT_INSIGHT_DAYS = 90;

// ---------------------------------------------------------------------------------------------
// Paging
// ---------------------------------------------------------------------------------------------

/** The page size asked for, checked: a whole number from 1 to MAX_PAGE_SIZE. */
export function pageLimit(request: PageRequest | undefined): number {
  const limit = request?.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new ConfigError(`page limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  return limit;
}

const CURSOR_PREFIX = 'rc1.';

/**
 * A page cursor: where the next page starts (`position`, the store's own), bound to the query that
 * made it by a digest of the query, so a cursor passed with other filters is refused rather than
 * answered from a wrong place. Base64url JSON behind a version prefix.
 */
export function encodeCursor(query: unknown, position: unknown): string {
  return CURSOR_PREFIX + Buffer.from(JSON.stringify({ q: queryDigest(query), p: position }), 'utf8').toString('base64url');
}

/** The position a cursor holds, or `null` for the first page; `ConfigError` for a cursor not made by this query. */
export function decodeCursor(query: unknown, cursor: string | null | undefined): unknown {
  if (cursor === undefined || cursor === null || cursor === '') return null;
  const refuse = (): never => {
    throw new ConfigError('the page cursor does not belong to this query: start again from the first page');
  };
  if (!cursor.startsWith(CURSOR_PREFIX)) return refuse();
  let wire: unknown;
  try {
    wire = JSON.parse(Buffer.from(cursor.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    return refuse();
  }
  if (typeof wire !== 'object' || wire === null) return refuse();
  const { q, p } = wire as { q?: unknown; p?: unknown };
  if (q !== queryDigest(query) || p === undefined || p === null) return refuse();
  return p;
}

function queryDigest(query: unknown): string {
  return createHash('sha256').update(JSON.stringify(query ?? null)).digest('base64url').slice(0, 16);
}

/** A string position from a decoded cursor, or `ConfigError`. */
export function stringPosition(position: unknown): string {
  if (typeof position !== 'string') throw new ConfigError('the page cursor does not belong to this query: start again from the first page');
  return position;
}

// ---------------------------------------------------------------------------------------------
// Accounts, groups, people
// ---------------------------------------------------------------------------------------------

/** The role as people read it: its name when the app's role list gave one, else its id. */
export function roleOf(account: StoredAccount): string | null {
  return account.roleName ?? account.roleId;
}

/** Checks an account filter's values; `ConfigError` names the field, never the value. */
export function checkAccountFilter(filter: AccountFilter | undefined): AccountFilter {
  const checked = filter ?? {};
  if (checked.firstSeenSince !== undefined && Number.isNaN(Date.parse(checked.firstSeenSince))) {
    throw new ConfigError('firstSeenSince is not a valid timestamp');
  }
  if (checked.presence !== undefined && !['active', 'removed', 'all'].includes(checked.presence)) {
    throw new ConfigError('presence must be active, removed or all');
  }
  if (checked.state !== undefined && !['active', 'pending', 'disabled', 'unknown'].includes(checked.state)) {
    throw new ConfigError('state must be active, pending, disabled or unknown');
  }
  return checked;
}

/** `firstSeenSince` in the stored form (`Date#toISOString`), so strings compare as times. */
export function normalisedSince(filter: AccountFilter): string | null {
  return filter.firstSeenSince === undefined ? null : new Date(Date.parse(filter.firstSeenSince)).toISOString();
}

/** Whether an account passes a filter's account-level criteria (the group criterion is the store's). */
export function matchesAccountFilter(account: StoredAccount, filter: AccountFilter): boolean {
  const presence = filter.presence ?? 'active';
  if (presence === 'active' && account.removedAt !== null) return false;
  if (presence === 'removed' && account.removedAt === null) return false;
  if (filter.state !== undefined && (account.state ?? 'unknown') !== filter.state) return false;
  if (filter.role !== undefined && roleOf(account) !== filter.role) return false;
  const since = normalisedSince(filter);
  if (since !== null && account.firstSeenAt < since) return false;
  return true;
}

/** Groups as rows show them, sorted by name (groups without one last) then id. */
export function sortGroupRefs<T extends GroupRef>(groups: readonly T[]): T[] {
  return [...groups].sort(
    (a, b) =>
      (a.name === null ? 1 : 0) - (b.name === null ? 1 : 0) || compareText(a.name ?? '', b.name ?? '') || compareText(a.groupId, b.groupId),
  );
}

/** The current groups of an account, from its memberships and the connector's groups. */
export function currentGroups(memberships: readonly StoredMembership[], groupsById: ReadonlyMap<string, StoredGroup>): GroupRef[] {
  return sortGroupRefs(
    memberships
      .filter((membership) => membership.revokedAt === null)
      .map((membership) => ({ groupId: membership.groupId, name: groupsById.get(membership.groupId)?.name ?? null })),
  );
}

/** Active (present, and neither disabled nor pending: an unknown state counts as present). */
export function isActive(account: StoredAccount): boolean {
  return account.removedAt === null && account.state !== 'disabled' && account.state !== 'pending';
}

/** Removed from the app, or disabled in it. */
export function isOffboarded(account: StoredAccount): boolean {
  return account.removedAt !== null || account.state === 'disabled';
}

/** A person's state across connectors (see `PersonState`). */
export function personState(accounts: readonly StoredAccount[]): PersonState {
  const present = accounts.filter((account) => account.removedAt === null);
  if (present.length === 0) return accounts.length === 0 ? 'unknown' : 'removed';
  if (present.some((account) => account.state === 'active')) return 'active';
  if (present.some((account) => account.state === 'pending')) return 'pending';
  if (present.some((account) => account.state === 'disabled')) return 'disabled';
  return 'unknown';
}

/** The name a person goes by: a present account's (smallest connector and id first), else a removed one's. */
export function personName(accounts: readonly StoredAccount[]): string | null {
  const named = sortAccounts(accounts.filter((account) => account.name !== null));
  return (named.find((account) => account.removedAt === null) ?? named[0])?.name ?? null;
}

/** By connector, then account id. */
export function sortAccounts(accounts: readonly StoredAccount[]): StoredAccount[] {
  return [...accounts].sort((a, b) => compareText(a.connectorId, b.connectorId) || compareText(a.id, b.id));
}

/** Whether a person matches a search: the email or a name of theirs contains the text (case-insensitive). */
export function matchesSearch(emailKey: string, names: readonly (string | null)[], search: string): boolean {
  if (emailKey.includes(search)) return true;
  return names.some((name) => name !== null && searchKey(name).includes(search));
}


/** An account's history, oldest first: first seen, then the recorded changes, removals and returns. */
export function historyOf(account: StoredAccount, records: readonly AccountChangeRecord[]): AccountHistoryEntry[] {
  const entries: AccountHistoryEntry[] = [{ kind: 'first-seen', at: account.firstSeenAt }];
  const sorted = [...records].sort((a, b) => compareText(a.at, b.at));
  for (const record of sorted) {
    if (record.kind === 'changed') entries.push({ kind: 'changed', at: record.at, changes: record.changes });
    else entries.push({ kind: record.kind, at: record.at });
  }
  // A removal written before history was kept still shows.
  if (account.removedAt !== null && !sorted.some((record) => record.kind === 'removed' && record.at === account.removedAt)) {
    entries.push({ kind: 'removed', at: account.removedAt });
  }
  return entries;
}

// ---------------------------------------------------------------------------------------------
// Activity
// ---------------------------------------------------------------------------------------------

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
/** The longest activity range one question may ask (a little over the runs' retention). */
export const MAX_ACTIVITY_DAYS = 400;

/** Every day from `from` to `to`, checked (`yyyy-mm-dd`, in order, at most MAX_ACTIVITY_DAYS). */
export function activityDays(from: string, to: string): string[] {
  const fromMs = DAY_PATTERN.test(from) ? Date.parse(`${from}T00:00:00.000Z`) : Number.NaN;
  const toMs = DAY_PATTERN.test(to) ? Date.parse(`${to}T00:00:00.000Z`) : Number.NaN;
  if (Number.isNaN(fromMs) || Number.isNaN(toMs)) throw new ConfigError('activity days must be dates written yyyy-mm-dd');
  if (toMs < fromMs) throw new ConfigError('the activity range ends before it starts');
  const count = (toMs - fromMs) / DAY_MS + 1;
  if (count > MAX_ACTIVITY_DAYS) throw new ConfigError(`the activity range is longer than ${MAX_ACTIVITY_DAYS} days`);
  return Array.from({ length: count }, (_, index) => new Date(fromMs + index * DAY_MS).toISOString().slice(0, 10));
}

/**
 * Runs summed per UTC day of their start. Only runs that changed the inventory count: `completed`
 * and `partial` ones (a partial run records what its own invocation wrote, and the run that
 * completes the listing what it added after). Runs outside the days are ignored.
 */
export function dailyActivity(days: readonly string[], runs: readonly SyncRun[]): DailyActivity[] {
  type Mutable = { -readonly [K in keyof DailyActivity]: DailyActivity[K] };
  const byDay = new Map<string, Mutable>();
  for (const day of days) {
    byDay.set(day, {
      day,
      newPeople: 0,
      newAssociations: 0,
      newAccounts: 0,
      removals: 0,
      restored: 0,
      accountChanges: 0,
      accessGranted: 0,
      accessRevoked: 0,
      runs: 0,
    });
  }
  for (const run of runs) {
    if (run.outcome !== 'completed' && run.outcome !== 'partial') continue;
    const entry = byDay.get(run.startedAt.slice(0, 10));
    if (entry === undefined) continue;
    entry.runs += 1;
    entry.newPeople += run.counts.newUsers;
    entry.newAssociations += run.counts.associations;
    entry.newAccounts += run.counts.new;
    entry.removals += run.counts.removed;
    entry.restored += run.counts.restored;
    entry.accountChanges += run.counts.changed;
    entry.accessGranted += run.counts.accessGranted;
    entry.accessRevoked += run.counts.accessRevoked;
  }
  return [...byDay.values()];
}

// ---------------------------------------------------------------------------------------------
// Insights
// ---------------------------------------------------------------------------------------------

export interface InsightsInput {
  readonly now: Date;
  readonly days: number;
  readonly pendingDays: number;
  /** Every connector (sorted by id), with its app. */
  readonly connectors: readonly { readonly connectorId: string; readonly app: AppName }[];
  /** Every account of those connectors, active and removed. */
  readonly accounts: Iterable<StoredAccount>;
  /**
   * Report on this connector only. Offboarding gaps still need every connector's accounts (the
   * person may be gone here and active elsewhere, or the other way round): those listed involve it.
   */
  readonly connectorId?: string;
}

/** Checks a threshold in days: a whole number from 0 to 36,500. */
export function insightDays(value: number | undefined, field: string, fallback: number): number {
  const days = value ?? fallback;
  if (!Number.isInteger(days) || days < 0 || days > 36_500) throw new ConfigError(`${field} must be a whole number of days from 0 to 36500`);
  return days;
}

/**
 * The insights over a set of accounts, in one pass plus one per person with several accounts.
 * Dormancy is judged only where the app reports last logins (`InsightCoverage.reportsLastLogin`):
 * in such an app an active account with no login time has never logged in, and is listed when it
 * was first seen more than `days` ago; in an app that reports none, no account is called dormant.
 */
export function computeInsights(input: InsightsInput): Insights {
  const nowMs = input.now.getTime();
  const dormantBefore = new Date(nowMs - input.days * DAY_MS).toISOString();
  const pendingBefore = new Date(nowMs - input.pendingDays * DAY_MS).toISOString();
  const coverage = new Map<string, { connectorId: string; app: AppName; activeAccounts: number; reportsLastLogin: boolean }>();
  for (const connector of input.connectors) {
    coverage.set(connector.connectorId, { connectorId: connector.connectorId, app: connector.app, activeAccounts: 0, reportsLastLogin: false });
  }
  const neverLoggedIn: StoredAccount[] = [];
  const dormant: DormantAccount[] = [];
  const pendingInvitations: PendingInvitation[] = [];
  const withoutEmail: InsightAccount[] = [];
  const admins = new Map<string, InsightAccount[]>();
  const byPerson = new Map<string, StoredAccount[]>();
  for (const account of input.accounts) {
    const cover = coverage.get(account.connectorId);
    if (cover === undefined) continue;
    if (account.lastLoginAt !== null) cover.reportsLastLogin = true;
    if (account.emailKey !== null) {
      const held = byPerson.get(account.emailKey);
      if (held === undefined) byPerson.set(account.emailKey, [account]);
      else held.push(account);
    }
    if (account.removedAt !== null || (input.connectorId !== undefined && account.connectorId !== input.connectorId)) continue;
    cover.activeAccounts += 1;
    if (account.emailKey === null) withoutEmail.push(insightAccount(account));
    if (account.state === 'pending') {
      const since = account.createdAt !== null && !Number.isNaN(Date.parse(account.createdAt)) ? account.createdAt : null;
      const pendingSince = since === null ? account.firstSeenAt : new Date(Date.parse(since)).toISOString();
      if (pendingSince < pendingBefore) {
        pendingInvitations.push({
          ...insightAccount(account),
          pendingSince,
          pendingSinceSource: since === null ? 'first-seen' : 'created',
          daysPending: Math.floor((nowMs - Date.parse(pendingSince)) / DAY_MS),
        });
      }
    }
    if (isActive(account)) {
      const role = roleOf(account);
      if (role !== null && ADMIN_ROLE_PATTERN.test(role)) {
        const list = admins.get(account.connectorId);
        if (list === undefined) admins.set(account.connectorId, [insightAccount(account)]);
        else list.push(insightAccount(account));
      }
      const loginMs = account.lastLoginAt === null ? Number.NaN : Date.parse(account.lastLoginAt);
      if (Number.isNaN(loginMs)) {
        if (account.firstSeenAt < dormantBefore) neverLoggedIn.push(account);
      } else if (loginMs < nowMs - input.days * DAY_MS) {
        dormant.push({ ...insightAccount(account), daysSinceLogin: Math.floor((nowMs - loginMs) / DAY_MS) });
      }
    }
  }
  // Known only once every account was seen: whether the app reports logins at all.
  for (const account of neverLoggedIn) {
    if (coverage.get(account.connectorId)?.reportsLastLogin === true) dormant.push({ ...insightAccount(account), daysSinceLogin: null });
  }

  const offboardingGaps: OffboardingGap[] = [];
  for (const [emailKey, accounts] of byPerson) {
    const offboarded = accounts.filter(isOffboarded);
    const stillActive = accounts.filter(isActive);
    if (offboarded.length === 0 || stillActive.length === 0) continue;
    // The same app's account replaced by another (a new id for the same person) is no gap.
    const activeConnectors = new Set(stillActive.map((account) => account.connectorId));
    const offboardedElsewhere = offboarded.filter((account) => !activeConnectors.has(account.connectorId));
    if (offboardedElsewhere.length === 0) continue;
    const only = input.connectorId;
    if (only !== undefined && ![...offboardedElsewhere, ...stillActive].some((account) => account.connectorId === only)) continue;
    offboardingGaps.push({
      emailKey,
      name: personName(accounts),
      offboarded: sortAccounts(offboardedElsewhere).map(insightAccount),
      stillActive: sortAccounts(stillActive).map(insightAccount),
    });
  }

  const byConnectorThenAccount = (a: InsightAccount, b: InsightAccount) => compareText(a.connectorId, b.connectorId) || compareText(a.accountId, b.accountId);
  const coverageRows: InsightCoverage[] = [...coverage.values()].filter(
    (cover) => input.connectorId === undefined || cover.connectorId === input.connectorId,
  );
  const adminsPerApp: AdminCount[] = coverageRows.map((cover) => ({
    connectorId: cover.connectorId,
    app: cover.app,
    admins: (admins.get(cover.connectorId) ?? []).sort(byConnectorThenAccount),
    activeAccounts: cover.activeAccounts,
  }));
  return {
    generatedAt: input.now.toISOString(),
    days: input.days,
    pendingDays: input.pendingDays,
    coverage: coverageRows,
    dormant: dormant.sort(byConnectorThenAccount),
    pendingInvitations: pendingInvitations.sort(byConnectorThenAccount),
    offboardingGaps: offboardingGaps.sort((a, b) => compareText(a.emailKey, b.emailKey)),
    adminsPerApp,
    withoutEmail: withoutEmail.sort(byConnectorThenAccount),
  };
}

export function insightAccount(account: StoredAccount): InsightAccount {
  return {
    connectorId: account.connectorId,
    app: account.app,
    accountId: account.id,
    email: account.email,
    name: account.name,
    roleName: roleOf(account),
    state: account.state,
    removedAt: account.removedAt,
    lastLoginAt: account.lastLoginAt,
    firstSeenAt: account.firstSeenAt,
  };
}

// ---------------------------------------------------------------------------------------------
// Access review
// ---------------------------------------------------------------------------------------------

/**
 * A connector's review rows: its present accounts with their current groups' names (else ids),
 * sorted by email (accounts without one last) then id.
 */
export function reviewRows(
  accounts: readonly StoredAccount[],
  memberships: readonly StoredMembership[],
  groups: readonly StoredGroup[],
): ReviewRow[] {
  const groupsById = new Map(groups.map((group) => [group.id, group]));
  const groupsOf = new Map<string, StoredMembership[]>();
  for (const membership of memberships) {
    if (membership.revokedAt !== null) continue;
    const list = groupsOf.get(membership.accountId);
    if (list === undefined) groupsOf.set(membership.accountId, [membership]);
    else list.push(membership);
  }
  const lastLoginReported = accounts.some((account) => account.lastLoginAt !== null);
  return accounts
    .filter((account) => account.removedAt === null)
    .sort(
      (a, b) =>
        (a.emailKey === null ? 1 : 0) - (b.emailKey === null ? 1 : 0) || compareText(a.emailKey ?? '', b.emailKey ?? '') || compareText(a.id, b.id),
    )
    .map((account) => ({
      connectorId: account.connectorId,
      app: account.app,
      accountId: account.id,
      email: account.email,
      name: account.name,
      role: roleOf(account),
      groups: currentGroups(groupsOf.get(account.id) ?? [], groupsById).map((group) => group.name ?? group.groupId),
      state: account.state,
      status: account.status,
      lastLoginAt: account.lastLoginAt,
      lastLoginReported,
      firstSeenAt: account.firstSeenAt,
    }));
}

/** Code-unit order: stable across locales, as keys compare in DynamoDB. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
