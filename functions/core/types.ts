/**
 * The collector's vocabulary (design.md sections 4-6). Pure data, no I/O.
 */

/**
 * Connector ids appear in construct ids, DynamoDB keys, metric dimensions and log lines, so they
 * stay short and plain: 1-48 lower-case letters, digits and inner hyphens. The CLI and the
 * deployment accept the same ids, so an inventory can move between them.
 */
export const CONNECTOR_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;

/** Connector status, design.md section 5. */
export type ConnectorStatus = 'CONNECTED' | 'SYNCING' | 'RECONNECT_REQUIRED' | 'ERROR';

/**
 * An app's registry name, as in cdk.json and `--app`. The core knows no app: the registry
 * (`functions/connectors/index.ts`) validates names where they enter (config, CLI flags).
 */
export type AppName = string;

/**
 * An account's state in Rollcall's own words, beside the app's verbatim status: whether the
 * person can use the account now (`active`), has been invited or not yet confirmed (`pending`),
 * or is blocked (`disabled`). `null` when the app's status does not say.
 */
export const ACCOUNT_STATES = ['active', 'pending', 'disabled'] as const;
export type AccountState = (typeof ACCOUNT_STATES)[number];

/**
 * One account as a connector reports it, already validated and normalised.
 * Every field but `id` may be missing upstream (the vendor marks none as required), hence `null`.
 */
export interface Account {
  /** The app's own account id: the key of the account within its connector. */
  readonly id: string;
  /** The email as the app spells it (kept for display). */
  readonly email: string | null;
  /** Lower-cased, trimmed email: the identity key across connectors. `null` when the app gave none. */
  readonly emailKey: string | null;
  /**
   * The person's name as the app gives it (a formatted name, else given and family names,
   * else a display name). Inventory, never log material.
   */
  readonly name: string | null;
  /** The name the person signs in with, when the app has one besides the email (e.g. a `userName`). */
  readonly login: string | null;
  /** The id the app holds for the account in the system that provisions it (e.g. an `externalId`). */
  readonly externalId: string | null;
  readonly roleId: string | null;
  /** Resolved from the app's role list; `null` when the role is unknown. */
  readonly roleName: string | null;
  /** The app's account status, verbatim (e.g. INVITATION_SENT, VERIFIED). */
  readonly status: string | null;
  /** The status normalised by the connector (e.g. VERIFIED -> active, INVITATION_SENT -> pending). */
  readonly state: AccountState | null;
  readonly ssoProvisioned: boolean | null;
  /** ISO-8601 timestamps as the app gave them. */
  readonly createdAt: string | null;
  /** When the app last changed the record, as it says (e.g. a `lastModified` or `updatedAt`). */
  readonly updatedAt: string | null;
  readonly lastLoginAt: string | null;
}

/**
 * The fields whose change makes an `AccountChanged` (design.md section 4). A `state` where the
 * stored account has none is not a change: items stored before states existed read back without
 * one, and the first listing after the upgrade only fills it in (see `diff.ts`). The others
 * (email as spelt, role name, name, login, external id, times) are refreshed without an event.
 */
export const MATERIAL_FIELDS = ['roleId', 'status', 'state', 'ssoProvisioned', 'emailKey'] as const;
export type MaterialField = (typeof MATERIAL_FIELDS)[number];

/** An account as the inventory keeps it. */
export interface StoredAccount extends Account {
  readonly connectorId: string;
  readonly app: AppName;
  /** When Rollcall first saw this account id in this connector. */
  readonly firstSeenAt: string;
  /** When a material field last changed (or `firstSeenAt`). */
  readonly lastChangedAt: string;
  /** Set while the account is absent from complete listings; cleared when it comes back. */
  readonly removedAt: string | null;
}

/**
 * A group of an app (e.g. a group of users granted access to resources), as a connector reports
 * it. Apps without groups report none.
 */
