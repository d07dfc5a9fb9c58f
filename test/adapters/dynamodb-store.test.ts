import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countRequests } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import { keys, RUN_RETENTION_DAYS } from '../../functions/adapters/dynamodb/table-definition.ts';
import { LeaseBusyError } from '../../functions/core/errors.ts';
import type { Clock, LeaseRequest } from '../../functions/core/ports.ts';
import { ZERO_COUNTS, type ConnectorState, type SyncRun } from '../../functions/core/types.ts';
import { account, identity, NO_WRITES, openDynamoFixture, type DynamoFixture } from './fixture.ts';

const NOW = '2026-03-10T12:00:00.000Z';
const fixedClock: Clock = { now: () => new Date(NOW) };

let fixture: DynamoFixture;
let store: DynamoInventoryStore;

beforeAll(async () => {
  fixture = await openDynamoFixture();
  store = new DynamoInventoryStore(fixture.documentClient, fixture.tableName, { clock: fixedClock });
});

afterAll(async () => {
  await fixture.close();
});

/** Each test uses its own connector ids, so tests share the table without seeing each other. */
let connectorSequence = 0;
function newConnectorId(label: string): string {
  connectorSequence += 1;
  return `${label}-${connectorSequence}`;
}

function lease(connectorId: string, owner: string, nowMs: number, leaseMs = 60_000): LeaseRequest {
  return { connectorId, app: 'torq', owner, now: new Date(nowMs).toISOString(), nowMs, leaseMs };
}

function settledState(connectorId: string, overrides: Partial<ConnectorState> = {}): ConnectorState {
  return {
    connectorId,
    app: 'torq',
    status: 'CONNECTED',
    previousStatus: null,
    statusChangedAt: '2026-03-01T00:00:00.000Z',
    statusReason: null,
    lastSyncAt: '2026-03-01T00:00:00.000Z',
    lastSuccessAt: '2026-03-01T00:00:00.000Z',
    lastError: null,
    counts: { ...ZERO_COUNTS, total: 2, new: 2, newUsers: 2, associations: 2 },
    rejectedFingerprint: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    leaseHolder: null,
    identitiesVerified: false,
    ...overrides,
  };
}

const T = Date.parse('2026-03-01T00:00:00.000Z');

