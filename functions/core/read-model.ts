/**
 * The console's read model: the questions every page of the console (and `rollcall insights`,
 * `rollcall review`) asks of the inventory, as one port. Pages are server-side: the caller asks for
 * a page (a limit and an opaque cursor), filtered and sorted by the store; nothing here loads a
 * connector's whole inventory except the reports that must read all of it (insights, the review
 * export). The DynamoDB adapter answers every page with Queries, never a Scan (design.md section 4).
 *
 * Everything returned is inventory: emails and names are shown to the reader, never logged.
 */
import type { FieldChange } from './events.ts';
import type { AccountState, AppName, ConnectorStatus, StoredAccount, StoredIdentity, SyncCounts, SyncRun } from './types.ts';

// ---------------------------------------------------------------------------------------------
// Paging
// ---------------------------------------------------------------------------------------------

/** Rows per page when the caller does not say. */
export const DEFAULT_PAGE_SIZE = 50;
/** The most rows one page may ask for. */
export const MAX_PAGE_SIZE = 500;

export interface PageRequest {
  /** Rows wanted, 1 to MAX_PAGE_SIZE (default DEFAULT_PAGE_SIZE). */
  readonly limit?: number;
  /** `nextCursor` of the previous page, as it was returned; absent or `null` for the first page. */
  readonly cursor?: string | null;
}

/**
 * One page of rows. `nextCursor` is `null` on the last page. A filtered page may hold fewer rows
 * than asked (even none) and still have a `nextCursor`: the store reads a bounded amount per page
 * (a selective filter over 100,000 accounts must not make one request read them all), and the
 * next page goes on from where this one stopped. A cursor is opaque and bound to the query that
 * made it: passing it with another query is refused (`ConfigError`).
 */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

export type SortDirection = 'asc' | 'desc';

// ---------------------------------------------------------------------------------------------
// Connectors
// ---------------------------------------------------------------------------------------------

/** A connector as the connectors page shows it. */
export interface ConnectorOverview {
  readonly connectorId: string;
  readonly app: AppName;
  readonly status: ConnectorStatus;
  readonly statusChangedAt: string;
  /** Why RECONNECT_REQUIRED or ERROR (human, never a secret); the page highlights it. */
  readonly statusReason: string | null;
  readonly reconnectRequired: boolean;
  readonly lastSyncAt: string | null;
  readonly lastSuccessAt: string | null;
  readonly lastError: string | null;
  /** Counts of the last sync (`total`: active accounts after it). */
  readonly counts: SyncCounts;
  /** The most recent run, when any is kept (runs expire after RUN_RETENTION_DAYS). */
  readonly lastRun: SyncRun | null;
}

// ---------------------------------------------------------------------------------------------
// Accounts and groups
// ---------------------------------------------------------------------------------------------

/** A group as a row shows it. */
export interface GroupRef {
  readonly groupId: string;
  /** The group's name, else `null` (show the id). */
  readonly name: string | null;
}

/** An account with the groups it is a current member of (none for apps without groups). */
export interface AccountRow {
  readonly account: StoredAccount;
  /** Current memberships, sorted by name then id. */
  readonly groups: readonly GroupRef[];
}

/** Which accounts of a connector a page shows. Every criterion narrows (AND). */
export interface AccountFilter {
  /** Rollcall's normalised state; `unknown` selects accounts whose app's status says none. */
  readonly state?: AccountState | 'unknown';
  /** The role as the app names it (its name, else its id for accounts whose role has no name), exactly. */
  readonly role?: string;
  /** Current members of this group id. */
  readonly groupId?: string;
  /** First seen at or after this ISO time. */
  readonly firstSeenSince?: string;
  /** `active` (default): present accounts; `removed`: removed only; `all`: both. */
  readonly presence?: 'active' | 'removed' | 'all';
}

/**
 * Sort orders a connector's accounts page offers. The store answers each from a key order:
 * `accountId` is the inventory's own order of a connector's accounts. With a group filter the
 * page walks the group's members instead, in the order the store keeps them (stable from page to
 * page, but not by account id).
 */
export type AccountSortKey = 'accountId';

export interface AccountsQuery extends PageRequest {
  readonly connectorId: string;
  readonly filter?: AccountFilter;
  readonly sort?: { readonly key: AccountSortKey; readonly direction: SortDirection };
}

/** A connector's group, for filter menus: its id, name, type and current member count. */
export interface GroupOption {
  readonly groupId: string;
  readonly name: string | null;
  readonly type: string | null;
  readonly memberCount: number | null;
}

// ---------------------------------------------------------------------------------------------
// People
// ---------------------------------------------------------------------------------------------

