/**
 * The dispatcher Lambda under a manual clock, against the definitions and states in a real
 * DynamoDB API (dynalite on loopback): which connectors each run queues (due times spread across
 * the period, disabled ones never, at most the claim limit per run), a poll SQS refused queued
 * again by the next run, and the fleet's health as metrics without a connector dimension plus a
 * digest event when a list changes.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDynamoClients, type DynamoClients } from '../../functions/adapters/dynamodb/client.ts';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.ts';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
import type { HealthDigestSink } from '../../functions/adapters/eventbridge-digest.ts';
import type { PollQueue } from '../../functions/adapters/sqs-poll-queue.ts';
import { DISPATCHER_ENV, DISPATCHER_SERVICE_NAME, FLEET_METRICS } from '../../functions/contract/fleet-contract.ts';
import { METRICS_NAMESPACE } from '../../functions/contract/poller-contract.ts';
import type { HealthDigest } from '../../functions/core/fleet-health.ts';
import { initialState } from '../../functions/core/status.ts';
import type { ConnectorDefinition } from '../../functions/core/types.ts';
import type { DispatchHandler } from '../../functions/handlers/dispatch.ts';
import { ManualClock } from '../fakes/memory-store.ts';

type DispatchModule = typeof import('../../functions/handlers/dispatch.ts');

const MINUTE = 60_000;
const T0 = Date.parse('2026-12-01T09:00:00.000Z');

let dynamo: EmbeddedDynamo;
let clients: DynamoClients;
let dispatch: DispatchModule;
let tableCount = 0;
let output: string[];

/** The poll queue: records what it is given, refuses the ids in `refuse`. */
class RecordingQueue implements PollQueue {
  readonly runs: string[][] = [];
  refuse = new Set<string>();
  async enqueue(connectorIds: readonly string[]): Promise<string[]> {
    const refused = connectorIds.filter((id) => this.refuse.has(id));
    this.runs.push(connectorIds.filter((id) => !this.refuse.has(id)));
    return refused;
  }
}

class RecordingDigests implements HealthDigestSink {
  readonly published: HealthDigest[] = [];
  async publish(digest: HealthDigest): Promise<void> {
    this.published.push(digest);
  }
}

interface Harness {
  readonly store: DynamoInventoryStore;
  readonly queue: RecordingQueue;
  readonly digests: RecordingDigests;
  readonly clock: ManualClock;
  readonly run: DispatchHandler;
}

async function harness(claimLimit = 500): Promise<Harness> {
  const table = `rollcall-dispatch-${++tableCount}`;
  await ensureTable(clients.client, table);
  const store = new DynamoInventoryStore(clients.documentClient, table);
  const queue = new RecordingQueue();
  const digests = new RecordingDigests();
  const clock = new ManualClock(T0);
  const run = dispatch.createDispatchHandler({
    definitions: store,
    states: store,
    queue,
    digests,
    clock,
    logger: new Logger({ serviceName: DISPATCHER_SERVICE_NAME }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: DISPATCHER_SERVICE_NAME }),
    claimLimit,
    stalePeriods: 3,
  });
  return { store, queue, digests, clock, run };
}

function definition(connectorId: string, overrides: Partial<ConnectorDefinition> = {}): ConnectorDefinition {
  const at = new Date(T0).toISOString();
  return {
    connectorId,
    app: 'torq',
    config: {},
    schedule: 'rate(1 hour)',
    enabled: true,
    origin: 'added',
    secretArn: null,
    createdAt: at,
    updatedAt: at,
    nextDueAt: at,
    ...overrides,
  };
}