describe('DynamoInventoryStore lease', () => {
  it('takes the lease of an unknown connector, creating its row as SYNCING', async () => {
    const connectorId = newConnectorId('lease-new');

    const before = await store.acquireLease(lease(connectorId, 'run-1', T));

    expect(before).toBeNull();
    const state = await store.getConnector(connectorId);
    expect(state).toMatchObject({
      connectorId,
      app: 'torq',
      status: 'SYNCING',
      previousStatus: null,
      statusChangedAt: new Date(T).toISOString(),
      counts: ZERO_COUNTS,
      leaseOwner: 'run-1',
      leaseExpiresAt: T + 60_000,
    });
    expect((await store.listConnectors()).map((c) => c.connectorId)).toContain(connectorId);
  });

  it('refuses a second poll while the lease is held, naming the holder and the expiry', async () => {
    const connectorId = newConnectorId('lease-busy');
    await store.acquireLease({ ...lease(connectorId, 'run-1', T), holder: { kind: 'process', host: 'laptop-7', pid: 4242, pidNamespace: null } });

    const second = store.acquireLease(lease(connectorId, 'run-2', T + 59_999));

    await expect(second).rejects.toBeInstanceOf(LeaseBusyError);
    await expect(second).rejects.toThrow(connectorId);
    await expect(second).rejects.toThrow(`run run-1, pid 4242 on host laptop-7, lease until ${new Date(T + 60_000).toISOString()}`);
    await expect(second).rejects.toMatchObject({
      lease: { owner: 'run-1', expiresAtMs: T + 60_000, holder: { kind: 'process', host: 'laptop-7', pid: 4242 } },
    });
    expect((await store.getConnector(connectorId))?.leaseOwner).toBe('run-1');
  });

  it('lets a poll take over an expired lease and returns the state the dead poll left', async () => {
    const connectorId = newConnectorId('lease-expired');
    await store.acquireLease(lease(connectorId, 'run-1', T, 1_000));

    const before = await store.acquireLease(lease(connectorId, 'run-2', T + 1_001));

    expect(before).toMatchObject({ status: 'SYNCING', leaseOwner: 'run-1' });
    expect((await store.getConnector(connectorId))?.leaseOwner).toBe('run-2');
  });

  it('releases the lease on finishSync and records the settled status as the next previousStatus', async () => {
    const connectorId = newConnectorId('lease-finish');
    await store.acquireLease(lease(connectorId, 'run-1', T));

    await store.finishSync(settledState(connectorId, { leaseOwner: 'run-1', leaseExpiresAt: T + 60_000 }), 'run-1');

    const after = await store.getConnector(connectorId);
    expect(after).toMatchObject({ status: 'CONNECTED', leaseOwner: null, leaseExpiresAt: null });
    const before = await store.acquireLease(lease(connectorId, 'run-2', T + 1));
    expect(before?.status).toBe('CONNECTED');
    expect((await store.getConnector(connectorId))?.previousStatus).toBe('CONNECTED');
  });

  it('keeps the settled status as previousStatus when polls die twice in a row', async () => {
    const connectorId = newConnectorId('lease-crash');
    await store.acquireLease(lease(connectorId, 'run-1', T));
    await store.finishSync(settledState(connectorId, { status: 'RECONNECT_REQUIRED' }), 'run-1');
    await store.acquireLease(lease(connectorId, 'run-2', T + 10, 1));

    await store.acquireLease(lease(connectorId, 'run-3', T + 20, 1));

    const before = await store.acquireLease(lease(connectorId, 'run-4', T + 30));
    expect(before).toMatchObject({ status: 'SYNCING', previousStatus: 'RECONNECT_REQUIRED' });
  });

  it('refuses finishSync from a poll that does not own the lease, leaving the state as it was', async () => {
    const connectorId = newConnectorId('lease-stolen');
    await store.acquireLease(lease(connectorId, 'run-1', T, 1_000));
    await store.acquireLease(lease(connectorId, 'run-2', T + 2_000));

    const late = store.finishSync(settledState(connectorId), 'run-1');

    await expect(late).rejects.toBeInstanceOf(LeaseBusyError);
    expect(await store.getConnector(connectorId)).toMatchObject({ status: 'SYNCING', leaseOwner: 'run-2' });
  });

  it('takes the lease of a connector written by putConnector outside any sync', async () => {
    const connectorId = newConnectorId('lease-put');
    await store.putConnector(settledState(connectorId, { status: 'RECONNECT_REQUIRED', rejectedFingerprint: 'abc' }));

    const before = await store.acquireLease(lease(connectorId, 'run-1', T));

    expect(before).toMatchObject({ status: 'RECONNECT_REQUIRED', rejectedFingerprint: 'abc', leaseOwner: null });
    expect((await store.getConnector(connectorId))?.previousStatus).toBe('RECONNECT_REQUIRED');
  });

  it('writes connector state outside a sync only while no poll holds a live lease, when asked to', async () => {
    const connectorId = newConnectorId('put-unless-leased');
    await store.acquireLease(lease(connectorId, 'run-1', T));
    const state = settledState(connectorId, { status: 'RECONNECT_REQUIRED' });

    await expect(store.putConnector(state, { unlessLeasedAtMs: T + 1_000 })).rejects.toBeInstanceOf(LeaseBusyError);
    expect((await store.getConnector(connectorId))?.leaseOwner).toBe('run-1');

    await store.putConnector(state, { unlessLeasedAtMs: T + 60_001 });
    expect(await store.getConnector(connectorId)).toMatchObject({ status: 'RECONNECT_REQUIRED', leaseOwner: null });
    await store.putConnector(state, { unlessLeasedAtMs: T + 60_002 });
  });
});

