/**
 * `rollcall demo`, what `npm start` runs (design.md sections 1 and 7): no flags, no account, exit
 * 0; a Torq workspace and a Twingate network that share people, their changes across apps, and
 * none of the simulators' credentials in what it prints or records.
 */
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEMO_SECRETS } from '../../cli/commands/demo.ts';
import { processAlive, readDiscovery, SERVER_LOG_FILE } from '../../cli/store/discovery.ts';
import { CHILD_PROCESS_TIMEOUTS, createTestbed, runCli } from './support.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
afterEach(() => bed.cleanup());

describe('rollcall demo', () => {
  it('polls both apps, churns, loses and regains its credentials, and exits 0', async () => {
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

    // Both apps, each polled to completion, in the connectors table too.
    expect(run.stdout).toMatch(/tg-acme: CONNECTED \(completed\)/);
    expect(run.stdout).toMatch(/│ tg-acme\s+│ twingate\s+│ CONNECTED /);
    expect(run.stdout).toMatch(/│ torq-prod\s+│ torq\s+│ CONNECTED /);

    // Cross-app identity: Twingate's first poll, 30 accounts of which 18 people Torq already had:
    // 30 new accounts, 12 new users, 30 associations with Twingate.
    expect(run.stdout).toMatch(/tg-acme: CONNECTED \(completed\)[^\n]*\n[^\n]*\n[^\n]*\n[^\n]*\n│ 30\s+│ 30\s+│ 0\s+│ 0\s+│ 0\s+│ 12\s+│ 30\s+│ 0\s+│/);
    const associated = [...run.stdout.matchAll(/│ new association │ tg-acme\s+│ (\S+)\s+│ known from another app/g)].map((m) => m[1]);
    expect(associated.length).toBeGreaterThanOrEqual(5);
    const newUsers = new Set([...run.stdout.matchAll(/│ new user\s+│ \S+\s+│ (\S+)\s+│/g)].map((m) => m[1]));
    for (const email of associated) expect(newUsers.has(email)).toBe(false);

    // Group changes are access granted and revoked, with the group's name; a state change shows beside the status.
    expect(run.stdout).toMatch(/│ access granted\s+│ tg-acme\s+│ \S+@\S+\s+│ joined group [A-Z]/);
    expect(run.stdout).toMatch(/│ access revoked\s+│ tg-acme\s+│ \S+@\S+\s+│ left group [A-Z]/);
    expect(run.stdout).toMatch(/│ changed\s+│ tg-acme\s+│ \S+@\S+\s+│ status ACTIVE -> DISABLED, state active -> disabled/);
    expect(run.stdout).toMatch(/│ tg-acme\s+│ \S+@\S+\s+│ MEMBER\s+│ DISABLED\s+│ disabled\s+│/);
    // The SCIM provider: 12 accounts, 8 of them Torq people (4 new users, 12 associations), in the
    // connectors table; unchanged at its second poll.
    expect(run.stdout).toMatch(/torque: CONNECTED \(completed\)[^\n]*\n[^\n]*\n[^\n]*\n[^\n]*\n│ 12\s+│ 12\s+│ 0\s+│ 0\s+│ 0\s+│ 4\s+│ 12\s+│ 0\s+│/);
    expect(run.stdout).toMatch(/│ torque\s+│ scim\s+│ CONNECTED /);
    expect(run.stdout).toMatch(/│ new user\s+│ torque\s+│ \S+@\S+\s+│ no role in this app/);
    expect(run.stdout).toMatch(/torque: CONNECTED \(completed\)[^\n]*\n[^\n]*\n[^\n]*\n[^\n]*\n│ 12\s+│ 0\s+│ 0\s+│ 0\s+│ 0\s+│ 0\s+│ 0\s+│ 0\s+│/);
    // Twingate's groups as `rollcall groups` shows them, the implicit Everyone among them.
    expect(run.stdout).toMatch(/│ tg-acme\s+│ \S+\s+│ Everyone\s+│ SYSTEM\s+│ true\s+│ 30\s+│/);

    // No credential of the simulators in the output, nor in the events the demo recorded.
    const events = await readFile(join(storeDir ?? '', 'events.jsonl'), 'utf8');
    expect(events).toContain('"AccessRevoked"');
    for (const secret of Object.values(DEMO_SECRETS)) {
      expect(run.stdout).not.toContain(secret);
      expect(events).not.toContain(secret);
    }
    // The demo's store server stops with the demo.
    const pids = [...(await readFile(join(storeDir ?? '', SERVER_LOG_FILE), 'utf8')).matchAll(/pid (\d+) serving/g)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(1);
    await vi.waitFor(() => expect(processAlive(pids[0] ?? 0)).toBe(false), { timeout: 10_000, interval: 50 });
    expect(await readDiscovery(storeDir ?? '')).toBeNull();
  });
});
