/** `rollcall demo`, what `npm start` runs (design.md sections 1 and 7): no flags, no account, exit 0. */
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { processAlive, readDiscovery, SERVER_LOG_FILE } from '../../cli/store/discovery.ts';
import { CHILD_PROCESS_TIMEOUTS, createTestbed, runCli } from './support.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
afterEach(() => bed.cleanup());

describe('rollcall demo', () => {
  it('polls, churns, loses and regains its credentials, and exits 0', async () => {
    const run = await runCli(['demo']);
    // The demo keeps its inventory in a new temporary directory and says where.
    const storeDir = /Inventory: embedded store in (\S+);/.exec(run.stdout)?.[1];
    if (storeDir !== undefined) bed.onCleanup(() => rm(storeDir, { recursive: true, force: true }));

    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(storeDir?.startsWith(tmpdir())).toBe(true);
    expect(run.stdout).toContain('RECONNECT_REQUIRED');
    expect(run.stdout).toMatch(/torq-prod: CONNECTED \(completed\)/);
    expect(run.stdout).toMatch(/requests to Torq: 0\./);
    expect(run.stdout).toContain('rollcall reconnect --connector torq-prod');
    // The demo's store server stops with the demo.
    const pids = [...(await readFile(join(storeDir ?? '', SERVER_LOG_FILE), 'utf8')).matchAll(/pid (\d+) serving/g)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(1);
    await vi.waitFor(() => expect(processAlive(pids[0] ?? 0)).toBe(false), { timeout: 10_000, interval: 50 });
    expect(await readDiscovery(storeDir ?? '')).toBeNull();
  });
});
