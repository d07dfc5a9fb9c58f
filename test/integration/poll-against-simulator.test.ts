/**
 * The whole collector for real: the Torq connector over HTTP against the simulator, the DynamoDB
 * store on in-process dynalite, the core's poll in between. Each fault of design.md section 3
 * meets the code that must survive it. Retries wait 0 ms here (backoff and Retry-After caps set
 * to 0); that the waits are honoured is proven on fake time in the connector's own tests.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { countRequests } from '../../functions/adapters/dynamodb/client.ts';
import { createConnectorFactory } from '../../functions/connectors/index.ts';
import {
  applyChurn,
  generateWorkspace,
  startTorqSimulator,
  type SimFaults,
  type TorqSimulator,
} from '../../simulators/torq/index.ts';
import { pollConnector, type PollResult } from '../../functions/core/poll.ts';
import { systemClock } from '../../functions/core/ports.ts';
import { requestReconnect } from '../../functions/core/status.ts';
import { useEmbeddedDynamo } from '../support/embedded-dynamo.ts';
import { FixedCredentials, MemoryEventSink } from '../fakes/memory-store.ts';

const CREDENTIALS = { clientId: 'integration-client', clientSecret: 'integration-secret' };

let simulator: TorqSimulator | null = null;

const dynamo = useEmbeddedDynamo();
afterEach(async () => {
  await simulator?.close();
  simulator = null;
});

async function setup(users: number, faults: Partial<SimFaults> = {}) {
  const { store } = await dynamo.newStore('it');
  const sim = await startTorqSimulator({ workspace: generateWorkspace({ users, seed: 3 }), credentials: CREDENTIALS, faults });
  simulator = sim;
  const events = new MemoryEventSink();
  const credentials = new FixedCredentials({ credentials: CREDENTIALS, fingerprint: 'fp-1' });
  const createConnector = createConnectorFactory(
    'torq',
    { apiUrl: sim.apiUrl, authUrl: sim.authUrl },
    { retry: { limit: 5, backoffLimitMs: 0, maxRetryAfterSeconds: 0 }, requestsPerSecond: 10_000 },
  );
  const poll = (): Promise<PollResult> =>
    pollConnector(
      { store, events, credentials, createConnector, clock: systemClock, logger: { debug() {}, info() {}, warn() {}, error() {} } },
      { connectorId: 'torq-it', app: 'torq' },
    );
  return { store, sim, events, credentials, poll };
}

describe('a poll against the simulated Torq API', () => {
  it('inventories every account of both listings, then writes only bookkeeping when nothing changed', async () => {
    const env = await setup(250);
    const counter = countRequests(dynamo.clients().client);
    const first = await env.poll();
    expect(first).toMatchObject({ status: 'CONNECTED', outcome: 'completed' });
    expect(first.counts).toMatchObject({ total: 250, new: 250, newUsers: 250, associations: 250, invalid: 0 });
    const firstWrites = counter.counts();
    // 250 accounts + 250 identities in batches of 25, plus lease, final state and run record.
    expect(firstWrites.byCommand.BatchWriteItem).toBe(20);
    expect(firstWrites.writes).toBe(23);

    counter.reset();
    const second = await env.poll();
    expect(second.counts).toMatchObject({ total: 250, new: 0, changed: 0, removed: 0, newUsers: 0, associations: 0 });
    expect(counter.counts().writes).toBe(3);
    counter.detach();

    const accounts = await env.store.queryAccounts({ connectorId: 'torq-it' });
    expect(accounts).toHaveLength(250);
    expect(accounts.every((a) => a.roleName !== null)).toBe(true);
  });

  it('reports churn exactly: new users, role changes and removals', async () => {
    const env = await setup(200);
    await env.poll();
    const churn = applyChurn(env.sim.workspace, { seed: 9, adds: 6, removals: 4, roleChanges: 5, emailCaseChanges: 3 });
    const result = await env.poll();
    expect(result.counts).toMatchObject({ total: 202, new: 6, changed: 5, removed: 4, newUsers: 6, associations: 6 });
    const removed = env.events.ofType('AccountRemoved').map((e) => ('account' in e.detail ? e.detail.account.accountId : ''));
    expect(removed.sort()).toEqual(churn.removed.map((a) => a.id).sort());
    const people = await env.store.queryAccounts({ emailKey: churn.emailCaseChanged[0]!.to.toLowerCase() });
    expect(people).toHaveLength(1);
  });

  it('refreshes an expired token mid-listing silently', async () => {
    const env = await setup(450, { tokenExpiresAfterCalls: 2 });
    const result = await env.poll();
    expect(result).toMatchObject({ outcome: 'completed' });
    expect(result.counts.total).toBe(450);
    expect(env.sim.stats().tokenRequests).toBeGreaterThan(1);
  });

  it('retries 429 and 503 answers and completes', async () => {
    const env = await setup(120, { rateLimit: { count: 2, retryAfterSeconds: 1 }, serverErrors: { count: 2 } });
    const result = await env.poll();
    expect(result).toMatchObject({ outcome: 'completed', status: 'CONNECTED' });
    expect(result.counts.total).toBe(120);
  });

  it('ends ERROR (transient) when 503s persist, keeping the last good inventory', async () => {
    const env = await setup(80);
    await env.poll();
    env.sim.setFaults({ serverErrors: { count: 1_000 } });
    const result = await env.poll();
    expect(result).toMatchObject({ status: 'ERROR', outcome: 'transient-error', exitCode: 4 });
    expect(await env.store.queryAccounts({ connectorId: 'torq-it' })).toHaveLength(80);
    expect(env.events.ofType('ConnectorReconnectRequired')).toHaveLength(0);
  });

  it('asks for reconnect on a 401 at the token endpoint, skips the API after, and recovers after reconnect', async () => {
    const env = await setup(30);
    await env.poll();
    env.sim.setFaults({ rejectCredentials: true });
    const rejected = await env.poll();
    expect(rejected).toMatchObject({ status: 'RECONNECT_REQUIRED', exitCode: 3 });
    expect(rejected.error).toMatch(/credentials rejected/);
    env.sim.resetStats();
    const skipped = await env.poll();
    expect(skipped.outcome).toBe('skipped');
    expect(env.sim.stats()).toMatchObject({ tokenRequests: 0, dataRequests: 0 });

    env.sim.clearFaults();
    const state = await env.store.getConnector('torq-it');
    await env.store.putConnector(requestReconnect(state!, new Date().toISOString()));
    expect(await env.poll()).toMatchObject({ status: 'CONNECTED', outcome: 'completed' });
    expect(env.events.ofType('ConnectorReconnectRequired')).toHaveLength(1);
    expect(env.events.ofType('ConnectorRecovered')).toHaveLength(1);
  });

  it('asks for reconnect with a human reason on a 403 for users', async () => {
    const env = await setup(30, { forbidUsers: true });
    const result = await env.poll();
    expect(result).toMatchObject({ status: 'RECONNECT_REQUIRED', outcome: 'reconnect-required' });
    expect(result.error).toMatch(/lacks user\.read/);
  });

  it.each([
    ['a malformed page', { malformedPage: { listing: 'sso' as const, page: 2 } }],
    ['a repeated page token', { repeatPageToken: true }],
  ])('fails on %s without removing anything', async (_name, fault) => {
    const env = await setup(300);
    await env.poll();
    env.sim.setFaults(fault);
    const result = await env.poll();
    expect(result).toMatchObject({ status: 'ERROR', outcome: 'failed', exitCode: 1 });
    expect(await env.store.queryAccounts({ connectorId: 'torq-it' })).toHaveLength(300);
    expect(env.events.ofType('AccountRemoved')).toHaveLength(0);
  });

  it('keeps accounts without email, which never make a new user', async () => {
    const env = await setup(60, { missingFields: { count: 2, fields: ['email'] } });
    const result = await env.poll();
    expect(result.counts.total).toBe(60);
    const withoutEmail = (await env.store.queryAccounts({ connectorId: 'torq-it' })).filter((a) => a.email === null);
    expect(withoutEmail.length).toBeGreaterThan(0);
    expect(result.counts.newUsers).toBe(60 - withoutEmail.length);
  });

  it('counts an id listed by both the local and the SSO listing once', async () => {
    const env = await setup(50, { duplicateAcrossListings: 5 });
    const result = await env.poll();
    expect(result.counts).toMatchObject({ total: 50, new: 50 });
  });

  it('reports wrongly typed records by id and reason and inventories the rest', async () => {
    const env = await setup(40, { wrongTypes: { count: 1 } });
    const result = await env.poll();
    expect(result.counts.invalid).toBeGreaterThan(0);
    expect(result.counts.total + result.counts.invalid).toBe(40);
    for (const record of result.invalid) {
      expect(record.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(record.reason).not.toMatch(/@/);
    }
  });

  it('holds a mass removal and raises an anomaly instead', async () => {
    const env = await setup(100);
    await env.poll();
    applyChurn(env.sim.workspace, { seed: 2, removals: 60 });
    const result = await env.poll();
    expect(result.counts).toMatchObject({ removed: 0, total: 100 });
    expect(result.anomalies).toContain('MASS_REMOVAL_HELD');
    expect(env.events.ofType('SyncAnomaly')[0]?.detail).toMatchObject({ anomaly: 'MASS_REMOVAL_HELD', heldRemovals: 60 });
    expect(await env.store.queryAccounts({ connectorId: 'torq-it' })).toHaveLength(100);
  });
});

describe('a poll with a short time budget', () => {
  it('continues across invocations from a checkpoint and removes only after the listing completed', async () => {
    const env = await setup(450);
    const deadlineAfter = (dataRequests: number) => {
      env.sim.resetStats();
      return () => (env.sim.stats().dataRequests >= dataRequests ? 0 : 600_000);
    };
    const pollWithin = (remainingTimeMs: () => number) =>
      pollConnector(
        {
          store: env.store,
          events: env.events,
          credentials: env.credentials,
          createConnector: createConnectorFactory(
            'torq',
            { apiUrl: env.sim.apiUrl, authUrl: env.sim.authUrl },
            { retry: { limit: 5, backoffLimitMs: 0, maxRetryAfterSeconds: 0 }, requestsPerSecond: 10_000 },
          ),
          clock: systemClock,
          logger: { debug() {}, info() {}, warn() {}, error() {} },
          remainingTimeMs,
          // Time runs out for the listing only; the writes of what was listed are not cut short.
          settings: { reserveMs: 1, releaseReserveMs: 0 },
        },
        { connectorId: 'torq-it', app: 'torq' },
      );

    const first = await pollWithin(deadlineAfter(3));
    expect(first.outcome).toBe('partial');
    expect(first.counts.new).toBeGreaterThan(0);
    expect(first.counts.new).toBeLessThan(450);
    const second = await pollWithin(() => 600_000);
    expect(second).toMatchObject({ outcome: 'completed', status: 'CONNECTED' });
    expect(second.counts).toMatchObject({ total: 450, new: 450, removed: 0 });
    expect(await env.store.loadCheckpoint('torq-it')).toBeNull();

    applyChurn(env.sim.workspace, { seed: 5, removals: 7, adds: 2 });
    expect((await pollWithin(deadlineAfter(2))).outcome).toBe('partial');
    expect(env.events.ofType('AccountRemoved')).toHaveLength(0);
    const last = await pollWithin(() => 600_000);
    expect(last.counts).toMatchObject({ total: 445, removed: 7, new: 2 });
    expect(env.events.ofType('AccountRemoved')).toHaveLength(7);
  });
});
