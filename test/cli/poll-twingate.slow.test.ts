/**
 * `rollcall poll --app twingate` as a user runs it: the CLI as a child process, its own embedded
 * store (dynalite behind the data dir's store server), the Twingate simulator on loopback in this
 * process so faults can be set between polls. Small networks (one page of each listing), the
 * CLI's budget at Twingate's 60 requests per minute: a poll is two or three requests.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { paginateScan } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDynamoClients } from '../../functions/adapters/dynamodb/client.ts';
import { EMBEDDED_TABLE } from '../../cli/runtime.ts';
import { connectStore } from '../../cli/store/connect.ts';
import {
  applyTwingateChurn,
  generateTwingateWorkspace,
  startTwingateSimulator,
  type TwingateSimulator,
  type TwingateSimWorkspace,
} from '../../simulators/twingate/index.ts';
import { CHILD_PROCESS_TIMEOUTS, createTestbed, parseJsonArray, parsePollJson, runCli, type CliRun } from './support.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
afterEach(() => bed.cleanup());

const API_KEY = 'tgk-cli-LEAK-CANARY-7f3e91';
const NETWORK = 'acme';

async function simulator(workspace: TwingateSimWorkspace = generateTwingateWorkspace({ users: 14, groups: 2, largeGroupMembers: 9, seed: 21 })) {
  const started = await startTwingateSimulator({ workspace, apiKey: API_KEY });
  bed.onCleanup(() => started.close());
  return started;
}

function poll(sim: TwingateSimulator, dataDir: string, ...extra: string[]): Promise<CliRun> {
  return runCli(
    ['poll', '--connector', 'tg', '--app', 'twingate', '--network', NETWORK, '--api-url', sim.apiUrl, '--max-requests-per-minute', '60', '--data-dir', dataDir, ...extra],
    { TWINGATE_API_KEY: API_KEY },
  );
}

/** Memberships an explicit group holds; a SYSTEM group's are implicit (stored as a count only). */
function explicitMemberships(workspace: TwingateSimWorkspace): number {
  return workspace.groups.filter((group) => group.type !== 'SYSTEM').reduce((sum, group) => sum + group.memberIds.length, 0);
}

async function filesUnder(dir: string): Promise<string[]> {
  const paths = (await readdir(dir, { recursive: true })).map((name) => join(dir, name));
  const isFile = await Promise.all(paths.map(async (path) => (await stat(path)).isFile()));
  return paths.filter((_, index) => isFile[index]);
}

async function scanTable(dataDir: string): Promise<Record<string, unknown>[]> {
  const connection = await connectStore(dataDir, { create: false });
  const { client, documentClient } = createDynamoClients({ endpoint: connection.endpoint, accessKeyId: connection.accessKeyId });
  bed.onCleanup(async () => {
    client.destroy();
    await connection.detach();
  });
  const items: Record<string, unknown>[] = [];
  // A Scan reads every item whatever its key design: right for a test that must miss nothing.
  for await (const page of paginateScan({ client: documentClient }, { TableName: EMBEDDED_TABLE })) items.push(...(page.Items ?? []));
  return items;
}

