/**
 * `rollcall simulate --app twingate` as its own process: it prints the network's `--api-url` and
 * the poll command with the key it accepts; `rollcall poll --app twingate`, another process,
 * inventories it as printed; a fault flag breaks it; a Twingate flag is refused for Torq; SIGTERM
 * stops it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TWINGATE_SIMULATOR_DEFAULT_API_KEY } from '../../simulators/twingate/cli.ts';
import { CHILD_PROCESS_TIMEOUTS, createTestbed, parsePollJson, runCli, type CliProcess } from './support.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
afterEach(() => bed.cleanup());

const API_URL = /^api-url:\s+(\S+)$/m;
const POLL_LINE = /^\s+npx rollcall (poll .*)$/m;

async function printed(simulate: CliProcess): Promise<{ apiUrl: string; pollArgs: string[] }> {
  const output = await simulate.waitForStdout(API_URL, POLL_LINE);
  return { apiUrl: API_URL.exec(output)?.[1] ?? '', pollArgs: (POLL_LINE.exec(output)?.[1] ?? '').split(' ') };
}

describe('rollcall simulate --app twingate', () => {
  it('serves a network that the printed poll command inventories with the printed key; fault flags make it 401 or errors[]; SIGTERM stops each', async () => {
    const [healthy, rejecting, erring] = [
      bed.startCli(['simulate', '--app', 'twingate', '--users', '12', '--groups', '2', '--large-group', '8', '--network', 'demo-net']),
      bed.startCli(['simulate', '--app', 'twingate', '--users', '3', '--reject-key']),
      bed.startCli(['simulate', '--app', 'twingate', '--users', '3', '--graphql-errors', '1', '--partial-data']),
    ];
    const [healthyPrinted, rejectingPrinted, erringPrinted] = await Promise.all([printed(healthy), printed(rejecting), printed(erring)]);
    expect(healthyPrinted.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/graphql\/$/);
    expect(healthy.stdout()).toContain('Twingate simulator: network demo-net, 12 users, 2 groups and Everyone (seed 1)');
    expect(healthy.stdout()).toContain(`export TWINGATE_API_KEY=${TWINGATE_SIMULATOR_DEFAULT_API_KEY}`);
    expect(healthyPrinted.pollArgs).toEqual(['poll', '--connector', 'tg', '--app', 'twingate', '--network', 'demo-net', '--api-url', healthyPrinted.apiUrl]);

    const [dataDir, otherDataDir, thirdDataDir] = await Promise.all([bed.tempDir(), bed.tempDir(), bed.tempDir()]);
    const env = { TWINGATE_API_KEY: TWINGATE_SIMULATOR_DEFAULT_API_KEY };
    const fast = ['--max-requests-per-minute', '60', '--json'];
    const [healthyPoll, rejectedPoll, failedPoll] = await Promise.all([
      runCli([...healthyPrinted.pollArgs, '--data-dir', dataDir, ...fast], env),
      runCli([...rejectingPrinted.pollArgs, '--data-dir', otherDataDir, ...fast], env),
      runCli([...erringPrinted.pollArgs, '--data-dir', thirdDataDir, ...fast], env),
    ]);

    expect(healthyPoll.code).toBe(0);
    const counts = parsePollJson(healthyPoll).counts;
    expect(counts).toMatchObject({ total: 12, new: 12, newUsers: 12, invalid: 0, accessRevoked: 0 });
    // The large group's 8 members, and at least that many grants in all.
    expect(counts.accessGranted).toBeGreaterThanOrEqual(8);
    expect(rejectedPoll.code).toBe(3);
    expect(parsePollJson(rejectedPoll)).toMatchObject({ status: 'RECONNECT_REQUIRED' });
    expect(failedPoll.code).toBe(4);
    expect(parsePollJson(failedPoll)).toMatchObject({ status: 'ERROR', error: expect.stringMatching(/GraphQL error.*with partial data/) });

    const running = [healthy, rejecting, erring];
    for (const simulate of running) simulate.child.kill('SIGTERM');
    const stopped = await Promise.all(running.map((simulate) => simulate.exited));
    for (const run of stopped) expect({ code: run.code, signal: run.signal, stderr: run.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  });

  it('accepts the key of TWINGATE_API_KEY instead of the default, and never prints it', async () => {
    const key = 'tg-simulate-canary-5b21';
    const simulate = bed.startCli(['simulate', '--app', 'twingate', '--users', '2', '--groups', '1'], { TWINGATE_API_KEY: key });
    const { pollArgs } = await printed(simulate);
    expect(simulate.stdout()).toContain('(with the TWINGATE_API_KEY of this shell)');
    expect(simulate.stdout()).not.toContain(key);

    const dataDir = await bed.tempDir();
    const [withDefault, withKey] = [
      await runCli([...pollArgs, '--data-dir', dataDir, '--json'], { TWINGATE_API_KEY: TWINGATE_SIMULATOR_DEFAULT_API_KEY }),
      await runCli([...pollArgs, '--connector', 'tg-2', '--data-dir', dataDir, '--max-requests-per-minute', '60', '--json'], { TWINGATE_API_KEY: key }),
    ];
    expect(withDefault.code).toBe(3);
    expect(withKey.code).toBe(0);
    expect(parsePollJson(withKey).counts).toMatchObject({ total: 2 });
  });

  it('refuses a Twingate fault flag for the Torq simulator, naming the app that takes it', async () => {
    const run = await runCli(['simulate', '--app', 'torq', '--reject-key']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--reject-key is an option of simulate --app twingate, not of --app torq');
    expect(run.stdout).toBe('');
  });
});
