/**
 * The inventory table's single source of truth: key schema, indexes, TTL attribute and the key
 * builders of every item kind. The DynamoDB store, the local table bootstrap and the CDK
 * construct all import this module, and a test keeps them in sync.
 *
 * Item kinds (PK / SK):
 * - connector state  CONNECTOR#<id> / STATE              GSI1: CONNECTORS / <id>
 * - account          CONNECTOR#<id> / ACCOUNT#<accountId> GSI1: EMAIL#<emailKey> / CONNECTOR#<id>#ACCOUNT#<accountId>
 *                                                        GSI2: FIRSTSEEN#ACCOUNT#<yyyy-mm>#<shard> / <firstSeenAt>#<id>#<accountId>
 * - identity         IDENTITY#<emailKey> / IDENTITY      GSI2: FIRSTSEEN#IDENTITY#<yyyy-mm>#<shard> / <firstSeenAt>#<emailKey>
 * - sync run         CONNECTOR#<id> / RUN#<startedAt>#<runId>  (expiresAt: TTL)
 * - checkpoint       CONNECTOR#<id> / CHECKPOINT (and its chunks CHECKPOINT#...)
 * - group            CONNECTOR#<id> / GROUP#<groupId>
 * - membership       CONNECTOR#<id> / MEMBER#<segment(groupId)><segment(accountId)>
 *                                                        GSI1: MEMBERSHIPS#<id>#<accountId> / <segment(groupId)>
 * - definition       CONNECTOR#<id> / DEFINITION         GSI1: DEFINITIONS / <id>
 *                                                        GSI2 (only while enabled): SCHEDULE / <nextDueAt>#<id>
 *
 * Every question of design.md section 4 is one Query (or a handful, one per month shard):
 * accounts of a connector (PK), a person across connectors (GSI1 EMAIL#), first seen since
 * (GSI2 per month and shard), connectors (GSI1 CONNECTORS), sync runs (PK, SK begins_with RUN#),
 * a connector's groups (PK, SK begins_with GROUP#) and memberships (PK, SK begins_with MEMBER#),
 * connector definitions (GSI1 DEFINITIONS) and the connectors due now (GSI2 SCHEDULE, sort key
 * up to now).
 *
 * A definition (connectors as data: app, app config, schedule, enabled) is its own item beside
 * the state row, not attributes of it: the poll rewrites its state row whole (finishSync), and a
 * definition changed by `rollcall connectors set` meanwhile must not be overwritten; and a state
 * row exists only once a connector was polled, a definition from the moment it is added. Its
 * GSI1 partition is DEFINITIONS, not CONNECTORS, so listing connector states never reads one. Its
 * GSI2 entry is sparse: present only while the connector is enabled, so the due-time query reads
 * enabled connectors only; an ISO time sorts as text, and `<nextDueAt>#<id>` keeps equal times
 * apart. The DEFINITIONS and SCHEDULE partitions hold one entry per connector, written when a
 * connector is changed or claimed (once per poll): thousands of connectors are far below a
 * partition's limits.
 *
 * Memberships live in the connector's partition, so the sync loads them with the same paged
 * Query as its accounts, and their sort key starts with the group so that the members of one
 * group are a prefix of it (SK begins_with MEMBER#<segment(groupId)>). The memberships of one
 * account (the CLI's `users --group`, the console's account view) reuse GSI1 rather than a third
 * index: a membership's GSI1 partition is its account's, and no other item kind uses that
 * partition. A membership write therefore costs one index write more; a sync writes only changed
 * memberships, so an unchanged poll still writes nothing.
 *
 * A segment (`memberKeySegment`) makes the two ids of a membership one unambiguous sort key: an
 * app's ids may contain `#` or any other character, so each id is length-prefixed, and an id too
 * long for two of them to fit in DynamoDB's 1,024-byte sort key is replaced by its SHA-256.
 * Nothing ever parses a key back: the ids are attributes of the item.
 */

import { createHash } from 'node:crypto';
import { fitsBytes } from '../../core/limits.ts';

export const TABLE_KEYS = {
  partitionKey: 'PK',
  sortKey: 'SK',
} as const;

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