describe('rollcall poll --app twingate', () => {
  it('inventories the network with its group memberships, then counts a moved membership as access granted and revoked', async () => {
    const sim = await simulator();
    const dataDir = await bed.tempDir();

    const first = await poll(sim, dataDir, '--json');
    expect(first.code).toBe(0);
    expect(parsePollJson(first)).toMatchObject({
      app: 'twingate',
      status: 'CONNECTED',
      outcome: 'completed',
      counts: { total: 14, new: 14, newUsers: 14, invalid: 0, accessGranted: explicitMemberships(sim.workspace), accessRevoked: 0 },
    });

    const churn = applyTwingateChurn(sim.workspace, { seed: 5, memberAdds: 2, memberRemovals: 1, roleChanges: 1 });
    const second = await poll(sim, dataDir, '--json');
    expect(second.code).toBe(0);
    expect(parsePollJson(second).counts).toMatchObject({ total: 14, new: 0, changed: 1, removed: 0, accessGranted: 2, accessRevoked: 1 });

    // The text summary a person reads, and the inventory's accounts with their state and role.
    const third = await poll(sim, dataDir);
    expect(third.code).toBe(0);
    expect(third.stdout).toMatch(/^tg: CONNECTED \(completed\)/);
    const users = parseJsonArray<{ id: string; status: string; state: string; roleName: string | null; groups: string[] }>(
      await runCli(['users', '--data-dir', dataDir, '--format', 'json']),
    );
    expect(users).toHaveLength(14);
    const changed = users.find((user) => user.id === churn.roleChanged[0]?.id);
    expect(changed?.roleName).toBe(churn.roleChanged[0]?.to);
    // Twingate's own state as the status, Rollcall's normalised state beside it, the current groups by name.
    for (const record of sim.workspace.users) {
      const user = users.find((candidate) => candidate.id === record.id);
      expect({ status: user?.status, state: user?.state }).toEqual({ status: record.state, state: record.state.toLowerCase() });
      const groups = sim.workspace.groups.filter((group) => group.type !== 'SYSTEM' && group.memberIds.includes(record.id)).map((group) => group.name);
      expect([...(user?.groups ?? [])].sort()).toEqual(groups.sort());
    }
  });

  it('on 401 is RECONNECT_REQUIRED (exit 3), and the next poll with the same key is skipped without a request', async () => {
    const sim = await simulator();
    const dataDir = await bed.tempDir();
    sim.setFaults({ rejectKey: true });

    const rejected = await poll(sim, dataDir, '--json');
    expect(rejected.code).toBe(3);
    expect(parsePollJson(rejected)).toMatchObject({ status: 'RECONNECT_REQUIRED', outcome: 'reconnect-required', error: expect.stringMatching(/API key rejected/) });

    sim.resetStats();
    const skipped = await poll(sim, dataDir, '--json');
    expect(skipped.code).toBe(3);
    expect(parsePollJson(skipped)).toMatchObject({ status: 'RECONNECT_REQUIRED', outcome: 'skipped' });
    expect(sim.stats().requests).toBe(0);
  });

  it('on 404 or an HTML page is a configuration error (exit 2) naming the network', async () => {
    const [missing, signIn] = await Promise.all([simulator(), simulator()]);
    const [dataDir, otherDataDir] = await Promise.all([bed.tempDir(), bed.tempDir()]);
    missing.setFaults({ unknownNetwork: true });
    signIn.setFaults({ htmlBody: true });

    const [notFound, html] = await Promise.all([poll(missing, dataDir), poll(signIn, otherDataDir)]);

    for (const run of [notFound, html]) {
      expect(run.code).toBe(2);
      expect(`${run.stdout}${run.stderr}`).toMatch(/check network \(--network\)/);
    }
    expect(`${notFound.stdout}${notFound.stderr}`).toContain('HTTP 404');
    expect(`${html.stdout}${html.stderr}`).toContain('HTML');
  });

  it('takes errors[] in an HTTP 200 as a failed page: ERROR (exit 4), nobody removed, the next poll completes', async () => {
    const sim = await simulator();
    const dataDir = await bed.tempDir();
    expect((await poll(sim, dataDir)).code).toBe(0);

    const churn = applyTwingateChurn(sim.workspace, { seed: 9, removals: 3 });
    for (const partial of [false, true]) {
      sim.setFaults({ graphqlErrors: { count: 1, partial } });
      const failed = await poll(sim, dataDir, '--json');
      expect(failed.code).toBe(4);
      expect(parsePollJson(failed)).toMatchObject({ status: 'ERROR', outcome: 'transient-error', counts: { removed: 0 }, error: expect.stringMatching(/GraphQL error/) });
    }
    const active = parseJsonArray<{ removedAt: string | null }>(await runCli(['users', '--data-dir', dataDir, '--format', 'json']));
    expect(active.filter((user) => user.removedAt === null)).toHaveLength(14);

    const recovered = await poll(sim, dataDir, '--json');
    expect(recovered.code).toBe(0);
    expect(parsePollJson(recovered).counts).toMatchObject({ total: 14 - churn.removed.length, removed: churn.removed.length });
  });

  it('refuses a plain-http --api-url off loopback before reading the key or creating a store', async () => {
    const dataDir = await bed.tempDir();
    const run = await runCli(
      ['poll', '--connector', 'tg', '--app', 'twingate', '--network', NETWORK, '--api-url', 'http://10.0.0.7/api/graphql/', '--data-dir', dataDir],
      { TWINGATE_API_KEY: API_KEY },
    );

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('plain http is allowed only to loopback');
    expect(run.stdout).toBe('');
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('never puts the key in stdout, stderr, an event or a stored item, through a poll, a failed page and a rejection', async () => {
    const sim = await simulator();
    const dataDir = await bed.tempDir();
    const debug = async (...extra: string[]) =>
      runCli(
        ['poll', '--connector', 'tg', '--app', 'twingate', '--network', NETWORK, '--api-url', sim.apiUrl, '--max-requests-per-minute', '60', '--data-dir', dataDir, ...extra],
        { TWINGATE_API_KEY: API_KEY, ROLLCALL_LOG_LEVEL: 'debug' },
      );

    const runs = [await debug('--json')];
    sim.setFaults({ graphqlErrors: { count: 1 } });
    runs.push(await debug());
    sim.setFaults({ rejectKey: true });
    runs.push(await debug('--json'));
    runs.push(...(await Promise.all([runCli(['users', '--data-dir', dataDir, '--format', 'json']), runCli(['connectors', '--data-dir', dataDir, '--format', 'json'])])));
    expect(runs.map((run) => run.code)).toEqual([0, 4, 3, 0, 0]);
    // Debug logging was on, so the connector's own lines were written and searched too.
    expect(runs[0]?.stderr).toMatch(/"level":20/);

    for (const run of runs) {
      expect(run.stdout).not.toContain(API_KEY);
      expect(run.stderr).not.toContain(API_KEY);
    }
    const events = await readFile(join(dataDir, 'events.jsonl'), 'utf8');
    expect(events).toContain('"AccessGranted"');
    expect(events).not.toContain(API_KEY);
    for (const file of await filesUnder(dataDir)) expect((await readFile(file)).includes(API_KEY), file).toBe(false);
    const items = await scanTable(dataDir);
    expect(items.length).toBeGreaterThan(14);
    expect(JSON.stringify(items)).not.toContain(API_KEY);
  });
});
