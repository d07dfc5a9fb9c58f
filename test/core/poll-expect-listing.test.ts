/**
 * A poll tells the connector what the inventory holds, so a connector whose streams share one rate
 * limit can pace them to end together (`connectors/http/stream-shares.ts`).
 */
import { describe, expect, it } from 'vitest';
import { pollConnector, type PollDependencies } from '../../functions/core/poll.ts';
import type { AccountPage } from '../../functions/core/ports.ts';
import type { StoredAccount } from '../../functions/core/types.ts';
import { ZERO_COUNTS } from '../../functions/core/types.ts';
import { FixedCredentials, ManualClock, MemoryEventSink, MemoryStore, ScriptedConnector, account } from '../fakes/memory-store.ts';

/** A connector with two pages in one stream that records every `expectListing` call. */
class ExpectingConnector extends ScriptedConnector {
  readonly expected: string[][] = [];
  expectListing(held: readonly StoredAccount[]): void {
    this.expected.push(held.map((stored) => stored.id).sort());
  }
}

function setup() {
  const store = new MemoryStore();
  const clock = new ManualClock(Date.parse('2026-11-01T00:00:00.000Z'));
  const connector = new ExpectingConnector({
    local: [
      { accounts: [account('u1', 'u1@example.com'), account('u2', 'u2@example.com')], invalid: [], nextCursor: '1' },
      { accounts: [account('u3', 'u3@example.com')], invalid: [], nextCursor: null },
    ],
  });
  const deps: PollDependencies = {
    store,
    events: new MemoryEventSink(),
    credentials: new FixedCredentials({ credentials: { clientId: 'id', clientSecret: 'secret' }, fingerprint: 'fp-1' }),
    createConnector: () => connector,
    clock,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  };
  return { store, clock, connector, poll: () => pollConnector(deps, { connectorId: 'c1', app: 'torq' }) };
}

describe('pollConnector and expectListing', () => {
  it('hands the connector the accounts the inventory holds, on every poll from the first page', async () => {
    const env = setup();

    await env.poll();
    expect(env.connector.expected).toEqual([[]]);

    env.connector.pages.local = [(env.connector.pages.local ?? [])[0] as AccountPage, { accounts: [account('u3', 'u3@example.com'), account('u4', 'u4@example.com')], invalid: [], nextCursor: null }];
    await env.poll();
    await env.poll();

    expect(env.connector.expected).toEqual([[], ['u1', 'u2', 'u3'], ['u1', 'u2', 'u3', 'u4']]);
  });

  it('does not when the listing resumes from a checkpoint: part of it is listed already', async () => {
    const env = setup();
    await env.store.saveCheckpoint({
      connectorId: 'c1',
      listingId: 'run-0',
      startedAt: env.clock.now().toISOString(),
      streams: { local: { cursor: '1', done: false, pages: 1 } },
      seenIds: ['u1', 'u2'],
      counts: ZERO_COUNTS,
      unidentified: 0,
      invocations: 1,
    });

    const result = await env.poll();

    expect(result.outcome).toBe('completed');
    expect(env.connector.calls).toBe(1);
    expect(env.connector.expected).toEqual([]);
  });
});