export const GSI1: IndexDefinition = { indexName: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' };
export const GSI2: IndexDefinition = { indexName: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK' };
export const GLOBAL_SECONDARY_INDEXES: readonly IndexDefinition[] = [GSI1, GSI2];

/** Epoch-seconds attribute DynamoDB's TTL deletes by (sync runs only). */
export const TTL_ATTRIBUTE = 'expiresAt';

/** All key attributes are strings. */
export const KEY_ATTRIBUTE_TYPE = 'S' as const;

/**
 * First-seen items are spread over a few partitions per month so a first sync of a large
 * workspace does not write every item to one index partition.
 */
export const FIRST_SEEN_SHARDS = 4;

/** How long sync runs are kept before TTL removes them. */
export const RUN_RETENTION_DAYS = 90;

export const keys = {
  connectorPk: (connectorId: string) => `CONNECTOR#${connectorId}`,
  stateSk: 'STATE',
  connectorsGsi1Pk: 'CONNECTORS',
  accountSk: (accountId: string) => `ACCOUNT#${accountId}`,
  accountSkPrefix: 'ACCOUNT#',
  emailGsi1Pk: (emailKey: string) => `EMAIL#${emailKey}`,
  accountGsi1Sk: (connectorId: string, accountId: string) => `CONNECTOR#${connectorId}#ACCOUNT#${accountId}`,
  identityPk: (emailKey: string) => `IDENTITY#${emailKey}`,
  identitySk: 'IDENTITY',
  runSk: (startedAt: string, runId: string) => `RUN#${startedAt}#${runId}`,
  runSkPrefix: 'RUN#',
  checkpointSk: 'CHECKPOINT',
  groupSk: (groupId: string) => `GROUP#${groupId}`,
  groupSkPrefix: 'GROUP#',
  definitionSk: 'DEFINITION',
  definitionsGsi1Pk: 'DEFINITIONS',
  scheduleGsi2Pk: 'SCHEDULE',
  scheduleGsi2Sk: (nextDueAt: string, connectorId: string) => `${nextDueAt}#${connectorId}`,
  membershipSk: (groupId: string, accountId: string) => `MEMBER#${memberKeySegment(groupId)}${memberKeySegment(accountId)}`,
  membershipSkPrefix: 'MEMBER#',
  groupMembersSkPrefix: (groupId: string) => `MEMBER#${memberKeySegment(groupId)}`,
  accountMembershipsGsi1Pk: (connectorId: string, accountId: string) => `MEMBERSHIPS#${connectorId}#${accountId}`,
  membershipGsi1Sk: (groupId: string) => memberKeySegment(groupId),
  accountFirstSeenGsi2Pk: (month: string, shard: number) => `FIRSTSEEN#ACCOUNT#${month}#${shard}`,
  identityFirstSeenGsi2Pk: (month: string, shard: number) => `FIRSTSEEN#IDENTITY#${month}#${shard}`,
} as const;

/** Ids up to this many UTF-8 bytes appear in a membership's keys as they are; longer ones as a digest. */
const SEGMENT_ID_BYTES = 400;

/**
 * One id as a self-delimiting part of a key: `<length>:<id>`, or `#<sha256 hex>` for an id above
 * SEGMENT_ID_BYTES. No segment is a prefix of another, so two of them in a row decode one way
 * only, whatever characters the ids hold; two segments and the prefix stay below 1,024 bytes.
 */
export function memberKeySegment(id: string): string {
  if (fitsBytes(id, SEGMENT_ID_BYTES)) return `${id.length}:${id}`;
  return `#${createHash('sha256').update(id).digest('hex')}`;
}

/** `yyyy-mm` of an ISO timestamp (UTC). */
export function monthOf(iso: string): string {
  return iso.slice(0, 7);
}

/** Every `yyyy-mm` from the month of `sinceIso` to the month of `untilIso`, inclusive. */
export function monthsBetween(sinceIso: string, untilIso: string): string[] {
  const months: string[] = [];
  let year = Number(sinceIso.slice(0, 4));
  let month = Number(sinceIso.slice(5, 7));
  const endYear = Number(untilIso.slice(0, 4));
  const endMonth = Number(untilIso.slice(5, 7));
  while (year < endYear || (year === endYear && month <= endMonth)) {
    months.push(`${year.toString().padStart(4, '0')}-${month.toString().padStart(2, '0')}`);
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
  return months;
}

/** A stable shard in [0, FIRST_SEEN_SHARDS) for a key (FNV-1a; cheap and deterministic). */
export function shardOf(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % FIRST_SEEN_SHARDS;
}
