/**
 * `rollcall users` and `rollcall connectors` through a child process, over an inventory of two
 * connectors polled from two simulators that share people (design.md sections 4 and 7).
 *
 * The inventory lives in a DynamoDB table on an endpoint served from this process (`--table
 * --endpoint`, itself a contract point): unlike the embedded store, which one process at a time
 * may open, an endpoint serves the read-only queries side by side.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDynamoClients } from '../../functions/adapters/dynamodb/client.ts';
import { startEmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
import { normaliseEmail } from '../../functions/core/normalise.ts';
import {
  applyChurn,
  generateWorkspace,
  type ChurnSummary,
  type TorqSimulator,
} from '../../simulators/torq/index.ts';
import {
  CHILD_PROCESS_TIMEOUTS,
  TEST_CREDENTIALS,
  createTestbed,
  credentialsEnv,
  parseJsonArray,
  parsePollJson,
  pollArgs,
  runCli,
  type CliRun,
  type PollJson,
} from './support.ts';

interface AccountJson {
  connectorId: string;
  id: string;
  email: string | null;
  emailKey: string | null;
  roleName: string | null;
  status: string | null;
  firstSeenAt: string;
  removedAt: string | null;
}

interface ConnectorJson {
  connectorId: string;
  status: string;
  counts: { total: number };
}

/** One person, spelt with a composed `ë` (U+00EB) in one workspace and a decomposed one (`e` + U+0308) in the other. */
const SHARED_EMAIL_IN_PROD = 'Zo\u00eb.Person@Example.com';
const SHARED_EMAIL_IN_SANDBOX = 'zoe\u0308.person@example.com';
const SHARED_EMAIL_KEY = 'zo\u00eb.person@example.com';

const TABLE = 'rollcall-e2e';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
const env = credentialsEnv(TEST_CREDENTIALS);
let prod: TorqSimulator;
let sandbox: TorqSimulator;
let dataDir: string;
let endpoint: string;
/** The store flags of every command here. */
let store: string[];
/** Between the first polls and the churned poll: only accounts of the churn were first seen after it. */
let betweenPolls: string;
let churn: ChurnSummary;
let churnedPoll: PollJson;
let firstPollRuns: CliRun[];
/** Lower-cased emails of both workspaces before the churn. */
let knownEmails: Set<string | null>;

const users = (...args: string[]) => runCli(['users', ...store, ...args]);
const activeIds = (simulator: TorqSimulator) => simulator.workspace.users.map((user) => user.id);

beforeAll(async () => {
  const prodWorkspace = generateWorkspace({ users: 40, seed: 21 });
  const sandboxWorkspace = generateWorkspace({ users: 25, seed: 22 });
  (prodWorkspace.users[0] as { email: string }).email = SHARED_EMAIL_IN_PROD;
  (sandboxWorkspace.users[0] as { email: string }).email = SHARED_EMAIL_IN_SANDBOX;
  knownEmails = new Set([...prodWorkspace.users, ...sandboxWorkspace.users].map((user) => normaliseEmail(user.email)));
  prod = await bed.simulator({ workspace: prodWorkspace });
  sandbox = await bed.simulator({ workspace: sandboxWorkspace });
  dataDir = await bed.tempDir();
  const dynamo = await startEmbeddedDynamo();
  bed.onCleanup(() => dynamo.close());
  endpoint = dynamo.endpoint;
  store = ['--data-dir', dataDir, '--table', TABLE, '--endpoint', endpoint];

  // One poll after the other, so each sees what the previous one stored. Text output here; the
  // JSON output has its own tests.
  firstPollRuns = [
    await runCli([...pollArgs(prod, dataDir, 'torq-prod'), ...store], env),
    await runCli([...pollArgs(sandbox, dataDir, 'torq-sandbox'), ...store], env),
  ];
  betweenPolls = new Date().toISOString();

  const prodEmails = new Set(prodWorkspace.users.map((user) => normaliseEmail(user.email)));
  const sandboxOnly = sandboxWorkspace.users.find((user) => !prodEmails.has(normaliseEmail(user.email)));
  if (!sandboxOnly) throw new Error('the sandbox workspace has no person unknown to prod');
  churn = applyChurn(prod.workspace, { seed: 5, adds: 3, removals: 2, roleChanges: 2, reuseEmails: [sandboxOnly.email] });
  churnedPoll = parsePollJson(await runCli([...pollArgs(prod, dataDir, 'torq-prod', '--json'), ...store], env));
});

afterAll(() => bed.cleanup());

describe('polls feeding the inventory', () => {
  it('print a summary table on stdout and nothing on stderr when stdout is not a terminal', () => {
    for (const run of firstPollRuns) {
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/: CONNECTED \(completed\)/);
      expect(run.stdout).toMatch(/active .* new .* changed .* removed/);
    }
  });

  it('create the table at the endpoint and use no embedded store', async () => {
    const { client } = createDynamoClients({ endpoint });
    try {
      const described = await client.send(new DescribeTableCommand({ TableName: TABLE }));
      expect(described.Table?.TableStatus).toBe('ACTIVE');
    } finally {
      client.destroy();
    }
    expect(existsSync(join(dataDir, 'dynamodb'))).toBe(false);
  });

  it('count a person known from the other connector as a new association, not a new user', () => {
    const newAccounts = [...churn.added, ...churn.reused];
    expect(churnedPoll.counts).toMatchObject({
      total: prod.workspace.users.length,
      new: newAccounts.length,
      changed: churn.roleChanged.length,
      removed: churn.removed.length,
      newUsers: newAccounts.filter((account) => !knownEmails.has(normaliseEmail(account.email))).length,
      associations: newAccounts.length,
    });
    expect(churnedPoll.counts.newUsers).toBeLessThan(churnedPoll.counts.associations);
  });
});

