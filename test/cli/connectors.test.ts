/**
 * `rollcall connectors` and its subcommands as a user runs them (child processes), on the embedded
 * store (--data-dir) and on a DynamoDB table (--table with --endpoint, a real dynalite): adding,
 * listing, changing, disabling, enabling and removing connectors, and `remove --purge` deleting
 * exactly what it says and nothing of another connector. Secrets Manager in a deployment:
 * connectors-aws.slow.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.ts';
import { createDynamoClients, type DynamoClients } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
import type { FleetStore } from '../../functions/core/ports.ts';
import { openInventory } from '../../cli/runtime.ts';
import {
  NOTHING_LEFT,
  PEOPLE_AFTER_C1_PURGE,
  SEEDED_PEOPLE,
  definitionOf,
  seedTwoConnectors,
  snapshotConnector,
} from '../support/two-connectors.ts';
import { CHILD_PROCESS_TIMEOUTS, createTestbed, parseJsonArray, runCli, type CliRun } from './support.ts';

vi.setConfig({ ...CHILD_PROCESS_TIMEOUTS, testTimeout: 120_000 });
const bed = createTestbed();
afterEach(() => bed.cleanup());

let dynalite: EmbeddedDynamo;
let clients: DynamoClients;
beforeAll(async () => {
  dynalite = await startEmbeddedDynamo();
  clients = createDynamoClients({ endpoint: dynalite.endpoint });
});
afterAll(async () => {
  clients.client.destroy();
  await dynalite.close();
});

interface Backend {
  /** The store flags of every command. */
  readonly flags: readonly string[];
  /** The same store, opened in the test process (for seeding and checking). */
  withStore<T>(work: (store: FleetStore) => Promise<T>): Promise<T>;
}

const BACKENDS: Record<string, () => Promise<Backend>> = {
  'the embedded store': async () => {
    const dataDir = await bed.tempDir('rollcall-connectors-');
    return {
      flags: ['--data-dir', dataDir],
      async withStore(work) {
        const inventory = await openInventory({ dataDir }, { create: true });
        try {
          return await work(inventory.store);
        } finally {
          await inventory.close();
        }
      },
    };
  },
  'a DynamoDB table': async () => {
    const tableName = `connectors-${randomUUID()}`;
    await ensureTable(clients.client, tableName);
    const store = new DynamoInventoryStore(clients.documentClient, tableName);
    return { flags: ['--table', tableName, '--endpoint', dynalite.endpoint], withStore: (work) => work(store) };
  },
};

function expectExit(run: CliRun, code: number): void {
  if (run.code !== code) throw new Error(`expected exit ${code}, got ${run.code}; stdout: ${run.stdout}; stderr: ${run.stderr}`);
}

describe.each(Object.keys(BACKENDS))('rollcall connectors on %s', (backendName) => {
  const newBackend = BACKENDS[backendName] as () => Promise<Backend>;

  it('adds, lists, changes, disables, enables and removes a connector', async () => {
    const backend = await newBackend();
    const connectors = (...args: string[]) => runCli(['connectors', ...args, ...backend.flags]);

    const added = await connectors('add', '--connector', 'tg-eu', '--app', 'twingate', '--network', 'acme', '--every', '2h');
    expectExit(added, 0);
    expect(added.stdout).toContain('added tg-eu (twingate, rate(2 hours); first poll due now)');
    // Locally no secret: how to give the credentials, as `rollcall watch` reads them.
    expect(added.stdout).toContain('ROLLCALL_TG_EU_TWINGATE_API_KEY=...');
    expect(added.stdout).toContain('{"tg-eu": {"apiKey": "..."}}');

    const again = await connectors('add', '--connector', 'tg-eu', '--app', 'torq');
    expectExit(again, 2);
    expect(again.stderr).toContain('connector tg-eu already exists');

    const listed = parseJsonArray(await connectors('--format', 'json'));
    expect(listed).toEqual([
      expect.objectContaining({
        connectorId: 'tg-eu',
        app: 'twingate',
        schedule: 'rate(2 hours)',
        enabled: true,
        origin: 'added',
        config: { network: 'acme' },
        nextDueAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        status: null,
      }),
    ]);

    expectExit(await connectors('set', '--connector', 'tg-eu', '--cron', '0 6 * * *', '--network', 'acme-2'), 0);
    expectExit(await connectors('disable', '--connector', 'tg-eu'), 0);
    await backend.withStore(async (store) => {
      expect(await store.getDefinition('tg-eu')).toMatchObject({
        schedule: 'cron(0 6 * * *)',
        config: { network: 'acme-2' },
        enabled: false,
        nextDueAt: null,
      });
      expect(await store.listDue('9999-01-01T00:00:00.000Z', 10)).toEqual([]);
    });

    const enabled = await connectors('enable', '--connector', 'tg-eu');
    expectExit(enabled, 0);
    expect(enabled.stdout).toContain('enabled tg-eu: first poll due now');
    await backend.withStore(async (store) => {
      expect((await store.listDue('9999-01-01T00:00:00.000Z', 10)).map((definition) => definition.connectorId)).toEqual(['tg-eu']);
    });

    const removed = await connectors('remove', '--connector', 'tg-eu');
    expectExit(removed, 0);
    expect(removed.stdout).toContain('removed tg-eu: it is no longer polled');
    await backend.withStore(async (store) => expect(await store.listDefinitions()).toEqual([]));
  });

  it('purges one connector after asking: exactly what it says, and nothing of the other connector', async () => {
    const backend = await newBackend();
    const before = await backend.withStore(async (store) => {
      await seedTwoConnectors(store);
      return { c1: await snapshotConnector(store, 'c1'), c2: await snapshotConnector(store, 'c2'), plan: await store.planPurge('c1') };
    });

    // No terminal to ask on, and no --yes: refused before anything changes.
    const refused = await runCli(['connectors', 'remove', '--connector', 'c1', '--purge', ...backend.flags]);
    expectExit(refused, 2);
    expect(refused.stderr).toContain('purging connector c1 needs confirmation: run it on a terminal, or add --yes');
    await backend.withStore(async (store) => expect(await snapshotConnector(store, 'c1')).toEqual(before.c1));

    const purged = await runCli(['connectors', 'remove', '--connector', 'c1', '--purge', '--yes', ...backend.flags]);
    expectExit(purged, 0);
    const checkpoints = `${before.plan.checkpoints} checkpoint item${before.plan.checkpoints === 1 ? '' : 's'}`;
    expect(purged.stdout).toBe(
      `purged c1: its definition, 5 accounts, 3 memberships, 2 groups, 2 sync runs, ${checkpoints}, 2 people known only through it, its status row\n`,
    );
    await backend.withStore(async (store) => {
      expect(await snapshotConnector(store, 'c1')).toEqual(NOTHING_LEFT);
      expect(await snapshotConnector(store, 'c2')).toEqual(before.c2);
      expect(await store.findKnownIdentities(SEEDED_PEOPLE)).toEqual(PEOPLE_AFTER_C1_PURGE);
    });

    // Once gone, the connector is unknown.
    const gone = await runCli(['connectors', 'remove', '--connector', 'c1', '--purge', '--yes', ...backend.flags]);
    expectExit(gone, 2);
    expect(gone.stderr).toContain('connector c1 does not exist');
  });
});

