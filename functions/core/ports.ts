/**
 * The core's ports: small interfaces the adapters implement (style.md section 3).
 * The core imports no AWS SDK, HTTP library or file system; everything arrives through these.
 */
import type {
  Account,
  AppName,
  ConnectorDefinition,
  ConnectorState,
  Group,
  InvalidRecord,
  LeaseHolder,
  StoredAccount,
  StoredGroup,
  StoredIdentity,
  StoredMembership,
  SyncCounts,
  SyncRun,
} from './types.ts';
import type { RollcallEvent } from './events.ts';

// ---------------------------------------------------------------------------------------------
// Connector
// ---------------------------------------------------------------------------------------------

/** One page of one listing stream. */
export interface AccountPage {
  readonly accounts: readonly Account[];
  readonly invalid: readonly InvalidRecord[];
  /** Opaque cursor of the next page; `null` when this stream is exhausted. */
  readonly nextCursor: string | null;
  /**
   * How many accounts the API says this stream holds (a GraphQL `totalCount`), when it says. The
   * core checks it against the distinct ids the stream listed: a mismatch makes the listing
   * incomplete, so it removes nothing.
   */
  readonly total?: number;
  /** Groups listed on this page (connectors with `listsGroups`). */
  readonly groups?: readonly Group[];
  /**
   * Members listed on this page, per group; one group's members may span many pages (and
   * several entries). Never for implicit groups.
   */
  readonly members?: readonly GroupMembers[];
}

/** Some members of one group: account ids of the same connector. */
export interface GroupMembers {
  readonly groupId: string;
  readonly accountIds: readonly string[];
}

/**
 * A SaaS connector. The core drives paging (one page per call, never a loop inside the connector),
 * so it can cap pages, detect repeated cursors, checkpoint and report progress in one place.
 */
export interface Connector {
  readonly app: AppName;
  /**
   * Independent listing streams whose union is the complete account list (e.g. `local` and `sso`).
   * Accounts are de-duplicated by id across streams; when several list one id, the record of the
   * stream that comes last here wins, so put the most specific listing last.
   */
  readonly streams: readonly string[];
  /**
   * The connector lists groups and memberships (on any of its streams). When `false` or absent the
   * core neither loads nor diffs groups, so an app without groups pays nothing for them. When
   * `true`, a complete listing that lists no group of a stored one removes it.
   */
  readonly listsGroups?: boolean;
  /** Fetch one page of a stream. `cursor` is `null` for the first page. */
  listPage(stream: string, cursor: string | null): Promise<AccountPage>;
  /**
   * Told, while a listing from the first page runs, what the inventory holds for this connector
   * (the accounts of its last complete listing), as soon as they are loaded. A connector whose
   * streams share one rate limit estimates from them how long each stream is, to pace the streams
   * so that they end together.
   */
  expectListing?(held: readonly StoredAccount[]): void;
}

/**
 * Credentials as the core sees them: opaque named strings. Which names an app needs (an OAuth
 * client's id and secret, or one API key) is declared by its registry entry, and the
 * credential adapters check them before any connector is built.
 */
export type ConnectorCredentials = Readonly<Record<string, string>>;

/** Credentials plus a fingerprint that changes when they change (Secrets Manager VersionId, or a hash). */
export interface ResolvedCredentials {
  readonly credentials: ConnectorCredentials;
  readonly fingerprint: string;
}

export interface CredentialSource {
  /** Throws `ConfigError` when the credentials are missing or have the wrong shape (naming fields, never values). */
  get(connectorId: string): Promise<ResolvedCredentials>;
}

// ---------------------------------------------------------------------------------------------
// Inventory store
// ---------------------------------------------------------------------------------------------

/** What one sync writes. Only changed things appear here: unchanged accounts cost nothing. */
export interface InventoryWrites {
  /** Accounts to create or overwrite (new, changed, refreshed, back from removal). */
  readonly putAccounts: readonly StoredAccount[];
  /** Accounts to mark removed. */
  readonly removeAccounts: readonly { readonly id: string; readonly removedAt: string }[];
  /** People seen for the first time in any connector (written only if still absent). */
  readonly putIdentities: readonly StoredIdentity[];
  /** Groups to create or overwrite (new, changed, back from removal). */
  readonly putGroups?: readonly StoredGroup[];
  /** Groups to mark removed (one the inventory does not hold: nothing to mark, no error). */
  readonly removeGroups?: readonly { readonly id: string; readonly removedAt: string }[];
  /** Memberships granted: new, or back after a revocation (`revokedAt` null). */
  readonly putMemberships?: readonly StoredMembership[];
  /**
   * Memberships to mark revoked (kept, with `revokedAt`, for the history); one the inventory does
   * not hold: nothing to mark, no error.
   */
  readonly revokeMemberships?: readonly { readonly groupId: string; readonly accountId: string; readonly revokedAt: string }[];
}

