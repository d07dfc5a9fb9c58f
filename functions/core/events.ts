/**
 * Events (design.md section 6). Each id is derived from what changed, never from the clock or the
 * run, so a re-run after a crash publishes the same ids and a consumer that de-duplicates by id
 * neither loses nor doubles a change.
 */
import { createHash } from 'node:crypto';
import type { ErrorKind } from './errors.ts';
import type { AccountState, AppName, ConnectorStatus, MaterialField, SyncCounts } from './types.ts';

export const EVENT_SOURCE = 'rollcall';

export const EVENT_TYPES = [
  'UserDiscovered',
  'AppAssociationDiscovered',
  'AccountChanged',
  'AccountRemoved',
  'ConnectorReconnectRequired',
  'ConnectorRecovered',
  'SyncCompleted',
  'SyncAnomaly',
  'AccessGranted',
  'AccessRevoked',
  'AccessRequestCompleted',
  'AccessRequestFailed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface AccountRef {
  readonly accountId: string;
  readonly email: string | null;
  readonly roleName: string | null;
  /** The app's status, verbatim, and beside it Rollcall's normalised state. */
  readonly status: string | null;
  readonly state: AccountState | null;
}

export interface FieldChange {
  readonly field: MaterialField;
  readonly from: string | boolean | null;
  readonly to: string | boolean | null;
}

export type AnomalyKind =
  | 'MASS_REMOVAL_HELD'
  | 'EMPTY_LISTING'
  | 'INVALID_RECORDS'
  | 'UNIDENTIFIED_RECORDS'
  | 'DUPLICATE_IDS'
  /** A stream's listed records differ from the total it reported: nothing removed, no group removed, nothing revoked. */
  | 'COUNT_MISMATCH'
  /** Groups whose members listed differ from their member count: those groups revoke nothing. */
  | 'MEMBERS_INCOMPLETE'
  /** Memberships naming an account or a group the listing does not hold: not stored. */
  | 'UNKNOWN_MEMBERS'
  /** Groups the inventory cannot hold (id or size): left as they were. */
  | 'INVALID_GROUPS'
  /** One group's revocations above the safety share: held (the detail names the group). */
  | 'MASS_REVOCATION_HELD'
  /** Group removals above the safety share of the active groups: held, with their revocations. */
  | 'MASS_GROUP_REMOVAL_HELD';

/** Account ids an anomaly lists in its detail, at most: an event has a size limit, the message has the count. */
export const MAX_ANOMALY_ACCOUNT_IDS = 100;

export interface EventDetails {
  UserDiscovered: { emailKey: string; account: AccountRef };
  AppAssociationDiscovered: { emailKey: string; account: AccountRef; returning: boolean };
  AccountChanged: { account: AccountRef; previous: AccountRef; changes: FieldChange[] };
  AccountRemoved: { account: AccountRef; firstSeenAt: string };
  ConnectorReconnectRequired: { reason: string; previousStatus: ConnectorStatus | null };
  ConnectorRecovered: { previousReason: string | null };
  SyncCompleted: { runId: string; durationMs: number; counts: SyncCounts };
  AccessGranted: AccessDetail;
  AccessRevoked: AccessDetail & {
    /**
     * Why it ended: the group's listing no longer names the account, the group is gone, or a
     * provisioning request removed it (`requested`, with `initiatedBy` and `requestId`).
     */
    reason: 'not-a-member' | 'group-removed' | 'requested';
  };
  AccessRequestCompleted: AccessRequestCompletedDetail;
  AccessRequestFailed: AccessRequestFailedDetail;
  SyncAnomaly: {
    runId: string;
    anomaly: AnomalyKind;
    message: string;
    heldRemovals?: number;
    /** The ids concerned (ids only), sorted, at most `MAX_ANOMALY_ACCOUNT_IDS`. */
    accountIds?: string[];
    /** The group concerned (held revocations of one group). */
    groupId?: string;
    /** The groups concerned, sorted, at most `MAX_ANOMALY_ACCOUNT_IDS`. */
    groupIds?: string[];
  };
}

