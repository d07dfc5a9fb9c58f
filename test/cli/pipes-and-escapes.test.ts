/**
 * Output that meets the real world, through child processes: a reader that goes away early
 * (`| head -1`), escape sequences planted in API data, and an events file torn by a crash.
 *
 * The inventory is a table on an endpoint served from this process (`--table --endpoint`), so the
 * queries run side by side.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, vi } from 'vitest';
import { readEventsFile } from '../../functions/adapters/jsonl-event-sink.ts';
import { startEmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
import { generateWorkspace, type TorqSimulator } from '../../simulators/torq/index.ts';
import {
  CHILD_PROCESS_TIMEOUTS,
  CLI_ENTRY,
  REPO_ROOT,
  TEST_CREDENTIALS,
  createTestbed,
  credentialsEnv,
  parseJsonArray,
  pollArgs,
  runCli,
  type CliRun,
} from './support.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
afterAll(() => bed.cleanup());
const env = credentialsEnv(TEST_CREDENTIALS);

/** Raw control characters a terminal may act on (CR/LF of CSV lines and the table's own newlines excepted). */
const RAW_CONTROL = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const HOSTILE_EMAIL = 'evil\u001b[2J\u001b]0;owned\u0007@example.com';
const HOSTILE_ROLE = 'Owner\u001b[31m\u009b2J\u202egnp.exe';
const HOSTILE_ID = 'bad\u001b[5mid';

let simulator: TorqSimulator;
let dataDir: string;
let firstPoll: CliRun;
/** The store flags of every command here. */
let store: string[];

beforeAll(async () => {
  const workspace = generateWorkspace({ users: 30, seed: 5 });
  const role = workspace.roles[0];
  if (role === undefined) throw new Error('the generated workspace has no roles');
  role.name = HOSTILE_ROLE;
  const [first, second] = workspace.users;
  if (first === undefined || second === undefined) throw new Error('the generated workspace has too few users');
  first.email = HOSTILE_EMAIL;
  first.role_id = role.id;
  // A record the connector rejects, whose id the poll's text output reports.
  Object.assign(second, { id: HOSTILE_ID, status: 42 });
  simulator = await bed.simulator({ workspace });
  dataDir = await bed.tempDir();
  const dynamo = await startEmbeddedDynamo();
  bed.onCleanup(() => dynamo.close());
  store = ['--table', 'rollcall-escapes', '--endpoint', dynamo.endpoint];
  firstPoll = await runCli([...pollArgs(simulator, dataDir, 'hostile'), ...store], env);
});

/** Runs `rollcall <args>` with its stdout closed before it writes anything, as `| head -0` would. */
function runWithClosedStdout(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

describe.concurrent('a reader that goes away', () => {
  for (const format of ['table', 'csv', 'json']) {
    it(`ends users --format ${format} quietly with exit 0, like a Unix tool (EPIPE)`, async ({ expect }) => {
      expect(firstPoll.code).toBe(0);
      const run = await runWithClosedStdout(['users', ...store, '--format', format]);
      expect(run).toEqual({ code: 0, stderr: '' });
    });
  }
});

describe.concurrent('escape sequences in API data', () => {
  it('are shown as visible escapes in the poll text output', ({ expect }) => {
    expect(firstPoll.code).toBe(0);
    expect(firstPoll.stdout).not.toMatch(RAW_CONTROL);
    expect(firstPoll.stdout).toContain('invalid record bad\\x1b[5mid');
  });

  it('are shown as visible escapes in users tables and CSV, and kept exact in JSON', async ({ expect }) => {
    const [table, csv, json] = await Promise.all(
      ['table', 'csv', 'json'].map((format) => runCli(['users', ...store, '--format', format])),
    );
    for (const run of [table, csv]) {
      expect(run?.code).toBe(0);
      expect(run?.stdout).not.toMatch(RAW_CONTROL);
      expect(run?.stdout).toContain('evil\\x1b[2J\\x1b]0;owned\\x07@example.com');
      expect(run?.stdout).toContain('Owner\\x1b[31m\\x9b2J\\u202egnp.exe');
    }
    expect(json?.stdout).not.toMatch(RAW_CONTROL);
    const accounts = parseJsonArray<{ email: string | null; roleName: string | null }>(json as CliRun);
    expect(accounts.find((account) => account.email === HOSTILE_EMAIL)?.roleName).toBe(HOSTILE_ROLE);
  });
});

describe('an events file torn by a crash mid-append', () => {
  it('is repaired by the next poll: its events start on a fresh line, and readers skip the torn one', async ({ expect }) => {
    const file = join(dataDir, 'events.jsonl');
    const before = await readEventsFile(file);
    expect(before.tornLines).toBe(0);
    const torn = '{"id":"torn-by-kill-9","detailType":"UserDisc';
    await writeFile(file, `${await readFile(file, 'utf8')}${torn}`, 'utf8');

    const again = await runCli([...pollArgs(simulator, dataDir, 'hostile'), ...store], env);
    expect(again.code).toBe(0);
    const text = await readFile(file, 'utf8');
    expect(text).toContain(`${torn}\n{`);
    const after = await readEventsFile(file);
    expect(after.tornLines).toBe(1);
    // The unchanged poll's events (its anomaly about the invalid record, its SyncCompleted) arrived whole, after the torn line.
    expect(after.events.slice(before.events.length).map((event) => event.detailType)).toEqual(['SyncAnomaly', 'SyncCompleted']);
  });
});