describe('rollcall connectors on the embedded store', () => {
  it('keeps the inventory of a connector removed without --purge, listed without a definition', async () => {
    const backend = await BACKENDS['the embedded store']!();
    await backend.withStore((store) => seedTwoConnectors(store));
    expectExit(await runCli(['connectors', 'remove', '--connector', 'c1', ...backend.flags]), 0);

    const rows = parseJsonArray(await runCli(['connectors', '--format', 'json', ...backend.flags]));
    expect(rows.map((row) => [row.connectorId, row.origin, row.status])).toEqual([
      ['c1', null, 'CONNECTED'],
      ['c2', 'added', 'CONNECTED'],
    ]);
    await backend.withStore(async (store) => {
      expect(await store.getDefinition('c1')).toBeNull();
      expect(await store.loadAccounts('c1')).toHaveLength(5);
    });
  });

  it('refuses to change or remove a connector declared in cdk.json, and lets it be disabled', async () => {
    const backend = await BACKENDS['the embedded store']!();
    await backend.withStore((store) => seedTwoConnectors(store, { c1Definition: { origin: 'declared' } }));

    for (const args of [['remove'], ['remove', '--purge', '--yes']]) {
      const refused = await runCli(['connectors', ...args, '--connector', 'c1', ...backend.flags]);
      expectExit(refused, 2);
      expect(refused.stderr).toContain('connector c1 is declared in cdk.json, which owns it');
    }
    const set = await runCli(['connectors', 'set', '--connector', 'c1', '--every', '1d', ...backend.flags]);
    expectExit(set, 2);
    expect(set.stderr).toContain('declared in cdk.json');
    expectExit(await runCli(['connectors', 'disable', '--connector', 'c1', ...backend.flags]), 0);
    await backend.withStore(async (store) => {
      expect(await store.getDefinition('c1')).toEqual({
        ...definitionOf('c1', { origin: 'declared' }),
        enabled: false,
        nextDueAt: null,
        updatedAt: expect.any(String),
      });
      expect(await store.loadAccounts('c1')).toHaveLength(5);
    });
  });

  it('refuses bad input with a usage error, naming the flag, and writes nothing', async () => {
    const backend = await BACKENDS['the embedded store']!();
    await backend.withStore(async (store) => expect(await store.listDefinitions()).toEqual([]));
    const cases: [string[], string][] = [
      [['add', '--connector', 'a1'], '--app is required'],
      [['add', '--connector', 'a1', '--app', 'twingate'], '--network'],
      [['add', '--connector', 'a1', '--app', 'torq', '--network', 'acme'], '--network is an option of --app twingate'],
      [['add', '--connector', 'a1', '--app', 'torq', '--every', '5x'], '--every: must be a number and a unit'],
      [['add', '--connector', 'a1', '--app', 'torq', '--cron', '61 * * * *'], 'schedule cron(61 * * * *)'],
      [['add', '--connector', 'a1', '--app', 'torq', '--every', '1h', '--cron', '0 6 * * *'], 'cannot be used with option'],
      [['set', '--connector', 'nobody', '--every', '1h'], 'connector nobody does not exist'],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(['connectors', ...args, ...backend.flags]);
      expectExit(run, 2);
      expect(run.stderr).toContain(message);
    }
    await backend.withStore(async (store) => expect(await store.listDefinitions()).toEqual([]));
  });
});
