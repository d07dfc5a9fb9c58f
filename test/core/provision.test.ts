/**
 * `provisionMembership` with the in-memory store and a fake app whose connector (for polls) and
 * provisioner (for changes) share one membership state: every rule (changeable types, unknown and
 * ambiguous targets, idempotence, read-back, lease), the audit events, and the next poll finding
 * nothing to change after a requested grant or revocation.
 */
import { describe, expect, it } from 'vitest';
import { LeaseBusyError } from '../../functions/core/errors.ts';
import { pollConnector } from '../../functions/core/poll.ts';
import type { AccountPage, Connector, GroupMembersPage, Provisioner } from '../../functions/core/ports.ts';
import { ChangeRejectedError, ProvisioningRefusedError, WriteNotAllowedError } from '../../functions/core/provision-errors.ts';
import { provisionMembership, type ProvisionDependencies, type ProvisionRequest } from '../../functions/core/provision.ts';
import type { Group } from '../../functions/core/types.ts';
import { FixedCredentials, ManualClock, MemoryEventSink, MemoryStore, account, group } from '../fakes/memory-store.ts';
import { silentLogger } from '../../functions/core/ports.ts';

const PAGE = 2;

/** A small app: users, groups and members, listed by a connector and changed by a provisioner. */
function fakeApp() {
  const users = [account('u1', 'ann@example.com'), account('u2', 'bob@example.com'), account('u3', 'cy@example.com'), account('u4', 'twin@example.com'), account('u5', 'TWIN@example.com')];
  const groups: Group[] = [
    group('g1', { name: 'Engineering' }),
    group('g2', { name: 'Okta Sales', type: 'SYNCED' }),
    group('g3', { name: 'Everyone', type: 'SYSTEM', implicit: true }),
    group('g4', { name: 'Dup' }),
    group('g5', { name: 'Dup' }),
    group('g6', { name: 'g1' }),
  ];
  const members = new Map<string, Set<string>>([
    ['g1', new Set(['u1', 'u2', 'u4'])],
    ['g2', new Set(['u1'])],
    ['g4', new Set()],
    ['g5', new Set()],
    ['g6', new Set()],
  ]);
  const calls = { add: 0, remove: 0, pages: 0 };
  let failNext: Error | null = null;
  /** When set, a mutation is answered but not applied (the read-back then disagrees). */
  let ignoreWrites = false;

  const connector: Connector = {
    app: 'fake',
    streams: ['users', 'groups'],
    listsGroups: true,
    async listPage(stream): Promise<AccountPage> {
      if (stream === 'users') return { accounts: users, invalid: [], nextCursor: null, total: users.length };
      return {
        accounts: [],
        invalid: [],
        nextCursor: null,
        groups: groups.map((g) => ({ ...g, memberCount: g.implicit ? users.length : (members.get(g.id)?.size ?? 0) })),
        members: [...members].map(([groupId, ids]) => ({ groupId, accountIds: [...ids] })),
      };
    },
  };
  const provisioner: Provisioner = {
    app: 'fake',
    changeableGroupTypes: ['MANUAL'],
    async addMember(groupId, accountId) {
      calls.add += 1;
      if (failNext) throw failNext;
      if (!ignoreWrites) members.get(groupId)?.add(accountId);
    },
    async removeMember(groupId, accountId) {
      calls.remove += 1;
      if (failNext) throw failNext;
      if (!ignoreWrites) members.get(groupId)?.delete(accountId);
    },
    // Pages of two, so the read-back pages as a listing does.
    async membersPage(groupId, cursor): Promise<GroupMembersPage> {
      calls.pages += 1;
      const ids = members.get(groupId);
      if (ids === undefined) return { accountIds: [], nextCursor: null, found: false };
      const start = cursor === null ? 0 : Number(cursor);
      const all = [...ids];
      const next = start + PAGE < all.length ? String(start + PAGE) : null;
      return { accountIds: all.slice(start, start + PAGE), nextCursor: next, found: true };
    },
  };
  return {
    connector,
    provisioner,
    members,
    calls,
    fail(error: Error | null) {
      failNext = error;
    },
    ignoreWrites(value: boolean) {
      ignoreWrites = value;
    },
  };
}

async function setup() {
  const app = fakeApp();
  const store = new MemoryStore();
  const events = new MemoryEventSink();
  const clock = new ManualClock(Date.parse('2026-11-01T00:00:00.000Z'));
  const poll = () =>
    pollConnector(
      {
        store,
        events,
        credentials: new FixedCredentials({ credentials: { apiKey: 'k' }, fingerprint: 'fp' }),
        createConnector: () => app.connector,
        clock,
        logger: silentLogger,
      },
      { connectorId: 'c1', app: 'fake' },
    );
  const first = await poll();
  expect(first.outcome).toBe('completed');
  events.events.length = 0;
  const deps: ProvisionDependencies = { store, events, provisioner: app.provisioner, clock, logger: silentLogger };
  let n = 0;
  const request = (overrides: Partial<ProvisionRequest> = {}): ProvisionRequest => ({
    connectorId: 'c1',
    action: 'grant',
    group: { nameOrId: 'Engineering' },
    account: { email: 'cy@example.com' },
    requestId: `req-${(n += 1)}`,
    initiatedBy: 'alice',
    execute: true,
    ...overrides,
  });
  return { app, store, events, clock, poll, deps, request };
}

