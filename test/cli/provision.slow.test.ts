/**
 * `rollcall grant` and `rollcall revoke` end to end through child processes, against the Twingate
 * simulator (its `groupUpdate`, a read-only key, write faults) and a table on dynalite after a
 * real poll: the dry run, a change read back, recorded and audited, idempotence, every refusal
 * with its exit code, and the next poll finding nothing to change. No output carries a key.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
import { generateTwingateWorkspace, startTwingateSimulator, type TwingateGroupRecord, type TwingateSimulator } from '../../simulators/twingate/index.ts';
import { CHILD_PROCESS_TIMEOUTS, CLI_ENTRY, createTestbed, parsePollJson, REPO_ROOT, runCli, STORE_IDLE_MS, type CliRun } from './support.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
afterAll(() => bed.cleanup());

const API_KEY = 'tg-provision-canary-4f1e9a';
const READ_ONLY_KEY = 'tg-provision-readonly-canary-b27c';
const env = { TWINGATE_API_KEY: API_KEY };

let simulator: TwingateSimulator;
let dataDir: string;
let store: string[];
const runs: CliRun[] = [];

const appFlags = () => ['--connector', 'tg', '--app', 'twingate', '--network', 'acme', '--api-url', simulator.apiUrl, '--page-size', '50', '--max-requests-per-minute', '60'];

async function cli(args: string[], childEnv: Record<string, string> = env): Promise<CliRun> {
  const run = await runCli([...args, ...store], childEnv);
  runs.push(run);
  return run;
}

const grant = (...extra: string[]) => cli(['grant', ...appFlags(), ...extra]);
const revoke = (...extra: string[]) => cli(['revoke', ...appFlags(), ...extra]);
const poll = async () => parsePollJson(await cli(['poll', ...appFlags(), '--json']));

interface EventLine {
  id: string;
  detailType: string;
  detail: Record<string, unknown>;
}

async function events(type: string): Promise<EventLine[]> {
  const text = await readFile(join(dataDir, 'events.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as EventLine)
    .filter((event) => event.detailType === type);
}

let manual: TwingateGroupRecord;
let outsiderEmail: string;
let outsiderId: string;

beforeAll(async () => {
  const workspace = generateTwingateWorkspace({ users: 30, groups: 4, largeGroupMembers: 12, seed: 9 });
  const [, first, second, third] = workspace.groups as [TwingateGroupRecord, TwingateGroupRecord, TwingateGroupRecord, TwingateGroupRecord];
  first.type = 'MANUAL';
  first.name = 'Engineering';
  second.type = 'SYNCED';
  second.name = 'Okta Sales';
  third.type = 'MANUAL';
  third.name = 'Twins';
  workspace.groups[4]!.type = 'MANUAL';
  workspace.groups[4]!.name = 'Twins';
  manual = first;
  const outsider = workspace.users.find((user) => !first.memberIds.includes(user.id) && user.email !== null);
  if (outsider === undefined || outsider.email === null) throw new Error('no outsider');
  outsiderEmail = outsider.email;
  outsiderId = outsider.id;
  simulator = await startTwingateSimulator({ workspace, apiKey: API_KEY, readOnlyApiKey: READ_ONLY_KEY });
  bed.onCleanup(() => simulator.close());
  const dynamo = await startEmbeddedDynamo();
  bed.onCleanup(() => dynamo.close());
  dataDir = await bed.tempDir();
  store = ['--data-dir', dataDir, '--table', 'rollcall-provision', '--endpoint', dynamo.endpoint];
  const first_ = await poll();
  expect(first_.outcome).toBe('completed');
});

describe('rollcall grant and revoke against the Twingate simulator', () => {
  it('without --yes prints what would change and exits 0, calling no mutation and writing nothing', async () => {
    const run = await grant('--group', 'Engineering', '--email', outsiderEmail);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`would add ${outsiderEmail} (account ${outsiderId}) to group Engineering (${manual.id}, MANUAL) of tg`);
    expect(run.stdout).toContain('dry run: nothing changed; add --yes');
    expect(simulator.stats().byRootField.groupUpdate).toBeUndefined();
    expect(manual.memberIds).not.toContain(outsiderId);
    expect(await events('AccessGranted').then((list) => list.filter((event) => event.detail.requestId !== undefined))).toEqual([]);
  });

  it('--yes --json grants: the membership is added, read back, recorded and audited with initiatedBy and the request id; the next poll finds no change', async () => {
    const run = await grant('--group', 'Engineering', '--email', outsiderEmail, '--yes', '--json');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { outcome: string; requestId: string; eventIds: string[]; dryRun: boolean };
    expect(result).toMatchObject({ outcome: 'changed', dryRun: false, action: 'grant', group: { id: manual.id, type: 'MANUAL' }, account: { id: outsiderId } });
    expect(manual.memberIds).toContain(outsiderId);
    expect(simulator.stats().byRootField.groupUpdate).toBe(1);
    const audited = (await events('AccessGranted')).filter((event) => event.detail.requestId === result.requestId);
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ id: result.eventIds[0], detail: { initiatedBy: userInfo().username, groupId: manual.id, accountId: outsiderId } });

    const users = await cli(['users', '--connector', 'tg', '--group', 'Engineering', '--format', 'json']);
    expect(users.stdout).toContain(outsiderId);

    const next = await poll();
    expect(next.counts).toMatchObject({ accessGranted: 0, accessRevoked: 0 });
  });

  it('granting again changes nothing and says so: no mutation, no event', async () => {
    const before = (await events('AccessGranted')).length;
    const run = await grant('--group', manual.id, '--account', outsiderId, '--yes');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^nothing to change: the account is already a member;/);
    expect(simulator.stats().byRootField.groupUpdate).toBe(1);
    expect(await events('AccessGranted')).toHaveLength(before);
  });

  it('revoke --yes removes it, with AccessRevoked reason requested; the next poll revokes nothing', async () => {
    const run = await revoke('--group-id', manual.id, '--email', outsiderEmail.toUpperCase(), '--yes');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^done: remove .+ from group Engineering/);
    expect(manual.memberIds).not.toContain(outsiderId);
    const revoked = (await events('AccessRevoked')).filter((event) => event.detail.requestId !== undefined);
    expect(revoked).toHaveLength(1);
    expect(revoked[0]?.detail).toMatchObject({ reason: 'requested', initiatedBy: userInfo().username });
    const next = await poll();
    expect(next.counts).toMatchObject({ accessGranted: 0, accessRevoked: 0 });
  });

  it.each([
    ['a SYNCED group', ['--group', 'Okta Sales'], /type SYNCED: refused, its membership belongs to the identity provider/],
    ['the SYSTEM group', ['--group', 'Everyone'], /type SYSTEM: refused, its membership is implicit/],
    ['an ambiguous group name', ['--group', 'Twins'], /matches 2 groups/],
    ['an unknown group', ['--group', 'No Such Group'], /no active group of that name or id/],
  ])('refuses %s with exit 2 and the reason, calling no mutation', async (_what, groupFlags, message) => {
    const calls = simulator.stats().byRootField.groupUpdate;
    const run = await grant(...groupFlags, '--email', outsiderEmail, '--yes');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toContain(outsiderEmail);
    expect(simulator.stats().byRootField.groupUpdate).toBe(calls);
  });

  it('refuses an unknown account with exit 2, without echoing it', async () => {
    const run = await grant('--group', 'Engineering', '--email', 'nobody@nowhere.example', '--yes', '--json');
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: 'failed', kind: 'config', exitCode: 2 });
    expect(run.stdout + run.stderr).not.toContain('nobody@');
  });

  it('a read-only key: exit 2, "the API key does not allow writes", and the connector stays CONNECTED', async () => {
    const readOnly = await cli(['grant', ...appFlags(), '--group', 'Engineering', '--email', outsiderEmail, '--yes'], { TWINGATE_API_KEY: READ_ONLY_KEY });
    expect(readOnly.code).toBe(2);
    expect(readOnly.stderr).toContain('the API key does not allow writes (groupUpdate answered HTTP 403)');
    expect(manual.memberIds).not.toContain(outsiderId);
    const connectors = await cli(['connectors', '--format', 'json']);
    expect(JSON.parse(connectors.stdout)).toEqual([expect.objectContaining({ connectorId: 'tg', status: 'CONNECTED' })]);
  });

  it('ok: false from Twingate: exit 1 with its reason, nothing recorded', async () => {
    simulator.setFaults({ groupUpdateNotOk: { count: 1, error: 'Group is being modified' } });
    const before = (await events('AccessGranted')).length;
    const run = await grant('--group', 'Engineering', '--email', outsiderEmail, '--yes', '--json');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: 'failed', kind: 'failed', exitCode: 1 });
    expect(run.stderr).toContain(`twingate refused the change to group ${manual.id}: Group is being modified`);
    expect(await events('AccessGranted')).toHaveLength(before);
    expect(manual.memberIds).not.toContain(outsiderId);
  });

  it("a rate-limited write is retried after Twingate's Retry-After and then made", async () => {
    simulator.resetStats();
    simulator.setFaults({ writeRateLimit: { count: 1, retryAfter: 1 } });
    const run = await grant('--group', 'Engineering', '--email', outsiderEmail, '--yes');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^done: add /);
    expect(simulator.stats().byStatus[429]).toBe(1);
    expect(manual.memberIds).toContain(outsiderId);
  });

  it('on a terminal without --yes asks first: "n" changes nothing, "y" makes the change', async () => {
    const before = simulator.stats().byRootField.groupUpdate ?? 0;
    const declined = await onTerminal(['revoke', ...appFlags(), '--group', 'Engineering', '--email', outsiderEmail, ...store], 'n');
    expect(declined.code).toBe(0);
    expect(declined.output).toContain('Make this change? [y/N]');
    expect(simulator.stats().byRootField.groupUpdate ?? 0).toBe(before);
    expect(manual.memberIds).toContain(outsiderId);
    const accepted = await onTerminal(['revoke', ...appFlags(), '--group', 'Engineering', '--email', outsiderEmail, ...store], 'y');
    expect(accepted.code).toBe(0);
    expect(accepted.output).toMatch(/done: remove /);
    expect(manual.memberIds).not.toContain(outsiderId);
    runs.push({ code: accepted.code, signal: null, stdout: declined.output + accepted.output, stderr: '' });
  });

  it('puts neither key in any output', () => {
    expect(runs.length).toBeGreaterThan(10);
    for (const run of runs) {
      expect(run.stdout + run.stderr).not.toContain(API_KEY);
      expect(run.stdout + run.stderr).not.toContain(READ_ONLY_KEY);
    }
  });
});

/** Runs the CLI on a pseudo-terminal (util-linux `script`), answering its prompt with `answer` once it asks. */
function onTerminal(args: readonly string[], answer: string): Promise<{ code: number | null; output: string }> {
  const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;
  const commandLine = [process.execPath, CLI_ENTRY, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qec', commandLine, '/dev/null'], {
    cwd: REPO_ROOT,
    env: { ...process.env, TWINGATE_API_KEY: API_KEY, ROLLCALL_STORE_IDLE_MS: STORE_IDLE_MS, ROLLCALL_LOG_LEVEL: undefined },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let answered = false;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    if (!answered && output.includes('[y/N]')) {
      answered = true;
      child.stdin.write(`${answer}\n`);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}