/** One account's membership of one group; the account and group names are inventory, as in other events. */
export interface AccessDetail {
  connectorId: string;
  app: AppName;
  accountId: string;
  account: AccountRef;
  groupId: string;
  groupName: string | null;
  /**
   * Set only on a change Rollcall made on request (`core/provision.ts`): who asked (a user name or
   * a caller's id, never a secret). A change a sync found has neither field.
   */
  initiatedBy?: string;
  /** The provisioning request's id, set with `initiatedBy`. */
  requestId?: string;
}

/**
 * How a provisioning request reached Rollcall in AWS: an event on the bus (the source and account
 * EventBridge reports, and the event's id) or a direct invocation of the function.
 */
export type AccessRequestChannel =
  | { kind: 'event'; source: string; account: string | null; eventId: string }
  | { kind: 'invoke'; functionName: string; invocationId: string };

/** What every answer to a provisioning request carries. */
export interface AccessRequestAnswer {
  /** The request's id (the one it gave, or the delivering event's or invocation's id). */
  requestId: string;
  /** `grant` or `revoke`; `null` when the request could not be read far enough to tell. */
  action: 'grant' | 'revoke' | null;
  /** Who asked, as the request says, with the channel it came through; `null` for an unreadable request. */
  initiatedBy: string | null;
  via: AccessRequestChannel;
}

/** A provisioning request that was carried out, or that found nothing to change (design.md section 6). */
export interface AccessRequestCompletedDetail extends AccessRequestAnswer {
  action: 'grant' | 'revoke';
  initiatedBy: string;
  outcome: 'changed' | 'unchanged';
  group: { id: string; name: string | null; type: string | null };
  account: { id: string; email: string | null };
  /** The `AccessGranted`/`AccessRevoked` event published for the change (none when unchanged). */
  eventIds: string[];
}

/**
 * A provisioning request that was refused or failed. The inventory records nothing of it; should
 * the app have changed anyway (a failure after its mutation), the next poll records what it holds.
 */
export interface AccessRequestFailedDetail extends AccessRequestAnswer {
  /**
   * The failure's kind (`errors.ts`): `config` for a refused rule, a malformed request, a connector
   * without provisioning or a key that may not write; `transient` and `busy` for rate limits, 5xx
   * and a running poll; `auth` for a key rejected on a read.
   */
  kind: ErrorKind | 'unknown';
  /** Rollcall's own message: ids and reasons, never the request's values or a secret. */
  reason: string;
  /** Whether sending the same request again later may succeed (rate limits, a running poll, 5xx). */
  retryable: boolean;
}

export interface RollcallEvent<T extends EventType = EventType> {
  /** Deterministic: the same change always yields the same id. */
  readonly id: string;
  readonly source: typeof EVENT_SOURCE;
  readonly detailType: T;
  /** ISO time the change was observed. */
  readonly time: string;
  readonly connectorId: string;
  readonly app: AppName;
  readonly detail: EventDetails[T];
}

/** A stable, UUID-shaped id from the parts that identify a change. */
export function deterministicId(parts: readonly (string | number | boolean | null)[]): string {
  const hex = createHash('sha256')
    .update(JSON.stringify(parts))
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * An event whose id is derived from its type, its connector and `idParts`; with
 * `scope: 'global'` the connector is left out, for changes that concern a person across all
 * connectors (a new user), so two connectors discovering one person at once publish one id.
 */
export function makeEvent<T extends EventType>(
  detailType: T,
  base: { connectorId: string; app: AppName; time: string },
  idParts: readonly (string | number | boolean | null)[],
  detail: EventDetails[T],
  scope: 'connector' | 'global' = 'connector',
): RollcallEvent<T> {
  return {
    id: deterministicId(scope === 'global' ? [detailType, ...idParts] : [detailType, base.connectorId, ...idParts]),
    source: EVENT_SOURCE,
    detailType,
    time: base.time,
    connectorId: base.connectorId,
    app: base.app,
    detail,
  };
}
