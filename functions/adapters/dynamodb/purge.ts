/**
 * Deleting a connector's inventory (`rollcall connectors remove --purge`): everything in its
 * partition but the definition, and the people known through no other connector.
 *
 * Order, so that a purge killed part-way is finished by running it again: the caller holds the
 * lease (no poll writes meanwhile) and has deleted the definition (nothing schedules the connector
 * any more). Then the checkpoint, memberships, groups, accounts, runs and any item of a kind added
 * to the partition since (`other`) go, kind by kind, each
 * as "query the first page, delete it, query again" until nothing is left, so a re-run simply finds
 * what is still there. For each page of accounts the people known only through them go first and
 * the accounts after: the accounts are how a re-run finds those people, so no person is left
 * behind without an account pointing at them. The state row goes last: until then the connector is
 * still listed (`rollcall connectors`), which is how a person sees that a purge has to be finished.
 *
 * BatchWriteItem, not transactions (dynalite has none, and a purge need not be atomic, only
 * finishable); unprocessed items are retried by `TableRequests.batchWrite`.
 */
import { DeleteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { LeaseBusyError } from '../../core/errors.ts';
import type { ConnectorPurge, PurgeCounts } from '../../core/ports.ts';
import { isConditionalCheckFailed, toStoreError } from './errors.ts';
import { connectorKey, identityKey, type StoredItem } from './items.ts';
import {
  BATCH_WRITE_LIMIT,
  batchesOf,
  drainWithConcurrency,
  runWithConcurrency,
  type DeleteRequest,
  type TableRequests,
} from './requests.ts';
import { GSI1, keys } from './table-definition.ts';

/** Keys read per round of deletes: a page deleted in 40 batches, then the next one queried. */
const PAGE_SIZE = 1_000;

/**
 * Per-person lookups (is this person known elsewhere?) in flight at once: one small Query each, a
 * purge of 100,000 people makes 100,000 of them. A purge is a one-off command, not a poll with a
 * request budget, so it reads wider than the store's default.
 */
const PERSON_CHECK_CONCURRENCY = 16;

type PartitionKind = Exclude<keyof PurgeCounts, 'identities'>;

/**
 * In the order they are deleted (see the module comment). `other` is every item of the partition
 * of a kind this list does not name (one added to the table later), so that a purge still leaves
 * nothing behind; the state row has its own step, last.
 */
const PARTITION_KINDS: readonly { readonly kind: Exclude<PartitionKind, 'states'>; readonly prefix: string | null }[] = [
  { kind: 'checkpoints', prefix: keys.checkpointSk },
  { kind: 'memberships', prefix: keys.membershipSkPrefix },
  { kind: 'groups', prefix: keys.groupSkPrefix },
  { kind: 'accounts', prefix: keys.accountSkPrefix },
  { kind: 'runs', prefix: keys.runSkPrefix },
  { kind: 'other', prefix: null },
];

/** The kind of an item of a connector's partition by its sort key; `null` for the definition, which the caller deletes. */
function kindOf(sortKey: string): PartitionKind | null {
  if (sortKey === keys.definitionSk) return null;
  if (sortKey === keys.stateSk) return 'states';
  for (const { kind, prefix } of PARTITION_KINDS) if (prefix !== null && sortKey.startsWith(prefix)) return kind;
  return 'other';
}

export class DynamoPurge implements ConnectorPurge {
  constructor(private readonly table: TableRequests) {}

  /** One keys-only read of the partition, each item counted by its kind, and the per-person checks of its accounts. */
  async planPurge(connectorId: string): Promise<PurgeCounts> {
    const counts = emptyCounts();
    const emailKeys = new Set<string>();
    await this.table.queryAll(
      `Query items of connector ${connectorId}`,
      {
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': keys.connectorPk(connectorId) },
        ProjectionExpression: 'SK, emailKey',
      },
      (item) => {
        const kind = kindOf(String(item.SK));
        if (kind === null) return;
        counts[kind] += 1;
        if (kind === 'accounts' && typeof item.emailKey === 'string') emailKeys.add(item.emailKey);
      },
    );
    const orphans = await this.knownOnlyThrough(connectorId, [...emailKeys]);
    const present = await runWithConcurrency(orphans, this.table.readConcurrency, (emailKey) => this.identityExists(emailKey));
    counts.identities = present.filter(Boolean).length;
    return counts;
  }

  async purgeConnector(connectorId: string, leaseOwner: string): Promise<PurgeCounts> {
    await this.assertLeaseOwner(connectorId, leaseOwner);
    const counts = emptyCounts();
    for (const { kind, prefix } of PARTITION_KINDS) {
      for (;;) {
        const page = (await this.firstPage(connectorId, prefix)).filter((item) => kindOf(String(item.SK)) === kind);
        if (page.length === 0) break;
        if (kind === 'accounts') counts.identities += await this.deleteOrphanIdentities(connectorId, page);
        await this.deleteKeys(connectorId, page);
        counts[kind] += page.length;
      }
    }
    counts.states = (await this.deleteState(connectorId, leaseOwner)) ? 1 : 0;
    return counts;
  }

  /** Strongly consistent, so a page just deleted never comes back. */
  private async firstPage(connectorId: string, prefix: string | null): Promise<StoredItem[]> {
    const { db, tableName } = this.table;
    const answer = await this.table.call(`Query items to purge of connector ${connectorId}`, () =>
      db.send(
        new QueryCommand({
          TableName: tableName,
          ...(prefix === null
            ? { KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': keys.connectorPk(connectorId) } }
            : {
                KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
                ExpressionAttributeValues: { ':pk': keys.connectorPk(connectorId), ':prefix': prefix },
              }),
          ProjectionExpression: 'PK, SK, emailKey',
          ConsistentRead: true,
          Limit: PAGE_SIZE,
        }),
      ),
    );
    return answer.Items ?? [];
  }

  private async deleteKeys(connectorId: string, items: readonly StoredItem[]): Promise<void> {
    const requests = items.map((item): DeleteRequest => ({ DeleteRequest: { Key: { PK: String(item.PK), SK: String(item.SK) } } }));
    const operation = `BatchWriteItem purge of connector ${connectorId}`;
    await drainWithConcurrency(batchesOf(requests, BATCH_WRITE_LIMIT), this.table.writeConcurrency, (batch) =>
      this.table.batchWrite(operation, batch),
    );
  }

  /** Deletes the identity records of the people of these accounts whom no other connector knows; returns how many existed. */
  private async deleteOrphanIdentities(connectorId: string, accounts: readonly StoredItem[]): Promise<number> {
    const emailKeys = new Set<string>();
    for (const item of accounts) if (typeof item.emailKey === 'string') emailKeys.add(item.emailKey);
    const orphans = await this.knownOnlyThrough(connectorId, [...emailKeys]);
    const deleted = await runWithConcurrency(orphans, this.table.writeConcurrency, (emailKey) => this.deleteIdentity(emailKey));
    return deleted.filter(Boolean).length;
  }

  /**
   * The people (of these) with no account, active or removed, in any other connector: GSI1 EMAIL#
   * holds exactly the accounts of one person across connectors. A removed account elsewhere still
   * is that connector's history of the person, so it keeps the identity.
   */
  private async knownOnlyThrough(connectorId: string, emailKeys: readonly string[]): Promise<string[]> {
    const elsewhere = await runWithConcurrency(emailKeys, Math.max(this.table.readConcurrency, PERSON_CHECK_CONCURRENCY), (emailKey) =>
      this.knownElsewhere(connectorId, emailKey),
    );
    return emailKeys.filter((_, index) => !elsewhere[index]);
  }

  private async knownElsewhere(connectorId: string, emailKey: string): Promise<boolean> {
    const { db, tableName } = this.table;
    let startKey: Record<string, unknown> | undefined;
    do {
      // The operation names no email: people are inventory, not log material.
      const answer = await this.table.call(`Query accounts of a person (purge of connector ${connectorId})`, () =>
        db.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: GSI1.indexName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': GSI1.partitionKey },
            ExpressionAttributeValues: { ':pk': keys.emailGsi1Pk(emailKey) },
            ProjectionExpression: 'connectorId',
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      if ((answer.Items ?? []).some((item) => item.connectorId !== connectorId)) return true;
      startKey = answer.LastEvaluatedKey;
    } while (startKey !== undefined);
    return false;
  }

  private async identityExists(emailKey: string): Promise<boolean> {
    const { db, tableName } = this.table;
    const answer = await this.table.call('GetItem identity', () =>
      db.send(new GetCommand({ TableName: tableName, Key: identityKey(emailKey), ProjectionExpression: 'PK' })),
    );
    return answer.Item !== undefined;
  }

  private async deleteIdentity(emailKey: string): Promise<boolean> {
    const { db, tableName } = this.table;
    const answer = await this.table.call('DeleteItem identity', () =>
      db.send(new DeleteCommand({ TableName: tableName, Key: identityKey(emailKey), ReturnValues: 'ALL_OLD' })),
    );
    return answer.Attributes !== undefined;
  }

  /** Checked before anything goes, and again (conditionally) when the state row goes last. */
  private async assertLeaseOwner(connectorId: string, leaseOwner: string): Promise<void> {
    const { db, tableName } = this.table;
    const answer = await this.table.call(`GetItem connector ${connectorId}`, () =>
      db.send(new GetCommand({ TableName: tableName, Key: connectorKey(connectorId), ProjectionExpression: 'leaseOwner', ConsistentRead: true })),
    );
    if (answer.Item !== undefined && answer.Item.leaseOwner !== leaseOwner) {
      throw new LeaseBusyError(`connector ${connectorId} is leased by a poll: the purge deletes nothing while one runs`);
    }
  }

  /** Conditional on the purge's lease: a lease broken meanwhile (`unlock --force`) means a poll may have written, so stop. */
  private async deleteState(connectorId: string, leaseOwner: string): Promise<boolean> {
    const { db, tableName } = this.table;
    try {
      const answer = await db.send(
        new DeleteCommand({
          TableName: tableName,
          Key: connectorKey(connectorId),
          ConditionExpression: 'attribute_not_exists(PK) OR leaseOwner = :owner',
          ExpressionAttributeValues: { ':owner': leaseOwner },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return answer.Attributes !== undefined;
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new LeaseBusyError(`connector ${connectorId} lease was lost during the purge: run it again`, { cause: error });
      }
      throw toStoreError(error, `DeleteItem state of connector ${connectorId}`);
    }
  }
}

function emptyCounts(): { -readonly [K in keyof PurgeCounts]: number } {
  return { accounts: 0, groups: 0, memberships: 0, runs: 0, checkpoints: 0, other: 0, identities: 0, states: 0 };
}