export interface GroupQuery {
  readonly connectorId?: string;
  readonly includeRemoved?: boolean;
}

export interface MembershipQuery {
  readonly connectorId?: string;
  readonly groupId?: string;
  readonly accountId?: string;
  readonly includeRevoked?: boolean;
}

/**
 * The inventory's groups and memberships. A sync loads a connector's (only when its connector
 * `listsGroups`, so apps without groups pay nothing); readers query them. `SyncStore` holds the
 * loads and `InventoryReader` the queries.
 */
export interface GroupStore {
  /** Every group of a connector, active and removed. */
  loadGroups(connectorId: string): Promise<StoredGroup[]>;
  /** Every membership of a connector, current and revoked. */
  loadMemberships(connectorId: string): Promise<StoredMembership[]>;
  /** Groups (active only unless `includeRemoved`), sorted by connector and group id. */
  queryGroups(query: GroupQuery): Promise<StoredGroup[]>;
  /** Memberships (current only unless `includeRevoked`), sorted by connector, group id and account id. */
  queryMemberships(query: MembershipQuery): Promise<StoredMembership[]>;
}

export interface AccountQuery {
  readonly connectorId?: string;
  /** Normalised email. */
  readonly emailKey?: string;
  /** ISO timestamp: only accounts first seen at or after it. */
  readonly firstSeenSince?: string;
  readonly includeRemoved?: boolean;
}

export interface LeaseRequest {
  readonly connectorId: string;
  readonly app: AppName;
  readonly owner: string;
  /** Stored with the lease: a later poll (or `rollcall unlock`) can tell whether it is still there. */
  readonly holder?: LeaseHolder | null;
  readonly now: string;
  readonly nowMs: number;
  readonly leaseMs: number;
  /**
   * Take over this owner's lease even though it has not expired (its holder is provably gone).
   * Conditional on that very owner still holding it, so a third poll that got there first wins.
   */
  readonly takeOverFrom?: string;
}

/** Tells whether a lease's holder is provably gone (the CLI: a dead pid on this very host). */
export interface LeaseHolderProbe {
  /** `true` only with proof; a holder that cannot be checked from here is not gone. */
  isGone(holder: LeaseHolder): boolean;
}

export interface PutConnectorOptions {
  /** Write only if no poll holds a live lease at this time (epoch ms), else `LeaseBusyError`. */
  readonly unlessLeasedAtMs?: number;
  /** Write only if this owner still holds the lease (breaking exactly that lease), else `LeaseBusyError`. */
  readonly ifLeaseOwner?: string;
}

/**
 * Where a listing that did not fit in one invocation stopped (issue "Scale and cost", time budget).
 * The next poll resumes from the cursors; removals wait until some invocation completes the listing,
 * and then consider every id seen by any invocation of it.
 */
export interface ListingCheckpoint {
  readonly connectorId: string;
  /** The run that started the listing. */
  readonly listingId: string;
  readonly startedAt: string;
  /** Per stream: the cursor of the next page, or `done`. */
  readonly streams: Readonly<Record<string, StreamPosition>>;
  /** Every account id listed so far (valid or invalid), across invocations. */
  readonly seenIds: readonly string[];
  /** Changes found so far, added up across invocations. */
  readonly counts: SyncCounts;
  /** Records without a usable id met so far: they hold the removals at the end of the listing. */
  readonly unidentified: number;
  readonly invocations: number;
  /** Group ids listed so far (connectors with groups): never removal candidates. */
  readonly seenGroupIds?: readonly string[];
  /** Per group, the member account ids listed so far: never revocation candidates. */
  readonly seenMembers?: Readonly<Record<string, readonly string[]>>;
}

