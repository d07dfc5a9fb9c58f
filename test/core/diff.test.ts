import { describe, expect, it } from 'vitest';
import { diffInventory, emailsToLookUp, type DiffInput } from '../../functions/core/diff.ts';
import type { StoredAccount } from '../../functions/core/types.ts';
import { account } from '../fakes/memory-store.ts';

const T0 = '2026-11-01T00:00:00.000Z';
const T1 = '2026-11-02T00:00:00.000Z';

function storedAccount(id: string, email: string | null, overrides: Partial<StoredAccount> = {}): StoredAccount {
  return {
    ...account(id, email),
    connectorId: 'c1',
    app: 'torq',
    firstSeenAt: T0,
    lastChangedAt: T0,
    removedAt: null,
    ...overrides,
  };
}

function diff(partial: Partial<DiffInput>) {
  return diffInventory({
    connectorId: 'c1',
    app: 'torq',
    runId: 'run-1',
    now: T1,
    previous: [],
    listing: { accounts: [], invalid: [] },
    knownEmails: new Set(),
    maxRemovalShare: 0.5,
    ...partial,
  });
}

describe('diffInventory', () => {
  it('writes nothing and emits nothing for an unchanged listing', () => {
    const previous = [storedAccount('a', 'a@example.com'), storedAccount('b', 'b@example.com')];
    const result = diff({ previous, listing: { accounts: previous.map((p) => account(p.id, p.email)), invalid: [] } });
    expect(result.writes).toEqual({ putAccounts: [], removeAccounts: [], putIdentities: [] });
    expect(result.events).toEqual([]);
    expect(result.counts).toEqual({ total: 2, new: 0, changed: 0, removed: 0, restored: 0, newUsers: 0, associations: 0, invalid: 0, accessGranted: 0, accessRevoked: 0 });
  });

  it('counts a never-seen email as a new user and a new association', () => {
    const result = diff({ listing: { accounts: [account('a', 'New@Example.com ')], invalid: [] } });
    expect(result.counts).toMatchObject({ total: 1, new: 1, newUsers: 1, associations: 1 });
    expect(result.events.map((e) => e.detailType)).toEqual(['UserDiscovered', 'AppAssociationDiscovered']);
    expect(result.writes.putIdentities).toEqual([{ emailKey: 'new@example.com', firstSeenAt: T1, firstConnectorId: 'c1' }]);
    expect(result.writes.putAccounts[0]).toMatchObject({ id: 'a', firstSeenAt: T1, lastChangedAt: T1, removedAt: null });
  });

  it('counts an email known from another connector as an association only', () => {
    const result = diff({
      listing: { accounts: [account('a', 'known@example.com')], invalid: [] },
      knownEmails: new Set(['known@example.com']),
    });
    expect(result.counts).toMatchObject({ new: 1, newUsers: 0, associations: 1 });
    expect(result.events.map((e) => e.detailType)).toEqual(['AppAssociationDiscovered']);
    expect(result.writes.putIdentities).toEqual([]);
  });

  it('keeps an account without email, which never makes a new user', () => {
    const result = diff({ listing: { accounts: [account('a', null)], invalid: [] } });
    expect(result.counts).toMatchObject({ total: 1, new: 1, newUsers: 0, associations: 0 });
    expect(result.events).toEqual([]);
  });

  it('reports role, status, SSO and email changes as AccountChanged with each field', () => {
    const previous = [storedAccount('a', 'a@example.com')];
    const after = account('a', 'other@example.com', { roleId: 'role-owner', roleName: 'Owner', status: 'INVITATION_SENT', ssoProvisioned: true });
    const result = diff({ previous, listing: { accounts: [after], invalid: [] }, knownEmails: new Set() });
    expect(result.counts).toMatchObject({ changed: 1, new: 0, associations: 1, newUsers: 1 });
    const changed = result.events.find((e) => e.detailType === 'AccountChanged');
    expect(changed?.detail).toMatchObject({
      changes: [
        { field: 'roleId', from: 'role-viewer', to: 'role-owner' },
        { field: 'status', from: 'VERIFIED', to: 'INVITATION_SENT' },
        { field: 'ssoProvisioned', from: false, to: true },
        { field: 'emailKey', from: 'a@example.com', to: 'other@example.com' },
      ],
    });
    expect(result.writes.putAccounts[0]).toMatchObject({ firstSeenAt: T0, lastChangedAt: T1 });
  });

  it('records each material change and each return as history, and nothing for a silent refresh', () => {
    const previous = [
      storedAccount('a', 'a@example.com'),
      storedAccount('b', 'b@example.com', { removedAt: T0 }),
      storedAccount('c', 'c@example.com', { name: 'Cy' }),
    ];
    const listed = [
      account('a', 'a@example.com', { roleId: 'role-owner', roleName: 'Owner' }),
      account('b', 'b@example.com'),
      account('c', 'c@example.com', { name: 'Cyrus' }),
    ];
    const result = diff({ previous, listing: { accounts: listed, invalid: [] }, knownEmails: new Set(['a@example.com', 'b@example.com', 'c@example.com']) });
    expect(result.writes.recordChanges).toEqual([
      { connectorId: 'c1', accountId: 'a', at: T1, kind: 'changed', changes: [{ field: 'roleId', from: 'role-viewer', to: 'role-owner' }] },
      { connectorId: 'c1', accountId: 'b', at: T1, kind: 'restored', changes: [] },
    ]);
    const unchanged = diff({ previous: [storedAccount('a', 'a@example.com')], listing: { accounts: [account('a', 'a@example.com')], invalid: [] } });
    expect(unchanged.writes.recordChanges).toBeUndefined();
  });

  it('treats an email case change as no change, refreshing the stored spelling silently', () => {
    const previous = [storedAccount('a', 'a@example.com')];
    const result = diff({ previous, listing: { accounts: [account('a', 'A@Example.COM')], invalid: [] } });
    expect(result.events).toEqual([]);
    expect(result.counts).toMatchObject({ changed: 0, associations: 0, newUsers: 0 });
    expect(result.writes.putAccounts).toEqual([expect.objectContaining({ email: 'A@Example.COM', lastChangedAt: T0 })]);
  });

  it('writes a new name, login, external id or update time silently: no event, no count, lastChangedAt kept', () => {
    const previous = [storedAccount('a', 'a@example.com', { name: 'Ada', login: 'ada', externalId: 'x1', updatedAt: T0 })];
    for (const tweak of [{ name: 'Ada Lovelace' }, { login: 'alovelace' }, { externalId: 'x2' }, { updatedAt: T1 }, { name: null }]) {
      const listed = account('a', 'a@example.com', { name: 'Ada', login: 'ada', externalId: 'x1', updatedAt: T0, ...tweak });
      const result = diff({ previous, listing: { accounts: [listed], invalid: [] } });
      expect(result.events).toEqual([]);
      expect(result.counts).toMatchObject({ changed: 0, new: 0 });
      expect(result.writes.putAccounts).toEqual([expect.objectContaining({ ...tweak, lastChangedAt: T0, firstSeenAt: T0 })]);
    }
    const same = account('a', 'a@example.com', { name: 'Ada', login: 'ada', externalId: 'x1', updatedAt: T0 });
    expect(diff({ previous, listing: { accounts: [same], invalid: [] } }).writes.putAccounts).toEqual([]);
  });

  it('removes absent accounts within the safety share', () => {
    const previous = ['a', 'b', 'c'].map((id) => storedAccount(id, `${id}@example.com`));
    const result = diff({ previous, listing: { accounts: [account('a', 'a@example.com'), account('b', 'b@example.com')], invalid: [] } });
    expect(result.writes.removeAccounts).toEqual([{ id: 'c', removedAt: T1 }]);
    expect(result.counts).toMatchObject({ total: 2, removed: 1 });
    expect(result.events.map((e) => e.detailType)).toEqual(['AccountRemoved']);
  });

  it('holds removals above the safety share and raises an anomaly', () => {
    const previous = ['a', 'b', 'c', 'd'].map((id) => storedAccount(id, `${id}@example.com`));
    const result = diff({ previous, listing: { accounts: [account('a', 'a@example.com')], invalid: [] } });
    expect(result.writes.removeAccounts).toEqual([]);
    expect(result.counts).toMatchObject({ total: 4, removed: 0 });
    expect(result.anomalies).toEqual(['MASS_REMOVAL_HELD']);
    expect(result.events[0]?.detail).toMatchObject({ anomaly: 'MASS_REMOVAL_HELD', heldRemovals: 3 });
  });

  it('honours a configured safety share', () => {
    const previous = ['a', 'b', 'c', 'd'].map((id) => storedAccount(id, `${id}@example.com`));
    const result = diff({ previous, maxRemovalShare: 1, listing: { accounts: [account('a', 'a@example.com')], invalid: [] } });
    expect(result.counts).toMatchObject({ removed: 3, total: 1 });
    expect(result.anomalies).toEqual([]);
  });

  it('never removes anyone on an empty listing, whatever the safety share', () => {
    const previous = ['a', 'b'].map((id) => storedAccount(id, `${id}@example.com`));
    const result = diff({ previous, maxRemovalShare: 1, listing: { accounts: [], invalid: [] } });
    expect(result.writes.removeAccounts).toEqual([]);
    expect(result.counts).toMatchObject({ removed: 0, total: 2 });
    expect(result.anomalies).toEqual(['EMPTY_LISTING']);
    expect(result.events[0]?.detail).toMatchObject({ anomaly: 'EMPTY_LISTING', heldRemovals: 2 });
  });

  it('raises the same anomaly id for the same held removals on the next run', () => {
    const previous = ['a', 'b', 'c', 'd'].map((id) => storedAccount(id, `${id}@example.com`));
    const input = { previous, listing: { accounts: [account('a', 'a@example.com')], invalid: [] } };
    const first = diff(input).events[0]?.id;
    expect(diff({ ...input, runId: 'run-2', now: '2026-11-03T00:00:00.000Z' }).events[0]?.id).toBe(first);
  });

  it('gives a person coming back through another account a new association id', () => {
    // p@ left this app by an email change (no removal), then a new account arrives with p@.
    const previous = [storedAccount('a', 'q@example.com', { lastChangedAt: T1 })];
    const firstTime = diff({ listing: { accounts: [account('a', 'p@example.com')], invalid: [] } }).events.find(
      (e) => e.detailType === 'AppAssociationDiscovered',
    );
    const comeback = diff({
      previous,
      knownEmails: new Set(['p@example.com']),
      listing: { accounts: [account('a', 'q@example.com'), account('b', 'p@example.com')], invalid: [] },
    }).events.find((e) => e.detailType === 'AppAssociationDiscovered');
    expect(comeback?.id).toBeDefined();
    expect(comeback?.id).not.toBe(firstTime?.id);
  });

  it('announces a new person with one id whichever connector finds them', () => {
    const inC1 = diff({ listing: { accounts: [account('a', 'n@example.com')], invalid: [] } });
    const inC2 = diff({ connectorId: 'c2', listing: { accounts: [account('z', 'n@example.com')], invalid: [] } });
    const idOf = (events: typeof inC1.events) => events.find((e) => e.detailType === 'UserDiscovered')?.id;
    expect(idOf(inC2.events)).toBe(idOf(inC1.events));
  });

  it('holds removals at the end of a listing that met records without id in an earlier invocation', () => {
    const previous = ['a', 'b', 'c'].map((id) => storedAccount(id, `${id}@example.com`));
    const result = diff({ previous, unidentifiedEarlier: 1, seenEarlier: new Set(['a']), listing: { accounts: [account('b', 'b@example.com')], invalid: [] } });
    expect(result.writes.removeAccounts).toEqual([]);
    expect(result.anomalies).toEqual(['UNIDENTIFIED_RECORDS']);
  });

  it('never removes an account whose record was invalid, and holds all removals for a record without id', () => {
    const previous = ['a', 'b', 'c'].map((id) => storedAccount(id, `${id}@example.com`));
    const withInvalidId = diff({
      previous,
      listing: { accounts: [account('a', 'a@example.com')], invalid: [{ id: 'b', reason: 'email: expected string' }] },
    });
    expect(withInvalidId.writes.removeAccounts).toEqual([{ id: 'c', removedAt: T1 }]);
    expect(withInvalidId.counts).toMatchObject({ total: 2, removed: 1, invalid: 1 });
    expect(withInvalidId.anomalies).toEqual(['INVALID_RECORDS']);

    const withoutId = diff({
      previous,
      listing: { accounts: [account('a', 'a@example.com'), account('b', 'b@example.com')], invalid: [{ id: null, reason: 'id: missing' }] },
    });
    expect(withoutId.writes.removeAccounts).toEqual([]);
    expect(withoutId.anomalies).toEqual(['UNIDENTIFIED_RECORDS']);
  });

  it('restores a removed account as a returning association, keeping its first-seen time', () => {
    const previous = [storedAccount('a', 'a@example.com', { removedAt: T0 }), storedAccount('b', 'b@example.com')];
    const result = diff({ previous, listing: { accounts: [account('a', 'a@example.com'), account('b', 'b@example.com')], invalid: [] } });
    expect(result.counts).toMatchObject({ total: 2, new: 0, restored: 1, associations: 1, newUsers: 0 });
    const association = result.events.find((e) => e.detailType === 'AppAssociationDiscovered');
    expect(association?.detail).toMatchObject({ returning: true, emailKey: 'a@example.com' });
    expect(result.writes.putAccounts[0]).toMatchObject({ id: 'a', removedAt: null, firstSeenAt: T0 });
  });

  it('gives the same event ids to the same change and different ids to a later, different change', () => {
    const previous = [storedAccount('a', 'a@example.com')];
    const input = { previous, listing: { accounts: [account('a', 'a@example.com', { roleId: 'role-owner' }), account('n', 'n@example.com')], invalid: [] } };
    const first = diff(input).events.map((e) => e.id);
    const rerun = diff({ ...input, now: '2026-11-03T00:00:00.000Z', runId: 'run-2' }).events.map((e) => e.id);
    expect(rerun).toEqual(first);
    const later = diff({ ...input, previous: [storedAccount('a', 'a@example.com', { lastChangedAt: T1 })] }).events;
    expect(later.find((e) => e.detailType === 'AccountChanged')?.id).not.toBe(first[0]);
  });

  it('counts one association per person even with two accounts of the same email, in any order', () => {
    const forward = diff({ listing: { accounts: [account('a', 'p@example.com'), account('b', 'P@example.com')], invalid: [] } });
    const backward = diff({ listing: { accounts: [account('b', 'P@example.com'), account('a', 'p@example.com')], invalid: [] } });
    expect(forward.counts).toMatchObject({ new: 2, newUsers: 1, associations: 1 });
    expect(backward.events.map((e) => e.id).sort()).toEqual(forward.events.map((e) => e.id).sort());
  });
});