/** The EMF records the runs published: namespace, dimensions and values. */
function metricRecords(): Record<string, unknown>[] {
  return output
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeAll(async () => {
  dynamo = await startEmbeddedDynamo();
  clients = createDynamoClients({ endpoint: dynamo.endpoint });
  // The module builds its own handler from the environment when it loads.
  const env = {
    [DISPATCHER_ENV.tableName]: 'unused',
    [DISPATCHER_ENV.pollQueueUrl]: 'https://sqs.us-east-1.amazonaws.com/123456789012/unused',
    [DISPATCHER_ENV.eventBusName]: 'unused',
    [DISPATCHER_ENV.claimLimit]: '500',
    [DISPATCHER_ENV.stalePeriods]: '3',
    AWS_REGION: 'us-east-1',
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  dispatch = await import('../../functions/handlers/dispatch.ts');
});

afterAll(async () => {
  vi.unstubAllEnvs();
  clients.client.destroy();
  await dynamo.close();
});

beforeEach(() => {
  output = [];
  const capture = (chunk: string | Uint8Array) => {
    output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the dispatcher', () => {
  it('queues every enabled connector once per period, at due times spread across the period, and never a disabled one', async () => {
    const { store, queue, clock, run } = await harness();
    const ids = Array.from({ length: 40 }, (_, index) => `hourly-${index}`);
    for (const id of ids) await store.createDefinition(definition(id));
    await store.createDefinition(definition('off', { enabled: false, nextDueAt: null }));

    // Added just now: all due at once (the first poll does not wait a period).
    const first = await run();
    expect(first.queued).toBe(40);
    expect([...(queue.runs[0] ?? [])].sort()).toEqual([...ids].sort());

    // The next hour, one run a minute: each connector once more, at its own minute.
    const minutesOf = new Map<string, number>();
    for (let minute = 1; minute <= 60; minute += 1) {
      clock.advance(MINUTE);
      await run();
      for (const id of queue.runs.at(-1) ?? []) {
        expect(minutesOf.has(id)).toBe(false);
        minutesOf.set(id, minute);
      }
    }
    expect([...minutesOf.keys()].sort()).toEqual([...ids].sort());
    expect(new Set(minutesOf.values()).size).toBeGreaterThan(20);
    expect(queue.runs.flat()).not.toContain('off');
  });

  it('claims at most the claim limit per run, earliest due first; the rest are queued by the next runs', async () => {
    const { store, queue, clock, run } = await harness(5);
    for (let index = 0; index < 12; index += 1) {
      await store.createDefinition(definition(`c${String(index).padStart(2, '0')}`, { nextDueAt: new Date(T0 - (12 - index) * 1000).toISOString() }));
    }

    for (let runs = 0; runs < 3; runs += 1) {
      await run();
      clock.advance(1000);
    }

    expect(queue.runs.map((ids) => ids.length)).toEqual([5, 5, 2]);
    expect(queue.runs[0]).toEqual(['c00', 'c01', 'c02', 'c03', 'c04']);
  });

  it('undoes the claim of a poll SQS refused, so the next run queues it', async () => {
    const { store, queue, clock, run } = await harness();
    await store.createDefinition(definition('refused'));
    await store.createDefinition(definition('accepted'));
    queue.refuse.add('refused');

    const summary = await run();
    expect(summary).toMatchObject({ queued: 1, notQueued: ['refused'] });
    expect((await store.getDefinition('refused'))?.nextDueAt).toBe(new Date(T0).toISOString());
    expect(output.join('')).toContain('"notQueued":["refused"]');

    queue.refuse.clear();
    clock.advance(MINUTE);
    await run();
    expect(queue.runs.at(-1)).toEqual(['refused']);
  });

  it('publishes the fleet counts without a connector dimension, and a digest of the ids only when a list changes', async () => {
    const { store, digests, clock, run } = await harness();
    for (const id of ['ok', 'reconnect', 'failing', 'never-polled']) {
      await store.createDefinition(definition(id, { nextDueAt: new Date(T0 + 30 * MINUTE).toISOString() }));
    }
    const at = new Date(T0).toISOString();
    await store.putConnector({ ...initialState('ok', 'torq', at), status: 'CONNECTED', lastSuccessAt: at });
    await store.putConnector({ ...initialState('reconnect', 'torq', at), status: 'RECONNECT_REQUIRED', lastSuccessAt: at });
    await store.putConnector({ ...initialState('failing', 'torq', at), status: 'ERROR', lastSuccessAt: at });

    await run();
    clock.advance(MINUTE);
    await run();

    expect(digests.published).toHaveLength(1);
    expect(digests.published[0]).toMatchObject({ reconnectRequired: ['reconnect'], failing: ['failing'], stale: [], enabled: 4 });
    const [record] = metricRecords();
    const directive = (record?._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] })
      .CloudWatchMetrics[0];
    expect(directive?.Namespace).toBe(METRICS_NAMESPACE);
    expect(directive?.Dimensions).toEqual([['service']]);
    expect(record).toMatchObject({
      service: DISPATCHER_SERVICE_NAME,
      [FLEET_METRICS.enabled]: 4,
      [FLEET_METRICS.reconnectRequired]: 1,
      [FLEET_METRICS.failing]: 1,
      [FLEET_METRICS.stale]: 0,
      [FLEET_METRICS.dispatched]: 0,
    });

    // Three hourly periods later nothing has succeeded: everything not already listed is stale.
    clock.advance(3 * 60 * MINUTE);
    await run();
    expect(digests.published).toHaveLength(2);
    expect(digests.published[1]).toMatchObject({ reconnectRequired: ['reconnect'], failing: ['failing'], stale: ['never-polled', 'ok'] });
    expect(metricRecords().at(-1)).toMatchObject({ [FLEET_METRICS.stale]: 2 });
  });
});
