/**
 * The console read model's contract (`ConsoleReader` in core/read-model.ts), as one suite that runs
 * against every implementation: the in-memory reader over the fake store, and the DynamoDB reader
 * on dynalite. The inventory is seeded through the store's own writes (`applyWrites`, `recordRun`,
 * `putConnector`), as a sync writes it, so the suite also holds the store to what the reader needs:
 * the people index and the account history.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors.ts';
import type { Clock, InventoryStore, InventoryWrites } from '../../functions/core/ports.ts';
import type { ConsoleReader, Page, PageRequest } from '../../functions/core/read-model.ts';
import { ZERO_COUNTS, type ConnectorState, type StoredAccount, type SyncRun } from '../../functions/core/types.ts';
import { account, identity } from './fixture.ts';
import { group, membership } from './store-contract.ts';

export type ReaderFactory = (clock: Clock) => Promise<{ readonly store: InventoryStore; readonly reader: ConsoleReader }>;

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-30T12:00:00.000Z');
const daysAgo = (days: number) => new Date(NOW - days * DAY).toISOString();
const clock: Clock = { now: () => new Date(NOW) };

const NO_WRITES: InventoryWrites = { putAccounts: [], removeAccounts: [], putIdentities: [] };
const writes = (overrides: Partial<InventoryWrites>): InventoryWrites => ({ ...NO_WRITES, ...overrides });

function state(connectorId: string, app: string, overrides: Partial<ConnectorState> = {}): ConnectorState {
  return {
    connectorId,
    app,
    status: 'CONNECTED',
    previousStatus: null,
    statusChangedAt: daysAgo(10),
    statusReason: null,
    lastSyncAt: daysAgo(1),
    lastSuccessAt: daysAgo(1),
    lastError: null,
    counts: { ...ZERO_COUNTS, total: 3 },
    rejectedFingerprint: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    leaseHolder: null,
    identitiesVerified: true,
    ...overrides,
  };
}

function run(connectorId: string, startedAt: string, overrides: Partial<SyncRun> = {}): SyncRun {
  return {
    connectorId,
    runId: `run-${startedAt}`,
    startedAt,
    finishedAt: startedAt,
    durationMs: 1_000,
    status: 'CONNECTED',
    outcome: 'completed',
    counts: ZERO_COUNTS,
    error: null,
    anomalies: [],
    ...overrides,
  };
}

/**
 * Two apps. `tq` (a Torq-like app that reports last logins and invitations): alice (Owner, logged in
 * lately), bob (Viewer, no login for 200 days), carol (invited 40 days ago), dave (removed), a
 * service account without email. `tg` (a Twingate-like app with groups, no logins): alice (ADMIN),
 * dave (still active: an offboarding gap), erin (disabled).
 */
const tqAccounts = {
  alice: account('tq', 'a1', { email: 'Alice@Example.com', name: 'Alice Liddell', roleName: 'Owner', lastLoginAt: daysAgo(2), firstSeenAt: daysAgo(300) }),
  bob: account('tq', 'b1', { email: 'bob@example.com', name: 'Bob Stone', lastLoginAt: daysAgo(200), firstSeenAt: daysAgo(300) }),
  carol: account('tq', 'c1', {
    email: 'carol@example.com',
    state: 'pending',
    status: 'INVITATION_SENT',
    createdAt: daysAgo(40),
    firstSeenAt: daysAgo(5),
  }),
  dave: account('tq', 'd1', { email: 'dave@example.com', name: 'Dave Null', lastLoginAt: daysAgo(30), firstSeenAt: daysAgo(300) }),
  service: account('tq', 's1', { email: null, roleName: 'Operator', lastLoginAt: daysAgo(1), firstSeenAt: daysAgo(300) }),
};
const tgAccounts = {
  alice: account('tg', 'VXNlcjox', { email: 'alice@example.com', app: 'twingate', roleName: 'ADMIN', firstSeenAt: daysAgo(100) }),
  dave: account('tg', 'VXNlcjoy', { email: 'dave@example.com', app: 'twingate', roleName: 'MEMBER', firstSeenAt: daysAgo(100) }),
  erin: account('tg', 'VXNlcjoz', { email: 'erin@example.com', name: 'Erin Moss', app: 'twingate', roleName: 'MEMBER', state: 'disabled', firstSeenAt: daysAgo(100) }),
};

