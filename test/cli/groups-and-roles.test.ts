/**
 * `rollcall users --role/--group`, `rollcall groups` and `rollcall roles` through child processes
 * (design.md section 7), over an inventory of three connectors written through the real store's
 * `applyWrites` into a DynamoDB table on a loopback endpoint (dynalite): two apps with groups and a
 * Torq one without, group names that are hostile, a revoked membership, a removed account and a
 * removed group, and an implicit group.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, vi } from 'vitest';
import { openInventory } from '../../cli/runtime.ts';
import { startEmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
import { initialState } from '../../functions/core/status.ts';
import type { AccountState, StoredAccount, StoredGroup, StoredMembership } from '../../functions/core/types.ts';
import { CHILD_PROCESS_TIMEOUTS, createTestbed, parseJsonArray, runCli } from './support.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
afterAll(() => bed.cleanup());

const TABLE = 'rollcall-groups';
const SEEN = '2026-11-01T00:00:00.000Z';
/** Raw control characters a terminal may act on (CR/LF of CSV lines and the table's own newlines excepted). */
const RAW_CONTROL = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/** A formula for a spreadsheet, an escape sequence and a bidi override for a terminal. */
const HOSTILE_GROUP = '=HYPERLINK("http://evil.example")\u001b[2J\u202eevil';
const HOSTILE_ROLE = '+Owner\u001b]0;pwned\u0007';

function account(connectorId: string, app: string, id: string, fields: Partial<StoredAccount> = {}): StoredAccount {
  return {
    connectorId,
    app,
    id,
    email: `${id}@example.com`,
    emailKey: `${id}@example.com`,
    name: null,
    login: null,
    externalId: null,
    roleId: null,
    roleName: null,
    status: 'ACTIVE',
    state: 'active' as AccountState,
    ssoProvisioned: null,
    createdAt: null,
    updatedAt: null,
    lastLoginAt: null,
    firstSeenAt: SEEN,
    lastChangedAt: SEEN,
    removedAt: null,
    ...fields,
  };
}

function group(connectorId: string, id: string, name: string | null, fields: Partial<StoredGroup> = {}): StoredGroup {
  return {
    connectorId,
    id,
    name,
    type: 'MANUAL',
    active: true,
    memberCount: 2,
    implicit: false,
    firstSeenAt: SEEN,
    lastChangedAt: SEEN,
    removedAt: null,
    ...fields,
  };
}

function member(connectorId: string, groupId: string, accountId: string, revokedAt: string | null = null): StoredMembership {
  return { connectorId, groupId, accountId, grantedAt: SEEN, revokedAt };
}

const admin = { roleId: 'ADMIN', roleName: 'Admin' };
const memberRole = { roleId: 'MEMBER', roleName: 'Member' };

const TG_ACCOUNTS = [
  account('tg', 'twingate', 'ada', admin),
  account('tg', 'twingate', 'bob', { ...memberRole, status: 'PENDING', state: 'pending' }),
  account('tg', 'twingate', 'cy', { ...memberRole, status: 'DISABLED', state: 'disabled' }),
  account('tg', 'twingate', 'dee', { ...memberRole, removedAt: '2026-11-15T00:00:00.000Z' }),
  account('tg', 'twingate', 'eve', memberRole),
];
const TG_GROUPS = [
  group('tg', 'g-eng', 'Engineering', { memberCount: 2 }),
  group('tg', 'g-admins', 'Admins', { memberCount: 1 }),
  group('tg', 'g-hostile', HOSTILE_GROUP, { type: 'SYNCED', active: false, memberCount: 1 }),
  group('tg', 'g-everyone', 'Everyone', { type: 'SYSTEM', implicit: true, memberCount: 4 }),
  group('tg', 'g-old', 'Old team', { removedAt: '2026-11-10T00:00:00.000Z' }),
];
const TG_MEMBERSHIPS = [
  member('tg', 'g-eng', 'ada'),
  member('tg', 'g-eng', 'bob'),
  member('tg', 'g-admins', 'ada'),
  member('tg', 'g-hostile', 'cy'),
  // The removed account's row, a revoked membership and one of a removed group: none is current.
  member('tg', 'g-eng', 'dee'),
  member('tg', 'g-eng', 'eve', '2026-11-12T00:00:00.000Z'),
  member('tg', 'g-old', 'eve'),
];
const EU_ACCOUNTS = [account('tg-eu', 'twingate', 'fay', admin), account('tg-eu', 'twingate', 'gus', memberRole)];
const EU_GROUPS = [group('tg-eu', 'g-eng-eu', 'ENGINEERING', { memberCount: 1 }), group('tg-eu', 'g-eng-2', 'Engineering (EU)', { memberCount: 1 })];
const EU_MEMBERSHIPS = [member('tg-eu', 'g-eng-eu', 'fay'), member('tg-eu', 'g-eng-2', 'gus')];
const TORQ_ACCOUNTS = [
  account('torq-prod', 'torq', 'hal', { roleId: 'r-1', roleName: 'Admin', status: 'VERIFIED' }),
  account('torq-prod', 'torq', 'ivy', { roleId: 'r-1', roleName: 'Admin', status: 'VERIFIED' }),
  account('torq-prod', 'torq', 'jon', { roleId: 'r-2', roleName: HOSTILE_ROLE, status: 'VERIFIED' }),
  account('torq-prod', 'torq', 'kim', { roleId: 'r-9', status: 'INVITATION_SENT', state: 'pending' }),
  account('torq-prod', 'torq', 'lou', { status: 'VERIFIED' }),
  account('torq-prod', 'torq', 'max', { roleId: 'r-1', roleName: 'Admin', removedAt: '2026-11-15T00:00:00.000Z' }),
];