describe('DynamoInventoryStore accounts and identities', () => {
  let counter: ReturnType<typeof countRequests>;
  afterEach(() => counter?.detach());

  it('loads every page of a connector holding more than 1 MB of accounts', async () => {
    const connectorId = newConnectorId('load');
    // About 1 KB per item: 1,500 of them are well past DynamoDB's 1 MB page.
    const padding = 'r'.repeat(800);
    const accounts = Array.from({ length: 1_500 }, (_, i) =>
      account(connectorId, `user-${String(i).padStart(5, '0')}`, { roleName: `${padding}${i}` }),
    );
    await store.applyWrites(connectorId, { ...NO_WRITES, putAccounts: accounts });
    counter = countRequests(fixture.client);

    const loaded = await store.loadAccounts(connectorId);

    expect(counter.counts().byCommand.Query).toBeGreaterThanOrEqual(2);
    expect(loaded).toHaveLength(1_500);
    const byId = new Map(loaded.map((a) => [a.id, a]));
    expect(byId.get('user-01499')).toEqual(accounts[1_499]);
    expect(byId.get('user-00000')).toEqual(accounts[0]);
  });

  it('loads accounts in Query pages of at most 500 items, so parsing a page never stalls a listing for long', async () => {
    const connectorId = newConnectorId('pages');
    const accounts = Array.from({ length: 1_200 }, (_, i) => account(connectorId, `p${String(i).padStart(4, '0')}`));
    await store.applyWrites(connectorId, { ...NO_WRITES, putAccounts: accounts });
    counter = countRequests(fixture.client);

    const loaded = await store.loadAccounts(connectorId);

    expect(loaded).toHaveLength(1_200);
    // Pages of 500, 500 and 200 items.
    expect(counter.counts().byCommand.Query).toBe(3);
  });

  it('writes 60 accounts in 3 BatchWriteItem requests and nothing else', async () => {
    const connectorId = newConnectorId('batch');
    const accounts = Array.from({ length: 60 }, (_, i) => account(connectorId, `u${i}`));
    counter = countRequests(fixture.client);

    await store.applyWrites(connectorId, { ...NO_WRITES, putAccounts: accounts });

    expect(counter.counts()).toMatchObject({ byCommand: { BatchWriteItem: 3 }, writes: 3, reads: 0, itemsWritten: 60 });
    expect(await store.loadAccounts(connectorId)).toHaveLength(60);
  });

  it('packs accounts and identities into shared batches of 25', async () => {
    const connectorId = newConnectorId('mixed');
    const accounts = Array.from({ length: 40 }, (_, i) => account(connectorId, `m${i}`));
    const identities = accounts.map((a) => identity(a.emailKey ?? '', a.firstSeenAt, connectorId));
    counter = countRequests(fixture.client);

    await store.applyWrites(connectorId, { ...NO_WRITES, putAccounts: accounts, putIdentities: identities });

    expect(counter.counts().byCommand).toEqual({ BatchWriteItem: Math.ceil(80 / 25) });
  });

  it('marks removed accounts with one UpdateItem each, their history in one batch, and keeps them loadable', async () => {
    const connectorId = newConnectorId('remove');
    await store.applyWrites(connectorId, {
      ...NO_WRITES,
      putAccounts: [account(connectorId, 'stay'), account(connectorId, 'gone')],
    });
    counter = countRequests(fixture.client);

    await store.applyWrites(connectorId, {
      ...NO_WRITES,
      removeAccounts: [
        { id: 'gone', removedAt: NOW },
        { id: 'never-existed', removedAt: NOW },
      ],
    });

    // The history entry of the one removal that took (none for an account never stored).
    expect(counter.counts().byCommand).toEqual({ UpdateItem: 2, BatchWriteItem: 1 });
    expect(counter.counts().itemsWritten).toBe(3);
    const loaded = await store.loadAccounts(connectorId);
    expect(loaded.map((a) => [a.id, a.removedAt]).sort()).toEqual([
      ['gone', NOW],
      ['stay', null],
    ]);
  });

  it('brings a removed account back when it is put again without removedAt', async () => {
    const connectorId = newConnectorId('restore');
    await store.applyWrites(connectorId, { ...NO_WRITES, putAccounts: [account(connectorId, 'back')] });
    await store.applyWrites(connectorId, { ...NO_WRITES, removeAccounts: [{ id: 'back', removedAt: NOW }] });

    await store.applyWrites(connectorId, { ...NO_WRITES, putAccounts: [account(connectorId, 'back')] });

    expect((await store.loadAccounts(connectorId))[0]?.removedAt).toBeNull();
  });

  it('tells known identities from unknown ones, in chunks of 100 keys, ignoring duplicates', async () => {
    const connectorId = newConnectorId('known');
    const known = Array.from({ length: 150 }, (_, i) => `known-${i}@${connectorId}.example`);
    await store.applyWrites(connectorId, {
      ...NO_WRITES,
      putIdentities: known.map((emailKey) => identity(emailKey, NOW, connectorId)),
    });
    const unknown = Array.from({ length: 100 }, (_, i) => `new-${i}@${connectorId}.example`);
    counter = countRequests(fixture.client);

    const found = await store.findKnownIdentities([...known, ...unknown, ...known.slice(0, 10)]);

    expect([...found].sort()).toEqual([...known].sort());
    expect(counter.counts().byCommand).toEqual({ BatchGetItem: 3 });
  });

  it('answers an empty identity lookup without a request', async () => {
    counter = countRequests(fixture.client);

    expect(await store.findKnownIdentities([])).toEqual(new Set());
    expect(counter.counts().total).toBe(0);
  });
});

