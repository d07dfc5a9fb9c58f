import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureTable } from '../../functions/adapters/create-table.ts';
import { createDynamoClients } from '../../functions/adapters/dynamodb-client.ts';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb-store.ts';
import { startEmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
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