async function seed(store: InventoryStore): Promise<void> {
  await store.putConnector(state('tq', 'torq'));
  await store.putConnector(state('tg', 'twingate', { status: 'RECONNECT_REQUIRED', statusReason: 'credentials rejected', lastError: 'credentials rejected' }));
  const tq = Object.values(tqAccounts);
  const tg = Object.values(tgAccounts);
  const people = [...tq, ...tg].filter((a) => a.emailKey !== null);
  const firstSeen = new Map<string, StoredAccount>();
  for (const a of people) if (!firstSeen.has(a.emailKey ?? '')) firstSeen.set(a.emailKey ?? '', a);
  await store.applyWrites(
    'tq',
    writes({
      putIdentities: [...firstSeen.values()].map((a) => ({
        ...identity(a.emailKey ?? '', a.firstSeenAt, a.connectorId),
        ...(a.name === null ? {} : { name: a.name }),
      })),
      putAccounts: tq,
    }),
  );
  await store.applyWrites(
    'tg',
    writes({
      putAccounts: tg,
      putGroups: [
        group('tg', 'g-eng', { name: 'Engineering' }),
        group('tg', 'g-admins', { name: 'Admins' }),
        group('tg', 'g-old', { name: 'Old', removedAt: daysAgo(3) }),
      ],
      putMemberships: [
        membership('tg', 'g-eng', tgAccounts.alice.id, { grantedAt: daysAgo(100) }),
        membership('tg', 'g-admins', tgAccounts.alice.id, { grantedAt: daysAgo(50) }),
        membership('tg', 'g-eng', tgAccounts.dave.id, { grantedAt: daysAgo(100), revokedAt: daysAgo(10) }),
        membership('tg', 'g-admins', tgAccounts.dave.id, { grantedAt: daysAgo(100) }),
      ],
    }),
  );
  // Bob's role changed 20 days ago; dave left Torq 15 days ago.
  const bobChanged = { ...tqAccounts.bob, roleName: 'Viewer', roleId: 'role-viewer', lastChangedAt: daysAgo(20) };
  await store.applyWrites(
    'tq',
    writes({
      putAccounts: [bobChanged],
      recordChanges: [
        { connectorId: 'tq', accountId: 'b1', at: daysAgo(20), kind: 'changed', changes: [{ field: 'roleId', from: 'role-owner', to: 'role-viewer' }] },
      ],
      removeAccounts: [{ id: 'd1', removedAt: daysAgo(15) }],
    }),
  );
  await store.recordRun(run('tq', '2026-06-27T08:00:00.000Z', { counts: { ...ZERO_COUNTS, new: 5, newUsers: 4, associations: 4 } }));
  await store.recordRun(run('tq', '2026-06-28T08:00:00.000Z', { counts: { ...ZERO_COUNTS, changed: 1, removed: 1 } }));
  await store.recordRun(run('tq', '2026-06-28T20:00:00.000Z', { outcome: 'partial', counts: { ...ZERO_COUNTS, changed: 2 } }));
  await store.recordRun(run('tq', '2026-06-29T08:00:00.000Z', { outcome: 'skipped', counts: { ...ZERO_COUNTS, changed: 99 } }));
  await store.recordRun(
    run('tg', '2026-06-28T09:00:00.000Z', { counts: { ...ZERO_COUNTS, new: 3, associations: 2, newUsers: 1, accessGranted: 4, accessRevoked: 1 } }),
  );
}