describe('provisionMembership', () => {
  it('grants: mutates once, reads back, writes the membership, publishes AccessGranted with initiatedBy and the request id; the next poll finds no change', async () => {
    const { app, store, events, deps, request, poll, clock } = await setup();
    clock.advance(60_000);
    const result = await provisionMembership(deps, request({ requestId: 'req-grant' }));
    expect(result).toMatchObject({ outcome: 'changed', action: 'grant', group: { id: 'g1', type: 'MANUAL' }, account: { id: 'u3' }, inventoryHeld: false });
    expect(app.calls.add).toBe(1);
    expect(app.members.get('g1')?.has('u3')).toBe(true);
    const stored = await store.queryMemberships({ connectorId: 'c1', groupId: 'g1', accountId: 'u3' });
    expect(stored).toEqual([{ connectorId: 'c1', groupId: 'g1', accountId: 'u3', grantedAt: '2026-11-01T00:01:00.000Z', revokedAt: null }]);
    const granted = events.ofType('AccessGranted');
    expect(granted).toHaveLength(1);
    expect(granted[0]?.id).toBe(result.eventIds[0]);
    expect(granted[0]?.detail).toMatchObject({ groupId: 'g1', accountId: 'u3', groupName: 'Engineering', initiatedBy: 'alice', requestId: 'req-grant' });
    // The lease is back, the status untouched.
    expect(await store.getConnector('c1')).toMatchObject({ status: 'CONNECTED', leaseOwner: null });

    events.events.length = 0;
    clock.advance(60_000);
    const next = await poll();
    expect(next.counts).toMatchObject({ accessGranted: 0, accessRevoked: 0 });
    expect(events.ofType('AccessGranted')).toHaveLength(0);
  });

  it('revokes: AccessRevoked with reason requested; the membership kept with revokedAt; the next poll revokes nothing', async () => {
    const { app, store, events, deps, request, poll, clock } = await setup();
    clock.advance(1000);
    const result = await provisionMembership(deps, request({ action: 'revoke', account: { accountId: 'u2' }, group: { groupId: 'g1' } }));
    expect(result).toMatchObject({ outcome: 'changed', inventoryHeld: true });
    expect(app.calls.remove).toBe(1);
    const [stored] = await store.queryMemberships({ connectorId: 'c1', groupId: 'g1', accountId: 'u2', includeRevoked: true });
    expect(stored?.revokedAt).toBe('2026-11-01T00:00:01.000Z');
    expect(events.ofType('AccessRevoked')[0]?.detail).toMatchObject({ reason: 'requested', initiatedBy: 'alice', accountId: 'u2' });
    events.events.length = 0;
    const next = await poll();
    expect(next.counts).toMatchObject({ accessGranted: 0, accessRevoked: 0 });
  });

  it('is idempotent: granting a membership that exists, or revoking one that does not, calls no mutation and writes nothing', async () => {
    const { app, store, events, deps, request } = await setup();
    const writes = store.writeCalls;
    const grant = await provisionMembership(deps, request({ account: { email: 'ann@example.com' } }));
    const revoke = await provisionMembership(deps, request({ action: 'revoke' }));
    expect(grant).toMatchObject({ outcome: 'unchanged', inventoryHeld: true, eventIds: [] });
    expect(revoke).toMatchObject({ outcome: 'unchanged', inventoryHeld: false, eventIds: [] });
    expect(app.calls).toMatchObject({ add: 0, remove: 0 });
    expect(events.events).toHaveLength(0);
    // Only the lease taken and given back: no inventory write.
    expect(store.writeCalls - writes).toBe(4);
    expect(await store.getConnector('c1')).toMatchObject({ status: 'CONNECTED', leaseOwner: null });
  });

  it('a dry run (execute false) says what would change, takes no lease and writes nothing', async () => {
    const { app, store, events, deps, request } = await setup();
    const writes = store.writeCalls;
    expect(await provisionMembership(deps, request({ execute: false }))).toMatchObject({ outcome: 'planned' });
    expect(await provisionMembership(deps, request({ execute: false, account: { email: 'ann@example.com' } }))).toMatchObject({ outcome: 'unchanged' });
    expect(store.writeCalls).toBe(writes);
    expect(app.calls).toMatchObject({ add: 0, remove: 0 });
    expect(events.events).toHaveLength(0);
  });

  it.each([
    ['SYNCED', 'Okta Sales', /type SYNCED: refused, its membership belongs to the identity provider/],
    ['SYSTEM', 'Everyone', /type SYSTEM: refused, its membership is implicit/],
  ])('refuses a %s group with the reason, calling nothing', async (_type, name, message) => {
    const { app, deps, request, store } = await setup();
    const writes = store.writeCalls;
    const attempt = provisionMembership(deps, request({ group: { nameOrId: name } }));
    await expect(attempt).rejects.toThrow(ProvisioningRefusedError);
    await expect(provisionMembership(deps, request({ group: { nameOrId: name } }))).rejects.toThrow(message);
    expect(app.calls).toEqual({ add: 0, remove: 0, pages: 0 });
    expect(store.writeCalls).toBe(writes);
  });

  it.each([
    ['an unknown group', { group: { nameOrId: 'Nope' } }, /no active group of that name or id/],
    ['an ambiguous group name', { group: { nameOrId: 'Dup' } }, /matches 2 groups \(ids g4, g5\)/],
    ["a value that is one group's id and another's name", { group: { nameOrId: 'g1' } }, /matches 2 groups \(ids g1, g6\)/],
    ['an unknown group id', { group: { groupId: 'Engineering' } }, /no active group of that name or id/],
    ['an unknown email', { account: { email: 'nobody@example.com' } }, /no active account with that email/],
    ['an unknown account id', { account: { accountId: 'u9' } }, /no active account with that account id/],
    ['an ambiguous email', { account: { email: 'twin@example.com' } }, /matches 2 accounts \(ids u4, u5\)/],
    ['an unknown connector', { connectorId: 'c9' }, /no connector 'c9'/],
  ] as const)('refuses %s without echoing it and without calling the app', async (_what, overrides, message) => {
    const { app, deps, request } = await setup();
    const error = await provisionMembership(deps, request(overrides)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProvisioningRefusedError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toMatch(/nobody@|Nope/);
    expect(app.calls).toEqual({ add: 0, remove: 0, pages: 0 });
  });

  it('a key that may not write: the error as it came, nothing written, the connector status untouched', async () => {
    const { app, store, events, deps, request } = await setup();
    app.fail(new WriteNotAllowedError('the API key does not allow writes'));
    await expect(provisionMembership(deps, request())).rejects.toThrow('the API key does not allow writes');
    expect(await store.queryMemberships({ connectorId: 'c1', groupId: 'g1', accountId: 'u3' })).toEqual([]);
    expect(events.events).toHaveLength(0);
    expect(await store.getConnector('c1')).toMatchObject({ status: 'CONNECTED', leaseOwner: null, statusReason: null });
  });

  it('a change the read-back does not show is a ChangeRejectedError, with nothing written or published', async () => {
    const { app, store, events, deps, request } = await setup();
    app.ignoreWrites(true);
    await expect(provisionMembership(deps, request())).rejects.toThrow(ChangeRejectedError);
    expect(await store.queryMemberships({ connectorId: 'c1', groupId: 'g1', accountId: 'u3' })).toEqual([]);
    expect(events.events).toHaveLength(0);
    // Read before and after the mutation, two pages each (three members at two per page).
    expect(app.calls.pages).toBe(4);
  });

  it('waits for no poll: a live lease makes the request busy, and nothing is called', async () => {
    const { app, store, deps, request, clock } = await setup();
    const now = clock.now();
    await store.acquireLease({ connectorId: 'c1', app: 'fake', owner: 'poll-run', now: now.toISOString(), nowMs: now.getTime(), leaseMs: 60_000 });
    await expect(provisionMembership(deps, request())).rejects.toThrow(LeaseBusyError);
    expect(app.calls).toMatchObject({ add: 0, pages: 0 });
    expect((await store.getConnector('c1'))?.leaseOwner).toBe('poll-run');
  });

  it('gives event ids that no sync-found change can share, and that differ per request', async () => {
    const { events, deps, request, poll, app, clock } = await setup();
    const granted = await provisionMembership(deps, request({ requestId: 'r-1' }));
    const revoked = await provisionMembership(deps, request({ requestId: 'r-2', action: 'revoke' }));
    // The same change found by a sync: add it in the app directly, then poll.
    app.members.get('g1')?.add('u3');
    clock.advance(1000);
    events.events.length = 0;
    await poll();
    const syncFound = events.ofType('AccessGranted');
    expect(syncFound).toHaveLength(1);
    expect(syncFound[0]?.detail.initiatedBy).toBeUndefined();
    const ids = new Set([...granted.eventIds, ...revoked.eventIds, syncFound[0]?.id]);
    expect(ids.size).toBe(3);
  });
});