describe('emailsToLookUp', () => {
  it('asks only for emails this connector never held', () => {
    const previous = [storedAccount('a', 'a@example.com'), storedAccount('r', 'r@example.com', { removedAt: T0 })];
    const lookups = emailsToLookUp(previous, [account('a', 'a@example.com'), account('r', 'r@example.com'), account('n', 'n@example.com'), account('x', null)]);
    expect(lookups).toEqual(['n@example.com']);
  });
});

describe('diffInventory with ids repeated within a listing stream', () => {
  it('raises DUPLICATE_IDS listing at most 100 ids, with an id that depends on every repeated id only', () => {
    const ids = Array.from({ length: 150 }, (_, i) => `id-${String(i).padStart(3, '0')}`);
    const accounts = ids.map((id) => account(id, null));
    const first = diff({ listing: { accounts, invalid: [], repeatedIds: ids, repeatedRecords: 160 } });
    const again = diff({ runId: 'run-2', now: '2026-11-03T00:00:00.000Z', listing: { accounts, invalid: [], repeatedIds: ids, repeatedRecords: 160 } });
    const fewer = diff({ listing: { accounts, invalid: [], repeatedIds: ids.slice(1), repeatedRecords: 159 } });

    expect(first.anomalies).toEqual(['DUPLICATE_IDS']);
    const [anomaly] = first.events.filter((event) => event.detailType === 'SyncAnomaly');
    expect(anomaly?.detail).toEqual({
      runId: 'run-1',
      anomaly: 'DUPLICATE_IDS',
      message: '160 record(s) repeated 150 id(s) within one listing stream (the first 100 listed); the last record of each was kept',
      accountIds: ids.slice(0, 100),
    });
    expect(again.events.find((event) => event.detailType === 'SyncAnomaly')?.id).toBe(anomaly?.id);
    expect(fewer.events.find((event) => event.detailType === 'SyncAnomaly')?.id).not.toBe(anomaly?.id);
  });

  it('raises nothing for a listing without repeats', () => {
    expect(diff({ listing: { accounts: [account('a', null)], invalid: [], repeatedIds: [], repeatedRecords: 0 } }).anomalies).toEqual([]);
  });
});