describe('DynamoInventoryStore queries (design.md section 4)', () => {
  const main = 'q-main';
  const eu = 'q-eu';
  const other = 'q-other';

  beforeAll(async () => {
    await store.putConnector(settledState(main));
    await store.putConnector(
      settledState(eu, { status: 'RECONNECT_REQUIRED', statusReason: 'credentials rejected', lastError: 'credentials rejected' }),
    );
    await store.putConnector(settledState(other, { status: 'ERROR' }));
    await store.applyWrites(main, {
      ...NO_WRITES,
      putAccounts: [
        account(main, 'alice', { email: 'alice@q.example', firstSeenAt: '2026-01-15T00:00:00.000Z' }),
        account(main, 'bob', { email: 'bob@q.example', firstSeenAt: '2026-01-31T23:59:59.000Z' }),
        account(main, 'robot', { email: null, firstSeenAt: '2026-02-01T00:00:00.000Z' }),
        account(main, 'carol', { email: 'carol@q.example', firstSeenAt: '2026-03-05T00:00:00.000Z' }),
      ],
      putIdentities: [
        identity('alice@q.example', '2026-01-15T00:00:00.000Z', main),
        identity('bob@q.example', '2026-01-31T23:59:59.000Z', main),
        identity('carol@q.example', '2026-03-05T00:00:00.000Z', main),
      ],
    });
    await store.applyWrites(main, { ...NO_WRITES, removeAccounts: [{ id: 'bob', removedAt: '2026-03-02T00:00:00.000Z' }] });
    await store.applyWrites(eu, {
      ...NO_WRITES,
      putAccounts: [account(eu, 'ALICE-EU', { email: '  Alice@Q.example ', firstSeenAt: '2026-02-20T00:00:00.000Z' })],
    });
    await store.applyWrites(other, {
      ...NO_WRITES,
      putAccounts: [account(other, 'dave', { email: 'dave@q.example', firstSeenAt: '2026-02-10T00:00:00.000Z' })],
    });
  });

  it('lists the active accounts of a connector, sorted by email with email-less accounts last', async () => {
    const accounts = await store.queryAccounts({ connectorId: main });

    expect(accounts.map((a) => a.id)).toEqual(['alice', 'carol', 'robot']);
  });

  it('includes removed accounts with when they went when asked', async () => {
    const accounts = await store.queryAccounts({ connectorId: main, includeRemoved: true });

    expect(accounts.map((a) => [a.id, a.removedAt])).toEqual([
      ['alice', null],
      ['bob', '2026-03-02T00:00:00.000Z'],
      ['carol', null],
      ['robot', null],
    ]);
  });

  it('finds one person across connectors by normalised email', async () => {
    const accounts = await store.queryAccounts({ emailKey: 'alice@q.example' });

    expect(accounts.map((a) => [a.connectorId, a.id, a.email])).toEqual([
      [eu, 'ALICE-EU', '  Alice@Q.example '],
      [main, 'alice', 'alice@q.example'],
    ]);
  });

  it('narrows a person to one connector', async () => {
    const accounts = await store.queryAccounts({ emailKey: 'alice@q.example', connectorId: main });

    expect(accounts.map((a) => a.id)).toEqual(['alice']);
  });

  it('finds accounts first seen since a time across a month boundary, in every connector', async () => {
    // No milliseconds in `since`: the store must still compare it correctly with stored timestamps.
    const accounts = await store.queryAccounts({ firstSeenSince: '2026-01-31T12:00:00Z', includeRemoved: true });

    const ours = accounts.filter((a) => a.connectorId.startsWith('q-'));
    expect(ours.map((a) => `${a.connectorId}/${a.id}`)).toEqual([
      `${eu}/ALICE-EU`,
      `${main}/bob`,
      `${main}/carol`,
      `${main}/robot`,
      `${other}/dave`,
    ]);
  });

  it('finds accounts first seen since a time in one connector, active only by default', async () => {
    const accounts = await store.queryAccounts({ firstSeenSince: '2026-01-31T12:00:00.000Z', connectorId: main });

    expect(accounts.map((a) => a.id)).toEqual(['carol', 'robot']);
  });

  it('returns the accounts of every connector when no filter is given', async () => {
    const accounts = await store.queryAccounts({});

    expect(accounts.map((a) => `${a.connectorId}/${a.id}`)).toEqual(
      expect.arrayContaining([`${eu}/ALICE-EU`, `${main}/alice`, `${main}/carol`, `${main}/robot`, `${other}/dave`]),
    );
    expect(accounts.some((a) => a.id === 'bob')).toBe(false);
  });

  it('finds identities first seen since a time, oldest first', async () => {
    const identities = await store.queryIdentities('2026-01-31T00:00:00.000Z');

    expect(identities.filter((i) => i.emailKey.endsWith('@q.example'))).toEqual([
      identity('bob@q.example', '2026-01-31T23:59:59.000Z', main),
      identity('carol@q.example', '2026-03-05T00:00:00.000Z', main),
    ]);
  });

  it('lists every connector with its status, reason, last success and counts', async () => {
    const connectors = await store.listConnectors();

    const ours = connectors.filter((c) => c.connectorId.startsWith('q-'));
    expect(ours.map((c) => [c.connectorId, c.status])).toEqual([
      [eu, 'RECONNECT_REQUIRED'],
      [main, 'CONNECTED'],
      [other, 'ERROR'],
    ]);
    expect(ours[0]).toEqual(
      settledState(eu, { status: 'RECONNECT_REQUIRED', statusReason: 'credentials rejected', lastError: 'credentials rejected' }),
    );
  });
});

