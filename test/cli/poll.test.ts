/**
 * `rollcall poll --json` through a child process (design.md section 7): the one JSON object, its
 * exact counts against a simulated workspace, and the exit codes of a completed, a transient and
 * a malformed run.
 */
import { afterAll, describe, it, vi } from 'vitest';
import { applyChurn, generateWorkspace } from '../../simulators/torq/index.ts';
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
// The tests of this file run side by side: resources are released once all of them are done.
afterAll(() => bed.cleanup());

const env = credentialsEnv(TEST_CREDENTIALS);

describe.concurrent('rollcall poll --json', () => {
  it('reports exact counts for a first poll, an unchanged poll and a churned workspace, and keeps the inventory through a persistent 429', async ({ expect }) => {
    const simulator = await bed.simulator({ workspace: generateWorkspace({ users: 120, seed: 3 }) });
    const dataDir = await bed.tempDir();
    const args = pollArgs(simulator, dataDir, 'torq-main', '--json');

    const first = await runCli(args, env);
    expect(first.code).toBe(0);
    // stdout is a pipe here, not a TTY: no progress counter, and at the default log level nothing else either.
    expect(first.stderr).toBe('');
    const firstJson = parsePollJson(first);
    expect(firstJson).toMatchObject({ connectorId: 'torq-main', status: 'CONNECTED', outcome: 'completed' });
    expect(typeof firstJson.durationMs).toBe('number');
    expect(firstJson.durationMs).toBeGreaterThanOrEqual(0);
    expect(firstJson.counts).toMatchObject({ total: 120, new: 120, changed: 0, removed: 0, newUsers: 120, associations: 120, invalid: 0 });

    const unchanged = await runCli(args, env);
    expect(unchanged.code).toBe(0);
    expect(parsePollJson(unchanged).counts).toMatchObject({
      total: 120,
      new: 0,
      changed: 0,
      removed: 0,
      newUsers: 0,
      associations: 0,
      invalid: 0,
    });

    const churn = applyChurn(simulator.workspace, { seed: 9, adds: 5, removals: 4, roleChanges: 3, emailCaseChanges: 2 });
    const churned = await runCli(args, env);
    expect(churned.code).toBe(0);
    expect(parsePollJson(churned).counts).toMatchObject({
      total: 120 - churn.removed.length + churn.added.length,
      new: churn.added.length,
      // A case-only email change is the same person: not a change.
      changed: churn.roleChanged.length,
      removed: churn.removed.length,
      newUsers: churn.added.length,
      associations: churn.added.length,
      invalid: 0,
    });

    simulator.setFaults({ rateLimit: { count: 1000, retryAfterSeconds: 0 } });
    simulator.resetStats();
    const limited = await runCli(args, env);
    expect(limited.code).toBe(4);
    expect(parsePollJson(limited)).toMatchObject({ connectorId: 'torq-main', status: 'ERROR', error: expect.stringMatching(/HTTP 429/) });
    // The 429s were retried, not taken for an empty page.
    expect(simulator.stats().dataRequests).toBeGreaterThan(1);

    const users = await runCli(['users', '--connector', 'torq-main', '--data-dir', dataDir, '--format', 'json']);
    expect(users.code).toBe(0);
    const ids = parseJsonArray<{ id: string; removedAt: string | null }>(users).map((account) => account.id);
    expect(ids.sort()).toEqual(simulator.workspace.users.map((user) => user.id).sort());
  });

  it('paces its API calls at --max-requests-per-second, below a rate limit the default pace would exceed', async ({ expect }) => {
    // 600 users: 3 local pages, 4 SSO pages and the roles, 8 data calls. At the default 50/s they go
    // out within 160 ms and a limit of 5 per second answers 429; at 4/s no second holds more than 5.
    const simulator = await bed.simulator({ workspace: generateWorkspace({ users: 600, seed: 3 }), rateLimitPerSecond: 5 });
    const dataDir = await bed.tempDir();

    const run = await runCli(pollArgs(simulator, dataDir, 'torq-shared-key', '--json', '--max-requests-per-second', '4'), env);

    expect(run.code).toBe(0);
    expect(parsePollJson(run)).toMatchObject({ status: 'CONNECTED', outcome: 'completed', counts: { total: 600 } });
    expect(simulator.stats().dataRequests).toBe(8);
  });

  it('exits 1 with status ERROR when a page is malformed', async ({ expect }) => {
    const simulator = await bed.simulator({ faults: { malformedPage: { listing: 'sso', page: 1 } } });
    const dataDir = await bed.tempDir();

    const run = await runCli(pollArgs(simulator, dataDir, 'torq-malformed', '--json'), env);

    expect(run.code).toBe(1);
    const result = parsePollJson(run);
    expect(result).toMatchObject({ connectorId: 'torq-malformed', status: 'ERROR' });
    expect(result.error).toEqual(expect.any(String));
  });
});
