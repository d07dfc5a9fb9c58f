/**
 * The membership rules of entitlements, one by one, through the pure diff (`diffInventory` with
 * groups): what is granted, revoked, closed, held or left alone, and what is written.
 */
import { describe, expect, it } from 'vitest';
import { diffInventory, type DiffInput, type Listing } from '../../functions/core/diff.ts';
import type { EventType, RollcallEvent } from '../../functions/core/events.ts';
import type { GroupInventory } from '../../functions/core/group-diff.ts';
import type { Group, StoredAccount, StoredGroup, StoredMembership } from '../../functions/core/types.ts';
import { account, group } from '../fakes/memory-store.ts';

const T0 = '2026-11-01T00:00:00.000Z';
const T1 = '2026-11-02T00:00:00.000Z';

function storedAccount(id: string, overrides: Partial<StoredAccount> = {}): StoredAccount {
  return { ...account(id, `${id}@example.com`), connectorId: 'c1', app: 'tg', firstSeenAt: T0, lastChangedAt: T0, removedAt: null, ...overrides };
}

function storedGroup(id: string, overrides: Partial<StoredGroup> = {}): StoredGroup {
  return { ...group(id), connectorId: 'c1', firstSeenAt: T0, lastChangedAt: T0, removedAt: null, ...overrides };
}

function membership(groupId: string, accountId: string, overrides: Partial<StoredMembership> = {}): StoredMembership {
  return { connectorId: 'c1', groupId, accountId, grantedAt: T0, revokedAt: null, ...overrides };
}

interface Workspace {
  readonly accounts: readonly string[];
  readonly groups: readonly Group[];
  readonly members: Readonly<Record<string, readonly string[]>>;
}

function listingOf(workspace: Workspace, extra: Partial<Listing> = {}): Listing {
  return {
    accounts: workspace.accounts.map((id) => account(id, `${id}@example.com`)),
    invalid: [],
    groups: workspace.groups,
    members: new Map(Object.entries(workspace.members).map(([groupId, ids]) => [groupId, new Set(ids)])),
    invalidGroups: [],
    ...extra,
  };
}

function diff(previous: { accounts?: StoredAccount[] } & Partial<GroupInventory>, listing: Listing, input: Partial<DiffInput> = {}) {
  return diffInventory({
    connectorId: 'c1',
    app: 'tg',
    runId: 'run-1',
    now: T1,
    previous: previous.accounts ?? [],
    listing,
    knownEmails: new Set(),
    maxRemovalShare: 0.5,
    groups: { previous: { groups: previous.groups ?? [], memberships: previous.memberships ?? [] } },
    ...input,
  });
}

const types = (events: readonly RollcallEvent[]) => events.map((event) => event.detailType);
const ofType = <T extends EventType>(events: readonly RollcallEvent[], type: T) =>
  events.filter((event): event is RollcallEvent<T> => event.detailType === type);

/** A stored workspace: accounts a..d, group g1 with a, b, c, d as members. */
function fourInOneGroup(): Required<Pick<GroupInventory, 'groups' | 'memberships'>> & { accounts: StoredAccount[] } {
  return {
    accounts: ['a', 'b', 'c', 'd'].map((id) => storedAccount(id)),
    groups: [storedGroup('g1', { memberCount: 4 })],
    memberships: ['a', 'b', 'c', 'd'].map((id) => membership('g1', id)),
  };
}