/** Every page, following cursors; each page no larger than asked. */
async function allPages<T>(limit: number, fetch: (page: PageRequest) => Promise<Page<T>>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Page<T> = await fetch({ limit, cursor });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    pages += 1;
    expect(pages).toBeLessThan(100);
  } while (cursor !== null);
  return { items, pages };
}

/** Registers the contract's cases; call it at the top level of a test file. */
export function describeReadModelContract(name: string, open: ReaderFactory): void {
  const seeded = async () => {
    const opened = await open(clock);
    await seed(opened.store);
    return opened.reader;
  };

  describe(`${name}: connectors and runs`, () => {
    it('lists every connector with its status, reason, counts and last run', async () => {
      const reader = await seeded();
      const connectors = await reader.listConnectors();
      expect(connectors.map((c) => [c.connectorId, c.status, c.reconnectRequired, c.statusReason])).toEqual([
        ['tg', 'RECONNECT_REQUIRED', true, 'credentials rejected'],
        ['tq', 'CONNECTED', false, null],
      ]);
      expect(connectors[1]?.lastRun?.startedAt).toBe('2026-06-29T08:00:00.000Z');
      expect(connectors[1]?.counts.total).toBe(3);
    });

    it('pages a connector runs newest first, and refuses a cursor of another query', async () => {
      const reader = await seeded();
      const { items, pages } = await allPages(3, (page) => reader.listRuns('tq', page));
      expect(items.map((r) => r.startedAt)).toEqual([
        '2026-06-29T08:00:00.000Z',
        '2026-06-28T20:00:00.000Z',
        '2026-06-28T08:00:00.000Z',
        '2026-06-27T08:00:00.000Z',
      ]);
      expect(pages).toBe(2);
      const first = await reader.listRuns('tq', { limit: 2 });
      await expect(reader.listRuns('tg', { limit: 2, cursor: first.nextCursor })).rejects.toThrow(ConfigError);
      await expect(reader.listRuns('tq', { limit: 2, cursor: 'rc1.garbage' })).rejects.toThrow(ConfigError);
      await expect(reader.listRuns('tq', { limit: 0 })).rejects.toThrow(ConfigError);
    });
  });

  describe(`${name}: a connector's accounts`, () => {
    it('pages active accounts in id order both ways, with their current groups', async () => {
      const reader = await seeded();
      const asc = await allPages(2, (page) => reader.listAccounts({ connectorId: 'tq', ...page }));
      expect(asc.items.map((row) => row.account.id)).toEqual(['a1', 'b1', 'c1', 's1']);
      expect(asc.pages).toBe(2);
      const desc = await allPages(3, (page) => reader.listAccounts({ connectorId: 'tq', sort: { key: 'accountId', direction: 'desc' }, ...page }));
      expect(desc.items.map((row) => row.account.id)).toEqual(['s1', 'c1', 'b1', 'a1']);
      const tg = await reader.listAccounts({ connectorId: 'tg' });
      expect(tg.items.map((row) => [row.account.id, row.groups.map((g) => g.name)])).toEqual([
        ['VXNlcjox', ['Admins', 'Engineering']],
        ['VXNlcjoy', ['Admins']],
        ['VXNlcjoz', []],
      ]);
      expect(tg.nextCursor).toBeNull();
    });

    it('filters by state, role, group, first-seen time and presence', async () => {
      const reader = await seeded();
      const ids = async (filter: Parameters<ConsoleReader['listAccounts']>[0]['filter'], connectorId = 'tq') =>
        (await allPages(1, (page) => reader.listAccounts({ connectorId, filter, ...page }))).items.map((row) => row.account.id).sort();
      expect(await ids({ state: 'pending' })).toEqual(['c1']);
      expect(await ids({ role: 'Owner' })).toEqual(['a1']);
      expect(await ids({ presence: 'removed' })).toEqual(['d1']);
      expect(await ids({ presence: 'all' })).toEqual(['a1', 'b1', 'c1', 'd1', 's1']);
      expect(await ids({ firstSeenSince: daysAgo(10) })).toEqual(['c1']);
      expect(await ids({ groupId: 'g-admins' }, 'tg')).toEqual(['VXNlcjox', 'VXNlcjoy']);
      expect(await ids({ groupId: 'g-eng' }, 'tg')).toEqual(['VXNlcjox']);
      expect(await ids({ groupId: 'g-admins', role: 'ADMIN' }, 'tg')).toEqual(['VXNlcjox']);
      expect(await ids({ state: 'disabled' }, 'tg')).toEqual(['VXNlcjoz']);
      await expect(reader.listAccounts({ connectorId: 'tq', filter: { firstSeenSince: 'yesterday' } })).rejects.toThrow(ConfigError);
    });

    it('offers a connector groups, active only, by name', async () => {
      const reader = await seeded();
      expect((await reader.listGroups('tg')).map((g) => g.name)).toEqual(['Admins', 'Engineering']);
      expect(await reader.listGroups('tq')).toEqual([]);
    });
  });

  describe(`${name}: people`, () => {
    it('lists one row per person across connectors, by email, paged', async () => {
      const reader = await seeded();
      const { items, pages } = await allPages(2, (page) => reader.listPeople(page));
      expect(items.map((p) => [p.emailKey, p.state])).toEqual([
        ['alice@example.com', 'active'],
        ['bob@example.com', 'active'],
        ['carol@example.com', 'pending'],
        ['dave@example.com', 'active'],
        ['erin@example.com', 'disabled'],
      ]);
      expect(pages).toBe(3);
      const alice = items[0];
      expect(alice?.name).toBe('Alice Liddell');
      expect(alice?.accounts.map((a) => [a.connectorId, a.roleName, a.groups.map((g) => g.name)])).toEqual([
        ['tg', 'ADMIN', ['Admins', 'Engineering']],
        ['tq', 'Owner', []],
      ]);
      const dave = items[3];
      expect(dave?.accounts.map((a) => [a.connectorId, a.removedAt === null])).toEqual([
        ['tg', true],
        ['tq', false],
      ]);
    });

    it('searches by email or name, case-insensitively', async () => {
      const reader = await seeded();
      const search = async (text: string) => (await allPages(2, (page) => reader.listPeople({ search: text, ...page }))).items.map((p) => p.emailKey);
      expect(await search('CAROL')).toEqual(['carol@example.com']);
      expect(await search('stone')).toEqual(['bob@example.com']);
      expect(await search('example.com')).toHaveLength(5);
      expect(await search('nobody')).toEqual([]);
    });

    it('shows a person with every account, its history and its memberships', async () => {
      const reader = await seeded();
      const bob = await reader.getPerson('  BOB@example.com ');
      expect(bob?.accounts.map((a) => a.history)).toEqual([
        [
          { kind: 'first-seen', at: daysAgo(300) },
          { kind: 'changed', at: daysAgo(20), changes: [{ field: 'roleId', from: 'role-owner', to: 'role-viewer' }] },
        ],
      ]);
      const dave = await reader.getPerson('dave@example.com');
      expect(dave?.state).toBe('active');
      expect(dave?.identity?.firstConnectorId).toBe('tq');
      expect(dave?.accounts.map((a) => [a.account.connectorId, a.history.map((h) => h.kind)])).toEqual([
        ['tg', ['first-seen']],
        ['tq', ['first-seen', 'removed']],
      ]);
      expect(dave?.accounts[0]?.memberships).toEqual([
        { groupId: 'g-admins', name: 'Admins', type: 'MANUAL', grantedAt: daysAgo(100), revokedAt: null },
        { groupId: 'g-eng', name: 'Engineering', type: 'MANUAL', grantedAt: daysAgo(100), revokedAt: daysAgo(10) },
      ]);
      expect(await reader.getPerson('nobody@example.com')).toBeNull();
      await expect(reader.getPerson('  ')).rejects.toThrow(ConfigError);
    });
  });

  describe(`${name}: activity, insights and review`, () => {
    it('sums the runs that changed the inventory per day, every day present', async () => {
      const reader = await seeded();
      const days = await reader.activity({ from: '2026-06-26', to: '2026-06-29' });
      expect(days.map((d) => [d.day, d.runs, d.newPeople, d.newAssociations, d.newAccounts, d.removals, d.accountChanges, d.accessGranted, d.accessRevoked])).toEqual([
        ['2026-06-26', 0, 0, 0, 0, 0, 0, 0, 0],
        ['2026-06-27', 1, 4, 4, 5, 0, 0, 0, 0],
        ['2026-06-28', 3, 1, 2, 3, 1, 3, 4, 1],
        ['2026-06-29', 0, 0, 0, 0, 0, 0, 0, 0],
      ]);
      expect((await reader.activity({ from: '2026-06-28', to: '2026-06-28', connectorId: 'tg' }))[0]?.runs).toBe(1);
      await expect(reader.activity({ from: '2026-06-29', to: '2026-06-28' })).rejects.toThrow(ConfigError);
    });

    it('reports dormant accounts only where the app reports logins, old invitations, offboarding gaps, admins and accounts without email', async () => {
      const reader = await seeded();
      const insights = await reader.insights({ days: 90, pendingDays: 30 });
      expect(insights.coverage).toEqual([
        { connectorId: 'tg', app: 'twingate', activeAccounts: 3, reportsLastLogin: false },
        { connectorId: 'tq', app: 'torq', activeAccounts: 4, reportsLastLogin: true },
      ]);
      expect(insights.dormant.map((a) => [a.accountId, a.daysSinceLogin])).toEqual([['b1', 200]]);
      expect(insights.pendingInvitations.map((a) => [a.accountId, a.pendingSinceSource, a.daysPending])).toEqual([['c1', 'created', 40]]);
      expect(insights.offboardingGaps.map((g) => [g.emailKey, g.offboarded.map((a) => a.connectorId), g.stillActive.map((a) => a.connectorId)])).toEqual([
        ['dave@example.com', ['tq'], ['tg']],
      ]);
      expect(insights.adminsPerApp.map((a) => [a.connectorId, a.admins.map((x) => x.accountId), a.activeAccounts])).toEqual([
        ['tg', ['VXNlcjox'], 3],
        ['tq', ['a1'], 4],
      ]);
      expect(insights.withoutEmail.map((a) => a.accountId)).toEqual(['s1']);
      const fewer = await reader.insights({ days: 300, pendingDays: 60 });
      expect(fewer.dormant).toEqual([]);
      expect(fewer.pendingInvitations).toEqual([]);
      const onlyTg = await reader.insights({ connectorId: 'tg' });
      expect(onlyTg.coverage.map((c) => c.connectorId)).toEqual(['tg']);
      expect(onlyTg.offboardingGaps).toHaveLength(1);
      expect(onlyTg.withoutEmail).toEqual([]);
      await expect(reader.insights({ connectorId: 'nope' })).rejects.toThrow(ConfigError);
      await expect(reader.insights({ days: -1 })).rejects.toThrow(ConfigError);
    });

    it('lists a connector review rows by email, with roles, groups, states and logins', async () => {
      const reader = await seeded();
      const rows = await reader.review('tg');
      expect(rows.map((r) => [r.email, r.role, r.groups, r.state, r.lastLoginAt])).toEqual([
        ['alice@example.com', 'ADMIN', ['Admins', 'Engineering'], 'active', null],
        ['dave@example.com', 'MEMBER', ['Admins'], 'active', null],
        ['erin@example.com', 'MEMBER', [], 'disabled', null],
      ]);
      expect((await reader.review('tq')).map((r) => r.accountId)).toEqual(['a1', 'b1', 'c1', 's1']);
      await expect(reader.review('nope')).rejects.toThrow(ConfigError);
    });
  });
}
