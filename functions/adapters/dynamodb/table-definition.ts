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
 * - checkpoint       CONNECTOR#<id> / CHECKPOINT
 *
 * Every question of design.md section 4 is one Query (or a handful, one per month shard):
 * accounts of a connector (PK), a person across connectors (GSI1 EMAIL#), first seen since
 * (GSI2 per month and shard), connectors (GSI1 CONNECTORS), sync runs (PK, SK begins_with RUN#).
 */

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
  accountFirstSeenGsi2Pk: (month: string, shard: number) => `FIRSTSEEN#ACCOUNT#${month}#${shard}`,
  identityFirstSeenGsi2Pk: (month: string, shard: number) => `FIRSTSEEN#IDENTITY#${month}#${shard}`,
} as const;

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
