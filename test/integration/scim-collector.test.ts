/**
 * The SCIM simulator's every quirk through the whole collector: the SCIM connector built by the
 * registry over loopback HTTP, pollConnector, the DynamoDB store on in-process dynalite. Both paging
 * styles (index and RFC 9865 cursors), churn counted exactly; quirks a client recovers from end in a
 * complete inventory, quirks that make a listing unreconcilable remove nothing, stalled pages fail
 * the poll, refused tokens ask for reconnect; the token is in no output, log, event or stored item.
 * Retries wait 0 s here: that `Retry-After` is honoured is proven on fake time in the connector's tests.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createConnectorFactory } from '../../functions/connectors/index.ts';
import { pollConnector, type PollResult } from '../../functions/core/poll.ts';
import { systemClock, type Logger } from '../../functions/core/ports.ts';
import {
  applyScimChurn,
  generateScimWorkspace,
  startScimSimulator,
  type GenerateScimWorkspaceOptions,
  type ScimSimQuirks,
  type ScimSimulator,
  type ScimSimWorkspace,
} from '../../simulators/scim/index.ts';
import { FixedCredentials, MemoryEventSink } from '../fakes/memory-store.ts';
import { useEmbeddedDynamo } from '../support/embedded-dynamo.ts';

const TOKEN = 'scim-collector-LEAK-canary-e2a9';
const CONNECTOR = 'scim-it';

const dynamo = useEmbeddedDynamo();
const running: ScimSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

async function setup(workspace: ScimSimWorkspace | GenerateScimWorkspaceOptions, quirks: Partial<ScimSimQuirks> = {}, config: Record<string, unknown> = {}) {
  const { store, tableName } = await dynamo.newStore('scim');
  const sim = await startScimSimulator({ workspace: 'users' in workspace && Array.isArray(workspace.users) ? (workspace as ScimSimWorkspace) : generateScimWorkspace(workspace as GenerateScimWorkspaceOptions), token: TOKEN, quirks });
  running.push(sim);
  const events = new MemoryEventSink();
  const lines: string[] = [];
  const log = (level: string) => (message: string, attributes?: object) => lines.push(`${level} ${message} ${JSON.stringify(attributes ?? {})}`);
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const createConnector = createConnectorFactory(
    'scim',
    { baseUrl: sim.baseUrl, ...config },
    { retry: { limit: 3, backoffLimitMs: 0, maxRetryAfterSeconds: 0 }, requestsPerSecond: 1_000_000, logger },
  );
  const credentials = new FixedCredentials({ credentials: { token: TOKEN }, fingerprint: 'scim-fp' });
  const results: PollResult[] = [];
  const poll = async (): Promise<PollResult> => {
    const result = await pollConnector({ store, events, credentials, createConnector, clock: systemClock, logger }, { connectorId: CONNECTOR, app: 'scim' });
    results.push(result);
    return result;
  };
  const active = async () => (await store.queryAccounts({ connectorId: CONNECTOR })).filter((account) => account.removedAt === null);
  const memberships = async () => (await store.queryMemberships({ connectorId: CONNECTOR })).map((m) => `${m.groupId}|${m.accountId}`).sort();
  const items = async () => (await dynamo.clients().documentClient.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
  return { store, sim, events, lines, results, poll, active, memberships, items };
}

function membershipsOf(workspace: ScimSimWorkspace): string[] {
  return workspace.groups.flatMap((group) => group.members.map((member) => `${group.id}|${member.value}`)).sort();
}

const SMALL: GenerateScimWorkspaceOptions = { users: 130, groups: 6, largeGroupMembers: 60, seed: 29 };

describe('both paging styles through the whole collector', () => {
  it.each([
    ['index paging', {}],
    ['cursor paging (a cursor-only provider)', { cursorOnly: true }],
  ] as const)('%s: users, groups and memberships stored, then churn counted exactly', async (_style, quirks) => {
    const env = await setup({ users: 240, groups: 9, largeGroupMembers: 150, seed: 4 }, quirks, { pageSize: 50 });
    const { workspace } = env.sim;

    const first = await env.poll();

    expect(first).toMatchObject({ status: 'CONNECTED', outcome: 'completed', exitCode: 0, anomalies: [] });
    expect(first.counts).toMatchObject({ total: 240, new: 240, removed: 0, invalid: 0, accessGranted: membershipsOf(workspace).length });
    expect(env.sim.stats().byPath['/Users']).toBe(Math.ceil(240 / 50));
    expect(await env.memberships()).toEqual(membershipsOf(workspace));
    const disabled = workspace.users.filter((user) => !user.active).map((user) => user.id).sort();
    expect((await env.active()).filter((account) => account.state === 'disabled').map((account) => account.id).sort()).toEqual(disabled);

    const churn = applyScimChurn(workspace, { seed: 12, adds: 5, removals: 4, deactivations: 3, renames: 2, memberAdds: 3, memberRemovals: 2 });
    const second = await env.poll();

    expect(second).toMatchObject({ status: 'CONNECTED', outcome: 'completed', anomalies: [] });
    expect(second.counts).toMatchObject({
      total: 241,
      new: churn.added.length,
      removed: churn.removed.length,
      // A rename changes no field the inventory keeps.
      changed: churn.deactivated.length,
      accessGranted: churn.membershipsAdded.length,
      accessRevoked: churn.membershipsRemoved.length,
    });
    expect(await env.memberships()).toEqual(membershipsOf(workspace));
  });
});

describe('quirks the collector recovers from: a complete inventory', () => {
  it.each([
    ['count capped below the size asked', { capCount: 7 }],
    ['no /ServiceProviderConfig', { noServiceProviderConfig: true }],
    ['429 with Retry-After in seconds', { rateLimit: { count: 2, retryAfter: 1 } }],
    ['429 with Retry-After as an HTTP date', { rateLimit: { count: 1, retryAfter: 'Wed, 21 Oct 2015 07:28:00 GMT' } }],
    ['429 without Retry-After', { rateLimit: { count: 2 } }],
    ['5xx answers', { serverErrors: { count: 2, status: 502 } }],
    ['cursor-only paging without a configuration to say so', { cursorOnly: true, noServiceProviderConfig: true }],
    ['error bodies with a numeric status', { statusAsNumber: true, serverErrors: { count: 1 } }],
  ] as const)('%s', async (_case, quirks) => {
    const env = await setup(SMALL, quirks);

    const result = await env.poll();

    expect(result).toMatchObject({ status: 'CONNECTED', outcome: 'completed', exitCode: 0, anomalies: [] });
    expect(result.counts).toMatchObject({ total: 130, new: 130, accessGranted: membershipsOf(env.sim.workspace).length });
    expect(await env.memberships()).toEqual(membershipsOf(env.sim.workspace));
    const stats = env.sim.stats();
    if ('capCount' in quirks) expect(stats.byPath['/Users']).toBe(Math.ceil(130 / 7));
    if ('rateLimit' in quirks) expect(stats.byStatus[429]).toBe(quirks.rateLimit.count);
    if ('serverErrors' in quirks) expect(stats.byStatus['status' in quirks.serverErrors ? quirks.serverErrors.status : 503]).toBe(quirks.serverErrors.count);
    if ('noServiceProviderConfig' in quirks) expect(stats.byStatus[404]).toBe(1);
  });

  it('empty pages without Resources: a provider with no groups lists none', async () => {
    const env = await setup({ ...SMALL, groups: 0 }, { omitEmptyResources: true });
    const result = await env.poll();
    expect(result).toMatchObject({ status: 'CONNECTED', outcome: 'completed', anomalies: [] });
    expect(result.counts).toMatchObject({ total: 130, accessGranted: 0 });
    expect(await env.store.queryGroups({ connectorId: CONNECTOR })).toEqual([]);
  });

  it.each([404, 501] as const)('a provider answering %i on /Groups (as Torque) has users and no groups', async (status) => {
    const env = await setup(SMALL, { noGroups: status });
    const result = await env.poll();
    expect(result).toMatchObject({ status: 'CONNECTED', outcome: 'completed', exitCode: 0, anomalies: [] });
    expect(result.counts).toMatchObject({ total: 130, new: 130, accessGranted: 0 });
    expect(await env.store.queryGroups({ connectorId: CONNECTOR })).toEqual([]);
  });

  it('a cursor that expires mid-listing (status as a number): the listing restarts once and completes', async () => {
    const env = await setup(SMALL, { cursorOnly: true, expireCursorOnce: true, statusAsNumber: true }, { pageSize: 40 });

    const result = await env.poll();

    expect(result).toMatchObject({ status: 'CONNECTED', outcome: 'completed', exitCode: 0 });
    expect(result.counts).toMatchObject({ total: 130, new: 130, removed: 0 });
    // The restart lists the first page's accounts again: the core reports the repeat, and keeps one of each.
    expect(result.anomalies.filter((anomaly) => anomaly !== 'DUPLICATE_IDS')).toEqual([]);
    expect(env.sim.stats().byStatus[400]).toBe(1);
    expect(env.lines.some((line) => line.includes('cursor refused') && line.includes('expiredCursor'))).toBe(true);
  });
});

describe('quirks that leave a listing unreconcilable: nothing removed', () => {
  it.each([
    ['totalResults drifting upwards', { totalResultsDrift: 3 }],
    ['totalResults drifting downwards', { totalResultsDrift: -3 }],
    ['drift, and the empty page past the end without totalResults', { totalResultsDrift: 2, zeroWithoutTotal: true, omitEmptyResources: true }],
  ] as const)('%s: the listing completes, its count disagrees, removals wait', async (_case, quirks) => {
    const env = await setup(SMALL, {}, { pageSize: 50 });
    await env.poll();
    const churn = applyScimChurn(env.sim.workspace, { seed: 5, removals: 3, memberRemovals: 1 });
    env.sim.setQuirks(quirks);

    const result = await env.poll();

    expect(result).toMatchObject({ status: 'CONNECTED', outcome: 'completed' });
    expect(result.anomalies).toContain('COUNT_MISMATCH');
    expect(result.counts).toMatchObject({ removed: 0, accessRevoked: 0 });
    expect(await env.active()).toHaveLength(130);

    env.sim.setQuirks({ totalResultsDrift: undefined, zeroWithoutTotal: undefined, omitEmptyResources: undefined });
    expect((await env.poll()).counts).toMatchObject({ removed: churn.removed.length, total: 127 });
  });

  it('0 results without totalResults after a full inventory: an empty listing, nothing removed', async () => {
    const env = await setup(SMALL);
    await env.poll();
    env.sim.workspace.users = [];
    env.sim.workspace.groups = [];
    env.sim.setQuirks({ zeroWithoutTotal: true, omitEmptyResources: true });

    const result = await env.poll();

    expect(result.anomalies).toContain('EMPTY_LISTING');
    expect(result.exitCode).toBe(1);
    expect(result.counts.removed).toBe(0);
    expect(await env.active()).toHaveLength(130);
  });
});

describe('pages that make no progress fail the poll and remove nothing', () => {
  it.each([
    ['index paging, the first page again', {}, 'repeat'],
    ['index paging, no resources while more remain', {}, 'empty'],
    ['cursor paging, the first page again', { cursorOnly: true }, 'repeat'],
    ['cursor paging, no resources behind a next cursor', { cursorOnly: true }, 'empty'],
  ] as const)('%s', async (_case, quirks, stallPage) => {
    const env = await setup(SMALL, quirks, { pageSize: 50 });
    await env.poll();
    applyScimChurn(env.sim.workspace, { seed: 8, removals: 5 });
    env.sim.setQuirks({ stallPage });
    env.sim.resetStats();

    const result = await env.poll();

    expect(result).toMatchObject({ status: 'ERROR', exitCode: 1 });
    expect(result.error).toMatch(/made no progress/);
    expect(result.counts.removed).toBe(0);
    expect(await env.active()).toHaveLength(130);
    // Failed at the first page that did not move: never paged on to a bound.
    expect(env.sim.stats().byPath['/Users']).toBeLessThanOrEqual(2);
  });
});

describe('refused tokens', () => {
  it('a revoked token (401) asks for reconnect, and the next poll with it leaves the provider alone', async () => {
    const env = await setup(SMALL, { rejectToken: true });
    const result = await env.poll();
    expect(result).toMatchObject({ status: 'RECONNECT_REQUIRED', outcome: 'reconnect-required', exitCode: 3 });
    expect(result.error).toMatch(/^token rejected/);
    env.sim.resetStats();
    expect((await env.poll()).outcome).toBe('skipped');
    expect(env.sim.stats().requests).toBe(0);
  });

  it('a token without the permission (403, status as a number) asks for reconnect, saying so', async () => {
    const env = await setup(SMALL, { forbidden: true, statusAsNumber: true });
    const result = await env.poll();
    expect(result).toMatchObject({ status: 'RECONNECT_REQUIRED', exitCode: 3 });
    expect(result.error).toMatch(/^token lacks permission to list users \(GET \/Users/);
  });
});

describe('the token', () => {
  it('is in no stored item, event, result or log line, whatever the provider answered', async () => {
    const env = await setup(SMALL);
    await env.poll();
    for (const quirks of [
      { rejectToken: true },
      { forbidden: true },
      { serverErrors: { count: 9 } },
      { cursorOnly: true, expireCursorOnce: true },
      { stallPage: 'empty' },
      { totalResultsDrift: 4 },
    ] as const) {
      env.sim.setQuirks({ rejectToken: undefined, forbidden: undefined, serverErrors: undefined, cursorOnly: undefined, expireCursorOnce: undefined, stallPage: undefined, totalResultsDrift: undefined });
      env.sim.setQuirks(quirks);
      await env.store.putConnector({ ...(await env.store.getConnector(CONNECTOR))!, status: 'CONNECTED', rejectedFingerprint: null });
      await env.poll();
    }
    const everything = JSON.stringify([await env.items(), env.events.events, env.results, env.lines]);
    expect(env.lines.length).toBeGreaterThan(0);
    expect(env.results.map((result) => result.status)).toContain('RECONNECT_REQUIRED');
    expect(everything).not.toContain(TOKEN);
  });
});
