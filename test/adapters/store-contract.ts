/**
 * The inventory store's contract (`InventoryStore` in core/ports.ts), as one suite that runs against
 * every implementation: the in-memory fake the core tests use and the DynamoDB store on dynalite.
 * A behaviour the core relies on is written here once, so the fake cannot drift from the store.
 */
import { describe, expect, it } from 'vitest';
import { ConcurrentChangeError, ConnectorExistsError, ConnectorNotFoundError } from '../../functions/core/definition-errors.ts';
import { LeaseBusyError } from '../../functions/core/errors.ts';
import type { FleetStore, InventoryWrites, LeaseRequest, ListingCheckpoint } from '../../functions/core/ports.ts';
import {
  ZERO_COUNTS,
  type ConnectorDefinition,
  type ConnectorState,
  type StoredAccount,
  type StoredGroup,
  type StoredMembership,
  type SyncRun,
} from '../../functions/core/types.ts';
import { account, identity } from './fixture.ts';
import {
  C1_PURGE,
  NOTHING_LEFT,
  PEOPLE_AFTER_C1_PURGE,
  SEEDED_PEOPLE,
  seedTwoConnectors,
  snapshotConnector,
} from '../support/two-connectors.ts';

/** A fresh, empty store per test. */
export type StoreFactory = () => Promise<FleetStore>;

const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

export const NO_WRITES: InventoryWrites = { putAccounts: [], removeAccounts: [], putIdentities: [] };

function writes(overrides: Partial<InventoryWrites>): InventoryWrites {
  return { ...NO_WRITES, ...overrides };
}

export function group(connectorId: string, id: string, overrides: Partial<StoredGroup> = {}): StoredGroup {
  return {
    id,
    name: `Group ${id}`,
    type: 'MANUAL',
    active: true,
    memberCount: 2,
    implicit: false,
    connectorId,
    firstSeenAt: at(0),
    lastChangedAt: at(0),
    removedAt: null,
    ...overrides,
  };
}

export function membership(connectorId: string, groupId: string, accountId: string, overrides: Partial<StoredMembership> = {}): StoredMembership {
  return { connectorId, groupId, accountId, grantedAt: at(0), revokedAt: null, ...overrides };
}

function connectorState(connectorId: string, overrides: Partial<ConnectorState> = {}): ConnectorState {
  return {
    connectorId,
    app: 'torq',
    status: 'CONNECTED',
    previousStatus: null,
    statusChangedAt: at(0),
    statusReason: null,
    lastSyncAt: at(0),
    lastSuccessAt: at(0),
    lastError: null,
    counts: { ...ZERO_COUNTS, total: 2 },
    rejectedFingerprint: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    leaseHolder: null,
    identitiesVerified: false,
    ...overrides,
  };
}

function lease(connectorId: string, owner: string, nowMs: number, leaseMs = 60_000): LeaseRequest {
  return { connectorId, app: 'torq', owner, now: new Date(nowMs).toISOString(), nowMs, leaseMs };
}

function run(connectorId: string, minute: number): SyncRun {
  return {
    connectorId,
    runId: `run-${minute}`,
    startedAt: at(minute),
    finishedAt: at(minute + 1),
    durationMs: 60_000,
    status: 'CONNECTED',
    outcome: 'completed',
    counts: { ...ZERO_COUNTS, total: minute },
    error: null,
    anomalies: minute % 2 === 0 ? [] : ['listing incomplete'],
  };
}

function definition(connectorId: string, overrides: Partial<ConnectorDefinition> = {}): ConnectorDefinition {
  return {
    connectorId,
    app: 'twingate',
    config: { network: 'acme', pageSize: 50, beta: true },
    schedule: 'rate(1 hour)',
    enabled: true,
    origin: 'added',
    secretArn: null,
    createdAt: at(0),
    updatedAt: at(0),
    nextDueAt: at(10),
    ...overrides,
  };
}

