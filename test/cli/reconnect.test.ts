/**
 * RECONNECT_REQUIRED through the CLI (design.md sections 5 and 7): exit 3, no further calls with
 * the rejected credentials, `rollcall reconnect`, and recovery. A 403 (`--forbid-users`) is in
 * simulate.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
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
const bed = createTestbed();
afterEach(() => bed.cleanup());

const env = credentialsEnv(TEST_CREDENTIALS);

describe('rollcall poll when credentials stop working', () => {
  it('exits 3, then skips the API until `rollcall reconnect`, then recovers to CONNECTED', async () => {
    const simulator = await bed.simulator({ faults: { rejectCredentials: true } });
    const dataDir = await bed.tempDir();
    const args = pollArgs(simulator, dataDir, 'torq-revoked', '--json');

    const rejected = await runCli(args, env);
    expect(rejected.code).toBe(3);
    expect(parsePollJson(rejected)).toMatchObject({ connectorId: 'torq-revoked', status: 'RECONNECT_REQUIRED' });
    expect(simulator.stats().tokenRequests).toBeGreaterThan(0);

    simulator.resetStats();
    const skipped = await runCli(args, env);
    expect(skipped.code).toBe(3);
    expect(parsePollJson(skipped)).toMatchObject({ status: 'RECONNECT_REQUIRED', outcome: 'skipped' });
    expect(simulator.stats()).toEqual({ tokenRequests: 0, dataRequests: 0, byRoute: {} });

    simulator.clearFaults();
    const reconnect = await runCli(['reconnect', '--connector', 'torq-revoked', '--data-dir', dataDir]);
    expect(reconnect.code).toBe(0);
    expect(reconnect.stdout).toMatch(/torq-revoked: the next poll will try the credentials again/);

    const recovered = await runCli(args, env);
    expect(recovered.code).toBe(0);
    expect(parsePollJson(recovered)).toMatchObject({
      status: 'CONNECTED',
      outcome: 'completed',
      counts: { total: simulator.workspace.users.length, new: simulator.workspace.users.length },
    });

    // The history keeps the runs that reached the API (a skipped poll writes nothing), newest first.
    const runs = await runCli(['runs', '--connector', 'torq-revoked', '--data-dir', dataDir, '--format', 'json']);
    expect(runs.code).toBe(0);
    const history = JSON.parse(runs.stdout) as { outcome: string; status: string; counts: { new: number } }[];
    expect(history.map((run) => [run.outcome, run.status])).toEqual([
      ['completed', 'CONNECTED'],
      ['reconnect-required', 'RECONNECT_REQUIRED'],
    ]);
    expect(history[1]?.counts.new).toBe(0);
  });
});
