/**
 * The inventory store on DynamoDB (design.md section 4): one table, every question a Query, writes
 * batched and conditional where a race could lose data. The same class serves Lambda (AWS), the
 * CLI with `--table`/`--endpoint`, and the embedded dynalite store.
 */
import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ConfigError, LeaseBusyError, TransientError } from '../../core/errors.ts';
import { leaseBusyMessage, liveLease } from '../../core/lease.ts';
import {
  systemClock,
  type AccountQuery,
  type Clock,
  type InventoryStore,
  type InventoryWrites,
  type LeaseRequest,
  type ListingCheckpoint,
  type PutConnectorOptions,
} from '../../core/ports.ts';
import { ZERO_COUNTS, type ConnectorState, type StoredAccount, type StoredIdentity, type SyncRun } from '../../core/types.ts';
import { createStringPool } from '../../core/string-pool.ts';
import { DynamoCheckpointStore } from './checkpoint.ts';
import { toStoreError } from './client.ts';
import {
  ACCOUNT_ATTRIBUTES,
  accountFromItem,
  accountKey,
  accountToItem,
  connectorFromItem,
  connectorKey,
  connectorToItem,
  countsToItem,
  identityFromItem,
  identityKey,
  identityToItem,
  leaseHolderToItem,
  runFromItem,
  runToItem,
  type ItemToWrite,
  type StoredItem,
} from './items.ts';
import { FIRST_SEEN_SHARDS, GSI1, GSI2, keys, monthsBetween } from './table-definition.ts';

/**
 * Items per page when loading a connector's accounts. The load runs while the API pages arrive; a
 * full 1 MB page (about 2,000 accounts) blocks the event loop for tens of milliseconds while the
 * SDK parses it, long enough to miss the paced API calls' slots. Smaller pages interleave with the
 * listing; DynamoDB bills reads by size, so they cost the same read units.
 */
const ACCOUNTS_PER_QUERY_PAGE = 500;

/** DynamoDB's per-request limits. */
const BATCH_WRITE_LIMIT = 25;
const BATCH_GET_LIMIT = 100;

export interface BatchRetryOptions {
  /** Attempts per batch before its leftovers become a `TransientError`. Default 8. */
  readonly maxAttempts?: number;
  /** Backoff before retry n is a random share of min(maxDelayMs, baseDelayMs * 2^(n-1)). Defaults 50 and 2,000. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Injectable so tests never wait for real time. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface DynamoStoreOptions {
  /** "Now" for first-seen queries (which months to read). */
  readonly clock?: Clock;
  /** Batch writes (and removals) in flight at once. Default 8. */
  readonly writeConcurrency?: number;
  /** Batch gets and index queries in flight at once. Default 4. */
  readonly readConcurrency?: number;
  /** Retry of the items DynamoDB leaves unprocessed in a batch (the SDK retries whole requests, not these). */
  readonly batchRetry?: BatchRetryOptions;
}

/** `ACCOUNT_ATTRIBUTES` as a projection; every name aliased, as some (`status`) are DynamoDB reserved words. */
const ACCOUNT_PROJECTION = {
  expression: ACCOUNT_ATTRIBUTES.map((_, index) => `#a${index}`).join(', '),
  names: Object.fromEntries(ACCOUNT_ATTRIBUTES.map((name, index) => [`#a${index}`, name])),
};

type PutRequest = { PutRequest: { Item: ItemToWrite } };

export class DynamoInventoryStore implements InventoryStore {
  private readonly db: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly clock: Clock;
  private readonly writeConcurrency: number;
  private readonly readConcurrency: number;
  private readonly retry: Required<BatchRetryOptions>;
  private readonly checkpoints: DynamoCheckpointStore;

