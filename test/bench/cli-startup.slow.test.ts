/**
 * The benchmark's CLI start-up section (bench/lib/cli-startup.ts) on one run of each command:
 * both paths of bin/rollcall.mjs start, the poll completes, and the target reads the bundle's
 * figure. Never a wall-clock limit: the target's verdict is `npm run bench`'s business.
 */
import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it, vi } from 'vitest';
import { BUSY_MACHINE_NODE_MS, HELP_STARTUP_LIMIT_MS, helpStartupTarget, measureCliStartup, type StartupMeasurement } from '../../bench/lib/cli-startup.ts';

describe('CLI start-up measurement', () => {
  it('times --help and a poll through the bundle and through tsx, and checks --help against the target', async () => {
    const startup = await measureCliStartup({ runs: 1, users: 20 });
    if (startup.status !== 'measured') throw new Error(`not measured: ${startup.reason}`);

    expect(startup.runs).toBe(1);
    expect(startup.checkMs).toBeGreaterThan(0);
    expect(startup.nodeMs).toBeGreaterThan(0);
    for (const row of [startup.help, startup.poll]) {
      expect(row.bundleRunsMs).toHaveLength(1);
      expect(row.sourceRunsMs).toHaveLength(1);
      expect(row.bundleMs).toBe(row.bundleRunsMs[0]);
      expect(row.ratio).toBeCloseTo(row.sourceMs / row.bundleMs, 1);
    }
    expect(startup.poll.command).toContain('20 users');

    // The timed poll started a store server for its data dir: it must not outlive the measurement.
    await vi.waitFor(async () => expect(await processesMentioning('rollcall-bench-startup-')).toEqual([]), { timeout: 10_000, interval: 100 });

    const target = helpStartupTarget(startup);
    expect(target).toMatchObject({ id: 'cli-help-startup', value: startup.help.bundleMs, limit: HELP_STARTUP_LIMIT_MS, unit: 'ms' });
    const verdict = startup.help.bundleMs < HELP_STARTUP_LIMIT_MS ? 'PASS' : 'FAIL';
    expect(target.status).toBe(startup.nodeMs > BUSY_MACHINE_NODE_MS ? 'n/a' : verdict);
  }, 120_000);

  it('judges --help against 500 ms on a machine with time to spare, and reads n/a on a saturated one', () => {
    const measured = (nodeMs: number, bundleMs: number): StartupMeasurement => {
      const row = { command: 'rollcall --help', bundleMs, sourceMs: 3 * bundleMs, ratio: 3, bundleRunsMs: [bundleMs], sourceRunsMs: [3 * bundleMs] };
      return { status: 'measured', runs: 1, rebuilt: false, checkMs: 2, nodeMs, help: row, poll: row };
    };

    expect(helpStartupTarget(measured(70, 130)).status).toBe('PASS');
    expect(helpStartupTarget(measured(70, 600)).status).toBe('FAIL');
    expect(helpStartupTarget(measured(BUSY_MACHINE_NODE_MS + 1, 600))).toMatchObject({
      status: 'n/a',
      value: 600,
      detail: expect.stringContaining('too busy to judge start-up'),
    });
  });

  it('reports the target as n/a when start-up was not measured', () => {
    expect(helpStartupTarget({ status: 'n/a', reason: 'skipped (--no-startup)' })).toMatchObject({
      id: 'cli-help-startup',
      value: null,
      status: 'n/a',
      detail: 'skipped (--no-startup)',
    });
  });
});

/** Pids of live processes whose command line contains `text` (Linux /proc, as on every machine of this project). */
async function processesMentioning(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const commandLine = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (commandLine.includes(text)) pids.push(Number(entry));
  }
  return pids;
}