/** The store flags of every command here. */
let store: string[];
let dataDir: string;

beforeAll(async () => {
  const dynamo = await startEmbeddedDynamo();
  bed.onCleanup(() => dynamo.close());
  dataDir = await bed.tempDir();
  store = ['--data-dir', dataDir, '--table', TABLE, '--endpoint', dynamo.endpoint];
  const inventory = await openInventory({ dataDir, table: TABLE, endpoint: dynamo.endpoint });
  try {
    const seeds = [
      { connectorId: 'tg', app: 'twingate', accounts: TG_ACCOUNTS, groups: TG_GROUPS, memberships: TG_MEMBERSHIPS },
      { connectorId: 'tg-eu', app: 'twingate', accounts: EU_ACCOUNTS, groups: EU_GROUPS, memberships: EU_MEMBERSHIPS },
      { connectorId: 'torq-prod', app: 'torq', accounts: TORQ_ACCOUNTS, groups: [], memberships: [] },
    ];
    for (const seed of seeds) {
      await inventory.store.putConnector(initialState(seed.connectorId, seed.app, SEEN));
      await inventory.store.applyWrites(seed.connectorId, {
        putAccounts: seed.accounts,
        removeAccounts: [],
        putIdentities: [],
        putGroups: seed.groups,
        putMemberships: seed.memberships,
      });
    }
  } finally {
    await inventory.close();
  }
});

interface AccountJson {
  connectorId: string;
  id: string;
  state: string | null;
  groups: string[];
}

const rollcall = (...args: string[]) => runCli([...args, ...store]);
const idsOf = (accounts: readonly AccountJson[]) => accounts.map((a) => `${a.connectorId}/${a.id}`).sort();