const byId = <T extends { readonly id: string }>(items: readonly T[]) => [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
const pairs = (memberships: readonly StoredMembership[]) =>
  memberships.map((m) => `${m.connectorId}/${m.groupId}/${m.accountId}`).sort();

/** Registers the contract's cases; call it at the top level of a test file. */
export function describeStoreContract(name: string, newStore: StoreFactory): void {
  describe(`${name}: accounts and identities`, () => {
    it('keeps what a sync puts, marks removals, and reads every account back', async () => {
      const store = await newStore();
      const alice = account('c1', 'u1', { email: 'Alice@Example.com', firstSeenAt: at(0), lastChangedAt: at(0) });
      const bob = account('c1', 'u2', { email: null, roleName: null, state: null });
      await store.applyWrites('c1', writes({ putAccounts: [alice, bob] }));
      expect(byId(await store.loadAccounts('c1'))).toEqual([alice, bob]);

      await store.applyWrites('c1', writes({ removeAccounts: [{ id: 'u2', removedAt: at(5) }, { id: 'never-stored', removedAt: at(5) }] }));
      expect(byId(await store.loadAccounts('c1'))).toEqual([alice, { ...bob, removedAt: at(5) }]);
      expect(await store.loadAccounts('other')).toEqual([]);
    });

    it('answers account queries by connector, email and first-seen time, without removed accounts unless asked', async () => {
      const store = await newStore();
      await store.putConnector(connectorState('c1'));
      await store.putConnector(connectorState('c2'));
      const early = account('c1', 'u1', { email: 'a@x.io', firstSeenAt: at(0) });
      const late = account('c1', 'u2', { email: 'b@x.io', firstSeenAt: at(60) });
      const elsewhere = account('c2', 'v1', { email: 'a@x.io', firstSeenAt: at(30) });
      const gone = account('c2', 'v2', { email: 'c@x.io', removedAt: at(10) });
      await store.applyWrites('c1', writes({ putAccounts: [early, late] }));
      await store.applyWrites('c2', writes({ putAccounts: [elsewhere, gone] }));

      expect(byId(await store.queryAccounts({ connectorId: 'c1' }))).toEqual([early, late]);
      expect(byId(await store.queryAccounts({ emailKey: 'a@x.io' }))).toEqual([early, elsewhere]);
      expect(byId(await store.queryAccounts({ firstSeenSince: at(30) }))).toEqual([late, elsewhere]);
      expect(byId(await store.queryAccounts({}))).toEqual([early, late, elsewhere]);
      expect(byId(await store.queryAccounts({ connectorId: 'c2', includeRemoved: true }))).toEqual([elsewhere, gone]);
    });

    it('knows the people it has identity records for, and lists them by first-seen time', async () => {
      const store = await newStore();
      await store.applyWrites('c1', writes({ putIdentities: [identity('a@x.io', at(0), 'c1'), identity('b@x.io', at(90), 'c1')] }));
      expect(await store.findKnownIdentities(['a@x.io', 'b@x.io', 'z@x.io', 'a@x.io'])).toEqual(new Set(['a@x.io', 'b@x.io']));
      expect(await store.queryIdentities(at(60))).toEqual([identity('b@x.io', at(90), 'c1')]);
    });
  });

  describe(`${name}: connector state and lease`, () => {
    it('takes a free lease, refuses a live one, and lets it go on finish', async () => {
      const store = await newStore();
      expect(await store.acquireLease(lease('c1', 'run-a', T0))).toBeNull();
      expect(await store.getConnector('c1')).toMatchObject({ status: 'SYNCING', leaseOwner: 'run-a', leaseExpiresAt: T0 + 60_000 });

      const refused = store.acquireLease(lease('c1', 'run-b', T0 + 1_000));
      await expect(refused).rejects.toBeInstanceOf(LeaseBusyError);

      const syncing = await store.getConnector('c1');
      if (syncing === null) throw new Error('connector row missing');
      await expect(store.finishSync({ ...syncing, status: 'CONNECTED' }, 'run-b')).rejects.toBeInstanceOf(LeaseBusyError);
      await store.finishSync({ ...syncing, status: 'CONNECTED', lastSuccessAt: at(1) }, 'run-a');
      expect(await store.getConnector('c1')).toMatchObject({ status: 'CONNECTED', leaseOwner: null, lastSuccessAt: at(1) });
      expect(await store.acquireLease(lease('c1', 'run-b', T0 + 2_000))).toMatchObject({ status: 'CONNECTED' });
    });

    it('hands an expired lease to the next poll, and keeps state written outside a sync from breaking a live one', async () => {
      const store = await newStore();
      await store.acquireLease(lease('c1', 'run-a', T0));
      await expect(store.putConnector(connectorState('c1'), { unlessLeasedAtMs: T0 + 1_000 })).rejects.toBeInstanceOf(LeaseBusyError);
      expect(await store.acquireLease(lease('c1', 'run-b', T0 + 61_000))).toMatchObject({ leaseOwner: 'run-a' });
      expect(await store.getConnector('c1')).toMatchObject({ leaseOwner: 'run-b' });

      await store.putConnector(connectorState('c2', { status: 'RECONNECT_REQUIRED', rejectedFingerprint: 'v1' }));
      expect((await store.listConnectors()).map((state) => state.connectorId).sort()).toEqual(['c1', 'c2']);
      expect(await store.getConnector('c2')).toMatchObject({ status: 'RECONNECT_REQUIRED', rejectedFingerprint: 'v1' });
      expect(await store.getConnector('none')).toBeNull();
    });
  });

  describe(`${name}: runs and checkpoints`, () => {
    it('lists runs newest first, as many as asked', async () => {
      const store = await newStore();
      for (const minute of [1, 2, 3]) await store.recordRun(run('c1', minute));
      await store.recordRun(run('c2', 4));
      expect(await store.listRuns('c1', 2)).toEqual([run('c1', 3), run('c1', 2)]);
      expect(await store.listRuns('c1')).toHaveLength(3);
    });

    it('round-trips a checkpoint with group ids and members per group, and clears it', async () => {
      const store = await newStore();
      const checkpoint: ListingCheckpoint = {
        connectorId: 'c1',
        listingId: 'run-1',
        startedAt: at(0),
        streams: { users: { cursor: 'offset:50', done: false, pages: 1 }, groups: { cursor: null, done: true, pages: 2 } },
        seenIds: ['u1', 'u2', 'u#3'],
        counts: { ...ZERO_COUNTS, new: 3, accessGranted: 4 },
        unidentified: 0,
        invocations: 1,
        seenGroupIds: ['g1', 'g2', 'empty'],
        seenMembers: { g1: ['u1', 'u2'], g2: ['u#3'], empty: [] },
      };
      await store.saveCheckpoint(checkpoint);
      expect(await store.loadCheckpoint('c1')).toEqual(checkpoint);
      await store.clearCheckpoint('c1');
      expect(await store.loadCheckpoint('c1')).toBeNull();
    });

    it('round-trips a checkpoint of a connector without groups without inventing group fields', async () => {
      const store = await newStore();
      const checkpoint: ListingCheckpoint = {
        connectorId: 'c1',
        listingId: 'run-1',
        startedAt: at(0),
        streams: { local: { cursor: 'tok', done: false, pages: 3 } },
        seenIds: ['u1'],
        counts: ZERO_COUNTS,
        unidentified: 1,
        invocations: 2,
      };
      await store.saveCheckpoint(checkpoint);
      const loaded = await store.loadCheckpoint('c1');
      expect(loaded).toEqual(checkpoint);
      expect(loaded).not.toHaveProperty('seenGroupIds');
      expect(loaded).not.toHaveProperty('seenMembers');
    });
  });

  describe(`${name}: groups and memberships`, () => {
    it('keeps groups with their fields, marks removed ones, and answers by connector with or without removed', async () => {
      const store = await newStore();
      await store.putConnector(connectorState('c1'));
      await store.putConnector(connectorState('c2'));
      const admins = group('c1', 'g1', { name: 'Admins', memberCount: 3 });
      const everyone = group('c1', 'g2', { name: 'Everyone', type: 'SYSTEM', implicit: true, memberCount: 120 });
      const unnamed = group('c1', 'g3', { name: null, type: null, active: null, memberCount: null });
      const other = group('c2', 'g1', { name: 'Admins of c2', active: false });
      await store.applyWrites('c1', writes({ putGroups: [admins, everyone, unnamed] }));
      await store.applyWrites('c2', writes({ putGroups: [other] }));
      expect(byId(await store.loadGroups('c1'))).toEqual([admins, everyone, unnamed]);

      await store.applyWrites('c1', writes({ removeGroups: [{ id: 'g3', removedAt: at(5) }, { id: 'never-stored', removedAt: at(5) }] }));
      expect(byId(await store.loadGroups('c1'))).toEqual([admins, everyone, { ...unnamed, removedAt: at(5) }]);
      expect(await store.queryGroups({ connectorId: 'c1' })).toEqual([admins, everyone]);
      expect(await store.queryGroups({ connectorId: 'c1', includeRemoved: true })).toEqual([admins, everyone, { ...unnamed, removedAt: at(5) }]);
      expect(await store.queryGroups({})).toEqual([admins, everyone, other]);

      // Back from removal: the sync puts the group again, without removedAt.
      await store.applyWrites('c1', writes({ putGroups: [{ ...unnamed, lastChangedAt: at(9) }] }));
      expect(await store.queryGroups({ connectorId: 'c1' })).toEqual([admins, everyone, { ...unnamed, lastChangedAt: at(9) }]);
    });

    it('grants, revokes and grants again, keeping the revoked membership as history', async () => {
      const store = await newStore();
      await store.putConnector(connectorState('c1'));
      await store.applyWrites('c1', writes({ putGroups: [group('c1', 'g1'), group('c1', 'g2')] }));
      await store.applyWrites(
        'c1',
        writes({ putMemberships: [membership('c1', 'g1', 'u1'), membership('c1', 'g1', 'u2'), membership('c1', 'g2', 'u1')] }),
      );
      expect(pairs(await store.loadMemberships('c1'))).toEqual(['c1/g1/u1', 'c1/g1/u2', 'c1/g2/u1']);

      await store.applyWrites(
        'c1',
        writes({
          revokeMemberships: [
            { groupId: 'g1', accountId: 'u2', revokedAt: at(10) },
            { groupId: 'g9', accountId: 'u1', revokedAt: at(10) },
          ],
        }),
      );
      const afterRevoke = await store.loadMemberships('c1');
      expect(afterRevoke).toHaveLength(3);
      expect(afterRevoke.find((m) => m.groupId === 'g1' && m.accountId === 'u2')).toEqual(membership('c1', 'g1', 'u2', { revokedAt: at(10) }));
      expect(pairs(await store.queryMemberships({ connectorId: 'c1' }))).toEqual(['c1/g1/u1', 'c1/g2/u1']);
      expect(await store.queryMemberships({ connectorId: 'c1', groupId: 'g1', includeRevoked: true })).toEqual([
        membership('c1', 'g1', 'u1'),
        membership('c1', 'g1', 'u2', { revokedAt: at(10) }),
      ]);

      const regranted = membership('c1', 'g1', 'u2', { grantedAt: at(20) });
      await store.applyWrites('c1', writes({ putMemberships: [regranted] }));
      expect(await store.queryMemberships({ connectorId: 'c1', groupId: 'g1' })).toEqual([membership('c1', 'g1', 'u1'), regranted]);
    });

    it('answers memberships by group and by account, in one connector or across all', async () => {
      const store = await newStore();
      await store.putConnector(connectorState('c1'));
      await store.putConnector(connectorState('c2'));
      await store.applyWrites(
        'c1',
        writes({
          putMemberships: [
            membership('c1', 'g1', 'u1'),
            membership('c1', 'g1', 'u2'),
            membership('c1', 'g2', 'u1'),
            membership('c1', 'g3', 'u1', { revokedAt: at(3) }),
          ],
        }),
      );
      await store.applyWrites('c2', writes({ putMemberships: [membership('c2', 'g1', 'u1')] }));

      expect(await store.queryMemberships({ connectorId: 'c1', accountId: 'u1' })).toEqual([
        membership('c1', 'g1', 'u1'),
        membership('c1', 'g2', 'u1'),
      ]);
      expect(pairs(await store.queryMemberships({ connectorId: 'c1', accountId: 'u1', includeRevoked: true }))).toEqual([
        'c1/g1/u1',
        'c1/g2/u1',
        'c1/g3/u1',
      ]);
      expect(pairs(await store.queryMemberships({ accountId: 'u1' }))).toEqual(['c1/g1/u1', 'c1/g2/u1', 'c2/g1/u1']);
      expect(pairs(await store.queryMemberships({ groupId: 'g1' }))).toEqual(['c1/g1/u1', 'c1/g1/u2', 'c2/g1/u1']);
      expect(pairs(await store.queryMemberships({ connectorId: 'c1', groupId: 'g1', accountId: 'u2' }))).toEqual(['c1/g1/u2']);
      expect(pairs(await store.queryMemberships({}))).toEqual(['c1/g1/u1', 'c1/g1/u2', 'c1/g2/u1', 'c2/g1/u1']);
      expect(await store.queryMemberships({ connectorId: 'c1', groupId: 'none' })).toEqual([]);
    });

    it('keeps apart ids that only differ in where a separator falls, and serves the largest ids the inventory accepts', async () => {
      const store = await newStore();
      await store.putConnector(connectorState('c1'));
      const longGroup = `g${'é'.repeat(447)}`; // 895 bytes: the largest id `checkGroup` lets through
      const longAccount = `u${'x'.repeat(895)}`;
      await store.applyWrites(
        'c1',
        writes({
          putGroups: [group('c1', 'a'), group('c1', 'a#b'), group('c1', longGroup)],
          putMemberships: [
            membership('c1', 'a', 'b#c'),
            membership('c1', 'a#b', 'c'),
            membership('c1', 'a', '1:x'),
            membership('c1', longGroup, longAccount),
          ],
        }),
      );
      expect(pairs(await store.queryMemberships({ connectorId: 'c1', groupId: 'a' }))).toEqual(['c1/a/1:x', 'c1/a/b#c']);
      expect(pairs(await store.queryMemberships({ connectorId: 'c1', groupId: 'a#b' }))).toEqual(['c1/a#b/c']);
      expect(await store.queryMemberships({ connectorId: 'c1', accountId: longAccount })).toEqual([membership('c1', longGroup, longAccount)]);
      expect(await store.queryMemberships({ connectorId: 'c1', groupId: longGroup })).toEqual([membership('c1', longGroup, longAccount)]);
      expect((await store.loadGroups('c1')).map((g) => g.id).sort()).toEqual(['a', 'a#b', longGroup].sort());
    });

    it('keeps groups and memberships apart from accounts, and accounts without a state as such', async () => {
      const store = await newStore();
      const stateless: StoredAccount = account('c1', 'u1', { state: null });
      await store.applyWrites(
        'c1',
        writes({ putAccounts: [stateless], putGroups: [group('c1', 'g1')], putMemberships: [membership('c1', 'g1', 'u1')] }),
      );
      expect(await store.loadAccounts('c1')).toEqual([stateless]);
      expect(await store.loadGroups('c1')).toEqual([group('c1', 'g1')]);
      expect(await store.loadMemberships('c1')).toEqual([membership('c1', 'g1', 'u1')]);
      expect(await store.loadGroups('c2')).toEqual([]);
      expect(await store.loadMemberships('c2')).toEqual([]);
    });
  });

  describe(`${name}: connector definitions`, () => {
    it('creates a definition once, reads it back whole, and lists definitions apart from connector states', async () => {
      const store = await newStore();
      const twingate = definition('c2', { secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tg-AbCdEf' });
      const torq = definition('c1', { app: 'torq', config: {}, schedule: 'cron(0 6 * * ? *)', origin: 'declared' });
      await store.createDefinition(twingate);
      await store.createDefinition(torq);
      await expect(store.createDefinition(definition('c1', { app: 'scim' }))).rejects.toBeInstanceOf(ConnectorExistsError);
      expect(await store.getDefinition('c2')).toEqual(twingate);
      expect(await store.getDefinition('none')).toBeNull();
      expect(await store.listDefinitions()).toEqual([torq, twingate]);

      // The state row and the definition share a partition; neither listing sees the other kind.
      await store.putConnector(connectorState('c1'));
      await store.applyWrites('c1', writes({ putAccounts: [account('c1', 'u1')] }));
      expect((await store.listConnectors()).map((state) => state.connectorId)).toEqual(['c1']);
      expect(await store.loadAccounts('c1')).toEqual([account('c1', 'u1')]);
      expect(await store.listDefinitions()).toEqual([torq, twingate]);
    });

    it('updates only from the version read, says when it is gone, and deletes the definition only', async () => {
      const store = await newStore();
      await store.createDefinition(definition('c1'));
      await store.putConnector(connectorState('c1'));
      const changed = definition('c1', { schedule: 'rate(2 hours)', config: { network: 'other' }, updatedAt: at(5) });
      await store.updateDefinition(changed, at(0));
      expect(await store.getDefinition('c1')).toEqual(changed);

      // A second writer that read the old version loses, and says so.
      await expect(store.updateDefinition(definition('c1', { enabled: false, updatedAt: at(6) }), at(0))).rejects.toBeInstanceOf(
        ConcurrentChangeError,
      );
      expect(await store.getDefinition('c1')).toEqual(changed);
      await expect(store.updateDefinition(definition('gone', { updatedAt: at(6) }), at(0))).rejects.toBeInstanceOf(ConnectorNotFoundError);

      await store.deleteDefinition('c1');
      await store.deleteDefinition('c1');
      expect(await store.getDefinition('c1')).toBeNull();
      expect(await store.getConnector('c1')).toMatchObject({ connectorId: 'c1' });
    });

    it('lists due connectors earliest first, up to the limit, and never a disabled one', async () => {
      const store = await newStore();
      await store.createDefinition(definition('late', { nextDueAt: at(30) }));
      await store.createDefinition(definition('b-early', { nextDueAt: at(5) }));
      await store.createDefinition(definition('a-early', { nextDueAt: at(5) }));
      await store.createDefinition(definition('exactly-now', { nextDueAt: at(20) }));
      await store.createDefinition(definition('off', { enabled: false, nextDueAt: null }));
      await store.createDefinition(definition('middle', { nextDueAt: at(10) }));

      const ids = async (now: string, limit: number) => (await store.listDue(now, limit)).map((d) => d.connectorId);
      expect(await ids(at(20), 10)).toEqual(['a-early', 'b-early', 'middle', 'exactly-now']);
      expect(await ids(at(20), 2)).toEqual(['a-early', 'b-early']);
      expect(await ids(at(4), 10)).toEqual([]);
      expect(await ids(at(60), 0)).toEqual([]);

      // Disabling takes a connector out of the due list; enabling brings it back.
      const middle = await store.getDefinition('middle');
      if (middle === null) throw new Error('definition missing');
      await store.updateDefinition({ ...middle, enabled: false, nextDueAt: null, updatedAt: at(11) }, middle.updatedAt);
      expect(await ids(at(60), 10)).toEqual(['a-early', 'b-early', 'exactly-now', 'late']);
      await store.updateDefinition({ ...middle, nextDueAt: at(40), updatedAt: at(12) }, at(11));
      expect(await ids(at(60), 10)).toEqual(['a-early', 'b-early', 'exactly-now', 'late', 'middle']);
      expect(await store.getDefinition('off')).toMatchObject({ enabled: false, nextDueAt: null });
    });

    it('lets exactly one of several racing claims of a due time win, and moves the due time', async () => {
      const store = await newStore();
      await store.createDefinition(definition('c1', { nextDueAt: at(10) }));
      await store.createDefinition(definition('off', { enabled: false, nextDueAt: null }));
      const results = await Promise.all(Array.from({ length: 6 }, () => store.claimDue('c1', at(10), at(70))));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.getDefinition('c1')).toMatchObject({ nextDueAt: at(70), updatedAt: at(0) });
      expect((await store.listDue(at(69), 10)).map((d) => d.connectorId)).toEqual([]);
      expect((await store.listDue(at(70), 10)).map((d) => d.connectorId)).toEqual(['c1']);

      // A stale claim (the due time moved on) and a claim of a disabled or absent connector lose.
      expect(await store.claimDue('c1', at(10), at(130))).toBe(false);
      expect(await store.claimDue('off', at(10), at(70))).toBe(false);
      expect(await store.claimDue('none', at(10), at(70))).toBe(false);
      expect(await store.getDefinition('c1')).toMatchObject({ nextDueAt: at(70) });
    });
  });

  describe(`${name}: purging a connector`, () => {
    it('deletes what it planned, the people known only through the connector, and nothing of the other connector', async () => {
      const store = await newStore();
      await seedTwoConnectors(store);
      const c2Before = await snapshotConnector(store, 'c2');
      const plan = await store.planPurge('c1');
      expect(plan).toMatchObject(C1_PURGE);
      expect(plan.checkpoints).toBeGreaterThan(0);

      await store.deleteDefinition('c1');
      await store.acquireLease(lease('c1', 'purge-1', T0));
      expect(await store.purgeConnector('c1', 'purge-1')).toEqual(plan);

      expect(await snapshotConnector(store, 'c1')).toEqual(NOTHING_LEFT);
      expect(await store.findKnownIdentities(SEEDED_PEOPLE)).toEqual(PEOPLE_AFTER_C1_PURGE);
      expect(await snapshotConnector(store, 'c2')).toEqual(c2Before);
      expect((await store.listConnectors()).map((state) => state.connectorId)).toEqual(['c2']);
      expect((await store.listDefinitions()).map((d) => d.connectorId)).toEqual(['c2']);

      // Nothing is left to purge.
      expect(await store.planPurge('c1')).toEqual({ accounts: 0, groups: 0, memberships: 0, runs: 0, checkpoints: 0, other: 0, identities: 0, states: 0 });
    });

    it("deletes nothing of a connector whose lease is not the purge's", async () => {
      const store = await newStore();
      await seedTwoConnectors(store);
      await store.acquireLease(lease('c1', 'a-poll', T0));
      await expect(store.purgeConnector('c1', 'purge-1')).rejects.toBeInstanceOf(LeaseBusyError);
      expect(await store.getConnector('c1')).toMatchObject({ leaseOwner: 'a-poll' });
      expect(await store.loadAccounts('c1')).toHaveLength(5);
      expect(await store.findKnownIdentities(['only-c1@x.io'])).toEqual(new Set(['only-c1@x.io']));
    });
  });
}
