/**
 * `rollcall watch` as a user runs it: a child process polling a local fleet (Torq and Twingate
 * simulators on loopback, an embedded store) with credentials from a credentials file and from
 * per-connector variables, one line per poll, a connector without credentials failing alone, a
 * connector added while it runs, and SIGINT stopping it cleanly: exit 130, the running poll
 * interrupted with its lease released, the process gone.
 */
import { afterAll, describe, it, vi } from 'vitest';
import { generateWorkspace } from '../../simulators/torq/index.ts';
import { generateTwingateWorkspace, startTwingateSimulator } from '../../simulators/twingate/index.ts';
import type { WatchPollReport } from '../../functions/core/watch-loop.ts';
import { defineConnectors, writeCredentialsFile } from './fleet-support.ts';
import { CHILD_PROCESS_TIMEOUTS, createTestbed, parseJsonArray, runCli } from './support.ts';

vi.setConfig({ ...CHILD_PROCESS_TIMEOUTS, testTimeout: 120_000 });
const bed = createTestbed();
afterAll(() => bed.cleanup());

const TORQ_SECRET = 'watch-torq-CANARY-0e4f2a';
const SLOW_SECRET = 'watch-slow-CANARY-93bd11';
const TWINGATE_KEY = 'watch-tg-CANARY-5c7e60';

type Line = WatchPollReport & { at: string };

function lines(stdout: string): Line[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Line);
}

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

