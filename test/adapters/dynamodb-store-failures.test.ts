/**
 * How the store behaves when DynamoDB does not simply succeed. dynalite never throttles, so partial
 * batch processing is simulated by a middleware on the real client that lets DynamoDB (dynalite)
 * process part of a batch and reports the rest back as unprocessed, as DynamoDB does under load.
 * Failing endpoints are real loopback servers.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countRequests, createDynamoClients } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import { ConfigError, TransientError } from '../../functions/core/errors.ts';
import { account, identity, NO_WRITES, openDynamoFixture, type DynamoFixture } from './fixture.ts';

let fixture: DynamoFixture;
const delays: number[] = [];
const recordDelay = async (ms: number) => {
  delays.push(ms);
};

beforeAll(async () => {
  fixture = await openDynamoFixture();
});

afterAll(async () => {
  await fixture.close();
});

afterEach(() => {
  fixture.client.middlewareStack.remove('simulateUnprocessed');
  delays.length = 0;
});

type Requests = Record<string, unknown[]>;

/**
 * For the next `times` requests of `commandName`, sends only the first `keep` entries to DynamoDB
 * and returns the others as unprocessed (in the document client's native shape).
 */
function simulateUnprocessed(
  commandName: 'BatchWriteItemCommand' | 'BatchGetItemCommand',
  times: number,
  keep: number,
): void {
  let remaining = times;
  fixture.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== commandName || remaining === 0) return next(args);
      remaining -= 1;
      // The initialize step sees the document client's native input, before marshalling.
      const input = args.input as unknown as { RequestItems: Record<string, unknown> };
      const [table, requests] = Object.entries(input.RequestItems)[0] as [string, unknown];
      if (commandName === 'BatchWriteItemCommand') {
        const writes = requests as unknown[];
        const narrowed = { RequestItems: { [table]: writes.slice(0, keep) } };
        const result = await next({ ...args, input: narrowed as unknown as typeof args.input });
        (result.output as { UnprocessedItems?: Requests }).UnprocessedItems = { [table]: writes.slice(keep) };
        return result;
      }
      const get = requests as { Keys: unknown[] };
      const narrowed = { RequestItems: { [table]: { ...get, Keys: get.Keys.slice(0, keep) } } };
      const result = await next({ ...args, input: narrowed as unknown as typeof args.input });
      (result.output as { UnprocessedKeys?: Record<string, unknown> }).UnprocessedKeys = {
        [table]: { ...get, Keys: get.Keys.slice(keep) },
      };
      return result;
    },
    { step: 'initialize', name: 'simulateUnprocessed' },
  );
}

function storeWithRecordedBackoff(maxAttempts = 8): DynamoInventoryStore {
  return new DynamoInventoryStore(fixture.documentClient, fixture.tableName, {
    batchRetry: { maxAttempts, baseDelayMs: 50, maxDelayMs: 2_000, sleep: recordDelay },
  });
}

describe('DynamoInventoryStore under partial batch processing', () => {
  it('retries unprocessed batch-write items with growing backoff until all are written', async () => {
    const store = storeWithRecordedBackoff();
    const accounts = Array.from({ length: 25 }, (_, i) => account('partial-write', `u${i}`));
    simulateUnprocessed('BatchWriteItemCommand', 2, 10);
    const counter = countRequests(fixture.client);

    await store.applyWrites('partial-write', { ...NO_WRITES, putAccounts: accounts });

    counter.detach();
    expect(counter.counts().byCommand.BatchWriteItem).toBe(3);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeLessThanOrEqual(50);
    expect(delays[1]).toBeLessThanOrEqual(100);
    expect(await store.loadAccounts('partial-write')).toHaveLength(25);
  });

  it('gives up with a TransientError after the bounded number of attempts', async () => {
    const store = storeWithRecordedBackoff(3);
    simulateUnprocessed('BatchWriteItemCommand', 100, 1);

    const writing = store.applyWrites('partial-stuck', {
      ...NO_WRITES,
      putAccounts: Array.from({ length: 25 }, (_, i) => account('partial-stuck', `u${i}`)),
    });

    await expect(writing).rejects.toBeInstanceOf(TransientError);
    await expect(writing).rejects.toThrow('left 22 items unprocessed after 3 attempts');
    expect(delays).toHaveLength(2);
  });

  it('retries unprocessed identity keys and still reports every known identity', async () => {
    const store = storeWithRecordedBackoff();
    const emailKeys = Array.from({ length: 30 }, (_, i) => `p${i}@partial.example`);
    await store.applyWrites('partial-read', {
      ...NO_WRITES,
      putIdentities: emailKeys.map((emailKey) => identity(emailKey, '2026-03-01T00:00:00.000Z', 'partial-read')),
    });
    simulateUnprocessed('BatchGetItemCommand', 1, 12);

    const known = await store.findKnownIdentities([...emailKeys, 'stranger@partial.example']);

    expect([...known].sort()).toEqual([...emailKeys].sort());
    expect(delays).toHaveLength(1);
  });
});

describe('DynamoInventoryStore error mapping', () => {
  let server: Server | null = null;
  afterEach(async () => {
    const running = server;
    server = null;
    if (running) await new Promise((resolve) => running.close(resolve));
  });

  /** A loopback "DynamoDB" that answers every request with one status and error type. */
  async function failingEndpoint(status: number, type: string): Promise<string> {
    server = createServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: 'detail alice@example.com' }));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server?.address() as AddressInfo).port}`;
  }

  function storeAt(endpoint: string, tableName = 'inventory'): DynamoInventoryStore {
    // One attempt: the SDK's own retries (with real backoff) are not what is under test.
    const { documentClient } = createDynamoClients({ endpoint, maxAttempts: 1 });
    return new DynamoInventoryStore(documentClient, tableName);
  }

  it('turns throttling into a TransientError that names the operation, not the upstream message', async () => {
    const store = storeAt(await failingEndpoint(400, 'ProvisionedThroughputExceededException'));

    const loading = store.loadAccounts('c1');

    await expect(loading).rejects.toBeInstanceOf(TransientError);
    await expect(loading).rejects.toThrow('Query accounts of connector c1');
    await expect(loading).rejects.not.toThrow('alice');
  });

  it('turns a 5xx into a TransientError', async () => {
    const store = storeAt(await failingEndpoint(500, 'InternalServerError'));

    await expect(store.getConnector('c1')).rejects.toBeInstanceOf(TransientError);
  });

  it('turns a refused connection into a TransientError', async () => {
    const endpoint = await failingEndpoint(500, 'InternalServerError');
    await new Promise((resolve) => server?.close(resolve));
    server = null;

    await expect(storeAt(endpoint).listConnectors()).rejects.toBeInstanceOf(TransientError);
  });

  it('turns a missing table into a ConfigError', async () => {
    const store = storeAt(fixture.embedded.endpoint, 'no-such-table');

    await expect(store.listRuns('c1')).rejects.toBeInstanceOf(ConfigError);
  });
});
