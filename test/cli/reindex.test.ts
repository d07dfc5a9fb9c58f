/**
 * `rollcall reindex` through a child process: identity items written before the people index (no
 * GSI1 keys, as older versions wrote them) are missing from the console's people page until the
 * backfill adds them; a second run writes nothing.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoConsoleReader } from '../../functions/adapters/dynamodb/console-reader.ts';
import { createDynamoClients, type DynamoClients } from '../../functions/adapters/dynamodb/client.ts';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.ts';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import { startEmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
import { ZERO_COUNTS } from '../../functions/core/types.ts';
import { account } from '../adapters/fixture.ts';
import { CHILD_PROCESS_TIMEOUTS, createTestbed, runCli } from './support.ts';

const TABLE = 'rollcall-reindex';
vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
let store: string[];
let clients: DynamoClients;
let reader: DynamoConsoleReader;

/** An identity item exactly as versions before the people index wrote it. */
function legacyIdentity(emailKey: string) {
  return {
    PK: `IDENTITY#${emailKey}`,
    SK: 'IDENTITY',
    GSI2PK: `FIRSTSEEN#IDENTITY#2026-01#0`,
    GSI2SK: `2026-01-05T00:00:00.000Z#${emailKey}`,
    emailKey,
    firstSeenAt: '2026-01-05T00:00:00.000Z',
    firstConnectorId: 'torq-main',
  };
}

beforeAll(async () => {
  const dataDir = await bed.tempDir();
  const dynamo = await startEmbeddedDynamo();
  bed.onCleanup(() => dynamo.close());
  clients = createDynamoClients({ endpoint: dynamo.endpoint });
  bed.onCleanup(async () => clients.client.destroy());
  store = ['--data-dir', dataDir, '--table', TABLE, '--endpoint', dynamo.endpoint];
  await ensureTable(clients.client, TABLE);
  const inventory = new DynamoInventoryStore(clients.documentClient, TABLE);
  reader = new DynamoConsoleReader(clients.documentClient, TABLE);
  await inventory.putConnector({
    connectorId: 'torq-main',
    app: 'torq',
    status: 'CONNECTED',
    previousStatus: null,
    statusChangedAt: '2026-01-05T00:00:00.000Z',
    statusReason: null,
    lastSyncAt: null,
    lastSuccessAt: null,
    lastError: null,
    counts: ZERO_COUNTS,
    rejectedFingerprint: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    leaseHolder: null,
    identitiesVerified: true,
  });
  await inventory.applyWrites('torq-main', {
    putAccounts: [
      account('torq-main', 'u1', { email: 'ada@example.com', name: 'Ada Lovelace' }),
      account('torq-main', 'u2', { email: 'grace@example.com' }),
      account('torq-main', 'u3', { email: 'orphan@example.com' }),
    ],
    removeAccounts: [],
    putIdentities: [],
  });
  for (const emailKey of ['ada@example.com', 'grace@example.com']) {
    await clients.documentClient.send(new PutCommand({ TableName: TABLE, Item: legacyIdentity(emailKey) }));
  }
});

afterAll(() => bed.cleanup());

describe('rollcall reindex', () => {
  it('adds older identity items to the people index once, with a searchable name, and writes nothing the second time', async () => {
    expect((await reader.listPeople()).items).toEqual([]);

    const first = await runCli(['reindex', ...store]);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(
      'People index: 3 people in the inventory, 2 added to the index, 1 without an identity record (the next poll of their connector adds it)\n',
    );
    expect((await reader.listPeople()).items.map((person) => [person.emailKey, person.name])).toEqual([
      ['ada@example.com', 'Ada Lovelace'],
      ['grace@example.com', null],
    ]);
    expect((await reader.listPeople({ search: 'lovelace' })).items.map((person) => person.emailKey)).toEqual(['ada@example.com']);

    // Items that have the index keys are not written again.
    const second = await runCli(['reindex', ...store]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/, 0 added to the index,/);
    expect((await reader.listPeople()).items).toHaveLength(2);
  });
});