describe('rollcall watch', () => {
  it('polls the fleet on schedule, survives a connector without credentials, and stops cleanly on SIGINT', async ({ expect }) => {
    const torqWorkspace = generateWorkspace({ users: 40, seed: 11 });
    const torq = await bed.simulator({ workspace: torqWorkspace, credentials: { clientId: 'watch-client', clientSecret: TORQ_SECRET } });
    // Slow enough that its poll is still listing when SIGINT comes: 3,000 users at 100 per page, 150 ms a page.
    const slow = await bed.simulator({
      workspace: generateWorkspace({ users: 3_000, seed: 12 }),
      credentials: { clientId: 'slow-client', clientSecret: SLOW_SECRET },
      latencyMs: 150,
    });
    const tgWorkspace = generateTwingateWorkspace({ users: 15, groups: 1, seed: 13 });
    const twingate = await startTwingateSimulator({ workspace: tgWorkspace, apiKey: TWINGATE_KEY });
    bed.onCleanup(() => twingate.close());

    const dataDir = await bed.tempDir();
    await defineConnectors(dataDir, [
      { connectorId: 'eu-torq', app: 'torq', config: { apiUrl: torq.apiUrl, authUrl: torq.authUrl }, schedule: 'rate(1 minute)' },
      { connectorId: 'tg', app: 'twingate', config: { network: 'acme', apiUrl: twingate.apiUrl, requestsPerMinute: 60 } },
      { connectorId: 'no-creds', app: 'torq', config: { apiUrl: torq.apiUrl, authUrl: torq.authUrl } },
    ]);
    await writeCredentialsFile(dataDir, {
      'eu-torq': { clientId: 'watch-client', clientSecret: TORQ_SECRET },
      'slow-torq': { clientId: 'slow-client', clientSecret: SLOW_SECRET },
    });

    const watch = bed.startCli(['watch', '--data-dir', dataDir, '--concurrency', '2', '--json'], {
      ROLLCALL_TG_TWINGATE_API_KEY: TWINGATE_KEY,
      // Plain variables are not used by watch: this one must not reach no-creds.
      TORQ_CLIENT_ID: 'watch-client',
      TORQ_CLIENT_SECRET: TORQ_SECRET,
    });
    await watch.waitForStdout(/"connectorId":"eu-torq"/, /"connectorId":"tg"/, /"connectorId":"no-creds"/);

    // Added while it runs, as `rollcall connectors add` would: picked up at the next look (at most 15 s).
    await defineConnectors(dataDir, [{ connectorId: 'slow-torq', app: 'torq', config: { apiUrl: slow.apiUrl, authUrl: slow.authUrl } }]);
    await vi.waitFor(
      () => {
        if (slow.stats().dataRequests < 2) throw new Error('slow-torq not listing yet');
      },
      { timeout: 60_000, interval: 50 },
    );
    watch.child.kill('SIGINT');
    const run = await watch.exited;

    expect(run.code).toBe(130);
    // slow-torq's poll, and possibly eu-torq's next one (due every minute) if SIGINT lands while it runs.
    const stopped = /stopped by SIGINT: \d+ polls, \d+ not completed \((\d+) interrupted: leases released, nothing removed\)\n$/.exec(run.stderr);
    expect(stopped).not.toBeNull();
    expect(Number(stopped?.[1])).toBeGreaterThanOrEqual(1);
    const polls = lines(run.stdout);
    const first = (id: string) => polls.find((line) => line.connectorId === id);
    expect(first('eu-torq')).toMatchObject({ app: 'torq', outcome: 'completed', status: 'CONNECTED', counts: { total: 40 }, errorKind: null });
    expect(first('tg')).toMatchObject({ app: 'twingate', outcome: 'completed', counts: { total: 15 } });
    expect(first('no-creds')).toMatchObject({ outcome: 'failed', errorKind: 'config', status: null });
    expect(first('no-creds')?.error).toContain('ROLLCALL_NO_CREDS_TORQ_CLIENT_ID');
    expect(polls.filter((line) => line.connectorId === 'slow-torq')).toEqual([expect.objectContaining({ outcome: 'interrupted' })]);
    expect(polls.filter((line) => line.outcome === 'interrupted')).toHaveLength(Number(stopped?.[1]));

    // Ids and counts only: no secret and no email anywhere in the output.
    const output = run.stdout + run.stderr;
    for (const secret of [TORQ_SECRET, SLOW_SECRET, TWINGATE_KEY]) expect(output).not.toContain(secret);
    for (const email of [...torqWorkspace.users.map((user) => user.email), ...tgWorkspace.users.map((user) => user.email)]) {
      if (email) expect(output).not.toContain(email);
    }

    // Stopped: the process is gone, and no lease is left behind.
    expect(processGone(watch.child.pid as number)).toBe(true);
    const connectors = parseJsonArray<{ connectorId: string; status: string }>(await runCli(['connectors', '--data-dir', dataDir, '--format', 'json']));
    expect(connectors.find((connector) => connector.connectorId === 'slow-torq')?.status).not.toBe('SYNCING');
    for (const id of ['eu-torq', 'tg', 'slow-torq']) {
      const unlock = await runCli(['unlock', '--connector', id, '--data-dir', dataDir]);
      expect(unlock.stdout).toBe(`${id}: no lease is held; nothing to unlock.\n`);
    }
  });

  it('exits 130, leaving no process, when Ctrl-C comes twice', async ({ expect }) => {
    const slow = await bed.simulator({ workspace: generateWorkspace({ users: 3_000, seed: 14 }), credentials: { clientId: 'slow-client', clientSecret: SLOW_SECRET }, latencyMs: 400 });
    const dataDir = await bed.tempDir();
    await defineConnectors(dataDir, [{ connectorId: 'slow-torq', app: 'torq', config: { apiUrl: slow.apiUrl, authUrl: slow.authUrl } }]);
    await writeCredentialsFile(dataDir, { 'slow-torq': { clientId: 'slow-client', clientSecret: SLOW_SECRET } });
    const watch = bed.startCli(['watch', '--data-dir', dataDir]);
    await vi.waitFor(
      () => {
        if (slow.stats().dataRequests < 1) throw new Error('not listing yet');
      },
      { timeout: 60_000, interval: 50 },
    );
    watch.child.kill('SIGINT');
    // Two signals sent back to back may reach the process as one: the second follows the first one's notice.
    await vi.waitFor(
      () => {
        if (!watch.stderr().includes('SIGINT: stopping')) throw new Error('no notice yet');
      },
      { timeout: 30_000, interval: 10 },
    );
    watch.child.kill('SIGINT');
    const run = await watch.exited;
    expect(run.code).toBe(130);
    expect(processGone(watch.child.pid as number)).toBe(true);
  });
});