export interface StreamPosition {
  readonly cursor: string | null;
  readonly done: boolean;
  /** Pages fetched so far across invocations (the page cap holds across them). */
  readonly pages: number;
  /**
   * Records (distinct ids, plus records without one) the stream listed so far across invocations,
   * checked against `total` once the stream is done. Absent in checkpoints written before it existed.
   */
  readonly listed?: number;
  /** The last `AccountPage.total` the stream reported, when it reports one. */
  readonly total?: number;
}

/**
 * What a sync needs of the inventory (`pollConnector`, and `rollcall reconnect`/`unlock`, which
 * write the connector's row outside a sync): the lease and connector state, the connector's
 * accounts, known identities, the writes, the listing checkpoint and the run record.
 */
export interface SyncStore {
  getConnector(connectorId: string): Promise<ConnectorState | null>;
  /**
   * Conditionally take the connector's lease and mark it SYNCING (creating the connector row if
   * absent). Returns the state as it was before, or throws `LeaseBusyError` (with the lease in the
   * way, when readable) when another live poll holds it.
   */
  acquireLease(request: LeaseRequest): Promise<ConnectorState | null>;
  /** Write the final connector state and release the lease held by `owner` (conditional on owning it). */
  finishSync(state: ConnectorState, owner: string): Promise<void>;
  /** Write connector state outside a sync (`rollcall reconnect`, `rollcall unlock`), conditional as asked. */
  putConnector(state: ConnectorState, options?: PutConnectorOptions): Promise<void>;

  /** Every account of a connector, active and removed. */
  loadAccounts(connectorId: string): Promise<StoredAccount[]>;
  /** Which of these normalised emails have an identity record (are known in any connector). */
  findKnownIdentities(emailKeys: readonly string[]): Promise<Set<string>>;
  applyWrites(connectorId: string, writes: InventoryWrites): Promise<void>;
  loadGroups(connectorId: string): Promise<StoredGroup[]>;
  loadMemberships(connectorId: string): Promise<StoredMembership[]>;

  loadCheckpoint(connectorId: string): Promise<ListingCheckpoint | null>;
  saveCheckpoint(checkpoint: ListingCheckpoint): Promise<void>;
  clearCheckpoint(connectorId: string): Promise<void>;

  recordRun(run: SyncRun): Promise<void>;
}

/** What readers need of the inventory (the CLI's read commands, the console): queries only, no writes. */
export interface InventoryReader {
  getConnector(connectorId: string): Promise<ConnectorState | null>;
  listConnectors(): Promise<ConnectorState[]>;
  queryAccounts(query: AccountQuery): Promise<StoredAccount[]>;
  queryIdentities(firstSeenSince: string): Promise<StoredIdentity[]>;
  queryGroups(query: GroupQuery): Promise<StoredGroup[]>;
  queryMemberships(query: MembershipQuery): Promise<StoredMembership[]>;
  listRuns(connectorId: string, limit?: number): Promise<SyncRun[]>;
}

/**
 * Connectors as data (their definitions), and the claim that makes one poll per due time however
 * many dispatchers or watchers look at once.
 */
export interface ConnectorDefinitionStore {
  getDefinition(connectorId: string): Promise<ConnectorDefinition | null>;
  /** Every definition, sorted by connector id. */
  listDefinitions(): Promise<ConnectorDefinition[]>;
  /** Creates it, or throws `ConnectorExistsError` (core/definition-errors.ts) when the id is taken. */
  createDefinition(definition: ConnectorDefinition): Promise<void>;
  /**
   * Replaces it, conditional on the stored one still having `expectedUpdatedAt` (another writer in
   * between: `ConcurrentChangeError`); a definition that is gone: `ConnectorNotFoundError`.
   */
  updateDefinition(definition: ConnectorDefinition, expectedUpdatedAt: string): Promise<void>;
  /** Deletes the definition only (not the inventory); deleting one that is gone is no error. */
  deleteDefinition(connectorId: string): Promise<void>;
  /** Enabled definitions with `nextDueAt` at or before `now`, earliest first, at most `limit`. */
  listDue(now: string, limit: number): Promise<ConnectorDefinition[]>;
  /**
   * Moves `nextDueAt` from `expected` to `next`, only if it still is `expected`: `true` when this
   * caller won the poll, `false` when another dispatcher or watcher claimed it first.
   */
  claimDue(connectorId: string, expected: string, next: string): Promise<boolean>;
}

