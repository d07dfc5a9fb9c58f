import { describe, expect, it } from 'vitest';
import { AuthError, ContractError, PermissionError, TransientError } from '../../functions/core/errors.ts';
import { pollConnector, type PollDependencies } from '../../functions/core/poll.ts';
import { requestReconnect } from '../../functions/core/status.ts';
import type { Account } from '../../functions/core/types.ts';
import {
  FixedCredentials,
  ManualClock,
  MemoryEventSink,
  MemoryStore,
  ScriptedConnector,
  account,
  singlePage,
} from '../fakes/memory-store.ts';

function setup(initial: Account[]) {
  const store = new MemoryStore();
  const events = new MemoryEventSink();
  const credentials = new FixedCredentials({ credentials: { clientId: 'id', clientSecret: 'secret' }, fingerprint: 'fp-1' });
  const clock = new ManualClock(Date.parse('2026-11-01T00:00:00.000Z'));
  let connector = singlePage(initial);
  let runs = 0;
  const deps: PollDependencies = {
    store,
    events,
    credentials,
    createConnector: () => connector,
    clock,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    newRunId: () => `run-${++runs}`,
  };
  return {
    store,
    events,
    credentials,
    clock,
    deps,
    get connector() {
      return connector;
    },
    set connector(next: ScriptedConnector) {
      connector = next;
    },
    poll: () => pollConnector(deps, { connectorId: 'c1', app: 'torq' }),
  };
}

const people = (n: number) => Array.from({ length: n }, (_, i) => account(`u${i}`, `user${i}@example.com`));