/**
 * A person's overall state across connectors: `active` in at least one, else `pending`, else
 * `disabled`, else `removed` (every account gone); `unknown` when no account's app says.
 */
export type PersonState = 'active' | 'pending' | 'disabled' | 'removed' | 'unknown';

/** One account of a person, as a people row shows it. */
export interface PersonAccount {
  readonly connectorId: string;
  readonly app: AppName;
  readonly accountId: string;
  readonly roleName: string | null;
  readonly state: AccountState | null;
  readonly removedAt: string | null;
  readonly groups: readonly GroupRef[];
}

/** One row of the people page: one person (normalised email) across every connector. */
export interface PersonRow {
  readonly emailKey: string;
  /** A name one of the person's accounts gives (an active one's first), else `null`. */
  readonly name: string | null;
  readonly firstSeenAt: string;
  readonly state: PersonState;
  /** Every account of the person, active and removed, sorted by connector then account id. */
  readonly accounts: readonly PersonAccount[];
}

export interface PeopleQuery extends PageRequest {
  /**
   * Case-insensitive text the normalised email, or the name the person was first recorded with
   * (`StoredIdentity.name`), contains. Without it, every person. Sorted by normalised email.
   */
  readonly search?: string;
}

/** One change in an account's history. */
export type AccountHistoryEntry =
  | { readonly kind: 'first-seen'; readonly at: string }
  | { readonly kind: 'changed'; readonly at: string; readonly changes: readonly FieldChange[] }
  | { readonly kind: 'removed'; readonly at: string }
  | { readonly kind: 'restored'; readonly at: string };

/** One group membership with its history (granted, and revoked when it ended). */
export interface MembershipHistory {
  readonly groupId: string;
  readonly name: string | null;
  readonly type: string | null;
  readonly grantedAt: string;
  readonly revokedAt: string | null;
}

/** One account of a person with its history. */
export interface PersonAccountDetail {
  readonly account: StoredAccount;
  /**
   * Oldest first: first seen, each material change (role, status, state, SSO flag, email),
   * removals and returns. Changes recorded before history was kept show only as the account's
   * `lastChangedAt`.
   */
  readonly history: readonly AccountHistoryEntry[];
  /** Current and revoked memberships, sorted by name then id. */
  readonly memberships: readonly MembershipHistory[];
}

/** The person page. */
export interface PersonDetail {
  readonly emailKey: string;
  /** The identity record (first seen in any connector), `null` when it is missing. */
  readonly identity: StoredIdentity | null;
  readonly name: string | null;
  readonly state: PersonState;
  readonly accounts: readonly PersonAccountDetail[];
}

// ---------------------------------------------------------------------------------------------
// Activity
// ---------------------------------------------------------------------------------------------

export interface ActivityQuery {
  /** First day, `yyyy-mm-dd` (UTC), inclusive. */
  readonly from: string;
  /** Last day, `yyyy-mm-dd` (UTC), inclusive. */
  readonly to: string;
  /** One connector; all when absent. */
  readonly connectorId?: string;
}

/**
 * What changed on one UTC day, summed from the sync runs recorded that day (their counts; runs are
 * kept RUN_RETENTION_DAYS). Every day of the range is present, zeros included, oldest first.
 */
export interface DailyActivity {
  readonly day: string;
  /** People never seen in any connector before (`newUsers`). */
  readonly newPeople: number;
  /** New (person, connector) pairs. */
  readonly newAssociations: number;
  /** Accounts first seen. */
  readonly newAccounts: number;
  readonly removals: number;
  readonly restored: number;
  /** Accounts whose role, status, state, SSO flag or email changed. */
  readonly accountChanges: number;
  readonly accessGranted: number;
  readonly accessRevoked: number;
  /** Runs that recorded inventory changes (`completed` or `partial`). */
  readonly runs: number;
}

// ---------------------------------------------------------------------------------------------
// Insights
// ---------------------------------------------------------------------------------------------

export interface InsightsQuery {
  /** Accounts with no login for more than this many days; invitations pending for more than this. Default 90. */
  readonly days?: number;
  /** Invitations pending for more than this many days (default: `days`). */
  readonly pendingDays?: number;
  /** One connector; all when absent. */
  readonly connectorId?: string;
}

/** An account an insight lists. */
export interface InsightAccount {
  readonly connectorId: string;
  readonly app: AppName;
  readonly accountId: string;
  readonly email: string | null;
  readonly name: string | null;
  readonly roleName: string | null;
  readonly state: AccountState | null;
  readonly removedAt: string | null;
  readonly lastLoginAt: string | null;
  readonly firstSeenAt: string;
}

