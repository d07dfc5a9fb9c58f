/**
 * Interrupted polls through child processes: SIGINT and SIGTERM end `rollcall poll` cleanly (lease
 * released, one line, exit 130/143), the signal sent once the simulator has served some pages,
 * never after a sleep. `rollcall unlock` and `reconnect` refuse a live lease, naming its holder and
 * expiry, and `unlock --force` breaks it. (Polls killed with SIGKILL: crash.slow.test.ts.)
 */
import { afterAll, describe, it, vi } from 'vitest';
import { generateWorkspace, type TorqSimulator } from '../../simulators/torq/index.ts';
import { thisProcess } from '../../cli/lease-holder.ts';
import { withInventory } from '../../cli/runtime.ts';
import {
  CHILD_PROCESS_TIMEOUTS,
  TEST_CREDENTIALS,
  createTestbed,
  credentialsEnv,
  parseJsonArray,
  parsePollJson,
  pollArgs,
  runCli,
} from './support.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
afterAll(() => bed.cleanup());

const env = credentialsEnv(TEST_CREDENTIALS);

/** Resolves once the simulator has served `pages` data requests (the child is listing). */
async function servedPages(simulator: TorqSimulator, pages: number): Promise<void> {
  await vi.waitFor(
    () => {
      if (simulator.stats().dataRequests < pages) throw new Error(`served ${simulator.stats().dataRequests} of ${pages} pages`);
    },
    { timeout: 45_000, interval: 10 },
  );
}

/** Two listings of 10 pages at 100 ms each: long enough to be caught in the middle. */
function slowSimulator() {
  return bed.simulator({ workspace: generateWorkspace({ users: 1_000, seed: 5 }), latencyMs: 100 });
}

describe.concurrent('an interrupted rollcall poll', () => {
  it.for([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('on %s stops listing, records the run as interrupted, releases the lease and exits %i', async ([signal, code], { expect }) => {
    const simulator = await slowSimulator();
    const dataDir = await bed.tempDir();
    const args = pollArgs(simulator, dataDir, 'torq-main', '--json');
    const poll = bed.startCli(args, env);
    await servedPages(simulator, 3);
    poll.child.kill(signal);
    const run = await poll.exited;

    expect(run.code).toBe(code);
    expect(run.stderr).toBe(`interrupted by ${signal}: lease released, nothing removed\n`);
    expect(parsePollJson(run)).toMatchObject({ outcome: 'interrupted', counts: { new: 0, removed: 0 } });

    const runs = await runCli(['runs', '--connector', 'torq-main', '--data-dir', dataDir, '--format', 'json']);
    expect(parseJsonArray<{ outcome: string }>(runs)[0]).toMatchObject({ outcome: 'interrupted' });
    // Nothing holds the connector: the next poll runs to the end at once.
    const next = await runCli(args, env);
    expect(next.code).toBe(0);
    expect(parsePollJson(next).counts).toMatchObject({ total: 1_000, new: 1_000, newUsers: 1_000 });
  });
});

describe('rollcall unlock on a live lease', () => {
  it('refuses a lease whose process is alive unless forced, then breaks exactly that lease', async ({ expect }) => {
    const dataDir = await bed.tempDir();
    // The lease of a live process on this host (this test's parent process), on the real embedded store.
    const holder = { ...thisProcess(), pid: process.ppid };
    await withInventory({ dataDir }, async (inventory) => {
      await inventory.store.acquireLease({ connectorId: 'torq-main', app: 'torq', owner: 'run-live', holder, now: new Date().toISOString(), nowMs: Date.now(), leaseMs: 16 * 60_000 });
    }, { create: true });
    const store = ['--connector', 'torq-main', '--data-dir', dataDir];

    const refused = await runCli(['unlock', ...store]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(new RegExp(`held by run run-live, pid ${process.ppid} on host \\S+, lease until \\d{4}-.*may still be running.*--force`));
    const reconnect = await runCli(['reconnect', ...store]);
    expect(reconnect.code).toBe(4);
    expect(reconnect.stderr).toMatch(new RegExp(`being synced by another poll \\(run run-live, pid ${process.ppid} on host`));

    const forced = await runCli(['unlock', ...store, '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(new RegExp(`torq-main: lease broken \\(forced\\): run run-live, pid ${process.ppid} on host`));
    const state = await withInventory({ dataDir }, (inventory) => inventory.store.getConnector('torq-main'));
    expect(state).toMatchObject({ leaseOwner: null, leaseHolder: null, identitiesVerified: false });
    expect(state?.status).not.toBe('SYNCING');
  });
});