export interface Group {
  /** The app's own group id: the key of the group within its connector. */
  readonly id: string;
  readonly name: string | null;
  /** The app's group type, verbatim (e.g. MANUAL, SYNCED, SYSTEM). */
  readonly type: string | null;
  readonly active: boolean | null;
  /** Members as the app counts them; the core cross-checks it against the members listed. */
  readonly memberCount: number | null;
  /**
   * Membership is implicit (SYSTEM groups such as "Everyone"): the group is stored with
   * its member count, but its memberships are neither listed, stored per account nor diffed.
   */
  readonly implicit: boolean;
}

/** A group as the inventory keeps it. */
export interface StoredGroup extends Group {
  readonly connectorId: string;
  readonly firstSeenAt: string;
  /** When name, type, active flag, member count or implicitness last changed (or `firstSeenAt`). */
  readonly lastChangedAt: string;
  /** Set while the group is absent from complete listings. */
  readonly removedAt: string | null;
}

/** One account's membership of one group, as the inventory keeps it. */
export interface StoredMembership {
  readonly connectorId: string;
  readonly groupId: string;
  readonly accountId: string;
  /** When Rollcall first saw this membership (or saw it again after a revocation). */
  readonly grantedAt: string;
  /** Set when a complete listing of the group no longer lists the account; cleared when it comes back. */
  readonly revokedAt: string | null;
}

/** A person across connectors, keyed by normalised email. */
export interface StoredIdentity {
  readonly emailKey: string;
  readonly firstSeenAt: string;
  readonly firstConnectorId: string;
  /**
   * The name the account that introduced the person gave, when it gave one: what the console's
   * people search matches besides the email. Absent on records written before it was kept.
   */
  readonly name?: string;
}

/** A record the connector could not accept; reported by id and reason, never by content. */
export interface InvalidRecord {
  readonly id: string | null;
  readonly reason: string;
}

/** Counts of one sync, as the CLI contract (design.md section 7) names them. */
export interface SyncCounts {
  /** Active accounts after the sync. */
  readonly total: number;
  /** Accounts first seen (new account ids in this connector). */
  readonly new: number;
  readonly changed: number;
  readonly removed: number;
  /** Accounts back after having been removed (not counted in `new`). */
  readonly restored: number;
  /** People (normalised emails) never seen in any connector. */
  readonly newUsers: number;
  /** New (person, connector) pairs; a new user is also a new association. */
  readonly associations: number;
  readonly invalid: number;
  /** Group memberships that appeared (those of a new account included). */
  readonly accessGranted: number;
  /** Group memberships that ended while the account remained (a removed account's close with it, uncounted). */
  readonly accessRevoked: number;
}

export const ZERO_COUNTS: SyncCounts = Object.freeze({
  total: 0,
  new: 0,
  changed: 0,
  removed: 0,
  restored: 0,
  newUsers: 0,
  associations: 0,
  invalid: 0,
  accessGranted: 0,
  accessRevoked: 0,
});

/** The connector's row in the inventory. */
export interface ConnectorState {
  readonly connectorId: string;
  readonly app: AppName;
  readonly status: ConnectorStatus;
  /** Status before the current sync started (meaningful while `SYNCING`). */
  readonly previousStatus: ConnectorStatus | null;
  readonly statusChangedAt: string;
  /** Human reason for RECONNECT_REQUIRED or ERROR, never containing secrets or payloads. */
  readonly statusReason: string | null;
  readonly lastSyncAt: string | null;
  readonly lastSuccessAt: string | null;
  readonly lastError: string | null;
  readonly counts: SyncCounts;
  /**
   * Fingerprint of the credentials that were rejected (a Secrets Manager VersionId, or a hash
   * locally; never the secret). While it equals the current credentials' fingerprint, polls skip the API.
   */
  readonly rejectedFingerprint: string | null;
  /** Lease: who is syncing and until when (epoch ms). Two polls of one connector never overlap. */
  readonly leaseOwner: string | null;
  readonly leaseExpiresAt: number | null;
  /** Where the lease's poll runs, so a lease whose holder is provably gone can be freed at once. */
  readonly leaseHolder: LeaseHolder | null;
  /**
   * Every account this connector's inventory holds has its person's identity record. Set by a poll
   * that checked it; a poll that dies while holding the lease makes the next one check again
   * (see `identity-repair.ts`).
   */
  readonly identitiesVerified: boolean;
}

