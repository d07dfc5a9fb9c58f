/** `rollcall demo`, what `npm start` runs (design.md sections 1 and 7): no flags, no account, exit 0. */
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
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
  });
});