describe('pollConnector', () => {
  it('inventories a first listing, then costs only bookkeeping writes when nothing changed', async () => {
    const env = setup(people(5));
    const first = await env.poll();
    expect(first).toMatchObject({ status: 'CONNECTED', outcome: 'completed', exitCode: 0 });
    expect(first.counts).toMatchObject({ total: 5, new: 5, newUsers: 5, associations: 5 });
    expect(env.events.ofType('UserDiscovered')).toHaveLength(5);
    expect(env.events.ofType('SyncCompleted')).toHaveLength(1);

    env.store.writeCalls = 0;
    env.events.events.length = 0;
    env.clock.advance(3_600_000);
    const second = await env.poll();
    expect(second.counts).toMatchObject({ total: 5, new: 0, changed: 0, removed: 0, newUsers: 0 });
    expect(env.store.writeCalls).toBe(3); // lease, final state, run record
    expect(env.events.events.map((e) => e.detailType)).toEqual(['SyncCompleted']);
  });

  it('marks RECONNECT_REQUIRED once, skips the API with the same credentials, and recovers after reconnect', async () => {
    const env = setup(people(2));
    await env.poll();
    env.connector.fail = new AuthError('credentials rejected');
    const failed = await env.poll();
    expect(failed).toMatchObject({ status: 'RECONNECT_REQUIRED', outcome: 'reconnect-required', exitCode: 3, error: 'credentials rejected' });
    expect(env.events.ofType('ConnectorReconnectRequired')).toHaveLength(1);

    const callsBefore = env.connector.calls;
    const skipped = await env.poll();
    expect(skipped).toMatchObject({ outcome: 'skipped', exitCode: 3, status: 'RECONNECT_REQUIRED' });
    expect(env.connector.calls).toBe(callsBefore);
    expect(env.events.ofType('ConnectorReconnectRequired')).toHaveLength(1);

    const state = await env.store.getConnector('c1');
    await env.store.putConnector(requestReconnect(state!, '2026-11-01T01:00:00.000Z'));
    env.connector.fail = null;
    const recovered = await env.poll();
    expect(recovered).toMatchObject({ status: 'CONNECTED', outcome: 'completed' });
    expect(env.events.ofType('ConnectorRecovered')).toHaveLength(1);
    expect((await env.store.getConnector('c1'))?.rejectedFingerprint).toBeNull();
  });

  it('does not call the API when a poll that just finished rejected the same credentials', async () => {
    const env = setup(people(1));
    env.connector.fail = new AuthError('credentials rejected');
    await env.poll();
    env.connector.fail = null;
    const callsBefore = env.connector.calls;
    // This poll read the connector row before the other poll wrote RECONNECT_REQUIRED.
    env.store.getConnector = async () => null;
    const raced = await env.poll();
    expect(raced).toMatchObject({ outcome: 'skipped', status: 'RECONNECT_REQUIRED' });
    expect(env.connector.calls).toBe(callsBefore);
    expect(env.store.connectors.get('c1')).toMatchObject({ status: 'RECONNECT_REQUIRED', leaseOwner: null });
  });

  it('tries again when the credentials change (a new secret version)', async () => {
    const env = setup(people(1));
    env.connector.fail = new PermissionError('API key lacks user.read');
    expect((await env.poll()).status).toBe('RECONNECT_REQUIRED');
    env.connector.fail = null;
    env.credentials.value = { credentials: { clientId: 'id', clientSecret: 'new' }, fingerprint: 'fp-2' };
    expect(await env.poll()).toMatchObject({ status: 'CONNECTED', outcome: 'completed' });
  });

  it('keeps the last good inventory on a transient failure and never asks for reconnect', async () => {
    const env = setup(people(3));
    await env.poll();
    env.connector.fail = new TransientError('429 persisted', { retryAfterSeconds: 30 });
    const result = await env.poll();
    expect(result).toMatchObject({ status: 'ERROR', outcome: 'transient-error', exitCode: 4 });
    expect(result.counts.total).toBe(3);
    expect(await env.store.queryAccounts({ connectorId: 'c1' })).toHaveLength(3);
    expect(env.events.ofType('ConnectorReconnectRequired')).toHaveLength(0);
    expect(env.events.ofType('AccountRemoved')).toHaveLength(0);
  });

  it('maps a malformed page to ERROR with exit code 1 and removes nothing', async () => {
    const env = setup(people(3));
    await env.poll();
    env.connector.fail = new ContractError('users page is not JSON');
    const result = await env.poll();
    expect(result).toMatchObject({ status: 'ERROR', outcome: 'failed', exitCode: 1 });
    expect(await env.store.queryAccounts({ connectorId: 'c1' })).toHaveLength(3);
  });

  it('flags missing or malformed credentials as RECONNECT_REQUIRED without a connector call', async () => {
    const env = setup(people(1));
    env.credentials.value = null;
    const result = await env.poll();
    expect(result).toMatchObject({ status: 'RECONNECT_REQUIRED', exitCode: 3 });
    expect(result.error).toMatch(/credentials unavailable/);
    expect(env.connector.calls).toBe(0);
  });

  it('refuses to run while another poll holds the lease, and takes over an expired one', async () => {
    const env = setup(people(1));
    await env.store.acquireLease({ connectorId: 'c1', app: 'torq', owner: 'other', now: '', nowMs: env.clock.now().getTime(), leaseMs: 60_000 });
    expect(await env.poll()).toMatchObject({ outcome: 'busy', exitCode: 4 });
    env.clock.advance(61_000);
    expect(await env.poll()).toMatchObject({ outcome: 'completed', status: 'CONNECTED' });
  });

  it('publishes the same event ids again when a crash lost the inventory writes', async () => {
    const env = setup(people(2));
    const store = env.store;
    const original = store.applyWrites.bind(store);
    store.applyWrites = async () => {
      throw new Error('crashed before writing');
    };
    await expect(env.poll()).rejects.toThrow('crashed');
    const firstIds = env.events.events.filter((e) => e.detailType !== 'SyncCompleted').map((e) => e.id);
    store.applyWrites = original;
    env.events.events.length = 0;
    // The failed poll gave its lease back: the retry runs at once instead of waiting for it to expire.
    expect((await env.store.getConnector('c1'))?.leaseOwner).toBeNull();
    const retry = await env.poll();
    expect(retry.outcome).toBe('completed');
    const secondIds = env.events.events.filter((e) => e.detailType !== 'SyncCompleted').map((e) => e.id);
    expect(secondIds).toEqual(firstIds);
    expect(firstIds).toHaveLength(4);
  });

  it('publishes and writes a large listing slice by slice, and a crash between slices loses no change', async () => {
    const env = setup(people(5));
    Object.assign(env.deps, { settings: { sliceSize: 2 } });
    const store = env.store;
    const original = store.applyWrites.bind(store);
    let calls = 0;
    store.applyWrites = async (connectorId, writes) => {
      calls += 1;
      if (calls === 2) throw new Error('crashed after the first slice');
      return original(connectorId, writes);
    };
    await expect(env.poll()).rejects.toThrow('crashed after the first slice');
    expect(await store.loadAccounts('c1')).toHaveLength(2);

    store.applyWrites = original;
    const retry = await env.poll();
    expect(retry.counts).toMatchObject({ total: 5, new: 3, newUsers: 3 });
    const discovered = env.events.ofType('UserDiscovered').map((e) => ('emailKey' in e.detail ? e.detail.emailKey : ''));
    // Slice 2 was published but never written: its people are announced again, with the same ids.
    expect(new Set(discovered)).toEqual(new Set(people(5).map((a) => a.emailKey)));
    expect(env.events.ofType('UserDiscovered')).toHaveLength(7);
    expect(new Set(env.events.ofType('UserDiscovered').map((e) => e.id)).size).toBe(5);
  });

  it('leaves the inventory untouched when the event sink fails', async () => {
    const env = setup(people(2));
    env.events.failNext = true;
    await expect(env.poll()).rejects.toThrow('event bus unavailable');
    expect(await env.store.loadAccounts('c1')).toEqual([]);
  });

  it('reports invalid records by id and reason and goes on', async () => {
    const env = setup([]);
    env.connector = singlePage(people(2), [{ id: 'bad-1', reason: 'email: expected string' }]);
    const result = await env.poll();
    expect(result.counts).toMatchObject({ total: 2, invalid: 1 });
    expect(result.invalid).toEqual([{ id: 'bad-1', reason: 'email: expected string' }]);
    expect(result.anomalies).toContain('INVALID_RECORDS');
  });
});
