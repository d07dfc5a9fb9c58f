/**
 * The connector's row (state and lease) and its sync runs. The lease is one conditional
 * UpdateItem, so two polls of one connector never overlap (design.md section 5).
 */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { LeaseBusyError } from '../../core/errors.ts';
import { leaseBusyMessage, liveLease } from '../../core/lease.ts';
import type { LeaseRequest, PutConnectorOptions } from '../../core/ports.ts';
import { ZERO_COUNTS, type ConnectorState, type SyncRun } from '../../core/types.ts';
import { isConditionalCheckFailed, toStoreError } from './errors.ts';
import { connectorFromItem, connectorKey, connectorToItem, countsToItem, leaseHolderToItem, runFromItem, runToItem } from './items.ts';
import { compareStrings, type TableRequests } from './requests.ts';
import { GSI1, keys } from './table-definition.ts';

export class ConnectorStates {
  constructor(private readonly table: TableRequests) {}

  async get(connectorId: string): Promise<ConnectorState | null> {
    const { db, tableName } = this.table;
    const answer = await this.table.call(`GetItem connector ${connectorId}`, () =>
      db.send(new GetCommand({ TableName: tableName, Key: connectorKey(connectorId), ConsistentRead: true })),
    );
    return answer.Item ? connectorFromItem(answer.Item) : null;
  }

  async list(): Promise<ConnectorState[]> {
    const states: ConnectorState[] = [];
    await this.table.queryAll(
      'Query connectors',
      {
        IndexName: GSI1.indexName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': GSI1.partitionKey },
        ExpressionAttributeValues: { ':pk': keys.connectorsGsi1Pk },
      },
      (item) => states.push(connectorFromItem(item)),
    );
    return states.sort((a, b) => compareStrings(a.connectorId, b.connectorId));
  }

  /**
   * One conditional UpdateItem: taken when the row is absent, has no owner, or its lease expired
   * (or, with `takeOverFrom`, when exactly that owner still holds it).
   * `previousStatus` comes from `settledStatus` (see `connectorToItem`) rather than from `status`:
   * after a poll died while SYNCING, a second crash must not record SYNCING as the status to
   * return to. A new row gets a DynamoDB NULL there (one expression cannot omit it).
   * A refusal reads the row once more to name the lease in the way (holder and expiry).
   */
  async acquireLease(request: LeaseRequest): Promise<ConnectorState | null> {
    const { connectorId } = request;
    const takeOver = request.takeOverFrom;
    try {
      const answer = await this.table.db.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: connectorKey(connectorId),
          UpdateExpression: [
            'SET #status = :syncing',
            'previousStatus = if_not_exists(settledStatus, :null)',
            'leaseOwner = :owner',
            'leaseExpiresAt = :expiresAt',
            'leaseHolder = :holder',
            'connectorId = :connectorId',
            'app = if_not_exists(app, :app)',
            'statusChangedAt = if_not_exists(statusChangedAt, :now)',
            'counts = if_not_exists(counts, :zeroCounts)',
            '#gsi1pk = :connectors',
            '#gsi1sk = :connectorId',
          ].join(', '),
          ConditionExpression:
            takeOver === undefined
              ? 'attribute_not_exists(PK) OR attribute_not_exists(leaseOwner) OR attribute_type(leaseOwner, :nullType) OR leaseExpiresAt < :nowMs'
              : 'leaseOwner = :staleOwner',
          ExpressionAttributeNames: { '#status': 'status', '#gsi1pk': GSI1.partitionKey, '#gsi1sk': GSI1.sortKey },
          ExpressionAttributeValues: {
            ':syncing': 'SYNCING',
            ':null': null,
            ':owner': request.owner,
            ':expiresAt': request.nowMs + request.leaseMs,
            ':holder': request.holder == null ? null : leaseHolderToItem(request.holder),
            ':connectorId': connectorId,
            ':app': request.app,
            ':now': request.now,
            ':zeroCounts': countsToItem(ZERO_COUNTS),
            ':connectors': keys.connectorsGsi1Pk,
            ...(takeOver === undefined ? { ':nullType': 'NULL', ':nowMs': request.nowMs } : { ':staleOwner': takeOver }),
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return answer.Attributes ? connectorFromItem(answer.Attributes) : null;
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        const lease = liveLease(await this.get(connectorId), request.nowMs);
        throw new LeaseBusyError(leaseBusyMessage(connectorId, lease), { cause: error, lease });
      }
      throw toStoreError(error, `UpdateItem lease of connector ${connectorId}`);
    }
  }

  async finishSync(state: ConnectorState, owner: string): Promise<void> {
    const item = connectorToItem({ ...state, leaseOwner: null, leaseExpiresAt: null, leaseHolder: null });
    try {
      await this.table.db.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: item,
          ConditionExpression: 'leaseOwner = :owner',
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new LeaseBusyError(`connector ${state.connectorId} lease was lost before the sync finished`, {
          cause: error,
        });
      }
      throw toStoreError(error, `PutItem state of connector ${state.connectorId}`);
    }
  }

  async put(state: ConnectorState, options: PutConnectorOptions = {}): Promise<void> {
    const conditions: string[] = [];
    const values: Record<string, unknown> = {};
    if (options.unlessLeasedAtMs !== undefined) {
      conditions.push('(attribute_not_exists(leaseOwner) OR leaseExpiresAt < :now)');
      values[':now'] = options.unlessLeasedAtMs;
    }
    if (options.ifLeaseOwner !== undefined) {
      conditions.push('leaseOwner = :leaseOwner');
      values[':leaseOwner'] = options.ifLeaseOwner;
    }
    try {
      await this.table.db.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: connectorToItem(state),
          ...(conditions.length === 0
            ? {}
            : { ConditionExpression: conditions.join(' AND '), ExpressionAttributeValues: values }),
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        // Without a time to judge expiry by, the lease recorded on the row is the one in the way.
        const lease = liveLease(await this.get(state.connectorId), options.unlessLeasedAtMs ?? 0);
        throw new LeaseBusyError(leaseBusyMessage(state.connectorId, lease), { cause: error, lease });
      }
      throw toStoreError(error, `PutItem state of connector ${state.connectorId}`);
    }
  }

  async recordRun(run: SyncRun): Promise<void> {
    const { db, tableName } = this.table;
    await this.table.call(`PutItem run of connector ${run.connectorId}`, () =>
      db.send(new PutCommand({ TableName: tableName, Item: runToItem(run) })),
    );
  }

  async listRuns(connectorId: string, limit = 20): Promise<SyncRun[]> {
    const { db, tableName } = this.table;
    const runs: SyncRun[] = [];
    if (limit < 1) return runs;
    let startKey: Record<string, unknown> | undefined;
    do {
      const answer = await this.table.call(`Query runs of connector ${connectorId}`, () =>
        db.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
            ExpressionAttributeValues: { ':pk': keys.connectorPk(connectorId), ':prefix': keys.runSkPrefix },
            ScanIndexForward: false,
            Limit: limit - runs.length,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of answer.Items ?? []) runs.push(runFromItem(item));
      startKey = answer.LastEvaluatedKey;
    } while (startKey !== undefined && runs.length < limit);
    return runs;
  }
}
