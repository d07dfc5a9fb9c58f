/**
 * Crash tests: a real `rollcall poll` child process is killed with SIGKILL at several points of a
 * first poll of 5,000 users (during the listing, right after the first slice's events went out,
 * while a later slice is being written), then the same command runs again on the same data dir.
 * Afterwards the inventory equals the workspace, every person has an identity record (`users
 * --new-users` lists every account), the event ids equal those of a clean run on a fresh data dir
 * (de-duplicated; SyncCompleted carries its run's id and is left out), and nothing is locked.
 *
 * Kill points come from observable progress, never from sleeping: pages the simulator served, and
 * whole lines in events.jsonl (the first slice of 2,000 accounts publishes 4,000 events, and then
 * writes before the next slice publishes anything).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, vi } from 'vitest';
import { generateWorkspace, type TorqSimulator } from '../../simulators/torq/index.ts';
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

vi.setConfig({ ...CHILD_PROCESS_TIMEOUTS, testTimeout: 120_000 });
const bed = createTestbed();
afterAll(() => bed.cleanup());

const USERS = 5_000;
const env = credentialsEnv(TEST_CREDENTIALS);
let cleanIds: Set<string>;

/** The same seeded workspace every time: the same people, so the same event ids. */
function simulatorOfTheWorkspace(): Promise<TorqSimulator> {
  return bed.simulator({ workspace: generateWorkspace({ users: USERS, seed: 21 }), latencyMs: 20 });
}

interface EventLine {
  id: string;
  detailType: string;
}

/** Event ids of the events file, de-duplicated; SyncCompleted is per run by design. */
async function eventIds(dataDir: string): Promise<Set<string>> {
  const text = await readFile(join(dataDir, 'events.jsonl'), 'utf8');
  const ids = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const event = JSON.parse(line) as EventLine;
    if (event.detailType !== 'SyncCompleted') ids.add(event.id);
  }
  return ids;
}

/** Whole lines in events.jsonl, once its last line is complete (0 while it is absent or mid-append). */
async function completeEventLines(dataDir: string): Promise<number> {
  const file = join(dataDir, 'events.jsonl');
  const size = await stat(file).then((s) => s.size, () => 0);
  if (size === 0) return 0;
  const text = await readFile(file, 'utf8');
  if (!text.endsWith('\n')) return 0;
  let lines = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines += 1;
  return lines;
}

async function until(condition: () => Promise<boolean> | boolean, what: string): Promise<void> {
  await vi.waitFor(
    async () => {
      if (!(await condition())) throw new Error(`still waiting for ${what}`);
    },
    { timeout: 90_000, interval: 15 },
  );
}

type KillPoint = { name: string; reached: (dataDir: string, simulator: TorqSimulator) => Promise<boolean> | boolean };

const KILL_POINTS: KillPoint[] = [
  { name: 'during the listing (a third of the pages served)', reached: (_dir, simulator) => simulator.stats().dataRequests >= 17 },
  { name: "right after the first slice's events went out, before or while it is written", reached: async (dir) => (await completeEventLines(dir)) >= 1 },
  { name: 'while the second slice is being written', reached: async (dir) => (await completeEventLines(dir)) > 4_000 },
];

beforeAll(async () => {
  const simulator = await simulatorOfTheWorkspace();
  const cleanDir = await bed.tempDir('rollcall-clean-');
  const clean = await runCli(pollArgs(simulator, cleanDir, 'torq-main', '--json'), env);
  if (clean.code !== 0) throw new Error(`the clean poll failed: ${clean.stderr}`);
  cleanIds = await eventIds(cleanDir);
}, 120_000);

// One kill point at a time: on two cores, side by side is no faster. Each has its own simulator and data dir.
describe('rollcall poll killed with SIGKILL, then run again', () => {
  it.for(KILL_POINTS)('$name: nothing lost, nothing doubled, nothing locked', async ({ reached }, { expect }) => {
    expect(cleanIds.size).toBe(2 * USERS);
    const dataDir = await bed.tempDir('rollcall-crash-');
    const simulator = await simulatorOfTheWorkspace();
    const args = pollArgs(simulator, dataDir, 'torq-main', '--json');

    const doomed = bed.startCli(args, env);
    await until(() => reached(dataDir, simulator), 'the kill point');
    doomed.child.kill('SIGKILL');
    const killed = await doomed.exited;
    expect(killed.signal).toBe('SIGKILL');

    // The re-run takes over the dead poll's lease at once (same host, its pid gone), and says so.
    const rerun = await runCli(args, env);
    expect(rerun.stderr).toMatch(/^\{"level":40,.*"msg":"lease of a poll that is gone taken over"\}\n$/);
    expect(rerun.code).toBe(0);
    expect(parsePollJson(rerun)).toMatchObject({ outcome: 'completed', status: 'CONNECTED', counts: { total: USERS, removed: 0 } });

    // Every account whose person has an identity record first seen today: with the poll's total of
    // USERS active accounts, this is the whole workspace, and every person has their record.
    const newUsers = parseJsonArray<{ id: string }>(
      await runCli(['users', '--new-since', '7d', '--new-users', '--data-dir', dataDir, '--format', 'json']),
    );
    expect(newUsers.map((user) => user.id).sort()).toEqual(simulator.workspace.users.map((user) => user.id).sort());

    expect(await eventIds(dataDir)).toEqual(cleanIds);

    const unlock = await runCli(['unlock', '--connector', 'torq-main', '--data-dir', dataDir]);
    expect(unlock.stdout).toBe('torq-main: no lease is held; nothing to unlock.\n');
  });
});
