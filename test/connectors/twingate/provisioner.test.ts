/**
 * Twingate's provisioner, built through the app registry, against the simulator's `groupUpdate`
 * over loopback: a change and its read-back, the simulator's refusals as `ok: false`, a read-only
 * key, the write limit (retried, or reported once the retries are spent) on its own budget, and
 * the key in no message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { appDefinition, type ConnectorRuntimeOptions } from '../../../functions/connectors/index.ts';
import { vendorReason } from '../../../functions/connectors/twingate/index.ts';
import { TransientError } from '../../../functions/core/errors.ts';
import type { Provisioner } from '../../../functions/core/ports.ts';
import { ChangeRejectedError, WriteNotAllowedError } from '../../../functions/core/provision-errors.ts';
import { generateTwingateWorkspace, startTwingateSimulator, type TwingateSimulator, type TwingateSimulatorOptions } from '../../../simulators/twingate/index.ts';
import { rejectionOf } from '../../support/rejection.ts';
import { API_KEY } from './support.ts';

const READ_ONLY_KEY = 'tgk-readonly-canary-77aa01';
const started: TwingateSimulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.close()));
});

async function sim(options: Partial<TwingateSimulatorOptions> = {}): Promise<TwingateSimulator> {
  const simulator = await startTwingateSimulator({
    workspace: generateTwingateWorkspace({ users: 30, groups: 3, largeGroupMembers: 12, seed: 5 }),
    apiKey: API_KEY,
    readOnlyApiKey: READ_ONLY_KEY,
    ...options,
  });
  started.push(simulator);
  return simulator;
}

function provisioner(simulator: TwingateSimulator, apiKey = API_KEY, options: ConnectorRuntimeOptions = {}): Provisioner {
  const create = appDefinition('twingate').createProvisionerFactory;
  if (create === undefined) throw new Error('twingate declares no provisioner');
  return create(
    { network: 'acme', apiUrl: simulator.apiUrl, pageSize: 5 },
    { requestsPerSecond: 1_000_000, writeRequestsPerSecond: 1_000_000, retry: { limit: 3, backoffLimitMs: 0, maxRetryAfterSeconds: 0 }, ...options },
  )({ apiKey });
}

async function members(p: Provisioner, groupId: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await p.membersPage(groupId, cursor);
    ids.push(...page.accountIds);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return ids;
}

function groupOf(simulator: TwingateSimulator, type: string) {
  const group = simulator.workspace.groups.find((candidate) => candidate.type === type);
  if (group === undefined) throw new Error(`no ${type} group in the network`);
  return group;
}

describe('the Twingate provisioner', () => {
  it('adds and removes a user with groupUpdate, and reads every member page back', async () => {
    const simulator = await sim();
    const p = provisioner(simulator);
    const group = groupOf(simulator, 'MANUAL');
    const outsider = simulator.workspace.users.find((user) => !group.memberIds.includes(user.id));
    if (outsider === undefined) throw new Error('every user is a member');
    expect(p.changeableGroupTypes).toEqual(['MANUAL']);
    await p.addMember(group.id, outsider.id);
    const after = await members(p, group.id);
    expect(after).toContain(outsider.id);
    expect(after.length).toBeGreaterThan(5);
    await p.removeMember(group.id, outsider.id);
    expect(await members(p, group.id)).not.toContain(outsider.id);
    expect(simulator.stats().byRootField.groupUpdate).toBe(2);
    expect(await p.membersPage('R3JvdXA6bm9uZQ==', null)).toEqual({ accountIds: [], nextCursor: null, found: false });
  });

  it('ok: false from Twingate (a SYNCED or SYSTEM group, or a failing change) is a ChangeRejectedError with its reason', async () => {
    const simulator = await sim();
    const p = provisioner(simulator);
    const user = simulator.workspace.users[0]!;
    simulator.workspace.groups[1]!.type = 'SYNCED';
    const synced = await rejectionOf(p.addMember(simulator.workspace.groups[1]!.id, user.id));
    expect(synced).toBeInstanceOf(ChangeRejectedError);
    expect((synced as Error).message).toMatch(/twingate refused the change to group .+: Cannot change the users of a SYNCED group/);
    await expect(p.addMember(groupOf(simulator, 'SYSTEM').id, user.id)).rejects.toThrow(/Cannot change the users of a SYSTEM group/);
    simulator.setFaults({ groupUpdateNotOk: { count: 1, error: 'User ann@example.com\nis locked' } });
    const failed = await rejectionOf(p.addMember(groupOf(simulator, 'MANUAL').id, user.id));
    expect((failed as Error).message).toMatch(/: User \(email\) is locked$/);
    expect(JSON.stringify(simulator.stats().byStatus)).toBe('{"200":3}');
  });

  it('a read-only key: 403 on the mutation is "the API key does not allow writes", while its reads work', async () => {
    const simulator = await sim();
    const p = provisioner(simulator, READ_ONLY_KEY);
    const group = groupOf(simulator, 'MANUAL');
    const error = await rejectionOf(p.addMember(group.id, simulator.workspace.users[0]!.id));
    expect(error).toBeInstanceOf(WriteNotAllowedError);
    expect((error as Error).message).toMatch(/^the API key does not allow writes \(groupUpdate answered HTTP 403\)/);
    expect((error as Error).message).not.toContain(READ_ONLY_KEY);
    expect(await members(p, group.id)).toEqual(group.memberIds);
    expect(simulator.stats().byStatus[403]).toBe(1);
  });

  it('a 401 on the mutation is the same refusal, not a rejected key (the connector stays as it is)', async () => {
    const simulator = await sim();
    const p = provisioner(simulator, 'tgk-unknown-key');
    await expect(p.addMember(groupOf(simulator, 'MANUAL').id, simulator.workspace.users[0]!.id)).rejects.toThrow(WriteNotAllowedError);
  });

  it("a 429 on the mutation is retried after Twingate's Retry-After; one that outlasts the retries is a TransientError", async () => {
    const simulator = await sim();
    const group = groupOf(simulator, 'MANUAL');
    const outsider = simulator.workspace.users.find((user) => !group.memberIds.includes(user.id))!;
    simulator.setFaults({ writeRateLimit: { count: 1, retryAfter: 0 } });
    await provisioner(simulator).addMember(group.id, outsider.id);
    expect(group.memberIds).toContain(outsider.id);
    expect(simulator.stats().byStatus).toEqual({ 200: 1, 429: 1 });
    simulator.setFaults({ writeRateLimit: { count: 10, retryAfter: 0 } });
    const error = await rejectionOf(provisioner(simulator, API_KEY, { retry: { limit: 0 } }).removeMember(group.id, outsider.id));
    expect(error).toBeInstanceOf(TransientError);
    expect(group.memberIds).toContain(outsider.id);
  });

  it("the simulator's write limit counts mutations apart from reads", async () => {
    const simulator = await sim({ writeRequestsPerMinute: 2, readRequestsPerMinute: 100 });
    const p = provisioner(simulator, API_KEY, { retry: { limit: 0 } });
    const group = groupOf(simulator, 'MANUAL');
    const user = simulator.workspace.users[0]!.id;
    await p.addMember(group.id, user);
    await p.removeMember(group.id, user);
    // Reads still pass while the write budget of the minute is spent.
    for (let i = 0; i < 5; i += 1) await members(p, group.id);
    const limited = await rejectionOf(p.addMember(group.id, user));
    expect(limited).toBeInstanceOf(TransientError);
    expect(simulator.stats().byStatus[429]).toBe(1);
  });
});

describe('vendorReason', () => {
  it('keeps one short printable line, masks email addresses and says when there is none', () => {
    expect(vendorReason(null)).toBe('no reason given');
    expect(vendorReason('  ')).toBe('no reason given');
    expect(vendorReason('bad\u0007 user x@y.z\r\n\u202eok')).toBe('bad user (email) ok');
    expect(vendorReason('x'.repeat(500))).toHaveLength(203);
  });
});
