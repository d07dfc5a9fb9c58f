/**
 * What the inventory can hold, as data. The inventory is one DynamoDB table and its changes go out
 * as EventBridge events (design.md sections 4 and 6), and both refuse values above fixed sizes. A
 * record that does not fit would fail every write of every later poll, so the core checks each
 * listed record against these limits before the diff, whatever the connector: a record that does
 * not fit is reported invalid (by id, or by a digest of an unusable id, never by its content) and
 * the sync goes on. The DynamoDB item builders assert the same limits, so a value that slipped
 * through fails with a message naming the limit instead of the store's ValidationException.
 */
import { createHash } from 'node:crypto';
import type { Account, Group, InvalidRecord } from './types.ts';

export const INVENTORY_LIMITS = {
  /** DynamoDB: UTF-8 bytes of a partition key value (table and index keys alike). */
  partitionKeyBytes: 2048,
  /** DynamoDB: UTF-8 bytes of a sort key value (table and index keys alike). */
  sortKeyBytes: 1024,
  /** DynamoDB: bytes of one item, attribute names included. */
  itemBytes: 400 * 1024,
  /** EventBridge: bytes of one PutEvents entry. */
  eventBytes: 256 * 1024,
  /**
   * Room a key builder may add around one value from an app: a prefix, a connector id (at most 48
   * bytes, `CONNECTOR_ID_PATTERN`) and an ISO timestamp. The longest today is an account's
   * first-seen index sort key, `<firstSeenAt>#<connectorId>#<accountId>`: 74 bytes around the id.
   */
  keyOverheadBytes: 128,
  /** An account id lands in sort keys (the account's own, and both index keys). */
  accountIdBytes: 1024 - 128,
  /** A normalised email lands in partition keys and in the identity's first-seen sort key. */
  emailKeyBytes: 1024 - 128,
  /**
   * One account record as JSON. The largest event, `AccountChanged`, carries a record's fields twice
   * (the account and the changed values) for both the old and the new record: four times this plus
   * its envelope stays below the event limit, and the record's item (its fields, plus the id and
   * email key again in its keys) stays far below the item limit.
   */
  recordJsonBytes: 48 * 1024,
  /** A page cursor: kept in the listing's checkpoint item per stream, and sent back in a URL. */
  cursorBytes: 16 * 1024,
} as const;

/** The UTF-8 length of a string; the fast path skips counting when even three bytes per unit fit. */
export function fitsBytes(value: string, limit: number): boolean {
  return value.length * 3 <= limit || Buffer.byteLength(value, 'utf8') <= limit;
}

/** A lone surrogate (`\p{Cs}` in a `u` regex matches unpaired ones only): not storable as UTF-8. */
const LONE_SURROGATE = /\p{Cs}/u;

/** A short, stable name of a value that must not be shown, e.g. an id of 1,100 characters. */
export function digestOf(value: string): string {
  return `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 16)}`;
}

/** Why an id cannot key an account, or `null` when it can. Never quotes the id. */
export function unusableIdReason(id: string): string | null {
  if (id === '') return 'id: empty';
  if (!fitsBytes(id, INVENTORY_LIMITS.accountIdBytes)) {
    return `id: ${Buffer.byteLength(id, 'utf8')} bytes, above the inventory's ${INVENTORY_LIMITS.accountIdBytes}-byte limit (id ${digestOf(id)})`;
  }
  if (LONE_SURROGATE.test(id)) return `id: not well-formed Unicode (id ${digestOf(id)})`;
  return null;
}