  constructor(documentClient: DynamoDBDocumentClient, tableName: string, options: DynamoStoreOptions = {}) {
    this.db = documentClient;
    this.tableName = tableName;
    this.checkpoints = new DynamoCheckpointStore(documentClient, tableName);
    this.clock = options.clock ?? systemClock;
    this.writeConcurrency = options.writeConcurrency ?? 8;
    this.readConcurrency = options.readConcurrency ?? 4;
    this.retry = {
      maxAttempts: options.batchRetry?.maxAttempts ?? 8,
      baseDelayMs: options.batchRetry?.baseDelayMs ?? 50,
      maxDelayMs: options.batchRetry?.maxDelayMs ?? 2_000,
      sleep: options.batchRetry?.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Connector state and lease
  // -------------------------------------------------------------------------------------------

  async getConnector(connectorId: string): Promise<ConnectorState | null> {
    const answer = await this.call(`GetItem connector ${connectorId}`, () =>
      this.db.send(new GetCommand({ TableName: this.tableName, Key: connectorKey(connectorId), ConsistentRead: true })),
    );
    return answer.Item ? connectorFromItem(answer.Item) : null;
  }

  async listConnectors(): Promise<ConnectorState[]> {
    const states: ConnectorState[] = [];
    await this.queryAll(
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
      const answer = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
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
        const lease = liveLease(await this.getConnector(connectorId), request.nowMs);
        throw new LeaseBusyError(leaseBusyMessage(connectorId, lease), { cause: error, lease });
      }
      throw toStoreError(error, `UpdateItem lease of connector ${connectorId}`);
    }
  }

  async finishSync(state: ConnectorState, owner: string): Promise<void> {
    const item = connectorToItem({ ...state, leaseOwner: null, leaseExpiresAt: null, leaseHolder: null });
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
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

  async putConnector(state: ConnectorState, options: PutConnectorOptions = {}): Promise<void> {
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
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: connectorToItem(state),
          ...(conditions.length === 0
            ? {}
            : { ConditionExpression: conditions.join(' AND '), ExpressionAttributeValues: values }),
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        // Without a time to judge expiry by, the lease recorded on the row is the one in the way.
        const lease = liveLease(await this.getConnector(state.connectorId), options.unlessLeasedAtMs ?? 0);
        throw new LeaseBusyError(leaseBusyMessage(state.connectorId, lease), { cause: error, lease });
      }
      throw toStoreError(error, `PutItem state of connector ${state.connectorId}`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Accounts and identities
  // -------------------------------------------------------------------------------------------

  /** Every page, strongly consistent: the diff must see what the previous sync wrote. */
  async loadAccounts(connectorId: string): Promise<StoredAccount[]> {
    return this.connectorAccounts(connectorId, true);
  }

  async findKnownIdentities(emailKeys: readonly string[]): Promise<Set<string>> {
    const known = new Set<string>();
    const chunks = chunk([...new Set(emailKeys)], BATCH_GET_LIMIT);
    await runWithConcurrency(chunks, this.readConcurrency, async (emailKeyChunk) => {
      let pending: Record<string, unknown>[] = emailKeyChunk.map((emailKey) => identityKey(emailKey));
      for (let attempt = 1; ; attempt++) {
        const answer = await this.call('BatchGetItem identities', () =>
          this.db.send(
            new BatchGetCommand({
              RequestItems: {
                [this.tableName]: {
                  Keys: pending,
                  ConsistentRead: true,
                  ProjectionExpression: 'emailKey',
                },
              },
            }),
          ),
        );
        for (const item of answer.Responses?.[this.tableName] ?? []) {
          if (typeof item.emailKey === 'string') known.add(item.emailKey);
        }
        pending = answer.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
        if (pending.length === 0) return;
        await this.backoffOrGiveUp('BatchGetItem identities', attempt, pending.length);
      }
    });
    return known;
  }

  /**
   * Identities first, then accounts and removals: puts go in batches of 25, several in flight;
   * each removal is one UpdateItem that sets `removedAt` (the port hands over only id and time, and
   * removals are rare: the core holds mass removals back), conditional on the account still
   * existing so a removal never creates a stub item.
   *
   * Why identities first: an account item is what makes later polls see its person as known to
   * this connector, and then nothing writes that person's identity again. Were accounts written
   * first, a poll killed (or a Lambda timed out) between the two would leave people without an
   * identity record for good. In this order every account item that exists has its identity.
   *
   * Identities are batch-put, although a batch put cannot be conditional. A first sync of
   * 100,000 people would otherwise cost 100,000 single conditional PutItems instead of 4,000
   * batches. It is safe: the core only asks to write identities that `findKnownIdentities` found
   * absent moments before; the lease serialises polls of one connector, so the only possible
   * overwrite is by a poll of another connector that saw the same new person within those
   * moments, and then both items say something true ("first seen then, in that connector").
   * The identity's `firstSeenAt` and `firstConnectorId` are informational; no decision reads them.
   */
  async applyWrites(connectorId: string, writes: InventoryWrites): Promise<void> {
    // A batch must not name one key twice; the last write of a key wins, as it would one by one.
    const accounts = new Map<string, StoredAccount>();
    for (const account of writes.putAccounts) accounts.set(`${account.connectorId}\u0000${account.id}`, account);
    const identities = new Map<string, StoredIdentity>();
    for (const identity of writes.putIdentities) identities.set(identity.emailKey, identity);

    // Items are built batch by batch as the batches go out, not all up front: a first sync of
    // 100,000 people writes 200,000 items, and holding them all at once added about 100 MB to
    // the benchmark's peak RSS (README, "Performance").
    const identityBatches = batchesOf(identityPutRequests(identities.values()), BATCH_WRITE_LIMIT);
    await drainWithConcurrency(this.writeTasks(connectorId, identityBatches, []), this.writeConcurrency, (task) => task());
    const accountBatches = batchesOf(accountPutRequests(accounts.values()), BATCH_WRITE_LIMIT);
    await drainWithConcurrency(this.writeTasks(connectorId, accountBatches, writes.removeAccounts), this.writeConcurrency, (task) =>
      task(),
    );
  }

  private *writeTasks(
    connectorId: string,
    batches: Iterable<PutRequest[]>,
    removals: InventoryWrites['removeAccounts'],
  ): Generator<() => Promise<void>> {
    for (const batch of batches) yield () => this.batchWrite(connectorId, batch);
    for (const removal of removals) yield () => this.markRemoved(connectorId, removal.id, removal.removedAt);
  }

  private async batchWrite(connectorId: string, batch: PutRequest[]): Promise<void> {
    const operation = `BatchWriteItem for connector ${connectorId}`;
    let pending: PutRequest[] = batch;
    for (let attempt = 1; ; attempt++) {
      const answer = await this.call(operation, () =>
        this.db.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } })),
      );
      pending = (answer.UnprocessedItems?.[this.tableName] ?? []) as PutRequest[];
      if (pending.length === 0) return;
      await this.backoffOrGiveUp(operation, attempt, pending.length);
    }
  }

  private async markRemoved(connectorId: string, accountId: string, removedAt: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: accountKey(connectorId, accountId),
          UpdateExpression: 'SET removedAt = :removedAt',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':removedAt': removedAt },
        }),
      );
    } catch (error) {
      // The account item is gone already: there is nothing left to mark.
      if (isConditionalCheckFailed(error)) return;
      throw toStoreError(error, `UpdateItem removal in connector ${connectorId}`);
    }
  }

  private async backoffOrGiveUp(operation: string, attempt: number, leftover: number): Promise<void> {
    if (attempt >= this.retry.maxAttempts) {
      throw new TransientError(`DynamoDB ${operation} left ${leftover} items unprocessed after ${attempt} attempts`);
    }
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    // Full jitter: concurrent batches throttled together do not retry in lockstep.
    await this.retry.sleep(Math.round(Math.random() * ceiling));
  }

  // -------------------------------------------------------------------------------------------
  // Queries (design.md section 4)
  // -------------------------------------------------------------------------------------------

  async queryAccounts(query: AccountQuery): Promise<StoredAccount[]> {
    const since = query.firstSeenSince === undefined ? null : normaliseTimestamp(query.firstSeenSince, 'firstSeenSince');
    let accounts: StoredAccount[];
    if (query.emailKey !== undefined) {
      accounts = await this.accountsByEmail(query.emailKey);
      if (query.connectorId !== undefined) accounts = accounts.filter((a) => a.connectorId === query.connectorId);
      if (since !== null) accounts = accounts.filter((a) => a.firstSeenAt >= since);
    } else if (since !== null) {
      accounts = await this.accountsFirstSeenSince(since, query.connectorId ?? null);
    } else if (query.connectorId !== undefined) {
      accounts = await this.connectorAccounts(query.connectorId, false);
    } else {
      const connectors = await this.listConnectors();
      const perConnector = await runWithConcurrency(connectors, this.readConcurrency, (state) =>
        this.connectorAccounts(state.connectorId, false),
      );
      accounts = perConnector.flat();
    }
    if (query.includeRemoved !== true) accounts = accounts.filter((a) => a.removedAt === null);
    return accounts.sort(compareAccounts);
  }

  async queryIdentities(firstSeenSince: string): Promise<StoredIdentity[]> {
    const since = normaliseTimestamp(firstSeenSince, 'firstSeenSince');
    const partitions = this.firstSeenPartitions(since, keys.identityFirstSeenGsi2Pk);
    const perPartition = await runWithConcurrency(partitions, this.readConcurrency, async (partition) => {
      const identities: StoredIdentity[] = [];
      await this.queryAll('Query identities first seen', firstSeenQuery(partition, since), (item) =>
        identities.push(identityFromItem(item)),
      );
      return identities;
    });
    return perPartition
      .flat()
      .sort((a, b) => compareStrings(a.firstSeenAt, b.firstSeenAt) || compareStrings(a.emailKey, b.emailKey));
  }

  private async connectorAccounts(connectorId: string, consistent: boolean): Promise<StoredAccount[]> {
    const accounts: StoredAccount[] = [];
    const pool = createStringPool();
    await this.queryAll(
      `Query accounts of connector ${connectorId}`,
      {
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ProjectionExpression: ACCOUNT_PROJECTION.expression,
        ExpressionAttributeNames: ACCOUNT_PROJECTION.names,
        ExpressionAttributeValues: { ':pk': keys.connectorPk(connectorId), ':prefix': keys.accountSkPrefix },
        ConsistentRead: consistent,
        Limit: ACCOUNTS_PER_QUERY_PAGE,
      },
      (item) => accounts.push(accountFromItem(item, pool)),
    );
    return accounts;
  }

  private async accountsByEmail(emailKey: string): Promise<StoredAccount[]> {
    const accounts: StoredAccount[] = [];
    await this.queryAll(
      'Query accounts by email',
      {
        IndexName: GSI1.indexName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': GSI1.partitionKey },
        ExpressionAttributeValues: { ':pk': keys.emailGsi1Pk(emailKey) },
      },
      (item) => accounts.push(accountFromItem(item)),
    );
    return accounts;
  }

  private async accountsFirstSeenSince(since: string, connectorId: string | null): Promise<StoredAccount[]> {
    const partitions = this.firstSeenPartitions(since, keys.accountFirstSeenGsi2Pk);
    const perPartition = await runWithConcurrency(partitions, this.readConcurrency, async (partition) => {
      const input = firstSeenQuery(partition, since);
      if (connectorId !== null) {
        input.FilterExpression = 'connectorId = :connectorId';
        input.ExpressionAttributeValues = { ...input.ExpressionAttributeValues, ':connectorId': connectorId };
      }
      const accounts: StoredAccount[] = [];
      await this.queryAll('Query accounts first seen', input, (item) => accounts.push(accountFromItem(item)));
      return accounts;
    });
    return perPartition.flat();
  }

  /** Every (month, shard) partition of GSI2 from the month of `since` up to now. */
  private firstSeenPartitions(since: string, partitionKey: (month: string, shard: number) => string): string[] {
    const now = this.clock.now().toISOString();
    // A `since` ahead of our clock (a skewed caller) still reads its own month.
    const months = monthsBetween(since, now > since ? now : since);
    return months.flatMap((month) => Array.from({ length: FIRST_SEEN_SHARDS }, (_, shard) => partitionKey(month, shard)));
  }

  // -------------------------------------------------------------------------------------------
  // Sync runs
  // -------------------------------------------------------------------------------------------

  // -------------------------------------------------------------------------------------------
  // Listing checkpoints (a listing longer than one invocation)
  // -------------------------------------------------------------------------------------------

  loadCheckpoint(connectorId: string): Promise<ListingCheckpoint | null> {
    return this.checkpoints.load(connectorId);
  }

  saveCheckpoint(checkpoint: ListingCheckpoint): Promise<void> {
    return this.checkpoints.save(checkpoint);
  }

  clearCheckpoint(connectorId: string): Promise<void> {
    return this.checkpoints.clear(connectorId);
  }

  async recordRun(run: SyncRun): Promise<void> {
    await this.call(`PutItem run of connector ${run.connectorId}`, () =>
      this.db.send(new PutCommand({ TableName: this.tableName, Item: runToItem(run) })),
    );
  }

  async listRuns(connectorId: string, limit = 20): Promise<SyncRun[]> {
    const runs: SyncRun[] = [];
    if (limit < 1) return runs;
    let startKey: Record<string, unknown> | undefined;
    do {
      const answer = await this.call(`Query runs of connector ${connectorId}`, () =>
        this.db.send(
          new QueryCommand({
            TableName: this.tableName,
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

  // -------------------------------------------------------------------------------------------

  /** Follows LastEvaluatedKey to the end: a listing is never one page (style.md section 11). */
  private async queryAll(
    operation: string,
    input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
    onItem: (item: StoredItem) => void,
  ): Promise<void> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const answer = await this.call(operation, () =>
        this.db.send(new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: startKey })),
      );
      for (const item of answer.Items ?? []) onItem(item);
      startKey = answer.LastEvaluatedKey;
    } while (startKey !== undefined);
  }

  private async call<T>(operation: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw toStoreError(error, operation);
    }
  }
}