describe('group memberships in the diff', () => {
  it("counts a new account's memberships as granted, with an AccessGranted each naming account and group", () => {
    const result = diff({}, listingOf({ accounts: ['a'], groups: [group('g1', { name: 'Engineering', memberCount: 1 })], members: { g1: ['a'] } }));
    expect(result.counts).toMatchObject({ new: 1, accessGranted: 1, accessRevoked: 0 });
    expect(result.writes.putGroups).toEqual([storedGroup('g1', { name: 'Engineering', memberCount: 1, firstSeenAt: T1, lastChangedAt: T1 })]);
    expect(result.writes.putMemberships).toEqual([membership('g1', 'a', { grantedAt: T1 })]);
    const [granted] = ofType(result.events, 'AccessGranted');
    expect(granted?.detail).toEqual({
      connectorId: 'c1',
      app: 'tg',
      accountId: 'a',
      account: { accountId: 'a', email: 'a@example.com', roleName: 'Viewer', status: 'VERIFIED', state: 'active' },
      groupId: 'g1',
      groupName: 'Engineering',
    });
  });

  it("closes a removed account's memberships with its AccountRemoved: stored revoked, no AccessRevoked, not counted", () => {
    const stored = fourInOneGroup();
    const result = diff(stored, listingOf({ accounts: ['a', 'b', 'c'], groups: [group('g1', { memberCount: 3 })], members: { g1: ['a', 'b', 'c'] } }));
    expect(result.counts).toMatchObject({ removed: 1, accessGranted: 0, accessRevoked: 0 });
    expect(types(result.events)).toEqual(['AccountRemoved']);
    expect(result.writes.removeAccounts).toEqual([{ id: 'd', removedAt: T1 }]);
    expect(result.writes.revokeMemberships).toEqual([{ groupId: 'g1', accountId: 'd', revokedAt: T1 }]);
    // The member count moved: the group is rewritten, not its other memberships.
    expect(result.writes.putGroups).toEqual([storedGroup('g1', { memberCount: 3, lastChangedAt: T1 })]);
    expect(result.writes.putMemberships).toEqual([]);
  });

  it('revokes a membership the group no longer lists while the account stays, with AccessRevoked', () => {
    const stored = fourInOneGroup();
    const result = diff(stored, listingOf({ accounts: ['a', 'b', 'c', 'd'], groups: [group('g1', { memberCount: 3 })], members: { g1: ['a', 'b', 'c'] } }));
    expect(result.counts).toMatchObject({ accessRevoked: 1, changed: 0, removed: 0 });
    expect(result.writes.revokeMemberships).toEqual([{ groupId: 'g1', accountId: 'd', revokedAt: T1 }]);
    expect(ofType(result.events, 'AccessRevoked').map((event) => event.detail)).toEqual([
      expect.objectContaining({ accountId: 'd', groupId: 'g1', reason: 'not-a-member' }),
    ]);
  });

  it('stores an implicit group with its member count, and neither stores nor diffs its memberships', () => {
    const everyone = group('g-all', { name: 'Everyone', type: 'SYSTEM', memberCount: 2, implicit: true });
    const first = diff({}, listingOf({ accounts: ['a', 'b'], groups: [everyone], members: { 'g-all': ['a', 'b'] } }));
    expect(first.writes.putGroups).toEqual([storedGroup('g-all', { name: 'Everyone', type: 'SYSTEM', memberCount: 2, implicit: true, firstSeenAt: T1, lastChangedAt: T1 })]);
    expect(first.writes.putMemberships).toEqual([]);
    expect(first.counts).toMatchObject({ accessGranted: 0 });
    expect(ofType(first.events, 'AccessGranted')).toEqual([]);

    // A later listing with a member fewer changes the count only.
    const stored = { accounts: ['a', 'b'].map((id) => storedAccount(id)), groups: first.writes.putGroups as StoredGroup[] };
    const second = diff(stored, listingOf({ accounts: ['a', 'b'], groups: [{ ...everyone, memberCount: 1 }], members: { 'g-all': ['a'] } }));
    expect(second.writes.putGroups).toEqual([{ ...(first.writes.putGroups?.[0] as StoredGroup), memberCount: 1, lastChangedAt: T1 }]);
    expect(second.writes.revokeMemberships).toEqual([]);
    expect(second.counts).toMatchObject({ accessRevoked: 0 });
    expect(second.anomalies).toEqual([]);
  });

  it('revokes nothing for a group whose members listed fall short of its member count, and says so', () => {
    const stored = fourInOneGroup();
    // The API counts 4 members and the listing got 2 of them: the other two are not proven gone.
    const result = diff(stored, listingOf({ accounts: ['a', 'b', 'c', 'd'], groups: [group('g1', { memberCount: 4 })], members: { g1: ['a', 'b'] } }));
    expect(result.writes.revokeMemberships).toEqual([]);
    expect(result.counts).toMatchObject({ accessRevoked: 0 });
    expect(result.anomalies).toEqual(['MEMBERS_INCOMPLETE']);
    expect(ofType(result.events, 'SyncAnomaly')[0]?.detail).toMatchObject({ anomaly: 'MEMBERS_INCOMPLETE', groupIds: ['g1'] });
  });

  it('revokes nothing and grants what it can while the listing is not complete', () => {
    const stored = fourInOneGroup();
    const result = diff(
      { ...stored, groups: [...stored.groups, storedGroup('g2', { memberCount: 0 })] },
      listingOf({ accounts: ['a', 'b'], groups: [group('g1', { memberCount: 4 }), group('g2', { memberCount: 1 })], members: { g1: ['a'], g2: ['a'] } }),
      { complete: false },
    );
    expect(result.writes.revokeMemberships).toEqual([]);
    expect(result.writes.removeGroups).toEqual([]);
    expect(result.writes.putMemberships).toEqual([membership('g2', 'a', { grantedAt: T1 })]);
    expect(result.anomalies).toEqual([]);
  });

  it('removes nothing when a stream listed other than the total it reported: no account, no group, no membership', () => {
    const stored = { ...fourInOneGroup(), groups: [storedGroup('g1', { memberCount: 4 }), storedGroup('g2'), storedGroup('g3'), storedGroup('g4')] };
    const result = diff(
      stored,
      listingOf(
        { accounts: ['a', 'b', 'c'], groups: [group('g1', { memberCount: 2 }), group('g2'), group('g3')], members: { g1: ['a', 'b'] } },
        { countMismatches: [{ stream: 'users', total: 4, listed: 3 }] },
      ),
    );
    expect(result.writes.removeAccounts).toEqual([]);
    expect(result.writes.removeGroups).toEqual([]);
    expect(result.writes.revokeMemberships).toEqual([]);
    expect(result.counts).toMatchObject({ removed: 0, accessRevoked: 0 });
    expect(result.anomalies).toEqual(['COUNT_MISMATCH']);
    expect(ofType(result.events, 'SyncAnomaly')[0]?.detail).toMatchObject({
      anomaly: 'COUNT_MISMATCH',
      heldRemovals: 1,
      message: expect.stringContaining("'users' reported 4 and listed 3"),
    });
  });

  it('holds a mass revocation of one group above the safety share, naming the group, and revokes in the others', () => {
    const stored = {
      accounts: ['a', 'b', 'c', 'd'].map((id) => storedAccount(id)),
      groups: [storedGroup('g1', { memberCount: 4 }), storedGroup('g2', { memberCount: 2 })],
      memberships: [...['a', 'b', 'c', 'd'].map((id) => membership('g1', id)), membership('g2', 'a'), membership('g2', 'b')],
    };
    const result = diff(
      stored,
      listingOf({ accounts: ['a', 'b', 'c', 'd'], groups: [group('g1', { memberCount: 1 }), group('g2', { memberCount: 1 })], members: { g1: ['a'], g2: ['a'] } }),
    );
    // g1 would lose 3 of 4 (75 %): held. g2 loses 1 of 2 (50 %, not above): revoked.
    expect(result.writes.revokeMemberships).toEqual([{ groupId: 'g2', accountId: 'b', revokedAt: T1 }]);
    expect(result.counts).toMatchObject({ accessRevoked: 1 });
    expect(result.anomalies).toEqual(['MASS_REVOCATION_HELD']);
    expect(ofType(result.events, 'SyncAnomaly')[0]?.detail).toMatchObject({
      anomaly: 'MASS_REVOCATION_HELD',
      groupId: 'g1',
      heldRemovals: 3,
      accountIds: ['b', 'c', 'd'],
    });
  });

  it("never holds a single revocation: a group of one whose only member leaves loses it", () => {
    const stored = { accounts: [storedAccount('a')], groups: [storedGroup('g1', { memberCount: 1 })], memberships: [membership('g1', 'a')] };
    const result = diff(stored, listingOf({ accounts: ['a'], groups: [group('g1', { memberCount: 0 })], members: {} }));
    expect(result.writes.revokeMemberships).toEqual([{ groupId: 'g1', accountId: 'a', revokedAt: T1 }]);
    expect(result.anomalies).toEqual([]);
  });

  it('treats a renamed group as a group change: the group is rewritten, no account changes, no access event', () => {
    const stored = fourInOneGroup();
    const result = diff(stored, listingOf({ accounts: ['a', 'b', 'c', 'd'], groups: [group('g1', { name: 'Platform', memberCount: 4 })], members: { g1: ['a', 'b', 'c', 'd'] } }));
    expect(result.writes.putGroups).toEqual([storedGroup('g1', { name: 'Platform', memberCount: 4, lastChangedAt: T1 })]);
    expect(result.writes.putAccounts).toEqual([]);
    expect(result.events).toEqual([]);
    expect(result.counts).toMatchObject({ changed: 0, accessGranted: 0, accessRevoked: 0 });
  });

  it('writes nothing and publishes nothing for an unchanged workspace with groups', () => {
    const stored = { ...fourInOneGroup(), groups: [storedGroup('g1', { memberCount: 4 }), storedGroup('g-all', { type: 'SYSTEM', memberCount: 4, implicit: true })] };
    const result = diff(
      stored,
      listingOf({
        accounts: ['a', 'b', 'c', 'd'],
        groups: [group('g1', { memberCount: 4 }), group('g-all', { type: 'SYSTEM', memberCount: 4, implicit: true })],
        members: { g1: ['d', 'c', 'b', 'a'] },
      }),
    );
    expect(result.writes).toEqual({ putAccounts: [], removeAccounts: [], putIdentities: [], putGroups: [], removeGroups: [], putMemberships: [], revokeMemberships: [] });
    expect(result.events).toEqual([]);
  });

  it("revokes a removed group's memberships with AccessRevoked, and holds group removals above the safety share", () => {
    const stored = {
      accounts: [storedAccount('a')],
      groups: ['g1', 'g2', 'g3'].map((id) => storedGroup(id, { memberCount: 1 })),
      memberships: [membership('g3', 'a')],
    };
    const one = diff(stored, listingOf({ accounts: ['a'], groups: [group('g1', { memberCount: 1 }), group('g2', { memberCount: 1 })], members: {} }));
    expect(one.writes.removeGroups).toEqual([{ id: 'g3', removedAt: T1 }]);
    expect(one.writes.revokeMemberships).toEqual([{ groupId: 'g3', accountId: 'a', revokedAt: T1 }]);
    expect(ofType(one.events, 'AccessRevoked').map((event) => event.detail)).toEqual([expect.objectContaining({ groupId: 'g3', reason: 'group-removed' })]);
    expect(one.counts).toMatchObject({ accessRevoked: 1 });

    const two = diff(stored, listingOf({ accounts: ['a'], groups: [group('g1', { memberCount: 0 })], members: {} }));
    expect(two.writes.removeGroups).toEqual([]);
    expect(two.writes.revokeMemberships).toEqual([]);
    expect(two.anomalies).toEqual(['MASS_GROUP_REMOVAL_HELD']);
    expect(ofType(two.events, 'SyncAnomaly')[0]?.detail).toMatchObject({ heldRemovals: 2, groupIds: ['g2', 'g3'] });
  });

  it('stores no membership naming an account the listing does not hold, and reports it by count and id', () => {
    const result = diff({}, listingOf({ accounts: ['a'], groups: [group('g1', { memberCount: 2 })], members: { g1: ['a', 'ghost'] } }));
    expect(result.writes.putMemberships).toEqual([membership('g1', 'a', { grantedAt: T1 })]);
    expect(result.counts).toMatchObject({ accessGranted: 1 });
    expect(result.anomalies).toEqual(['UNKNOWN_MEMBERS']);
    expect(ofType(result.events, 'SyncAnomaly')[0]?.detail).toMatchObject({ anomaly: 'UNKNOWN_MEMBERS', accountIds: ['ghost'] });
  });

  it('grants a membership back after a revocation under a new event id, and revokes it again under another', () => {
    const listing = (members: string[]) => listingOf({ accounts: ['a', 'b'], groups: [group('g1', { memberCount: members.length })], members: { g1: members } });
    const accounts = ['a', 'b'].map((id) => storedAccount(id));
    const groups = [storedGroup('g1', { memberCount: 2 })];
    const first = diff({ accounts, groups, memberships: [] }, listing(['a', 'b']));
    const revoked = diff({ accounts, groups, memberships: [membership('g1', 'a'), membership('g1', 'b')] }, listing(['b']));
    const back = diff({ accounts, groups, memberships: [membership('g1', 'a', { revokedAt: T1 }), membership('g1', 'b')] }, listing(['a', 'b']), {
      now: '2026-11-03T00:00:00.000Z',
    });
    const grantOfA = (events: readonly RollcallEvent[]) => ofType(events, 'AccessGranted').find((event) => event.detail.accountId === 'a');
    expect(grantOfA(back.events)?.id).toBeDefined();
    expect(grantOfA(back.events)?.id).not.toBe(grantOfA(first.events)?.id);
    expect(back.writes.putMemberships).toEqual([membership('g1', 'a', { grantedAt: '2026-11-03T00:00:00.000Z' })]);
    expect(ofType(revoked.events, 'AccessRevoked')).toHaveLength(1);
    // The same change always yields the same id.
    expect(diff({ accounts, groups, memberships: [] }, listing(['a', 'b'])).events.map((event) => event.id)).toEqual(first.events.map((event) => event.id));
  });

  it('keeps the memberships of an account whose removal the valve holds', () => {
    const stored = fourInOneGroup();
    const result = diff(stored, listingOf({ accounts: ['a'], groups: [group('g1', { memberCount: 1 })], members: { g1: ['a'] } }));
    expect(result.anomalies).toContain('MASS_REMOVAL_HELD');
    expect(result.writes.revokeMemberships).toEqual([]);
    expect(result.counts).toMatchObject({ accessRevoked: 0 });
  });

  it('closes what a crash left open: memberships of an account or a group already stored as removed', () => {
    const stored = {
      accounts: [storedAccount('a'), storedAccount('b'), storedAccount('gone', { removedAt: T0 })],
      groups: [storedGroup('g1', { memberCount: 2 }), storedGroup('g2', { removedAt: T0 }), storedGroup('g3', { memberCount: 2 })],
      memberships: [membership('g1', 'a'), membership('g1', 'gone'), membership('g2', 'a')],
    };
    const result = diff(stored, listingOf({ accounts: ['a', 'b'], groups: [group('g1', { memberCount: 1 }), group('g3', { memberCount: 0 })], members: { g1: ['a'] } }));
    expect(result.writes.revokeMemberships).toEqual([
      { groupId: 'g2', accountId: 'a', revokedAt: T1 },
      { groupId: 'g1', accountId: 'gone', revokedAt: T1 },
    ]);
    expect(ofType(result.events, 'AccessRevoked').map((event) => event.detail)).toEqual([expect.objectContaining({ groupId: 'g2', reason: 'group-removed' })]);
  });

  it('leaves groups and memberships alone for a connector without groups', () => {
    const result = diffInventory({
      connectorId: 'c1',
      app: 'torq',
      runId: 'run-1',
      now: T1,
      previous: [storedAccount('a')],
      listing: { accounts: [account('a', 'a@example.com')], invalid: [] },
      knownEmails: new Set(),
      maxRemovalShare: 0.5,
    });
    expect(result.writes).toEqual({ putAccounts: [], removeAccounts: [], putIdentities: [] });
  });
});