// Read-only queries against one endpoint: they run side by side.
describe.concurrent('rollcall users and rollcall connectors', () => {
  it('--format csv prints a header row and one line per active account; --new-since 7d covers a fresh inventory', async ({ expect }) => {
    const run = await users('--new-since', '7d', '--format', 'csv');

    expect(run.code).toBe(0);
    const lines = run.stdout.split('\r\n');
    expect(lines[0]).toBe('connector,id,email,name,role,status,state,sso,first seen,last login,removed');
    // Every account was first seen minutes ago; the removed ones stay hidden without --include-removed.
    const ids = lines.slice(1, -1).map((line) => line.split(',')[1]);
    expect(ids.sort()).toEqual([...activeIds(prod), ...activeIds(sandbox)].sort());
    expect(lines.at(-1)).toBe('');
  });

  it('renders a table by default', async ({ expect }) => {
    const run = await users('--connector', 'torq-sandbox');

    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/│ connector\s+│ id\s+│ email\s+│ name\s+│ role\s+│ status/);
    for (const user of sandbox.workspace.users) expect(run.stdout).toContain(user.id);
    expect(run.stdout).not.toContain('torq-prod');
  });

  it('--email finds one person across connectors, whatever the case, surrounding spaces and Unicode composition', async ({ expect }) => {
    const run = await users('--email', '  ZOE\u0308.person@EXAMPLE.com ', '--format', 'json');

    expect(run.code).toBe(0);
    const accounts = parseJsonArray<AccountJson>(run);
    expect(accounts.map((account) => [account.connectorId, account.email]).sort()).toEqual([
      ['torq-prod', SHARED_EMAIL_IN_PROD],
      ['torq-sandbox', SHARED_EMAIL_IN_SANDBOX],
    ]);
    expect(new Set(accounts.map((account) => account.emailKey))).toEqual(new Set([SHARED_EMAIL_KEY]));
  });

  it('--new-since with an ISO time returns exactly the accounts first seen after it, and none for a future time', async ({ expect }) => {
    const [since, future] = await Promise.all([
      users('--new-since', betweenPolls, '--format', 'json'),
      users('--new-since', new Date(Date.now() + 86_400_000).toISOString(), '--format', 'json'),
    ]);

    expect(since.code).toBe(0);
    expect(parseJsonArray<AccountJson>(since).map((account) => account.id).sort()).toEqual(
      [...churn.added, ...churn.reused].map((account) => account.id).sort(),
    );
    expect(future.code).toBe(0);
    expect(parseJsonArray(future)).toEqual([]);
  });

  it('--new-users keeps only people never seen in any connector, not a known person new to this app', async ({ expect }) => {
    const [people, withoutSince] = await Promise.all([
      users('--new-since', betweenPolls, '--new-users', '--format', 'json'),
      users('--new-users'),
    ]);
    expect(people.code).toBe(0);
    expect(parseJsonArray<AccountJson>(people).map((account) => account.id).sort()).toEqual(churn.added.map((account) => account.id).sort());
    expect(withoutSince.code).toBe(2);
    expect(withoutSince.stderr).toMatch(/--new-users needs --new-since/);
  });

  it('--format json with --include-removed lists the connector\'s accounts with their fields, removed ones with when they went', async ({ expect }) => {
    const run = await users('--include-removed', '--connector', 'torq-prod', '--new-since', '2000-01-01', '--format', 'json');

    expect(run.code).toBe(0);
    const accounts = parseJsonArray<AccountJson>(run);
    for (const account of accounts) {
      expect(account).toEqual(
        expect.objectContaining({
          connectorId: 'torq-prod',
          id: expect.any(String),
          email: expect.stringContaining('@'),
          roleName: expect.any(String),
          status: expect.any(String),
          firstSeenAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        }),
      );
    }
    const removed = accounts.filter((account) => account.removedAt !== null);
    expect(removed.map((account) => account.id).sort()).toEqual(churn.removed.map((account) => account.id).sort());
    for (const account of removed) expect(Date.parse(account.removedAt ?? '')).toBeGreaterThan(Date.parse(betweenPolls));
    expect(accounts.filter((account) => account.removedAt === null).map((account) => account.id).sort()).toEqual(
      activeIds(prod).sort(),
    );
  });

  it('connectors --format json lists each connector with its status and counts; the default is a table', async ({ expect }) => {
    const [json, table] = await Promise.all([runCli(['connectors', ...store, '--format', 'json']), runCli(['connectors', ...store])]);

    expect(json.code).toBe(0);
    const connectors = parseJsonArray<ConnectorJson>(json);
    expect(connectors).toEqual([
      expect.objectContaining({ connectorId: 'torq-prod', status: 'CONNECTED', counts: expect.objectContaining({ total: prod.workspace.users.length }) }),
      expect.objectContaining({ connectorId: 'torq-sandbox', status: 'CONNECTED', counts: expect.objectContaining({ total: sandbox.workspace.users.length }) }),
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/│ connector\s+│ app\s+│ status/);
    expect(table.stdout).toMatch(/│ torq-prod\s+│ torq\s+│ CONNECTED/);
    expect(table.stdout).toMatch(/│ torq-sandbox\s+│ torq\s+│ CONNECTED/);
  });
});
