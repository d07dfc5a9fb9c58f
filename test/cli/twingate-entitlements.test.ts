/**
 * Entitlements end to end through child processes: `rollcall poll --app twingate` against the
 * Twingate simulator (a real GraphQL server on loopback) into a table on dynalite, then the read
 * commands over what it stored (design.md section 7): `poll --json` access counts, the summary's
 * group access line, `groups`, `roles`, and `users --group` with each account's group names.
 */
import { afterAll, beforeAll, describe, it, vi } from 'vitest';
import { startEmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
import {
  applyTwingateChurn,
  generateTwingateWorkspace,
  startTwingateSimulator,
  type TwingateChurnSummary,
  type TwingateSimulator,
} from '../../simulators/twingate/index.ts';
import { CHILD_PROCESS_TIMEOUTS, createTestbed, parseJsonArray, parsePollJson, runCli, type CliRun, type PollJson } from './support.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
afterAll(() => bed.cleanup());

const API_KEY = 'tg-cli-entitlements-key';
const env = { TWINGATE_API_KEY: API_KEY };

let simulator: TwingateSimulator;
let store: string[];
let firstPoll: PollJson;
let churn: TwingateChurnSummary;
let churnedPoll: PollJson;
let grantedOnly: TwingateChurnSummary;
let textPoll: CliRun;

/** One poll of the simulator; every request at Twingate's own limit, one page per listing where it fits. */
const poll = (...extra: string[]) =>
  runCli(
    [
      'poll',
      '--connector',
      'tg',
      '--app',
      'twingate',
      '--network',
      'acme',
      '--api-url',
      simulator.apiUrl,
      '--page-size',
      '100',
      '--max-requests-per-minute',
      '60',
      ...store,
      ...extra,
    ],
    env,
  );

/** Memberships as stored per account: those of groups whose membership is explicit. */
function explicitMemberships(): number {
  return simulator.workspace.groups.filter((group) => group.type !== 'SYSTEM').reduce((sum, group) => sum + group.memberIds.length, 0);
}

beforeAll(async () => {
  simulator = await startTwingateSimulator({
    workspace: generateTwingateWorkspace({ users: 40, groups: 3, largeGroupMembers: 25, seed: 17 }),
    apiKey: API_KEY,
  });
  bed.onCleanup(() => simulator.close());
  const dynamo = await startEmbeddedDynamo();
  bed.onCleanup(() => dynamo.close());
  store = ['--data-dir', await bed.tempDir(), '--table', 'rollcall-twingate', '--endpoint', dynamo.endpoint];

  firstPoll = parsePollJson(await poll('--json'));
  churn = applyTwingateChurn(simulator.workspace, { seed: 4, memberAdds: 2, memberRemovals: 3 });
  churnedPoll = parsePollJson(await poll('--json'));
  grantedOnly = applyTwingateChurn(simulator.workspace, { seed: 5, memberAdds: 1 });
  textPoll = await poll();
});

describe('rollcall poll --app twingate', () => {
  it('--json counts a new account\'s memberships as granted, then exactly the memberships added and removed', ({ expect }) => {
    expect(firstPoll).toMatchObject({ status: 'CONNECTED', outcome: 'completed' });
    const firstMemberships = explicitMemberships() - churn.membershipsAdded.length + churn.membershipsRemoved.length - grantedOnly.membershipsAdded.length;
    expect(firstPoll.counts).toMatchObject({ total: 40, new: 40, accessGranted: firstMemberships, accessRevoked: 0 });
    expect(firstPoll.counts.accessGranted).toBeGreaterThan(0);
    expect(churnedPoll.counts).toMatchObject({ new: 0, changed: 0, removed: 0, accessGranted: 2, accessRevoked: 3 });
  });

  it('says in its summary how much group access changed', ({ expect }) => {
    expect(textPoll.code).toBe(0);
    expect(textPoll.stdout).toContain('group access: 1 granted, 0 revoked (memberships)');
  });
});

interface GroupJson {
  id: string;
  name: string | null;
  type: string | null;
  active: boolean | null;
  memberCount: number | null;
  implicit: boolean;
}

describe.concurrent('the read commands over a polled Twingate network', () => {
  it('groups lists every group with its type, active flag and member count (Everyone counted, not listed)', async ({ expect }) => {
    const run = await runCli(['groups', '--connector', 'tg', '--format', 'json', ...store]);
    expect(run.code).toBe(0);
    const groups = parseJsonArray<GroupJson>(run);
    const expected = simulator.workspace.groups.map((group) => ({
      id: group.id,
      name: group.name,
      type: group.type,
      active: group.isActive,
      memberCount: group.type === 'SYSTEM' ? simulator.workspace.users.length : group.memberIds.length,
      implicit: group.type === 'SYSTEM',
    }));
    expect(groups.map(({ id, name, type, active, memberCount, implicit }) => ({ id, name, type, active, memberCount, implicit }))).toEqual(
      expect.arrayContaining(expected),
    );
    expect(groups).toHaveLength(expected.length);
  });

  it('users --group lists exactly the current members, and JSON items name each account\'s groups', async ({ expect }) => {
    const group = simulator.workspace.groups.find((candidate) => candidate.type !== 'SYSTEM' && candidate.memberIds.length > 0);
    if (group === undefined) throw new Error('the generated network has no group with members');
    const [members, everyone] = await Promise.all([
      runCli(['users', '--group', group.name.toUpperCase(), '--connector', 'tg', '--format', 'json', ...store]),
      runCli(['users', '--connector', 'tg', '--format', 'json', ...store]),
    ]);
    expect(members.code).toBe(0);
    expect(parseJsonArray<{ id: string }>(members).map((account) => account.id).sort()).toEqual([...group.memberIds].sort());
    const groupsOf = new Map(parseJsonArray<{ id: string; groups: string[] }>(everyone).map((account) => [account.id, account.groups]));
    for (const user of simulator.workspace.users) {
      const expected = simulator.workspace.groups
        .filter((candidate) => candidate.type !== 'SYSTEM' && candidate.memberIds.includes(user.id))
        .map((candidate) => candidate.name)
        .sort();
      expect(groupsOf.get(user.id), user.id).toEqual(expected);
    }
  });

  it('roles counts the accounts holding each Twingate role', async ({ expect }) => {
    const run = await runCli(['roles', '--connector', 'tg', '--format', 'json', ...store]);
    expect(run.code).toBe(0);
    const expected = new Map<string, number>();
    for (const user of simulator.workspace.users) expected.set(user.role, (expected.get(user.role) ?? 0) + 1);
    const roles = parseJsonArray<{ role: string; accounts: number; app: string }>(run);
    expect(new Map(roles.map((role) => [role.role, role.accounts]))).toEqual(expected);
    for (const role of roles) expect(role.app).toBe('twingate');
  });
});
