/**
 * `rollcall insights` and `rollcall review` through a child process, over an inventory in a
 * DynamoDB table on an endpoint served from this process (`--table --endpoint`): one connector
 * polled from the Torq simulator, one (an app with groups and no last logins) seeded through the
 * store with hostile values in it (formula-looking names and emails).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.ts';
import { createDynamoClients } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import { startEmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
import type { Insights, ReviewRow } from '../../functions/core/read-model.ts';
import { ZERO_COUNTS } from '../../functions/core/types.ts';
import { generateWorkspace, type TorqSimulator } from '../../simulators/torq/index.ts';
import { account, identity } from '../adapters/fixture.ts';
import { group, membership } from '../adapters/store-contract.ts';
import { CHILD_PROCESS_TIMEOUTS, TEST_CREDENTIALS, createTestbed, credentialsEnv, pollArgs, runCli } from './support.ts';

const TABLE = 'rollcall-insights';
const DAY = 86_400_000;

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
let store: string[];
let torq: TorqSimulator;
/** Seeded relative to the test's start: whole days stay whole while the test runs. */
const started = Date.now();
const daysAgo = (days: number) => new Date(started - days * DAY).toISOString();

/** The seeded app's people: one a formula, one a command, one gone from the Torq workspace but active here. */
const FORMULA_NAME = '=HYPERLINK("http://evil.example","click")';
const COMMAND_EMAIL = '+cmd@evil.example';
const DASH_EMAIL = '-2+3@evil.example';

beforeAll(async () => {
  const workspace = generateWorkspace({ users: 30, seed: 41, now: new Date(started) });
  torq = await bed.simulator({ workspace });
  const dataDir = await bed.tempDir();
  const dynamo = await startEmbeddedDynamo();
  bed.onCleanup(() => dynamo.close());
  store = ['--data-dir', dataDir, '--table', TABLE, '--endpoint', dynamo.endpoint];
  const poll = await runCli([...pollArgs(torq, dataDir, 'torq-main'), ...store], credentialsEnv(TEST_CREDENTIALS));
  expect(poll.code).toBe(0);

  // The Twingate-like connector: groups, no last logins; one of its people left Torq (removed there).
  const clients = createDynamoClients({ endpoint: dynamo.endpoint });
  bed.onCleanup(async () => clients.client.destroy());
  await ensureTable(clients.client, TABLE);
  const inventory = new DynamoInventoryStore(clients.documentClient, TABLE);
  const leaver = workspace.users[0];
  if (leaver === undefined) throw new Error('the workspace has no users');
  const tg = [
    account('tg-main', 'VXNlcjox', { email: leaver.email, app: 'twingate', roleName: 'ADMIN', firstSeenAt: daysAgo(100) }),
    account('tg-main', 'VXNlcjoy', { email: COMMAND_EMAIL, name: FORMULA_NAME, app: 'twingate', roleName: 'MEMBER', firstSeenAt: daysAgo(100) }),
    account('tg-main', 'VXNlcjoz', { email: DASH_EMAIL, app: 'twingate', roleName: '@SUM(A1:A9)', state: 'disabled', firstSeenAt: daysAgo(100) }),
  ];
  await inventory.putConnector({
    connectorId: 'tg-main',
    app: 'twingate',
    status: 'CONNECTED',
    previousStatus: null,
    statusChangedAt: daysAgo(1),
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
  });
  await inventory.applyWrites('tg-main', {
    putAccounts: tg,
    removeAccounts: [],
    putIdentities: tg.slice(1).map((a) => identity(a.emailKey ?? '', a.firstSeenAt, 'tg-main')),
    putGroups: [group('tg-main', 'g1', { name: 'Engineering' }), group('tg-main', 'g2', { name: 'Admins, EU' })],
    putMemberships: [membership('tg-main', 'g1', 'VXNlcjox'), membership('tg-main', 'g2', 'VXNlcjox'), membership('tg-main', 'g1', 'VXNlcjoy')],
  });
  // The leaver's Torq account is removed by the next poll.
  workspace.users.splice(0, 1);
  const second = await runCli([...pollArgs(torq, dataDir, 'torq-main'), ...store], credentialsEnv(TEST_CREDENTIALS));
  expect(second.code).toBe(0);
});

afterAll(() => bed.cleanup());