/** Per connector: whether its app reports last login at all, and how many active accounts it holds. */
export interface InsightCoverage {
  readonly connectorId: string;
  readonly app: AppName;
  readonly activeAccounts: number;
  /**
   * Whether any account of this connector carries a last-login time. When none does, the app does
   * not report it: no account of it is called dormant (it is listed here, not guessed).
   */
  readonly reportsLastLogin: boolean;
}

/** An account with no login for more than the threshold (or never, by the app's own record). */
export interface DormantAccount extends InsightAccount {
  /** Whole days since the last login, `null` when the app reports no login ever. */
  readonly daysSinceLogin: number | null;
}

/** An invitation not accepted for more than the threshold. */
export interface PendingInvitation extends InsightAccount {
  /** When the invitation is counted from: the app's creation time, else when Rollcall first saw it. */
  readonly pendingSince: string;
  readonly pendingSinceSource: 'created' | 'first-seen';
  readonly daysPending: number;
}

/** A person removed or disabled in some connectors but still active in others. */
export interface OffboardingGap {
  readonly emailKey: string;
  readonly name: string | null;
  /** Accounts removed or disabled. */
  readonly offboarded: readonly InsightAccount[];
  /** Accounts still active. */
  readonly stillActive: readonly InsightAccount[];
}

export interface AdminCount {
  readonly connectorId: string;
  readonly app: AppName;
  /** Active accounts holding an admin role (a role name matching ADMIN_ROLE_PATTERN). */
  readonly admins: readonly InsightAccount[];
  readonly activeAccounts: number;
}

export interface Insights {
  readonly generatedAt: string;
  readonly days: number;
  readonly pendingDays: number;
  readonly coverage: readonly InsightCoverage[];
  readonly dormant: readonly DormantAccount[];
  readonly pendingInvitations: readonly PendingInvitation[];
  readonly offboardingGaps: readonly OffboardingGap[];
  readonly adminsPerApp: readonly AdminCount[];
  /** Active accounts the app gave no email (they cannot be matched to a person). */
  readonly withoutEmail: readonly InsightAccount[];
}

/**
 * Role names counted as admin: the apps' own admin roles (an `Owner`, an `ADMIN`, an
 * `Administrator`, a `Workspace Admin`). A heuristic over names, since apps mark no role as such.
 */
export const ADMIN_ROLE_PATTERN = /\b(admin|administrator|owner|super ?user|superadmin)\b/i;

// ---------------------------------------------------------------------------------------------
// Access review
// ---------------------------------------------------------------------------------------------

/** One row of a connector's access review: what a reviewer signs off. */
export interface ReviewRow {
  readonly connectorId: string;
  readonly app: AppName;
  readonly accountId: string;
  readonly email: string | null;
  readonly name: string | null;
  readonly role: string | null;
  /** Names (else ids) of current groups, sorted. */
  readonly groups: readonly string[];
  readonly state: AccountState | null;
  /** The app's status, verbatim. */
  readonly status: string | null;
  readonly lastLoginAt: string | null;
  /**
   * Whether the connector's app reports last logins at all (some account of it carries one): when
   * not, an empty `lastLoginAt` means "not reported", never "never logged in".
   */
  readonly lastLoginReported: boolean;
  readonly firstSeenAt: string;
}

// ---------------------------------------------------------------------------------------------
// The port
// ---------------------------------------------------------------------------------------------

/** What the console and the `insights` / `review` commands read. Queries only, no writes. */
export interface ConsoleReader {
  /** Every connector, sorted by id, with its last run. */
  listConnectors(): Promise<ConnectorOverview[]>;
  /** A connector's runs, newest first. */
  listRuns(connectorId: string, page?: PageRequest): Promise<Page<SyncRun>>;
  /** A connector's groups (active), sorted by name then id: the group filter's options. */
  listGroups(connectorId: string): Promise<GroupOption[]>;
  /** A page of a connector's accounts, filtered and sorted by the store. */
  listAccounts(query: AccountsQuery): Promise<Page<AccountRow>>;
  /** A page of people across connectors, sorted by normalised email. */
  listPeople(query?: PeopleQuery): Promise<Page<PersonRow>>;
  /** One person (by any spelling of the email) with every account and its history; `null` when none. */
  getPerson(email: string): Promise<PersonDetail | null>;
  /** Changes per UTC day from the recorded runs. */
  activity(query: ActivityQuery): Promise<DailyActivity[]>;
  /** The insights report over every account (of one connector when asked). */
  insights(query?: InsightsQuery): Promise<Insights>;
  /** Every account of a connector (removed ones excluded), sorted by email then id. */
  review(connectorId: string): Promise<ReviewRow[]>;
}
