/**
 * Groups and memberships through `pollConnector`, with the in-memory store and a connector that
 * lists `users` and `groups` streams (as a GraphQL app pages its users, then its groups with their
 * members): what a poll writes and publishes, what an unchanged poll costs, and a listing spanning
 * invocations that revokes only what no invocation listed.
 */
import { describe, expect, it } from 'vitest';
import { pollConnector, type PollDependencies } from '../../functions/core/poll.ts';
import type { AccountPage } from '../../functions/core/ports.ts';
import type { StoredMembership } from '../../functions/core/types.ts';
import { FixedCredentials, ManualClock, MemoryEventSink, MemoryStore, ScriptedConnector, account, group, singlePage } from '../fakes/memory-store.ts';

const usersPage = (ids: string[], nextCursor: string | null, total?: number): AccountPage => ({
  accounts: ids.map((id) => account(id, `${id}@example.com`)),
  invalid: [],
  nextCursor,
  ...(total === undefined ? {} : { total }),
});

const EVERYONE = group('all', { name: 'Everyone', type: 'SYSTEM', implicit: true, memberCount: 3 });

function groupsConnector(users: AccountPage[], groups: AccountPage[]): ScriptedConnector {
  const connector = new ScriptedConnector({ users, groups }, ['users', 'groups'], true);
  return Object.assign(connector, { app: 'tg' });
}

function setup() {
  const store = new MemoryStore();
  const events = new MemoryEventSink();
  const clock = new ManualClock(Date.parse('2026-11-01T00:00:00.000Z'));
  let connector = groupsConnector(
    [usersPage(['a', 'b', 'c'], null, 3)],
    [{ accounts: [], invalid: [], groups: [group('g1', { name: 'Engineering', memberCount: 3 }), EVERYONE], members: [{ groupId: 'g1', accountIds: ['a', 'b', 'c'] }], nextCursor: null }],
  );
  let budgetPages = Number.POSITIVE_INFINITY;
  let runs = 0;
  const deps: PollDependencies = {
    store,
    events,
    credentials: new FixedCredentials({ credentials: { apiKey: 'k' }, fingerprint: 'fp' }),
    createConnector: () => connector,
    clock,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    newRunId: () => `run-${++runs}`,
    settings: { reserveMs: 1_000, releaseReserveMs: 0 },
    // Time "runs out" for the listing once the connector served the budgeted pages of this invocation.
    remainingTimeMs: () => (connector.calls >= budgetPages ? 0 : 60_000),
  };
  return {
    store,
    events,
    clock,
    poll: (pages = Number.POSITIVE_INFINITY) => {
      connector.calls = 0;
      budgetPages = pages;
      clock.advance(60_000);
      return pollConnector(deps, { connectorId: 'c1', app: 'tg' });
    },
    setConnector: (next: ScriptedConnector) => {
      connector = next;
    },
  };
}

const current = (memberships: readonly StoredMembership[], groupId: string) =>
  memberships.filter((m) => m.groupId === groupId && m.revokedAt === null).map((m) => m.accountId).sort();

