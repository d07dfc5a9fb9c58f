import { describe, expect, it } from 'vitest';
import { pollConnector, type PollDependencies } from '../../functions/core/poll.ts';
import type { AccountPage } from '../../functions/core/ports.ts';
import {
  FixedCredentials,
  ManualClock,
  MemoryEventSink,
  MemoryStore,
  ScriptedConnector,
  account,
} from '../fakes/memory-store.ts';

/** Two streams of three pages each; ids s<stream>-<page>-<n>. */
function pagesFor(stream: string, pages: number, perPage: number, skip: ReadonlySet<string> = new Set()): AccountPage[] {
  return Array.from({ length: pages }, (_, page) => ({
    accounts: Array.from({ length: perPage }, (_, n) => account(`${stream}-${page}-${n}`, `${stream}.${page}.${n}@example.com`)).filter(
      (a) => !skip.has(a.id),
    ),
    invalid: [],
    nextCursor: page + 1 < pages ? String(page + 1) : null,
  }));
}

function setup() {
  const store = new MemoryStore();
  const events = new MemoryEventSink();
  const clock = new ManualClock(Date.parse('2026-11-01T00:00:00.000Z'));
  let connector = new ScriptedConnector({ local: pagesFor('local', 3, 10), sso: pagesFor('sso', 3, 10) });
  let budgetPages = Number.POSITIVE_INFINITY;
  let runs = 0;
  const deps: PollDependencies = {
    store,
    events,
    credentials: new FixedCredentials({ credentials: { clientId: 'id', clientSecret: 'secret' }, fingerprint: 'fp' }),
    createConnector: () => connector,
    clock,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    newRunId: () => `run-${++runs}`,
    // Writes are not cut short here: time "runs out" for the listing only (see the time-budget tests in poll.test.ts).
    settings: { reserveMs: 1_000, releaseReserveMs: 0 },
    // Time "runs out" once the connector served the budgeted number of pages in this invocation.
    remainingTimeMs: () => (connector.calls >= budgetPages ? 0 : 60_000),
  };
  return {
    store,
    events,
    clock,
    poll: (pages = Number.POSITIVE_INFINITY) => {
      connector.calls = 0;
      budgetPages = pages;
      return pollConnector(deps, { connectorId: 'c1', app: 'torq' });
    },
    setConnector: (next: ScriptedConnector) => {
      connector = next;
    },
  };
}

describe('a listing longer than one invocation', () => {
  it('writes what it listed, saves a checkpoint, and completes in the next invocation without re-listing', async () => {
    const env = setup();
    const first = await env.poll(2);
    expect(first).toMatchObject({ outcome: 'partial', status: 'CONNECTED', exitCode: 0 });
    expect(first.counts.new).toBe(20);
    expect(env.events.ofType('SyncCompleted')).toHaveLength(0);
    const checkpoint = await env.store.loadCheckpoint('c1');
    expect(checkpoint?.seenIds).toHaveLength(20);
    expect(checkpoint?.streams.local).toMatchObject({ cursor: '1', done: false, pages: 1 });

    env.clock.advance(60_000);
    const second = await env.poll();
    expect(second).toMatchObject({ outcome: 'completed', status: 'CONNECTED' });
    expect(second.counts).toMatchObject({ total: 60, new: 60, newUsers: 60, removed: 0 });
    expect(env.events.ofType('AccountRemoved')).toHaveLength(0);
    expect(env.events.ofType('SyncCompleted')).toHaveLength(1);
    expect(await env.store.loadCheckpoint('c1')).toBeNull();
  });

  it('decides removals only once the listing completed, over the ids of every invocation', async () => {
    const env = setup();
    await env.poll();
    const gone = new Set(['local-0-1', 'sso-2-3']);
    env.setConnector(new ScriptedConnector({ local: pagesFor('local', 3, 10, gone), sso: pagesFor('sso', 3, 10, gone) }));

    const partial = await env.poll(3);
    expect(partial.outcome).toBe('partial');
    expect(partial.counts.removed).toBe(0);
    expect(await env.store.queryAccounts({ connectorId: 'c1' })).toHaveLength(60);

    const done = await env.poll();
    expect(done.counts).toMatchObject({ removed: 2, total: 58 });
    const removed = env.events.ofType('AccountRemoved').map((e) => ('account' in e.detail ? e.detail.account.accountId : ''));
    expect(removed.sort()).toEqual([...gone].sort());
  });

  it('starts over when the checkpoint is older than its maximum age', async () => {
    const env = setup();
    await env.poll(1);
    env.clock.advance(7 * 60 * 60 * 1000);
    const result = await env.poll();
    expect(result.outcome).toBe('completed');
    // Listed again from the first pages: the 10 accounts of the stale run are known, the rest new.
    expect(result.counts).toMatchObject({ total: 60, new: 50 });
  });
});