/** Why the inventory cannot hold a record with a usable id, or `null` when it can. */
function unfitRecordReason(account: Account): string | null {
  const { emailKey } = account;
  if (emailKey !== null) {
    if (!fitsBytes(emailKey, INVENTORY_LIMITS.emailKeyBytes)) {
      return `email: ${Buffer.byteLength(emailKey, 'utf8')} bytes once normalised, above the inventory's ${INVENTORY_LIMITS.emailKeyBytes}-byte limit`;
    }
    if (LONE_SURROGATE.test(emailKey)) return 'email: not well-formed Unicode';
  }
  // JSON spends at most 6 bytes per UTF-16 unit (`\u001f`): most records need no exact count.
  const units =
    account.id.length +
    (account.email?.length ?? 0) +
    (emailKey?.length ?? 0) +
    (account.name?.length ?? 0) +
    (account.login?.length ?? 0) +
    (account.externalId?.length ?? 0) +
    (account.roleId?.length ?? 0) +
    (account.roleName?.length ?? 0) +
    (account.status?.length ?? 0) +
    (account.createdAt?.length ?? 0) +
    (account.updatedAt?.length ?? 0) +
    (account.lastLoginAt?.length ?? 0);
  if (units * 6 + RECORD_JSON_FRAME_BYTES <= INVENTORY_LIMITS.recordJsonBytes) return null;
  const bytes = Buffer.byteLength(JSON.stringify(account), 'utf8');
  if (bytes <= INVENTORY_LIMITS.recordJsonBytes) return null;
  return `record: ${bytes} bytes as JSON, above the inventory's ${INVENTORY_LIMITS.recordJsonBytes}-byte limit (largest field: ${largestField(account)})`;
}

/** Field names, quotes, colons and commas of an account as JSON, with room to spare. */
const RECORD_JSON_FRAME_BYTES = 256;

function largestField(account: Account): string {
  let largest = 'id';
  let size = -1;
  for (const [field, value] of Object.entries(account)) {
    if (typeof value === 'string' && value.length > size) {
      largest = field;
      size = value.length;
    }
  }
  return largest;
}

/**
 * A listed record the inventory can hold stays an account; one it cannot becomes an invalid record:
 * with its id when the id is usable (so the stored account keeps its state and is not removed), and
 * without one otherwise (which holds the sync's removals, as any record without a usable id does).
 */
export function checkAccount(account: Account): InvalidRecord | null {
  const idReason = unusableIdReason(account.id);
  if (idReason !== null) return { id: null, reason: idReason };
  const reason = unfitRecordReason(account);
  return reason === null ? null : { id: account.id, reason };
}

/** An invalid record from a connector whose id the inventory could not key loses the id (kept as a digest). */
export function checkInvalidRecord(record: InvalidRecord): InvalidRecord {
  if (record.id === null) return record;
  const idReason = unusableIdReason(record.id);
  return idReason === null ? record : { id: null, reason: `${record.reason}; ${idReason}` };
}

/** Why a page cursor cannot be kept and sent back, or `null` when it can. */
export function unusableCursorReason(cursor: string): string | null {
  if (fitsBytes(cursor, INVENTORY_LIMITS.cursorBytes)) return null;
  return `a page token of ${Buffer.byteLength(cursor, 'utf8')} bytes, above the ${INVENTORY_LIMITS.cursorBytes}-byte limit`;
}

/**
 * A listed group the inventory can hold, or why not: its id keys the group's item and its
 * memberships' (as an account id does), and its record lands in items and events whole.
 */
export function checkGroup(group: Group): InvalidRecord | null {
  const idReason = unusableIdReason(group.id);
  if (idReason !== null) return { id: null, reason: `group ${idReason}` };
  const units = group.id.length + (group.name?.length ?? 0) + (group.type?.length ?? 0);
  if (units * 6 + RECORD_JSON_FRAME_BYTES <= INVENTORY_LIMITS.recordJsonBytes) return null;
  const bytes = Buffer.byteLength(JSON.stringify(group), 'utf8');
  if (bytes <= INVENTORY_LIMITS.recordJsonBytes) return null;
  return { id: group.id, reason: `group record: ${bytes} bytes as JSON, above the inventory's ${INVENTORY_LIMITS.recordJsonBytes}-byte limit` };
}

/**
 * A member's account id as the listing keeps it: an id the inventory cannot key could never name a
 * stored account (its own record lost its id), so it is kept as a digest: still counted among the
 * group's distinct members, and safe to name in an anomaly.
 */
export function memberIdOf(accountId: string): string {
  return unusableIdReason(accountId) === null ? accountId : digestOf(accountId);
}
