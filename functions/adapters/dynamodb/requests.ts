/**
 * How the DynamoDB adapter talks to its table: every request goes through `call` (one error
 * mapping), every Query through `queryAll` (every page, style.md section 11), every batch write
 * through `batchWrite` (unprocessed items retried with backoff), and all concurrency through one
 * pool (`drainWithConcurrency`).
 */
import { BatchWriteCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { TransientError } from '../../core/errors.ts';
import { toStoreError } from './errors.ts';
import type { ItemToWrite, StoredItem } from './items.ts';

/** DynamoDB's per-request limits. */
export const BATCH_WRITE_LIMIT = 25;
export const BATCH_GET_LIMIT = 100;

export interface BatchRetryOptions {
  /** Attempts per batch before its leftovers become a `TransientError`. Default 8. */
  readonly maxAttempts?: number;
  /** Backoff before retry n is a random share of min(maxDelayMs, baseDelayMs * 2^(n-1)). Defaults 50 and 2,000. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Injectable so tests never wait for real time. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface TableRequestOptions {
  /** Batch writes (and single-item updates) in flight at once. Default 8. */
  readonly writeConcurrency?: number;
  /** Batch gets and queries in flight at once. Default 4. */
  readonly readConcurrency?: number;
  /** Retry of the items DynamoDB leaves unprocessed in a batch (the SDK retries whole requests, not these). */
  readonly batchRetry?: BatchRetryOptions;
}

export type PutRequest = { PutRequest: { Item: ItemToWrite } };
export type DeleteRequest = { DeleteRequest: { Key: Record<string, string> } };
export type WriteRequest = PutRequest | DeleteRequest;
export type QueryInput = Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>;

export class TableRequests {
  readonly writeConcurrency: number;
  readonly readConcurrency: number;
  private readonly retry: Required<BatchRetryOptions>;

  constructor(
    readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
    options: TableRequestOptions = {},
  ) {
    this.writeConcurrency = options.writeConcurrency ?? 8;
    this.readConcurrency = options.readConcurrency ?? 4;
    this.retry = {
      maxAttempts: options.batchRetry?.maxAttempts ?? 8,
      baseDelayMs: options.batchRetry?.baseDelayMs ?? 50,
      maxDelayMs: options.batchRetry?.maxDelayMs ?? 2_000,
      sleep: options.batchRetry?.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    };
  }

  /** Sends one request; a failure becomes the core's error for it, named by `operation`. */
  async call<T>(operation: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw toStoreError(error, operation);
    }
  }

  /** Follows LastEvaluatedKey to the end: a listing is never one page (style.md section 11). */
  async queryAll(operation: string, input: QueryInput, onItem: (item: StoredItem) => void): Promise<void> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const answer = await this.call(operation, () =>
        this.db.send(new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: startKey })),
      );
      for (const item of answer.Items ?? []) onItem(item);
      startKey = answer.LastEvaluatedKey;
    } while (startKey !== undefined);
  }

  /** One BatchWriteItem, its unprocessed items retried until none is left or the attempts run out. */
  async batchWrite(operation: string, batch: WriteRequest[]): Promise<void> {
    let pending: WriteRequest[] = batch;
    for (let attempt = 1; ; attempt++) {
      const answer = await this.call(operation, () =>
        this.db.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } })),
      );
      pending = (answer.UnprocessedItems?.[this.tableName] ?? []) as WriteRequest[];
      if (pending.length === 0) return;
      await this.backoffOrGiveUp(operation, attempt, pending.length);
    }
  }

  async backoffOrGiveUp(operation: string, attempt: number, leftover: number): Promise<void> {
    if (attempt >= this.retry.maxAttempts) {
      throw new TransientError(`DynamoDB ${operation} left ${leftover} items unprocessed after ${attempt} attempts`);
    }
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    // Full jitter: concurrent batches throttled together do not retry in lockstep.
    await this.retry.sleep(Math.round(Math.random() * ceiling));
  }
}

/** Groups of `size`, built only as the consumer pulls them. */
export function* batchesOf<T>(items: Iterable<T>, size: number): Generator<T[]> {
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
 * The adapter's one concurrency pool: runs `work` on every item of a lazy sequence, at most
 * `limit` at once; items are pulled only when a worker is free, so the sequence is never
 * materialised. After a failure no new work starts. Hand-written: a worker pool over a shared
 * iterator is a dozen lines, not worth a dependency.
 */
export async function drainWithConcurrency<T>(items: Iterator<T>, limit: number, work: (item: T) => Promise<void>): Promise<void> {
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

/** Maps through the pool with at most `limit` calls in flight; results in input order. */
export async function runWithConcurrency<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  await drainWithConcurrency(items.entries(), Math.min(limit, items.length), async ([index, item]) => {
    results[index] = await work(item);
  });
  return results;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** Code-unit order, not locale order: the same input sorts the same everywhere. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