/** What deleting a connector's inventory deletes (or would delete), per item kind. */
export interface PurgeCounts {
  readonly accounts: number;
  readonly groups: number;
  readonly memberships: number;
  readonly runs: number;
  /** Listing checkpoint items (a large checkpoint is stored in several). */
  readonly checkpoints: number;
  /** Items of the connector of any other kind (an adapter's own, such as an account's history). */
  readonly other: number;
  /** People (identity records) known through no other connector. */
  readonly identities: number;
  /** The connector's state row (0 or 1). */
  readonly states: number;
}

/**
 * Deleting a connector's inventory (`rollcall connectors remove --purge`). The definition is not
 * part of it: the caller deletes that first, so that nothing polls the connector any more.
 */
export interface ConnectorPurge {
  /** What `purgeConnector` would delete now. */
  planPurge(connectorId: string): Promise<PurgeCounts>;
  /**
   * Deletes the connector's accounts, memberships, groups, runs, checkpoint and the people known
   * through no other connector, and its state row last. A purge that stops part-way leaves a
   * subset of these, and running it again finishes it: every step finds its items afresh, and the
   * state row, deleted last, keeps the connector listed until then. The caller holds the
   * connector's lease as `leaseOwner`, so no poll of it writes meanwhile; the state row is deleted
   * only while that lease is still the caller's (else `LeaseBusyError`).
   */
  purgeConnector(connectorId: string, leaseOwner: string): Promise<PurgeCounts>;
}

/** Both sides: what an adapter (DynamoDB, the in-memory fake) implements. */
export interface InventoryStore extends SyncStore, InventoryReader, GroupStore {}

/** The whole table as the CLI and the deployment's dispatcher use it: inventory, connector definitions and purges. */
export interface FleetStore extends InventoryStore, ConnectorDefinitionStore, ConnectorPurge {}

// ---------------------------------------------------------------------------------------------
// Events, clock, logging
// ---------------------------------------------------------------------------------------------

export interface EventSink {
  /** Publish all or throw: a partial failure must not be reported as success. */
  publish(events: readonly RollcallEvent[]): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Structured attributes: ids and counts only, never emails, names or secrets (style.md section 6). */
export type LogAttributes = Record<string, string | number | boolean | null | undefined>;

/** A narrow logger any fake, pino or Powertools satisfies. */
export interface Logger {
  debug(message: string, attributes?: LogAttributes): void;
  info(message: string, attributes?: LogAttributes): void;
  warn(message: string, attributes?: LogAttributes): void;
  error(message: string, attributes?: LogAttributes): void;
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** Progress of a listing, for progress bars on a terminal. */
export interface ListingProgress {
  readonly pages: number;
  readonly accounts: number;
}

/** Progress of a whole poll: the listing (its total unknown until the last page), then the writes. */
export type PollProgress =
  | ({ readonly phase: 'listing' } & ListingProgress)
  | { readonly phase: 'writing'; readonly written: number; readonly total: number };

// ---------------------------------------------------------------------------------------------
// Provisioning (design.md section 6: the core owns the rules, the app only executes)
// ---------------------------------------------------------------------------------------------

/** One page of one group's members, as the app answers it (account ids of the same connector). */
export interface GroupMembersPage {
  readonly accountIds: readonly string[];
  /** Opaque cursor of the next page; `null` on the last. */
  readonly nextCursor: string | null;
  /** `false` when the app no longer has the group. */
  readonly found: boolean;
}

/**
 * What an app can change, executing only: the core (`core/provision.ts`) decides whether a change
 * is allowed, whether it is needed, and what it means for the inventory. The core drives paging
 * of the read-back, one page per call, as it does for listings.
 */
export interface Provisioner {
  readonly app: AppName;
  /** Group types whose membership the app lets a client change (e.g. `MANUAL`). */
  readonly changeableGroupTypes: readonly string[];
  /** Adds the account to the group; throws the core's errors (`WriteNotAllowedError`, `ChangeRejectedError`, ...). */
  addMember(groupId: string, accountId: string): Promise<void>;
  removeMember(groupId: string, accountId: string): Promise<void>;
  /** One page of the group's current members, read from the app (never from a cache). */
  membersPage(groupId: string, cursor: string | null): Promise<GroupMembersPage>;
}
