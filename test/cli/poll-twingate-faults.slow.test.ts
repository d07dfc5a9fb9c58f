/**
 * `rollcall poll --app twingate` through the rest of the simulator's fault matrix, as a user runs
 * it (child processes, the CLI's own embedded store). Slow: the CLI paces requests at Twingate's
 * 60 a minute and its retries wait as they would against Twingate (a 429's `Retry-After`, a 5xx's
 * backoff), so these polls take seconds each. The 429 without `Retry-After` (a 60 s wait) is
 * proven on fake time in the connector's own tests.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  applyTwingateChurn,
  generateTwingateWorkspace,
  startTwingateSimulator,
  type TwingateSimulator,
} from '../../simulators/twingate/index.ts';
import { CHILD_PROCESS_TIMEOUTS, createTestbed, parseJsonArray, parsePollJson, runCli, type CliRun } from './support.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
afterEach(() => bed.cleanup());

const API_KEY = 'tgk-cli-faults-2c94';
const USERS = 14;

async function simulator(): Promise<TwingateSimulator> {
  const started = await startTwingateSimulator({
    workspace: generateTwingateWorkspace({ users: USERS, groups: 2, largeGroupMembers: 9, seed: 31 }),
    apiKey: API_KEY,
  });
  bed.onCleanup(() => started.close());
  return started;
}

function poll(sim: TwingateSimulator, dataDir: string, ...extra: string[]): Promise<CliRun> {
  return runCli(
    ['poll', '--connector', 'tg', '--app', 'twingate', '--network', 'acme', '--api-url', sim.apiUrl, '--max-requests-per-minute', '60', '--data-dir', dataDir, '--json', ...extra],
    { TWINGATE_API_KEY: API_KEY },
  );
}

describe('rollcall poll --app twingate through the fault matrix', () => {
  it('waits out a 429 with Retry-After and retries a 503, then completes', async () => {
    const sim = await simulator();
    const dataDir = await bed.tempDir();
    sim.setFaults({ rateLimit: { count: 1, retryAfter: 1 }, serverErrors: { count: 1 } });

    const run = await poll(sim, dataDir);

    expect(run.code).toBe(0);
    expect(parsePollJson(run).counts).toMatchObject({ total: USERS, new: USERS });
    expect(sim.stats().byStatus).toMatchObject({ 429: 1, 503: 1 });
  });

  it('follows pages clamped below the asked size to the last user and member', async () => {
    const sim = await simulator();
    const dataDir = await bed.tempDir();
    sim.setFaults({ clampPageSize: 4 });

    const run = await poll(sim, dataDir, '--page-size', '10');

    expect(run.code).toBe(0);
    const memberships = sim.workspace.groups.filter((group) => group.type !== 'SYSTEM').reduce((sum, group) => sum + group.memberIds.length, 0);
    expect(parsePollJson(run).counts).toMatchObject({ total: USERS, new: USERS, accessGranted: memberships });
    // Four users a page: more requests than the two an unclamped poll of this network makes.
    expect(sim.stats().requests).toBeGreaterThan(4);
  });

  it('keys accounts on id when emails are null, and stores them without one', async () => {
    const sim = await simulator();
    const dataDir = await bed.tempDir();
    sim.setFaults({ nullEmails: 2 });

    const run = await poll(sim, dataDir);

    expect(run.code).toBe(0);
    expect(parsePollJson(run).counts).toMatchObject({ total: USERS, new: USERS });
    const users = parseJsonArray<{ id: string; email: string | null }>(await runCli(['users', '--data-dir', dataDir, '--format', 'json']));
    expect(users).toHaveLength(USERS);
    expect(users.filter((user) => user.email === null).map((user) => user.id).sort()).toEqual(sim.workspace.users.slice(0, 2).map((user) => user.id).sort());
  });

  it('stops at a repeated cursor instead of looping, and removes nobody', async () => {
    const sim = await simulator();
    const dataDir = await bed.tempDir();
    expect((await poll(sim, dataDir)).code).toBe(0);
    applyTwingateChurn(sim.workspace, { seed: 3, removals: 2 });
    sim.setFaults({ repeatCursor: true });

    const run = await poll(sim, dataDir, '--page-size', '5');

    expect(run.code).not.toBe(0);
    const json = parsePollJson(run);
    expect(json.outcome).not.toBe('completed');
    expect(json.counts.removed).toBe(0);
    expect(json.error).toMatch(/repeated a page token/);
    const users = parseJsonArray<{ removedAt: string | null }>(await runCli(['users', '--data-dir', dataDir, '--format', 'json']));
    expect(users.filter((user) => user.removedAt === null)).toHaveLength(USERS);
  });
});