describe.concurrent('rollcall users --role and --group', () => {
  it('--role matches the exact role name whatever its case, across connectors and apps', async ({ expect }) => {
    const [lower, upper, prefix] = await Promise.all([
      rollcall('users', '--role', 'admin', '--format', 'json'),
      rollcall('users', '--role', 'ADMIN', '--connector', 'tg', '--format', 'json'),
      rollcall('users', '--role', 'Adm', '--format', 'json'),
    ]);
    expect(lower.code).toBe(0);
    expect(idsOf(parseJsonArray<AccountJson>(lower))).toEqual(['tg-eu/fay', 'tg/ada', 'torq-prod/hal', 'torq-prod/ivy']);
    expect(upper.code).toBe(0);
    expect(idsOf(parseJsonArray<AccountJson>(upper))).toEqual(['tg/ada']);
    // A prefix is not the name: no match is an empty answer, not an error.
    expect(prefix.code).toBe(0);
    expect(parseJsonArray(prefix)).toEqual([]);
  });

  it("--role matches a role known by id only (the app's role list did not name it) as the table shows it", async ({ expect }) => {
    const run = await rollcall('users', '--role', 'R-9', '--format', 'csv');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\r\n');
    expect(lines[0]).toBe('connector,id,email,name,role,status,state,sso,first seen,last login,removed');
    expect(lines.slice(1, -1)).toEqual(['torq-prod,kim,kim@example.com,,r-9,INVITATION_SENT,pending,,2026-11-01T00:00:00.000Z,,']);
  });

  it('--group keeps current members of the groups of that exact name, whatever the case, in every connector', async ({ expect }) => {
    const [all, one, none] = await Promise.all([
      rollcall('users', '--group', 'engineering', '--format', 'json'),
      rollcall('users', '--group', 'ENGINEERING', '--connector', 'tg', '--format', 'json'),
      rollcall('users', '--group', 'Engineer', '--format', 'json'),
    ]);
    // Not dee (removed), not eve (revoked), not gus ("Engineering (EU)" is another name).
    expect(all.code).toBe(0);
    expect(idsOf(parseJsonArray<AccountJson>(all))).toEqual(['tg-eu/fay', 'tg/ada', 'tg/bob']);
    expect(one.code).toBe(0);
    expect(idsOf(parseJsonArray<AccountJson>(one))).toEqual(['tg/ada', 'tg/bob']);
    expect(none.code).toBe(0);
    expect(parseJsonArray(none)).toEqual([]);
  });

  it('--group holds a removed account out even with --include-removed, and combines with --role', async ({ expect }) => {
    const [removed, both, table] = await Promise.all([
      rollcall('users', '--group', 'Engineering', '--include-removed', '--connector', 'tg', '--format', 'json'),
      rollcall('users', '--group', 'engineering', '--role', 'member', '--format', 'json'),
      rollcall('users', '--group', 'no such group'),
    ]);
    expect(idsOf(parseJsonArray<AccountJson>(removed))).toEqual(['tg/ada', 'tg/bob']);
    expect(idsOf(parseJsonArray<AccountJson>(both))).toEqual(['tg/bob']);
    expect(table).toMatchObject({ code: 0, stdout: '(none)\n', stderr: '' });
  });

  it('--group naming only an implicit group is a usage error, not an empty answer', async ({ expect }) => {
    const run = await rollcall('users', '--group', 'everyone');
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toMatch(/^rollcall: --group names a group whose membership is implicit/);
  });

  it('JSON items carry the stored state and the names of current groups (sorted; none for Torq or a removed account)', async ({ expect }) => {
    const run = await rollcall('users', '--include-removed', '--format', 'json');
    expect(run.code).toBe(0);
    const accounts = new Map(parseJsonArray<AccountJson>(run).map((a) => [`${a.connectorId}/${a.id}`, a]));
    expect(accounts.get('tg/ada')).toMatchObject({ state: 'active', groups: ['Admins', 'Engineering'] });
    expect(accounts.get('tg/bob')).toMatchObject({ state: 'pending', groups: ['Engineering'] });
    expect(accounts.get('tg/cy')).toMatchObject({ state: 'disabled', groups: [HOSTILE_GROUP] });
    expect(accounts.get('tg/dee')?.groups).toEqual([]);
    expect(accounts.get('tg/eve')?.groups).toEqual([]);
    expect(accounts.get('tg-eu/gus')?.groups).toEqual(['Engineering (EU)']);
    expect(accounts.get('torq-prod/kim')).toMatchObject({ state: 'pending', groups: [] });
    expect(run.stdout).not.toMatch(RAW_CONTROL);
  });

  it("tables show Rollcall's state beside the app's status", async ({ expect }) => {
    const run = await rollcall('users', '--connector', 'tg');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/│ status\s+│ state\s+│/);
    expect(run.stdout).toMatch(/│ bob\s+│ bob@example\.com\s+│\s+│ Member\s+│ PENDING\s+│ pending\s+│/);
  });
});

interface GroupJson {
  connectorId: string;
  id: string;
  name: string | null;
  type: string | null;
  active: boolean | null;
  memberCount: number | null;
  implicit: boolean;
}