describe.concurrent('rollcall review', () => {
  it('exports every present account of a connector as CSV by default, one row each, sorted by email', async ({ expect }) => {
    const run = await runCli(['review', '--connector', 'torq-main', ...store]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\r\n');
    expect(lines[0]).toBe('connector,app,account id,email,name,role,groups,state,status,last login,first seen');
    const rows = lines.slice(1, -1);
    expect(rows).toHaveLength(torq.workspace.users.length);
    const emails = rows.map((line) => line.split(',')[3] ?? '');
    expect(emails).toEqual([...emails].sort());
    expect(new Set(emails)).toEqual(new Set(torq.workspace.users.map((user) => user.email.toLowerCase())));
  });

  it('neutralises formula cells and quotes commas in CSV, and says when the app reports no logins', async ({ expect }) => {
    const run = await runCli(['review', '--connector', 'tg-main', '--format', 'csv', ...store]);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\r\n').slice(1, -1);
    expect(lines).toHaveLength(3);
    const [command, dash, leaver] = lines;
    expect(command).toContain(`'${COMMAND_EMAIL}`);
    expect(command).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(dash).toContain(`'${DASH_EMAIL}`);
    expect(dash).toContain("'@SUM(A1:A9)");
    expect(leaver).toContain('"Admins, EU; Engineering"');
    for (const line of lines) expect(line).toContain('not reported by the app');
    // No cell of any line starts with a formula character.
    for (const line of lines) expect(line.split(',').filter((cell) => /^[=+\-@]/.test(cell))).toEqual([]);
  });

  it('prints JSON rows with the exact values, and refuses an unknown connector with exit 2', async ({ expect }) => {
    const run = await runCli(['review', '--connector', 'tg-main', '--format', 'json', ...store]);
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as ReviewRow[];
    expect(rows.map((row) => [row.email, row.name, row.groups, row.lastLoginAt, row.lastLoginReported])).toEqual([
      [COMMAND_EMAIL, FORMULA_NAME, ['Engineering'], null, false],
      [DASH_EMAIL, null, [], null, false],
      [expect.any(String), null, ['Admins, EU', 'Engineering'], null, false],
    ]);
    const unknown = await runCli(['review', '--connector', 'nope', ...store]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no connector nope/);
  });
});

describe.concurrent('rollcall insights', () => {
  it('reports as JSON what the inventory shows: logins judged only in Torq, the leaver as an offboarding gap, admins, states', async ({ expect }) => {
    const run = await runCli(['insights', '--days', '30', '--format', 'json', ...store]);
    expect(run.code).toBe(0);
    const insights = JSON.parse(run.stdout) as Insights;
    expect(insights.coverage.map((c) => [c.connectorId, c.reportsLastLogin])).toEqual([
      ['tg-main', false],
      ['torq-main', true],
    ]);
    expect(insights.dormant.every((a) => a.connectorId === 'torq-main')).toBe(true);
    // What the simulator says: active users whose last login is older than 30 days (or who never logged in).
    const cutoff = started - 30 * DAY;
    const expectedDormant = torq.workspace.users.filter(
      (user) => user.status === 'VERIFIED' && (user.last_login_time === undefined ? false : Date.parse(user.last_login_time) < cutoff),
    );
    expect(expectedDormant.length).toBeGreaterThan(0);
    expect(insights.dormant.filter((a) => a.daysSinceLogin !== null).map((a) => a.accountId).sort()).toEqual(
      expectedDormant.map((user) => user.id).sort(),
    );
    expect(insights.offboardingGaps).toHaveLength(1);
    expect(insights.offboardingGaps[0]?.offboarded.map((a) => a.connectorId)).toEqual(['torq-main']);
    expect(insights.offboardingGaps[0]?.stillActive.map((a) => a.accountId)).toEqual(['VXNlcjox']);
    expect(insights.adminsPerApp.find((a) => a.connectorId === 'tg-main')?.admins.map((a) => a.accountId)).toEqual(['VXNlcjox']);
  });

  it('prints a summary and one CSV row per finding, saying which app reports no logins', async ({ expect }) => {
    const csv = await runCli(['insights', '--format', 'csv', ...store]);
    expect(csv.code).toBe(0);
    const lines = csv.stdout.split('\r\n');
    expect(lines[0]).toBe('insight,connector,app,account id,email,name,role,state,detail');
    expect(lines[1]).toMatch(/^last-login-not-reported,tg-main,twingate,,,,,,the app reports no last login/);
    expect(lines.filter((line) => line.startsWith('offboarding-gap,tg-main'))).toHaveLength(1);
    expect(lines.some((line) => line.includes(`"'=HYPERLINK(`))).toBe(false);

    const table = await runCli(['insights', '--days', '30', '--pending-days', '5', ...store]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^No login for more than 30 days: \d+ \(not judged in tg-main: the app reports no last login\)$/m);
    expect(table.stdout).toMatch(/^Invitations pending for more than 5 days: \d+$/m);
    expect(table.stdout).toMatch(/^Offboarding gaps \(removed or disabled in one app, active in another\): 1$/m);
  });

  it('refuses bad thresholds with a usage error', async ({ expect }) => {
    const run = await runCli(['insights', '--days', 'ten', ...store]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/whole number of days/);
  });
});
