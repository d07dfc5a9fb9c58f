/**
 * A purge killed part-way (SIGKILL, as a lost laptop or a kill -9 leaves it) is finished by running
 * the same command again: the child purges through a loopback proxy in front of dynalite that
 * holds every BatchWriteItem after the first few, so the kill lands mid-way every time; the
 * connector is then still listed and no longer scheduled, and the second run (on the same host:
 * the dead purge's lease is taken over) deletes the rest and nothing of the other connector.
 * Slow: it kills a child process.
 */
import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.ts';
import { createDynamoClients, type DynamoClients } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
import {
  NOTHING_LEFT,
  PEOPLE_AFTER_C1_PURGE,
  SEEDED_PEOPLE,
  seedTwoConnectors,
  snapshotConnector,
} from '../support/two-connectors.ts';
import { CHILD_PROCESS_TIMEOUTS, createTestbed, runCli } from './support.ts';

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

interface BatchGate {
  readonly endpoint: string;
  /** Resolves once a BatchWriteItem is being held. */
  readonly holding: Promise<void>;
  close(): Promise<void>;
}

/** Forwards every request to `upstream`, but holds (never answers) BatchWriteItem calls after the first `pass`. */
async function startBatchGate(upstream: string, pass: number): Promise<BatchGate> {
  const target = new URL(upstream);
  let batches = 0;
  let signalHolding: () => void = () => undefined;
  const holding = new Promise<void>((resolve) => (signalHolding = resolve));
  const held: ServerResponse[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.headers['x-amz-target'] === 'DynamoDB_20120810.BatchWriteItem' && ++batches > pass) {
      held.push(res);
      req.resume();
      signalHolding();
      return;
    }
    const proxied = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    proxied.once('error', () => res.destroy());
    req.pipe(proxied);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    holding,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('a purge killed part-way', () => {
  it('leaves the connector listed and unscheduled, and running it again finishes it', async () => {
    const tableName = `purge-crash-${randomUUID()}`;
    await ensureTable(clients.client, tableName);
    const store = new DynamoInventoryStore(clients.documentClient, tableName);
    // 205 accounts of c1: nine batches of deletes after the checkpoint's, memberships' and groups'.
    await seedTwoConnectors(store, { extraC1People: 200 });
    const c2Before = await snapshotConnector(store, 'c2');
    const plan = await store.planPurge('c1');

    const gate = await startBatchGate(dynalite.endpoint, 5);
    bed.onCleanup(() => gate.close());
    const dying = bed.startCli(['connectors', 'remove', '--connector', 'c1', '--purge', '--yes', '--table', tableName, '--endpoint', gate.endpoint]);
    await gate.holding;
    dying.child.kill('SIGKILL');
    const killed = await dying.exited;
    expect(killed.signal).toBe('SIGKILL');

    expect(await store.getDefinition('c1')).toBeNull();
    expect((await store.listConnectors()).map((state) => state.connectorId)).toEqual(['c1', 'c2']);
    const left = await store.planPurge('c1');
    expect(left.accounts).toBeGreaterThan(0);
    expect(left.accounts).toBeLessThan(plan.accounts);
    expect(left.states).toBe(1);
    expect(await snapshotConnector(store, 'c2')).toEqual(c2Before);

    const again = await runCli(['connectors', 'remove', '--connector', 'c1', '--purge', '--yes', '--table', tableName, '--endpoint', dynalite.endpoint]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`purged c1: ${left.accounts} accounts`);
    expect(await snapshotConnector(store, 'c1')).toEqual(NOTHING_LEFT);
    expect(await store.findKnownIdentities([...SEEDED_PEOPLE, 'extra-0@x.io', 'extra-199@x.io'])).toEqual(PEOPLE_AFTER_C1_PURGE);
    expect(await snapshotConnector(store, 'c2')).toEqual(c2Before);
  });
});