/**
 * A connector as configuration (what to poll, how and when), stored in the inventory beside its
 * state, so connectors are added, changed and removed without a redeploy. The poller, the
 * deployment's dispatcher and `rollcall watch` read it; `rollcall connectors add|set|enable|
 * disable|remove` and the deployment's reconciliation of cdk.json write it.
 */
export interface ConnectorDefinition {
  readonly connectorId: string;
  readonly app: AppName;
  /** The app's own fields (its registry entry's `configFields`: a region, a network, a base URL). */
  readonly config: Readonly<Record<string, unknown>>;
  /** `rate(...)` or `cron(...)`, as `core/schedule.ts` reads it. */
  readonly schedule: string;
  readonly enabled: boolean;
  /**
   * `declared`: listed in cdk.json and reconciled into the table at deploy time (cdk.json owns it:
   * the CLI refuses to remove it); `added`: by `rollcall connectors add`.
   */
  readonly origin: ConnectorOrigin;
  /** A secret brought by ARN; `null`: the one named `rollcall/<connectorId>` (design.md section 8). */
  readonly secretArn: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** When the connector is next due (ISO); `null` while disabled. Moved forward by whoever claims the poll. */
  readonly nextDueAt: string | null;
}

export const CONNECTOR_ORIGINS = ['declared', 'added'] as const;
export type ConnectorOrigin = (typeof CONNECTOR_ORIGINS)[number];

/** Secrets of connectors without a `secretArn` are named `<prefix><connectorId>`; the poller may read exactly these. */
export const CONNECTOR_SECRET_PREFIX = 'rollcall/';

/**
 * Who holds a connector's lease: a process on a host (the CLI), or a Lambda invocation. Ids only:
 * a host name and a pid, or a request id, never credentials.
 */
export type LeaseHolder =
  | {
      readonly kind: 'process';
      readonly host: string;
      readonly pid: number;
      /**
       * The process-id namespace (Linux `/proc/self/ns/pid`), when known: containers that share a
       * host name may still not share pids, and a pid is only proven dead inside its own namespace.
       */
      readonly pidNamespace: string | null;
    }
  | { readonly kind: 'lambda'; readonly requestId: string; readonly functionName: string };

/** A lease as another party sees it: whose run, where it runs, until when (epoch ms). */
export interface LeaseInfo {
  readonly owner: string;
  readonly holder: LeaseHolder | null;
  readonly expiresAtMs: number;
}

/** One sync run, kept for a bounded time (TTL). */
export interface SyncRun {
  readonly connectorId: string;
  readonly runId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly status: ConnectorStatus;
  readonly outcome: SyncOutcome;
  readonly counts: SyncCounts;
  readonly error: string | null;
  readonly anomalies: readonly string[];
}

/**
 * How a poll ended:
 * - `completed`: listing complete, inventory updated;
 * - `partial`: time ran out; what was listed is written and a checkpoint says where to resume;
 * - `skipped`: RECONNECT_REQUIRED with the same rejected credentials, API not called;
 * - `busy`: another poll of the connector holds the lease;
 * - `interrupted`: stopped on request (SIGINT/SIGTERM, or the end of a time budget) before the
 *   listing was written: nothing removed, the lease released; the next poll starts over;
 * - `reconnect-required`, `transient-error`, `failed`: no inventory change.
 */
export type SyncOutcome =
  | 'completed'
  | 'partial'
  | 'skipped'
  | 'busy'
  | 'interrupted'
  | 'reconnect-required'
  | 'transient-error'
  | 'failed';