// ---------------------------------------------------------------------------------------------

function firstSeenQuery(partition: string, since: string): Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'> {
  return {
    IndexName: GSI2.indexName,
    KeyConditionExpression: '#pk = :pk AND #sk >= :since',
    ExpressionAttributeNames: { '#pk': GSI2.partitionKey, '#sk': GSI2.sortKey },
    ExpressionAttributeValues: { ':pk': partition, ':since': since },
  };
}

/**
 * First-seen sort keys start with `Date#toISOString()` output; `since` must have the same shape
 * (milliseconds, `Z`) for string comparison to order it correctly.
 */
function normaliseTimestamp(value: string, field: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new ConfigError(`${field} is not a valid timestamp`);
  return new Date(ms).toISOString();
}

function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** Code-unit order, not locale order: the same input sorts the same everywhere. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareAccounts(a: StoredAccount, b: StoredAccount): number {
  if (a.connectorId !== b.connectorId) return compareStrings(a.connectorId, b.connectorId);
  if (a.emailKey !== b.emailKey) {
    if (a.emailKey === null) return 1;
    if (b.emailKey === null) return -1;
    return compareStrings(a.emailKey, b.emailKey);
  }
  return compareStrings(a.id, b.id);
}

function* accountPutRequests(accounts: Iterable<StoredAccount>): Generator<PutRequest> {
  for (const account of accounts) yield { PutRequest: { Item: accountToItem(account) } };
}

function* identityPutRequests(identities: Iterable<StoredIdentity>): Generator<PutRequest> {
  for (const identity of identities) yield { PutRequest: { Item: identityToItem(identity) } };
}

/** Groups of `size`, built only as the consumer pulls them. */
function* batchesOf<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let batch: T[] = [];
  for (const item of items) {
    batch.push(item);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * Runs `work` on every item of a lazy sequence, at most `limit` at once; items are pulled only
 * when a worker is free, so the sequence is never materialised. After a failure no new work starts.
 */
async function drainWithConcurrency<T>(items: Iterator<T>, limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let failed = false;
  const worker = async () => {
    while (!failed) {
      const next = items.next();
      if (next.done === true) return;
      try {
        await work(next.value);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/**
 * Maps with at most `limit` calls in flight, results in input order. Hand-written: a worker pool
 * over a shared index is a dozen lines, not worth a dependency. After a failure no new work starts.
 */
async function runWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index] as T);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}
