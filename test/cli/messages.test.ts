/**
 * Messages that name their cause, through child processes: held removals with the flag that
 * applies them, an empty listing that is not a success, a recovery that says so, `runs` and
 * `reconnect` alike on an unknown connector, a port in use, dates out of range, and help that
 * states the credential variables and exit codes.
 *
 * Each poll has its own inventory table on an endpoint served from this process, so the tests
 * run side by side.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, it, vi } from 'vitest';
import { startEmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
import { applyChurn, generateWorkspace } from '../../simulators/torq/index.ts';
import {
  CHILD_PROCESS_TIMEOUTS,
  TEST_CREDENTIALS,
  createTestbed,
  credentialsEnv,
  parsePollJson,
  pollArgs,
  runCli,
} from './support.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
/** The poll tests chain two or three polls each, side by side: on a busy 2-core machine that can outlast one child's share. */
const CHAINED_POLLS_TIMEOUT = 2 * CHILD_PROCESS_TIMEOUTS.testTimeout;
const bed = createTestbed();
afterAll(() => bed.cleanup());
const env = credentialsEnv(TEST_CREDENTIALS);

let endpoint: string;
let dataDir: string;
const storeFor = (table: string) => ['--table', table, '--endpoint', endpoint];

beforeAll(async () => {
  const dynamo = await startEmbeddedDynamo();
  bed.onCleanup(() => dynamo.close());
  endpoint = dynamo.endpoint;
  dataDir = await bed.tempDir();
});

describe.concurrent('poll messages', () => {
  it('held removals say how many of how many, the share, and the --max-removal-share that applies them', async ({ expect }) => {
    const simulator = await bed.simulator({ workspace: generateWorkspace({ users: 20, seed: 31 }) });
    const args = [...pollArgs(simulator, dataDir, 'mass'), ...storeFor('rollcall-mass')];
    expect((await runCli(args, env)).code).toBe(0);
    applyChurn(simulator.workspace, { seed: 2, removals: 12 });

    const held = await runCli(args, env);
    expect(held.code).toBe(0);
    expect(held.stdout).toContain('anomaly MASS_REMOVAL_HELD: 12 of 20 active accounts (60 %) would be removed, above the 50 % safety share');
    expect(held.stdout).toContain('apply the removals: poll again with --max-removal-share 0.6 (now 12 of 20)');

    // The suggested share is exactly enough.
    const applied = parsePollJson(await runCli([...args, '--max-removal-share', '0.6', '--json'], env));
    expect(applied.counts).toMatchObject({ total: 8, removed: 12 });
    expect(applied.anomalies).toEqual([]);
  }, CHAINED_POLLS_TIMEOUT);

  it('an empty listing is not a completed sync: exit 1, and the text says what happened', async ({ expect }) => {
    const simulator = await bed.simulator({ workspace: generateWorkspace({ users: 0, seed: 32 }) });
    const args = [...pollArgs(simulator, dataDir, 'empty'), ...storeFor('rollcall-empty')];
    const text = await runCli(args, env);
    expect(text.code).toBe(1);
    expect(text.stdout).not.toContain('completed');
    expect(text.stdout).toMatch(/^empty: CONNECTED \(empty listing: nothing removed, not counted as a successful sync\)/);
    expect(text.stdout).toContain('anomaly EMPTY_LISTING: the listing returned no accounts');

    const json = await runCli([...args, '--json'], env);
    expect(json.code).toBe(1);
    expect(parsePollJson(json).anomalies).toEqual(['EMPTY_LISTING']);
  }, CHAINED_POLLS_TIMEOUT);

  it('a poll that recovers from RECONNECT_REQUIRED says ConnectorRecovered', async ({ expect }) => {
    const simulator = await bed.simulator({ workspace: generateWorkspace({ users: 10, seed: 33 }) });
    const args = [...pollArgs(simulator, dataDir, 'recovering'), ...storeFor('rollcall-recover')];
    const rejected = await runCli(args, credentialsEnv({ clientId: TEST_CREDENTIALS.clientId, clientSecret: 'a-revoked-secret' }));
    expect(rejected.code).toBe(3);
    expect(rejected.stdout).not.toContain('ConnectorRecovered');

    // New credentials (a new fingerprint) make the next poll try again.
    const recovered = await runCli(args, env);
    expect(recovered.code).toBe(0);
    expect(recovered.stdout).toMatch(/^recovering: CONNECTED \(completed\)/);
    expect(recovered.stdout).toContain('ConnectorRecovered: the credentials work again');

  }, CHAINED_POLLS_TIMEOUT);

  it('runs on an unknown connector is a usage error, as reconnect is', async ({ expect }) => {
    const store = storeFor('rollcall-unknown');
    const [runs, reconnect] = await Promise.all([
      runCli(['runs', '--connector', 'no-such-connector', ...store]),
      runCli(['reconnect', '--connector', 'no-such-connector', ...store]),
    ]);
    expect(reconnect.code).toBe(2);
    expect(runs.code).toBe(2);
    expect(runs.stderr).toBe(reconnect.stderr);
    expect(runs.stderr).toMatch(/^rollcall: no connector 'no-such-connector' in the DynamoDB table rollcall-unknown/);
    expect(runs.stdout).toBe('');
  });
});

describe.concurrent('usage errors', () => {
  let busy: Server;
  let busyPort: number;

  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const address = busy.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    busyPort = address.port;
    bed.onCleanup(() => new Promise<void>((resolve) => busy.close(() => resolve())));
  });

  it('simulate on a port in use exits 2 and names the port', async ({ expect }) => {
    const run = await runCli(['simulate', '--port', String(busyPort)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`rollcall: port ${busyPort} is in use: choose another --port, or --port 0 for any free one\n`);
  });

  for (const [since, message] of [
    ['999999999d', /'999999999d' ago is out of range: the date must fall between the years 0001 and 9999/],
    ['0000-01-01', /0000-01-01 is out of range/],
    ['275760-09-13', /275760-09-13 is out of range/],
    ['2026-02-30', /2026-02-30 is not a calendar date/],
    ['2026-11-01T24:00', /is not a valid time of day/],
  ] as const) {
    it(`users --new-since ${since} exits 2 with a reason`, async ({ expect }) => {
      const run = await runCli(['users', '--new-since', since, ...storeFor('rollcall-since')]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe('');
    });
  }

  it('poll --help names the credential variables, the exit codes, the defaults and the required flag', async ({ expect }) => {
    const run = await runCli(['poll', '--help']);
    expect(run.code).toBe(0);
    // Commander wraps option descriptions at the terminal's width.
    const help = run.stdout.replace(/\s+/g, ' ');
    expect(help).toContain('TORQ_CLIENT_ID and TORQ_CLIENT_SECRET');
    expect(help).toContain('--connector <id> (required)');
    expect(help).toContain('(default: 0.5)');
    expect(help).toContain('(default: ".rollcall")');
    expect(help).toContain('default: "us")');
    for (const code of ['0  completed', '1  anything else', '2  bad usage', '3  RECONNECT_REQUIRED', '4  transient failure']) {
      expect(run.stdout).toContain(code);
    }
  });

  it('every required option is marked in its command\'s help', async ({ expect }) => {
    const helps = await Promise.all(['runs', 'reconnect'].map((command) => runCli([command, '--help'])));
    for (const help of helps) expect(help.stdout.replace(/\s+/g, ' ')).toContain('--connector <id> (required)');
  });
});