describe('DynamoInventoryStore sync runs', () => {
  function run(connectorId: string, runId: string, startedAt: string): SyncRun {
    return {
      connectorId,
      runId,
      startedAt,
      finishedAt: new Date(Date.parse(startedAt) + 1_500).toISOString(),
      durationMs: 1_500,
      status: 'CONNECTED',
      outcome: 'completed',
      counts: { ...ZERO_COUNTS, total: 3 },
      error: null,
      anomalies: [],
    };
  }

  it('lists runs newest first, bounded by the limit', async () => {
    const connectorId = newConnectorId('runs');
    const runs = [
      run(connectorId, 'r1', '2026-03-01T00:00:00.000Z'),
      { ...run(connectorId, 'r2', '2026-03-02T00:00:00.000Z'), outcome: 'transient-error' as const, status: 'ERROR' as const, error: 'Torq API unavailable' },
      { ...run(connectorId, 'r3', '2026-03-03T00:00:00.000Z'), anomalies: ['EMPTY_LISTING'] },
    ];
    for (const r of runs) await store.recordRun(r);

    expect(await store.listRuns(connectorId)).toEqual([runs[2], runs[1], runs[0]]);
    expect((await store.listRuns(connectorId, 2)).map((r) => r.runId)).toEqual(['r3', 'r2']);
  });

  it('sets expiresAt for TTL to RUN_RETENTION_DAYS after the run finished, in epoch seconds', async () => {
    const connectorId = newConnectorId('ttl');
    const r = run(connectorId, 'r1', '2026-03-01T00:00:00.000Z');
    await store.recordRun(r);

    const stored = await fixture.documentClient.send(
      new GetCommand({ TableName: fixture.tableName, Key: { PK: keys.connectorPk(connectorId), SK: keys.runSk(r.startedAt, r.runId) } }),
    );

    expect(RUN_RETENTION_DAYS).toBe(90);
    // Finished 2026-03-01T00:00:01.500Z; 90 days later is 2026-05-30, whole seconds.
    expect(stored.Item?.expiresAt).toBe(Date.UTC(2026, 4, 30, 0, 0, 1) / 1000);
  });
});