describe('account state in the diff', () => {
  it('reports a state change as AccountChanged and counts it as changed', () => {
    const result = diff(
      { accounts: [storedAccount('a')] },
      listingOf({ accounts: [], groups: [], members: {} }, { accounts: [account('a', 'a@example.com', { state: 'disabled' })] }),
    );
    expect(result.counts).toMatchObject({ changed: 1 });
    expect(ofType(result.events, 'AccountChanged')[0]?.detail).toMatchObject({ changes: [{ field: 'state', from: 'active', to: 'disabled' }] });
    expect(result.writes.putAccounts).toEqual([expect.objectContaining({ id: 'a', state: 'disabled', lastChangedAt: T1 })]);
  });

  it('fills in the state of an account stored before states existed: written, not counted, no event', () => {
    const legacy = storedAccount('a', { state: null });
    const result = diff({ accounts: [legacy] }, listingOf({ accounts: ['a'], groups: [], members: {} }));
    expect(result.writes.putAccounts).toEqual([{ ...legacy, state: 'active' }]);
    expect(result.events).toEqual([]);
    expect(result.counts).toMatchObject({ changed: 0 });
  });

  it('still reports the other changes of such an account, and not the state it gains', () => {
    const legacy = storedAccount('a', { state: null });
    const result = diff(
      { accounts: [legacy] },
      listingOf({ accounts: [], groups: [], members: {} }, { accounts: [account('a', 'a@example.com', { roleId: 'role-owner', roleName: 'Owner' })] }),
    );
    expect(result.counts).toMatchObject({ changed: 1 });
    expect(ofType(result.events, 'AccountChanged')[0]?.detail).toMatchObject({ changes: [{ field: 'roleId', from: 'role-viewer', to: 'role-owner' }] });
    expect(result.writes.putAccounts).toEqual([expect.objectContaining({ state: 'active', roleId: 'role-owner', lastChangedAt: T1 })]);
  });
});
