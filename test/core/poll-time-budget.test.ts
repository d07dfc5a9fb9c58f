/**
 * A poll with a time budget (the Lambda's remaining time) that leaves nothing beyond the reserve
 * kept for writing: it refuses to start instead of ending partial before its first page.
 */
import { describe, expect, it } from 'vitest';
import { AuthError, ConfigError } from '../../functions/core/errors.ts';
import { DEFAULT_POLL_SETTINGS, pollConnector, type PollDependencies } from '../../functions/core/poll.ts';
import { FixedCredentials, ManualClock, MemoryEventSink, MemoryStore, account, singlePage } from '../fakes/memory-store.ts';

function setup() {
  const store = new MemoryStore();
  const events = new MemoryEventSink();
  const credentials = new FixedCredentials({ credentials: { clientId: 'id', clientSecret: 'secret' }, fingerprint: 'fp-1' });
  const connector = singlePage([account('u1', 'ada@example.com')]);
  let remainingMs = 15 * 60_000;
  const deps: PollDependencies = {
    store,
    events,
    credentials,
    createConnector: () => connector,
    clock: new ManualClock(Date.parse('2026-11-01T00:00:00.000Z')),
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    remainingTimeMs: () => remainingMs,
  };
  return {
    store,
    events,
    credentials,
    connector,
    setRemaining: (ms: number) => {
      remainingMs = ms;
    },
    poll: () => pollConnector(deps, { connectorId: 'c1', app: 'torq' }),
  };
}

describe('a poll whose time budget does not exceed the write reserve', () => {
  it('refuses to start: a RECONNECT_REQUIRED connector is not marked recovered without trying its new credentials', async () => {
    const env = setup();
    env.connector.fail = new AuthError('credentials rejected');
    expect(await env.poll()).toMatchObject({ status: 'RECONNECT_REQUIRED' });
    env.connector.fail = null;
    env.credentials.value = { credentials: { clientId: 'id', clientSecret: 'new' }, fingerprint: 'fp-2' };
    const callsBefore = env.connector.calls;

    for (const remainingMs of [DEFAULT_POLL_SETTINGS.reserveMs - 1_000, DEFAULT_POLL_SETTINGS.reserveMs]) {
      env.setRemaining(remainingMs);
      const refused = env.poll();
      await expect(refused).rejects.toThrow(ConfigError);
      await expect(refused).rejects.toThrow(
        `the poll started with ${remainingMs} ms left, not more than the 120000 ms it keeps to write what it listed: raise the function timeout (at least 3 minutes)`,
      );
    }

    expect(env.connector.calls).toBe(callsBefore);
    expect(env.events.ofType('ConnectorRecovered')).toHaveLength(0);
    const state = await env.store.getConnector('c1');
    expect(state).toMatchObject({ status: 'RECONNECT_REQUIRED', rejectedFingerprint: 'fp-1', leaseOwner: null });
  });

  it('starts with a millisecond more, and then tries the new credentials', async () => {
    const env = setup();
    env.connector.fail = new AuthError('credentials rejected');
    await env.poll();
    env.connector.fail = null;
    env.credentials.value = { credentials: { clientId: 'id', clientSecret: 'new' }, fingerprint: 'fp-2' };

    env.setRemaining(DEFAULT_POLL_SETTINGS.reserveMs + 1);
    expect(await env.poll()).toMatchObject({ status: 'CONNECTED', outcome: 'completed' });
    expect(env.events.ofType('ConnectorRecovered')).toHaveLength(1);
  });
});
