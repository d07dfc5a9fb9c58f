/**
 * A poll that died part-way, through the core and the real store (dynalite): a store damaged by
 * earlier versions (account items without identity records) is repaired by the next poll; a poll
 * killed between writes leaves nothing to repair; a lease whose holder is provably gone is taken
 * over at once; and a stop request ends the run `interrupted` with nothing removed.
 */
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { countRequests } from '../../functions/adapters/dynamodb/client.ts';
import type { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import { identityKey } from '../../functions/adapters/dynamodb/items.ts';
import { pollConnector, type PollDependencies } from '../../functions/core/poll.ts';
import type { LeaseHolder } from '../../functions/core/types.ts';
import type { AccountPage, Connector } from '../../functions/core/ports.ts';
import { useEmbeddedDynamo } from '../support/embedded-dynamo.ts';
import { FixedCredentials, ManualClock, MemoryEventSink, account, type ScriptedConnector } from '../fakes/memory-store.ts';


const dynamo = useEmbeddedDynamo();

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** `users` accounts on pages of 50; account `u-<n>` has email `p<n>@example.com`. */
function workspace(users: number, order: 'ascending' | 'descending' = 'ascending'): Connector {
  const ids = Array.from({ length: users }, (_, n) => n);
  if (order === 'descending') ids.reverse();
  const pages: AccountPage[] = [];
  for (let start = 0; start < ids.length; start += 50) {
    const chunk = ids.slice(start, start + 50);
    pages.push({
      accounts: chunk.map((n) => account(`u-${String(n).padStart(5, '0')}`, `p${n}@example.com`)),
      invalid: [],
      nextCursor: start + 50 < ids.length ? String(pages.length + 1) : null,
    });
  }
  return {
    app: 'torq',
    streams: ['local'],
    async listPage(_stream, cursor) {
      return pages[cursor === null ? 0 : Number(cursor)] as AccountPage;
    },
  } satisfies Pick<ScriptedConnector, 'app' | 'streams' | 'listPage'>;
}

async function setup(connector: Connector, extra: Partial<PollDependencies> = {}) {
  const { store, tableName } = await dynamo.newStore('crash');
  const events = new MemoryEventSink();
  const clock = new ManualClock(Date.parse('2026-11-01T00:00:00.000Z'));
  let runs = 0;
  const deps: PollDependencies = {
    store,
    events,
    credentials: new FixedCredentials({ credentials: { clientId: 'id', clientSecret: 'secret' }, fingerprint: 'fp' }),
    createConnector: () => connector,
    clock,
    logger: quiet,
    newRunId: () => `run-${++runs}`,
    settings: { sliceSize: 100 },
    ...extra,
  };
  const poll = (more: Partial<PollDependencies> = {}) => {
    clock.advance(60_000);
    return pollConnector({ ...deps, ...more }, { connectorId: 'c1', app: 'torq' });
  };
  return { store, events, tableName, poll, clock };
}

describe('identity records after a poll died part-way', () => {
  it('repairs a store where accounts lost their identity records, announcing only the people who had none', async () => {
    const env = await setup(workspace(300));
    await env.poll();
    // Damage as earlier versions left it: account items whose identity items were never written,
    // and a connector row from before the check existed.
    const lost = ['p7@example.com', 'p150@example.com', 'p299@example.com'];
    for (const email of lost) {
      await dynamo.clients().documentClient.send(new DeleteCommand({ TableName: env.tableName, Key: identityKey(email) }));
    }
    const row = await env.store.getConnector('c1');
    await env.store.putConnector({ ...row!, identitiesVerified: false });
    env.events.events.length = 0;

    const repair = await env.poll();

    expect(repair.outcome).toBe('completed');
    const known = await env.store.findKnownIdentities(Array.from({ length: 300 }, (_, n) => `p${n}@example.com`));
    expect(known.size).toBe(300);
    const announced = env.events.ofType('UserDiscovered').map((event) => (event.detail as { emailKey: string }).emailKey);
    expect(announced.sort()).toEqual([...lost].sort());
    // Their first sighting is the account's, not the repair's.
    const identities = await env.store.queryIdentities('2026-01-01T00:00:00.000Z');
    const repaired = identities.find((identity) => identity.emailKey === 'p150@example.com');
    expect(repaired).toMatchObject({ firstSeenAt: '2026-11-01T00:01:00.000Z', firstConnectorId: 'c1' });
    expect((await env.store.getConnector('c1'))?.identitiesVerified).toBe(true);

    // From then on, an unchanged poll reads no identity and writes nothing but its bookkeeping.
    const counter = countRequests(dynamo.clients().client);
    env.events.events.length = 0;
    const unchanged = await env.poll();
    counter.detach();
    expect(unchanged.counts).toMatchObject({ new: 0, newUsers: 0, associations: 0 });
    expect(env.events.ofType('UserDiscovered')).toHaveLength(0);
    expect(counter.counts().byCommand.BatchGetItem ?? 0).toBe(0);
    expect(counter.counts().byCommand.BatchWriteItem ?? 0).toBe(0);
  });

  it('checks a store whose identities are whole once, at no cost in writes or events', async () => {
    const env = await setup(workspace(250));
    await env.poll();
    const row = await env.store.getConnector('c1');
    await env.store.putConnector({ ...row!, identitiesVerified: false });
    env.events.events.length = 0;
    const counter = countRequests(dynamo.clients().client);

    await env.poll();

    counter.detach();
    // 250 emails: three batch reads, no data write, no event but the sync's own.
    expect(counter.counts().byCommand.BatchGetItem).toBe(3);
    expect(counter.counts().byCommand.BatchWriteItem ?? 0).toBe(0);
    expect(env.events.events.map((event) => event.detailType)).toEqual(['SyncCompleted']);
  });

  it("writes a person's identity with their first account in listing order, even when another account represents them", async () => {
    // Two accounts of one person in different slices: the one with the smaller id (which the events
    // name) comes last. A poll that wrote only the first slice must still leave the identity behind.
    const accounts = [account('z-late', 'shared@example.com'), ...Array.from({ length: 99 }, (_, n) => account(`f-${n}`, `f${n}@example.com`)), account('a-early', 'shared@example.com')];
    const connector: Connector = {
      app: 'torq',
      streams: ['local'],
      async listPage() {
        return { accounts, invalid: [], nextCursor: null };
      },
    };
    const env = await setup(connector);
    // The event sink dies when the second slice's events go out: the first slice is written, the second never.
    let publishes = 0;
    const dying = new MemoryEventSink();
    const publish = dying.publish.bind(dying);
    dying.publish = async (events) => {
      publishes += 1;
      if (publishes === 2) throw new Error('killed');
      return publish(events);
    };
    await expect(env.poll({ events: dying })).rejects.toThrow('killed');
    const stored = await env.store.loadAccounts('c1');
    expect(stored.map((a) => a.id)).toContain('z-late');
    expect(await env.store.findKnownIdentities(['shared@example.com'])).toEqual(new Set(['shared@example.com']));
    // The person's events went out with the first slice, naming the representative account.
    const association = dying
      .ofType('AppAssociationDiscovered')
      .map((event) => event.detail as { emailKey: string; account: { accountId: string } })
      .find((detail) => detail.emailKey === 'shared@example.com');
    expect(association?.account.accountId).toBe('a-early');
  });
});

describe('leases of polls that are gone', () => {
  const gone: LeaseHolder = { kind: 'process', host: 'laptop', pid: 999_999, pidNamespace: null };

  it('takes over at once a lease whose holder the probe proves gone, and waits for any other', async () => {
    const env = await setup(workspace(60));
    const nowMs = env.clock.now().getTime();
    await env.store.acquireLease({ connectorId: 'c1', app: 'torq', owner: 'dead-run', holder: gone, now: env.clock.now().toISOString(), nowMs, leaseMs: 16 * 60_000 });

    const unknown = await env.poll({ leaseProbe: { isGone: () => false } });
    expect(unknown).toMatchObject({ outcome: 'busy', exitCode: 4 });
    expect(unknown.error).toMatch(/run dead-run, pid 999999 on host laptop, lease until 2026-11-01T00:16:00.000Z/);

    const taken = await env.poll({ leaseProbe: { isGone: (holder) => holder.kind === 'process' && holder.pid === 999_999 } });
    expect(taken).toMatchObject({ outcome: 'completed', counts: { total: 60, newUsers: 60 } });
    expect(await env.store.getConnector('c1')).toMatchObject({ leaseOwner: null, status: 'CONNECTED' });
  });

  it('asks for a lease that ends with the time budget, plus a margin', async () => {
    const env = await setup(workspace(10));
    let leaseUntil = 0;
    const store = env.store;
    const spy = Object.create(store) as DynamoInventoryStore;
    spy.acquireLease = async (request) => {
      leaseUntil = request.nowMs + request.leaseMs;
      return store.acquireLease(request);
    };
    const startMs = env.clock.now().getTime() + 60_000;
    await env.poll({ store: spy, remainingTimeMs: () => 300_000 });
    expect(leaseUntil).toBe(startMs + 300_000 + 10_000);
  });
});

describe('a stop request', () => {
  it('ends the run interrupted between slices: what was written stays, nothing is removed, the lease is free', async () => {
    const env = await setup(workspace(400));
    await env.poll();
    const controller = new AbortController();
    const shrunk = workspace(200);
    let slicesPublished = 0;
    const events = new MemoryEventSink();
    const publish = events.publish.bind(events);
    events.publish = async (batch) => {
      await publish(batch);
      slicesPublished += 1;
      controller.abort('SIGINT');
    };
    // Half of the accounts are gone: a completed poll (safety share raised to 90 %) would remove them.
    const result = await env.poll({ createConnector: () => shrunk, events, signal: controller.signal, settings: { sliceSize: 100, maxRemovalShare: 0.9 } });

    expect(result).toMatchObject({ outcome: 'interrupted', error: 'interrupted (SIGINT)', exitCode: 4 });
    expect(slicesPublished).toBeLessThanOrEqual(1);
    expect(events.ofType('AccountRemoved')).toHaveLength(0);
    expect((await env.store.queryAccounts({ connectorId: 'c1' })).length).toBe(400);
    expect(await env.store.getConnector('c1')).toMatchObject({ leaseOwner: null, status: 'CONNECTED' });
    expect((await env.store.listRuns('c1', 1))[0]).toMatchObject({ outcome: 'interrupted' });
  });

  it('with a time budget, stops writing before the invocation would be killed and releases the lease', async () => {
    const env = await setup(workspace(400));
    // Plenty of time until the first slice's events went out, then less than the 15 s write reserve.
    let timeLeft = 600_000;
    const events = new MemoryEventSink();
    const publish = events.publish.bind(events);
    events.publish = async (batch) => {
      await publish(batch);
      timeLeft = 10_000;
    };
    const result = await env.poll({ events, remainingTimeMs: () => timeLeft });

    expect(result).toMatchObject({ outcome: 'interrupted', error: 'interrupted (time budget ended)' });
    expect(events.ofType('SyncCompleted')).toHaveLength(0);
    // The first slice (100 accounts) was written; the rest waits for the next poll, which completes it.
    expect(await env.store.queryAccounts({ connectorId: 'c1' })).toHaveLength(100);
    expect(await env.store.getConnector('c1')).toMatchObject({ leaseOwner: null, leaseHolder: null });
    const next = await env.poll();
    expect(next).toMatchObject({ outcome: 'completed', counts: { total: 400, new: 300 } });
  });

  it('does not wait for a page in flight: the listing is dropped and nothing is written', async () => {
    const controller = new AbortController();
    let pending: (() => void) | null = null;
    const hanging: Connector = {
      app: 'torq',
      streams: ['local'],
      listPage: () =>
        new Promise<AccountPage>((resolve) => {
          pending = () => resolve({ accounts: [], invalid: [], nextCursor: null });
          controller.abort('SIGTERM');
        }),
    };
    const env = await setup(hanging);
    const result = await env.poll({ signal: controller.signal });
    expect(result).toMatchObject({ outcome: 'interrupted', error: 'interrupted (SIGTERM)' });
    expect(env.events.events).toHaveLength(0);
    expect(await env.store.getConnector('c1')).toMatchObject({ leaseOwner: null });
    (pending as (() => void) | null)?.();
  });
});