describe('a poll of a connector with groups', () => {
  it('stores groups and memberships, announces the grants, and writes nothing when nothing changed', async () => {
    const env = setup();
    const first = await env.poll();
    expect(first).toMatchObject({ outcome: 'completed', anomalies: [] });
    expect(first.counts).toMatchObject({ total: 3, new: 3, accessGranted: 3, accessRevoked: 0 });
    expect((await env.store.queryGroups({ connectorId: 'c1' })).map((g) => [g.id, g.memberCount, g.implicit])).toEqual([
      ['all', 3, true],
      ['g1', 3, false],
    ]);
    expect(current(await env.store.queryMemberships({ connectorId: 'c1' }), 'g1')).toEqual(['a', 'b', 'c']);
    expect(await env.store.queryMemberships({ groupId: 'all' })).toEqual([]);
    expect(env.events.ofType('AccessGranted').map((e) => e.detail.accountId).sort()).toEqual(['a', 'b', 'c']);

    env.store.writeCalls = 0;
    env.events.events.length = 0;
    const second = await env.poll();
    expect(second.counts).toMatchObject({ accessGranted: 0, accessRevoked: 0, changed: 0 });
    expect(env.store.writeCalls).toBe(3); // lease, final state, run record
    expect(env.events.events.map((e) => e.detailType)).toEqual(['SyncCompleted']);
  });

  it('revokes, across the invocations of one listing, only the memberships no invocation listed', async () => {
    const env = setup();
    await env.poll();
    // b leaves Engineering, d joins the workspace and the group; the listing spans two invocations.
    env.setConnector(
      groupsConnector(
        [usersPage(['a', 'b'], '1', 4), usersPage(['c', 'd'], null, 4)],
        [
          { accounts: [], invalid: [], groups: [group('g1', { name: 'Engineering', memberCount: 3 })], members: [{ groupId: 'g1', accountIds: ['a', 'c'] }], nextCursor: '1' },
          { accounts: [], invalid: [], groups: [{ ...EVERYONE, memberCount: 4 }], members: [{ groupId: 'g1', accountIds: ['d'] }], nextCursor: null },
        ],
      ),
    );
    env.events.events.length = 0;

    const partial = await env.poll(2);
    expect(partial.outcome).toBe('partial');
    expect(partial.counts).toMatchObject({ accessGranted: 0, accessRevoked: 0 });
    expect(current(await env.store.queryMemberships({ connectorId: 'c1' }), 'g1')).toEqual(['a', 'b', 'c']);
    const checkpoint = await env.store.loadCheckpoint('c1');
    expect(checkpoint).toMatchObject({ seenGroupIds: ['g1'], seenMembers: { g1: ['a', 'c'] } });
    expect(checkpoint?.streams.users).toMatchObject({ listed: 2, total: 4, done: false });

    const done = await env.poll();
    expect(done).toMatchObject({ outcome: 'completed', anomalies: [] });
    expect(done.counts).toMatchObject({ total: 4, new: 1, accessGranted: 1, accessRevoked: 1, removed: 0 });
    expect(current(await env.store.queryMemberships({ connectorId: 'c1' }), 'g1')).toEqual(['a', 'c', 'd']);
    expect(env.events.ofType('AccessRevoked').map((e) => [e.detail.accountId, e.detail.groupId, e.detail.reason])).toEqual([['b', 'g1', 'not-a-member']]);
    expect(env.events.ofType('AccessGranted').map((e) => [e.detail.accountId, e.detail.groupName])).toEqual([['d', 'Engineering']]);
    expect(await env.store.loadCheckpoint('c1')).toBeNull();
  });

  it('removes nothing when a stream listed fewer users than it reported, and says so in the result', async () => {
    const env = setup();
    await env.poll();
    env.setConnector(
      groupsConnector(
        [usersPage(['a', 'b'], null, 3)],
        [{ accounts: [], invalid: [], groups: [group('g1', { name: 'Engineering', memberCount: 2 }), EVERYONE], members: [{ groupId: 'g1', accountIds: ['a', 'b'] }], nextCursor: null }],
      ),
    );
    const result = await env.poll();
    expect(result).toMatchObject({ outcome: 'completed', exitCode: 0, anomalies: ['COUNT_MISMATCH'] });
    expect(result.counts).toMatchObject({ removed: 0, accessRevoked: 0, total: 3 });
    expect(current(await env.store.queryMemberships({ connectorId: 'c1' }), 'g1')).toEqual(['a', 'b', 'c']);
    expect((await env.store.queryAccounts({ connectorId: 'c1' })).map((a) => a.id).sort()).toEqual(['a', 'b', 'c']);
  });

  it('closes a removed account’s memberships with its AccountRemoved, without AccessRevoked', async () => {
    const env = setup();
    await env.poll();
    env.setConnector(
      groupsConnector(
        [usersPage(['a', 'b'], null, 2)],
        [{ accounts: [], invalid: [], groups: [group('g1', { name: 'Engineering', memberCount: 2 }), EVERYONE], members: [{ groupId: 'g1', accountIds: ['a', 'b'] }], nextCursor: null }],
      ),
    );
    env.events.events.length = 0;
    const result = await env.poll();
    expect(result.counts).toMatchObject({ removed: 1, accessRevoked: 0 });
    expect(env.events.ofType('AccountRemoved')).toHaveLength(1);
    expect(env.events.ofType('AccessRevoked')).toHaveLength(0);
    const closed = (await env.store.queryMemberships({ accountId: 'c', includeRevoked: true }))[0];
    expect(closed).toMatchObject({ groupId: 'g1', revokedAt: expect.any(String) });
  });
});

describe('a poll of a connector without groups', () => {
  it('reads no groups or memberships and writes none', async () => {
    const store = new MemoryStore();
    const deps: PollDependencies = {
      store,
      events: new MemoryEventSink(),
      credentials: new FixedCredentials({ credentials: { clientId: 'id', clientSecret: 's' }, fingerprint: 'fp' }),
      createConnector: () => singlePage([account('a', 'a@example.com')]),
      clock: new ManualClock(Date.parse('2026-11-01T00:00:00.000Z')),
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    };
    const result = await pollConnector(deps, { connectorId: 'c1', app: 'torq' });
    expect(result.outcome).toBe('completed');
    expect(store.groupReads).toBe(0);
    expect(store.groups.get('c1')?.size ?? 0).toBe(0);
    expect((await store.loadCheckpoint('c1'))).toBeNull();
  });
});
