/**
 * `rollcall simulate --app twingate` as its own process: it prints the network's `--api-url` and
 * the poll command with the key it accepts; `rollcall poll --app twingate`, another process,
 * inventories it as printed; a fault flag breaks it; a Twingate flag is refused for Torq; SIGTERM
 * stops it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TWINGATE_SIMULATOR_DEFAULT_API_KEY, TWINGATE_SIMULATOR_DEFAULT_READ_ONLY_KEY } from '../../simulators/twingate/cli.ts';
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

  it('--read-only-key and --enforce-write-limit: the printed read-only key polls but cannot grant; mutations beyond the limit, --throttle-writes and --group-update-not-ok answer as Twingate does', async () => {
    const simulate = bed.startCli([
      'simulate', '--app', 'twingate', '--users', '12', '--groups', '3', '--large-group', '2', '--seed', '4',
      '--read-only-key', '--enforce-write-limit', '3', '--throttle-writes', '1:2', '--group-update-not-ok', '1',
    ]);
    const { apiUrl, pollArgs } = await printed(simulate);
    const banner = await simulate.waitForStdout(/^read-only key: /m);
    expect(banner).toContain('write limit: 3 mutations per minute per API key');
    expect(banner).toContain(`read-only key: ${TWINGATE_SIMULATOR_DEFAULT_READ_ONLY_KEY} (reads; grant and revoke answer "the API key does not allow writes")`);

    // Through the CLI: the read-only key polls, and a grant with it is refused (exit 2) without a mutation reaching the limit.
    const dataDir = await bed.tempDir();
    const readOnly = { TWINGATE_API_KEY: TWINGATE_SIMULATOR_DEFAULT_READ_ONLY_KEY };
    const polled = await runCli([...pollArgs, '--data-dir', dataDir, '--max-requests-per-minute', '60', '--json'], readOnly);
    expect(polled.code).toBe(0);
    const graphql = async (apiKey: string, query: string, variables: Record<string, unknown> = {}) => {
      const response = await fetch(apiUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': apiKey }, body: JSON.stringify({ query, variables }) });
      return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as { data?: Record<string, unknown> } };
    };
    const listed = await graphql(TWINGATE_SIMULATOR_DEFAULT_API_KEY, '{ groups(first: 50) { edges { node { id type } } } users(first: 50) { edges { node { id } } } }');
    const groups = (listed.body.data?.groups as { edges: { node: { id: string; type: string } }[] }).edges.map((edge) => edge.node);
    // A group created in Twingate (MANUAL), and users outside it: each mutation below is a real change.
    const manual = groups.find((group) => group.type === 'MANUAL');
    if (manual === undefined) throw new Error('seed 4 has no MANUAL group');
    const members = await graphql(TWINGATE_SIMULATOR_DEFAULT_API_KEY, 'query($id: ID!) { group(id: $id) { users(first: 50) { edges { node { id } } } } }', { id: manual.id });
    const memberIds = new Set((members.body.data?.group as { users: { edges: { node: { id: string } }[] } }).users.edges.map((edge) => edge.node.id));
    const userIds = (listed.body.data?.users as { edges: { node: { id: string } }[] }).edges.map((edge) => edge.node.id).filter((id) => !memberIds.has(id));
    expect(userIds.length).toBeGreaterThanOrEqual(4);
    const granted = await runCli(['grant', ...pollArgs.slice(1), '--data-dir', dataDir, '--group-id', manual.id, '--account', userIds[0] as string, '--yes'], readOnly);
    expect(granted.code).toBe(2);
    expect(granted.stderr).toContain('the API key does not allow writes (groupUpdate answered HTTP 403)');

    const mutation = 'mutation($id: ID!, $add: [ID]) { groupUpdate(id: $id, addedUserIds: $add) { ok error } }';
    const update = (apiKey: string, userId: string) => graphql(apiKey, mutation, { id: manual.id, add: [userId] });
    expect(await update(TWINGATE_SIMULATOR_DEFAULT_READ_ONLY_KEY, userIds[0] as string)).toMatchObject({ status: 403 });
    const answers = [];
    for (const userId of userIds.slice(0, 4)) answers.push(await update(TWINGATE_SIMULATOR_DEFAULT_API_KEY, userId));
    expect(answers.map((answer) => [answer.status, answer.retryAfter, answer.status === 200 ? answer.body.data?.groupUpdate : null])).toEqual([
      [429, '2', null],
      [200, null, { ok: false, error: 'Something went wrong' }],
      [200, null, { ok: true, error: null }],
      [429, expect.stringMatching(/^\d+$/), null],
    ]);
    // Reads have their own budget: still answered.
    expect((await graphql(TWINGATE_SIMULATOR_DEFAULT_READ_ONLY_KEY, '{ users(first: 1) { edges { node { id } } } }')).status).toBe(200);

    simulate.child.kill('SIGTERM');
    expect((await simulate.exited).code).toBe(0);
  });

  it('refuses a Twingate fault flag for the Torq simulator, naming the app that takes it', async () => {
    const run = await runCli(['simulate', '--app', 'torq', '--reject-key']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--reject-key is an option of simulate --app twingate, not of --app torq');
    expect(run.stdout).toBe('');
  });
});
