/**
 * Connector definitions (connectors as data) in the inventory table: one item per connector beside
 * its state row, listed through GSI1 (DEFINITIONS) and found when due through the sparse GSI2
 * (SCHEDULE), see table-definition.ts. Every change is conditional, so two writers (two operators,
 * the deployment's reconciliation and an operator, dispatchers and watchers claiming a due time)
 * never silently overwrite each other.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrentChangeError, ConnectorExistsError, ConnectorNotFoundError } from '../../core/definition-errors.ts';
import type { ConnectorDefinitionStore } from '../../core/ports.ts';
import type { ConnectorDefinition } from '../../core/types.ts';
import { isConditionalCheckFailed, toStoreError } from './errors.ts';
import { assertDueTime, definitionFromItem, definitionKey, definitionToItem } from './items.ts';
import { compareStrings, type TableRequests } from './requests.ts';
import { GSI1, GSI2, keys } from './table-definition.ts';

/**
 * Upper bound of the due-time query: every `<time>#<id>` with `<time>` at or before `now` sorts
 * below `<now>$` (`$` follows `#`), and every later time above it.
 */
const AFTER_SEPARATOR = '$';

export class DynamoDefinitions implements ConnectorDefinitionStore {
  constructor(private readonly table: TableRequests) {}

  async getDefinition(connectorId: string): Promise<ConnectorDefinition | null> {
    const { db, tableName } = this.table;
    const answer = await this.table.call(`GetItem definition of connector ${connectorId}`, () =>
      db.send(new GetCommand({ TableName: tableName, Key: definitionKey(connectorId), ConsistentRead: true })),
    );
    return answer.Item ? definitionFromItem(answer.Item) : null;
  }

  async listDefinitions(): Promise<ConnectorDefinition[]> {
    const definitions: ConnectorDefinition[] = [];
    await this.table.queryAll(
      'Query definitions',
      {
        IndexName: GSI1.indexName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': GSI1.partitionKey },
        ExpressionAttributeValues: { ':pk': keys.definitionsGsi1Pk },
      },
      (item) => definitions.push(definitionFromItem(item)),
    );
    return definitions.sort((a, b) => compareStrings(a.connectorId, b.connectorId));
  }

  async createDefinition(definition: ConnectorDefinition): Promise<void> {
    const { db, tableName } = this.table;
    const item = definitionToItem(definition);
    try {
      await db.send(new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(PK)' }));
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new ConnectorExistsError(definition.connectorId);
      throw toStoreError(error, `PutItem definition of connector ${definition.connectorId}`);
    }
  }

  /** A refusal reads the item once to tell "gone" from "changed meanwhile". */
  async updateDefinition(definition: ConnectorDefinition, expectedUpdatedAt: string): Promise<void> {
    const { db, tableName } = this.table;
    const item = definitionToItem(definition);
    try {
      await db.send(
        new PutCommand({
          TableName: tableName,
          Item: item,
          ConditionExpression: 'updatedAt = :expected',
          ExpressionAttributeValues: { ':expected': expectedUpdatedAt },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw toStoreError(error, `PutItem definition of connector ${definition.connectorId}`);
      if ((await this.getDefinition(definition.connectorId)) === null) throw new ConnectorNotFoundError(definition.connectorId);
      throw new ConcurrentChangeError(definition.connectorId);
    }
  }

  async deleteDefinition(connectorId: string): Promise<void> {
    const { db, tableName } = this.table;
    await this.table.call(`DeleteItem definition of connector ${connectorId}`, () =>
      db.send(new DeleteCommand({ TableName: tableName, Key: definitionKey(connectorId) })),
    );
  }

  /**
   * One Query of the sparse SCHEDULE index (enabled connectors only), in due-time order. The index
   * is eventually consistent: an entry a moment old may name a due time already claimed, and then
   * `claimDue`, which is conditional on the item itself, says so.
   */
  async listDue(now: string, limit: number): Promise<ConnectorDefinition[]> {
    const due: ConnectorDefinition[] = [];
    if (limit < 1) return due;
    const upper = `${assertDueTime(now, 'now')}${AFTER_SEPARATOR}`;
    let startKey: Record<string, unknown> | undefined;
    const { db, tableName } = this.table;
    do {
      const answer = await this.table.call('Query due connectors', () =>
        db.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: GSI2.indexName,
            KeyConditionExpression: '#pk = :pk AND #sk < :upper',
            ExpressionAttributeNames: { '#pk': GSI2.partitionKey, '#sk': GSI2.sortKey },
            ExpressionAttributeValues: { ':pk': keys.scheduleGsi2Pk, ':upper': upper },
            Limit: limit - due.length,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of answer.Items ?? []) {
        const definition = definitionFromItem(item);
        if (definition.enabled && definition.nextDueAt !== null) due.push(definition);
      }
      startKey = answer.LastEvaluatedKey;
    } while (startKey !== undefined && due.length < limit);
    return due;
  }

  /** One conditional UpdateItem: the due time moves only if it still is `expected`, so one caller wins. */
  async claimDue(connectorId: string, expected: string, next: string): Promise<boolean> {
    const { db, tableName } = this.table;
    try {
      await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: definitionKey(connectorId),
          UpdateExpression: 'SET nextDueAt = :next, #gsi2sk = :sortKey',
          ConditionExpression: 'nextDueAt = :expected AND enabled = :true',
          ExpressionAttributeNames: { '#gsi2sk': GSI2.sortKey },
          ExpressionAttributeValues: {
            ':next': assertDueTime(next, 'next'),
            ':sortKey': keys.scheduleGsi2Sk(next, connectorId),
            ':expected': expected,
            ':true': true,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw toStoreError(error, `UpdateItem due time of connector ${connectorId}`);
    }
  }
}
