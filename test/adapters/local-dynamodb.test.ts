import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.ts';
import { createDynamoClients } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { probeStoreDirectory, startEmbeddedDynamo, StoreOpenError } from '../../functions/adapters/local-dynamodb.ts';
import { account, NO_WRITES } from './fixture.ts';

const TABLE = 'rollcall-inventory';
const scratch: string[] = [];

afterEach(async () => {
  await Promise.all(scratch.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Opens the embedded store, runs `work` against it, and closes everything. */
async function withEmbeddedStore<T>(dataDir: string | undefined, work: (store: DynamoInventoryStore) => Promise<T>) {
  const embedded = await startEmbeddedDynamo(dataDir === undefined ? {} : { dataDir });
  const clients = createDynamoClients({ endpoint: embedded.endpoint });
  try {
    const created = await ensureTable(clients.client, TABLE);
    return { created, result: await work(new DynamoInventoryStore(clients.documentClient, TABLE)) };
  } finally {
    clients.client.destroy();
    await embedded.close();
  }
}

describe('startEmbeddedDynamo', () => {
  it('listens on a loopback port chosen by the OS', async () => {
    const embedded = await startEmbeddedDynamo();
    try {
      expect(embedded.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(embedded.endpoint).not.toMatch(/:0$/);
    } finally {
      await embedded.close();
    }
  });

  it('keeps data written with a dataDir across close and reopen', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'rollcall-embedded-')), 'nested', 'dynamodb');
    scratch.push(dataDir);
    const first = await withEmbeddedStore(dataDir, (store) =>
      store.applyWrites('persist', { ...NO_WRITES, putAccounts: [account('persist', 'u1'), account('persist', 'u2')] }),
    );

    const second = await withEmbeddedStore(dataDir, (store) => store.loadAccounts('persist'));

    expect(first.created).toBe('created');
    expect(second.created).toBe('existing');
    expect(second.result.map((a) => a.id).sort()).toEqual(['u1', 'u2']);
  });

  it('forgets everything without a dataDir', async () => {
    await withEmbeddedStore(undefined, (store) =>
      store.applyWrites('memory', { ...NO_WRITES, putAccounts: [account('memory', 'u1')] }),
    );

    const again = await withEmbeddedStore(undefined, (store) => store.loadAccounts('memory'));

    expect(again.created).toBe('created');
    expect(again.result).toEqual([]);
  });
});

describe('startEmbeddedDynamo with an access key', () => {
  it('serves requests signed with that key id and refuses any other', async () => {
    const embedded = await startEmbeddedDynamo({ accessKeyId: 'RCRIGHTKEY0001' });
    const right = createDynamoClients({ endpoint: embedded.endpoint, accessKeyId: 'RCRIGHTKEY0001' });
    const wrong = createDynamoClients({ endpoint: embedded.endpoint, accessKeyId: 'RCWRONGKEY0001', maxAttempts: 1 });
    const unsigned = await fetch(embedded.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
      body: '{}',
    });
    try {
      expect(await right.client.send(new ListTablesCommand({}))).toMatchObject({ TableNames: [] });
      await expect(wrong.client.send(new ListTablesCommand({}))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
      expect(unsigned.status).toBe(403);
    } finally {
      right.client.destroy();
      wrong.client.destroy();
      await embedded.close();
    }
  });
});

describe('probeStoreDirectory', () => {
  async function scratchDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'rollcall-probe-'));
    scratch.push(dir);
    return dir;
  }
  const problemOf = (promise: Promise<void>) =>
    promise.then(
      () => 'opened',
      (error: unknown) => (error instanceof StoreOpenError ? error.problem : 'unexpected'),
    );

  it('says missing for a store that does not exist when it must not create one, and creates it otherwise', async () => {
    const dir = join(await scratchDir(), 'dynamodb');
    expect(await problemOf(probeStoreDirectory(dir, { create: false }))).toBe('missing');
    expect(await problemOf(probeStoreDirectory(dir, { create: true }))).toBe('opened');
    expect(await problemOf(probeStoreDirectory(dir, { create: false }))).toBe('opened');
  });

  it('says locked while another holder has the store open', async () => {
    const dir = join(await scratchDir(), 'dynamodb');
    const holder = await startEmbeddedDynamo({ dataDir: dir });
    const clients = createDynamoClients({ endpoint: holder.endpoint });
    try {
      // dynalite opens LevelDB on first use.
      await clients.client.send(new ListTablesCommand({}));
      expect(await problemOf(probeStoreDirectory(dir, { create: true }))).toBe('locked');
    } finally {
      clients.client.destroy();
      await holder.close();
    }
  });

  it('says not-a-directory for a file where the store should be', async () => {
    const file = join(await scratchDir(), 'dynamodb');
    await writeFile(file, 'not a store');
    expect(await problemOf(probeStoreDirectory(file, { create: true }))).toBe('not-a-directory');
  });
});
