/**
 * The whole collector against an independent SCIM implementation: scimmy + scimmy-routers on
 * express (test/support/scimmy-peer.ts), the SCIM connector built by the registry, pollConnector,
 * and the DynamoDB store on in-process dynalite. A few hundred users and groups; churn and
 * removals between polls of accounts, groups and memberships, counted exactly.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createConnectorFactory } from '../../functions/connectors/index.ts';
import { pollConnector, type PollResult } from '../../functions/core/poll.ts';
import { systemClock, type Logger } from '../../functions/core/ports.ts';
import { FixedCredentials, MemoryEventSink } from '../fakes/memory-store.ts';
import { useEmbeddedDynamo } from '../support/embedded-dynamo.ts';
import { churnPeerDirectory, generatePeerDirectory, startScimmyPeer, type PeerDirectory, type ScimmyPeer } from '../support/scimmy-peer.ts';

const TOKEN = 'scimmy-peer-canary-token-0b5e';
const CONNECTOR = 'peer';

const dynamo = useEmbeddedDynamo();
const running: ScimmyPeer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((peer) => peer.close()));
});

async function setup(directory: PeerDirectory, config: Record<string, unknown> = {}) {
  const { store, tableName } = await dynamo.newStore('scimmy');
  const peer = await startScimmyPeer({ directory, token: TOKEN });
  running.push(peer);
  const events = new MemoryEventSink();
  const lines: string[] = [];
  const log = (level: string) => (message: string, attributes?: object) => lines.push(`${level} ${message} ${JSON.stringify(attributes ?? {})}`);
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const createConnector = createConnectorFactory(
    'scim',
    { baseUrl: peer.baseUrl, ...config },
    { retry: { limit: 1, backoffLimitMs: 0, maxRetryAfterSeconds: 0 }, requestsPerSecond: 1_000_000, logger },
  );
  const credentials = new FixedCredentials({ credentials: { token: TOKEN }, fingerprint: 'scim-fp-1' });
  const results: PollResult[] = [];
  const poll = async (): Promise<PollResult> => {
    const result = await pollConnector({ store, events, credentials, createConnector, clock: systemClock, logger }, { connectorId: CONNECTOR, app: 'scim' });
    results.push(result);
    return result;
  };
  const items = async () => (await dynamo.clients().documentClient.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
  return { store, peer, events, lines, results, poll, items };
}

/** Memberships as `group|account`, sorted. */
function membershipsOf(directory: PeerDirectory): string[] {
  return directory.groups.flatMap((group) => group.members.map((member) => `${group.id}|${member}`)).sort();
}

function identities(directory: PeerDirectory): number {
  return directory.users.filter((user) => user.emails !== undefined || user.userName.includes('@')).length;
}

describe('polls of a scimmy service provider', () => {
  it('inventories a few hundred users and groups, then counts churn and removals exactly', async () => {
    const env = await setup(generatePeerDirectory({ users: 320, groups: 45, seed: 7 }));
    const { directory } = env.peer;

    const first = await env.poll();

    expect(first).toMatchObject({ status: 'CONNECTED', outcome: 'completed', exitCode: 0, anomalies: [] });
    expect(first.counts).toMatchObject({
      total: 320,
      new: 320,
      removed: 0,
      invalid: 0,
      newUsers: identities(directory),
      accessGranted: membershipsOf(directory).length,
      accessRevoked: 0,
    });
    // The connector asks 100 a page (below scimmy's advertised maxResults of 200): four pages of users.
    expect(env.peer.requests('/Users')).toBe(4);
    expect(env.peer.requests('/ServiceProviderConfig')).toBe(1);
    const accounts = await env.store.queryAccounts({ connectorId: CONNECTOR });
    const disabled = directory.users.filter((user) => !user.active).map((user) => user.id).sort();
    expect(disabled.length).toBeGreaterThan(0);
    expect(accounts.filter((account) => account.state === 'disabled').map((account) => account.id).sort()).toEqual(disabled);
    const login = directory.users.find((user) => user.emails === undefined);
    expect(accounts.find((account) => account.id === login?.id)).toMatchObject({
      email: null,
      emailKey: null,
      login: login?.userName,
      externalId: login?.externalId,
      name: `${login?.name?.givenName} ${login?.name?.familyName}`,
    });
    const groups = await env.store.queryGroups({ connectorId: CONNECTOR });
    expect(groups.map((group) => [group.id, group.name, group.memberCount]).sort()).toEqual(
      directory.groups.map((group) => [group.id, group.displayName, group.members.length]).sort(),
    );
    const stored = await env.store.queryMemberships({ connectorId: CONNECTOR });
    expect(stored.map((membership) => `${membership.groupId}|${membership.accountId}`).sort()).toEqual(membershipsOf(directory));

    const effect = churnPeerDirectory(directory, {
      seed: 11,
      adds: 9,
      removals: 6,
      deactivations: 4,
      groupAdds: 2,
      groupRemovals: 1,
      memberAdds: 5,
      memberRemovals: 4,
    });
    const second = await env.poll();

    expect(second).toMatchObject({ status: 'CONNECTED', outcome: 'completed', anomalies: [] });
    expect(second.counts).toMatchObject({
      total: 323,
      new: effect.added,
      removed: effect.removed,
      changed: effect.changed,
      accessGranted: effect.granted,
      accessRevoked: effect.revoked,
    });
    expect(env.events.ofType('AccessGranted').length).toBe(first.counts.accessGranted + effect.granted);
    expect(env.events.ofType('AccessRevoked').length).toBe(effect.revoked);
    expect((await env.store.queryGroups({ connectorId: CONNECTOR })).map((group) => group.id).sort()).toEqual(
      directory.groups.map((group) => group.id).sort(),
    );
    const current = await env.store.queryMemberships({ connectorId: CONNECTOR });
    expect(current.map((membership) => `${membership.groupId}|${membership.accountId}`).sort()).toEqual(membershipsOf(directory));

    const third = await env.poll();
    expect(third.counts).toMatchObject({ total: 323, new: 0, changed: 0, removed: 0, accessGranted: 0, accessRevoked: 0 });
  });

  it('pages small counts through scimmy to the same inventory', async () => {
    const env = await setup(generatePeerDirectory({ users: 200, groups: 30, seed: 3 }), { pageSize: 7 });

    const result = await env.poll();

    expect(result.counts).toMatchObject({ total: 200, new: 200, accessGranted: membershipsOf(env.peer.directory).length });
    expect(env.peer.requests('/Users')).toBe(Math.ceil(200 / 7));
    expect(env.peer.requests('/Groups')).toBe(Math.ceil(30 / 7));
  });

  it('asks for reconnect when scimmy refuses the token, and keeps the token out of every item, event, result and log line', async () => {
    const env = await setup(generatePeerDirectory({ users: 40, groups: 5, seed: 5 }));
    await env.poll();
    env.peer.setToken('another-token');

    const refused = await env.poll();

    expect(refused).toMatchObject({ status: 'RECONNECT_REQUIRED', outcome: 'reconnect-required', exitCode: 3 });
    expect(refused.error).toMatch(/^token rejected \(GET \/Users \(startIndex 1\) answered HTTP 401\)/);
    const everything = JSON.stringify([await env.items(), env.events.events, env.results, env.lines]);
    expect(env.lines.length).toBeGreaterThan(0);
    expect(everything).not.toContain(TOKEN);
  });
});