describe.concurrent('rollcall groups', () => {
  it('--format json lists every current group of every connector, sorted by connector and name', async ({ expect }) => {
    const run = await rollcall('groups', '--format', 'json');
    expect(run.code).toBe(0);
    const groups = parseJsonArray<GroupJson>(run);
    expect(groups.map((g) => [g.connectorId, g.name])).toEqual([
      ['tg', HOSTILE_GROUP],
      ['tg', 'Admins'],
      ['tg', 'Engineering'],
      ['tg', 'Everyone'],
      ['tg-eu', 'ENGINEERING'],
      ['tg-eu', 'Engineering (EU)'],
    ]);
    expect(groups.find((g) => g.id === 'g-everyone')).toEqual(
      expect.objectContaining({ connectorId: 'tg', type: 'SYSTEM', active: true, memberCount: 4, implicit: true }),
    );
    expect(groups.find((g) => g.id === 'g-hostile')).toEqual(expect.objectContaining({ type: 'SYNCED', active: false, memberCount: 1 }));
    expect(run.stdout).not.toMatch(RAW_CONTROL);
  });

  it('--format table shows id, name, type, active and members, with hostile names as visible escapes', async ({ expect }) => {
    const run = await rollcall('groups', '--connector', 'tg');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/│ connector\s+│ id\s+│ name\s+│ type\s+│ active\s+│ members\s+│/);
    expect(run.stdout).toMatch(/│ tg\s+│ g-everyone\s+│ Everyone\s+│ SYSTEM\s+│ true\s+│ 4\s+│/);
    expect(run.stdout).toContain('=HYPERLINK("http://evil.example")\\x1b[2J\\u202eevil');
    expect(run.stdout).not.toMatch(RAW_CONTROL);
    expect(run.stdout).not.toContain('tg-eu');
  });

  it('--format csv quotes and defuses a formula in a group name', async ({ expect }) => {
    const run = await rollcall('groups', '--connector', 'tg', '--format', 'csv');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\r\n');
    expect(lines[0]).toBe('connector,id,name,type,active,members');
    expect(lines).toContain(`tg,g-hostile,"'=HYPERLINK(""http://evil.example"")\\x1b[2J\\u202eevil",SYNCED,false,1`);
    expect(lines).toContain('tg,g-admins,Admins,MANUAL,true,1');
    expect(run.stdout).not.toMatch(RAW_CONTROL);
  });

  it('an app without groups has none, in every format', async ({ expect }) => {
    const [table, json, csv] = await Promise.all(
      ['table', 'json', 'csv'].map((format) => rollcall('groups', '--connector', 'torq-prod', '--format', format)),
    );
    expect(table).toMatchObject({ code: 0, stdout: '(none)\n' });
    expect(json?.code).toBe(0);
    expect(parseJsonArray(json as never)).toEqual([]);
    expect(csv).toMatchObject({ code: 0, stdout: 'connector,id,name,type,active,members\r\n' });
  });
});

interface RoleJson {
  connectorId: string;
  app: string;
  role: string | null;
  accounts: number;
}

describe.concurrent('rollcall roles', () => {
  it('--format json counts the active accounts holding each role, per connector, for every app', async ({ expect }) => {
    const run = await rollcall('roles', '--format', 'json');
    expect(run.code).toBe(0);
    expect(parseJsonArray<RoleJson>(run)).toEqual([
      { connectorId: 'tg', app: 'twingate', role: 'Admin', accounts: 1 },
      // bob, cy and eve; dee was removed.
      { connectorId: 'tg', app: 'twingate', role: 'Member', accounts: 3 },
      { connectorId: 'tg-eu', app: 'twingate', role: 'Admin', accounts: 1 },
      { connectorId: 'tg-eu', app: 'twingate', role: 'Member', accounts: 1 },
      { connectorId: 'torq-prod', app: 'torq', role: HOSTILE_ROLE, accounts: 1 },
      // max was removed; kim's role is known by id only; lou has none.
      { connectorId: 'torq-prod', app: 'torq', role: 'Admin', accounts: 2 },
      { connectorId: 'torq-prod', app: 'torq', role: 'r-9', accounts: 1 },
      { connectorId: 'torq-prod', app: 'torq', role: null, accounts: 1 },
    ]);
    expect(run.stdout).not.toMatch(RAW_CONTROL);
  });

  it('--format table and csv show role and accounts, hostile role names escaped and defused', async ({ expect }) => {
    const [table, csv] = await Promise.all([
      rollcall('roles', '--connector', 'torq-prod'),
      rollcall('roles', '--connector', 'torq-prod', '--format', 'csv'),
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/│ connector\s+│ app\s+│ role\s+│ accounts\s+│/);
    expect(table.stdout).toMatch(/│ torq-prod\s+│ torq\s+│ Admin\s+│ 2\s+│/);
    expect(table.stdout).toContain('+Owner\\x1b]0;pwned\\x07');
    expect(csv.code).toBe(0);
    expect(csv.stdout.split('\r\n')).toEqual([
      'connector,app,role,accounts',
      "torq-prod,torq,'+Owner\\x1b]0;pwned\\x07,1",
      'torq-prod,torq,Admin,2',
      'torq-prod,torq,r-9,1',
      'torq-prod,torq,,1',
      '',
    ]);
    for (const run of [table, csv]) expect(run.stdout).not.toMatch(RAW_CONTROL);
  });
});

describe.concurrent('a data dir without an inventory', () => {
  for (const command of ['groups', 'roles']) {
    it(`makes ${command} a usage error that creates nothing`, async ({ expect }) => {
      const empty = await bed.tempDir();
      const missing = join(empty, 'absent');
      const run = await runCli([command, '--data-dir', missing, '--format', 'json']);
      expect(run).toMatchObject({ code: 2, stdout: '' });
      expect(run.stderr).toBe(`rollcall: no inventory at ${missing}; run rollcall poll first, or pass --data-dir\n`);
      expect(await readdir(empty)).toEqual([]);
    });
  }
});
