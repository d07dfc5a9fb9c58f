/**
 * The rest of the Twingate fault matrix through the whole collector (connector over loopback HTTP,
 * pollConnector, DynamoDB on dynalite), beside `twingate-poll.test.ts`: faults the API recovers
 * from must end in a complete inventory, and a Torq person met again in Twingate is an
 * association, not a new user. The regional redirect is proven at the connector
 * (`test/connectors/twingate`): a loopback server cannot stand at `*.twingate.com`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createConnectorFactory } from '../../functions/connectors/index.ts';
import { pollConnector, type PollResult } from '../../functions/core/poll.ts';
import { silentLogger, systemClock, type InventoryStore } from '../../functions/core/ports.ts';
import {
  generateTwingateWorkspace,
  startTwingateSimulator,
  type TwingateSimFaults,
  type TwingateSimulator,
  type TwingateSimWorkspace,
} from '../../simulators/twingate/index.ts';
import { generateWorkspace, startTorqSimulator, type TorqSimulator } from '../../simulators/torq/index.ts';
import { FixedCredentials, MemoryEventSink } from '../fakes/memory-store.ts';
import { useEmbeddedDynamo } from '../support/embedded-dynamo.ts';

const API_KEY = 'tgk-collector-faults-canary-93b1';
const TORQ_CREDENTIALS = { clientId: 'cross-app-client', clientSecret: 'cross-app-secret' };

const dynamo = useEmbeddedDynamo();
const running: (TwingateSimulator | TorqSimulator)[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

/** Memberships a complete listing must store: every member of every group that is not SYSTEM. */
function explicitMemberships(workspace: TwingateSimWorkspace): number {
  return workspace.groups.filter((group) => group.type !== 'SYSTEM').reduce((sum, group) => sum + new Set(group.memberIds).size, 0);
}

async function twingate(store: InventoryStore, workspace: TwingateSimWorkspace, faults: Partial<TwingateSimFaults> = {}) {
  const sim = await startTwingateSimulator({ workspace, apiKey: API_KEY, faults });
  running.push(sim);
  const events = new MemoryEventSink();
  const createConnector = createConnectorFactory(
    'twingate',
    { network: 'acme', apiUrl: sim.apiUrl },
    // Retry-After is honoured on fake time in the connector's tests; here a wait is capped at 0 s.
    { retry: { limit: 3, backoffLimitMs: 0, maxRetryAfterSeconds: 0 }, requestsPerSecond: 1_000_000 },
  );
  const credentials = new FixedCredentials({ credentials: { apiKey: API_KEY }, fingerprint: 'tg-fp' });
  const poll = (): Promise<PollResult> =>
    pollConnector(
      { store, events, credentials, createConnector, clock: systemClock, logger: silentLogger },
      { connectorId: 'tg', app: 'twingate' },
    );
  return { sim, events, poll };
}

describe('the Twingate fault matrix through the whole collector', () => {
  it.each([
    ['429 with Retry-After in seconds', { rateLimit: { count: 2, retryAfter: 7 } }, { 429: 2 }],
    ['429 with Retry-After as an HTTP date', { rateLimit: { count: 1, retryAfter: 'Wed, 21 Oct 2015 07:28:00 GMT' } }, { 429: 1 }],
    ['429 without Retry-After', { rateLimit: { count: 2 } }, { 429: 2 }],
    ['5xx answers', { serverErrors: { count: 2, status: 503 } }, { 503: 2 }],
    ['pages clamped below the size asked', { clampPageSize: 7 }, {}],
  ] as const)('recovers from %s: every account, group and membership is stored', async (_case, faults, refused) => {
    const { store } = await dynamo.newStore('faults');
    const workspace = generateTwingateWorkspace({ users: 90, groups: 3, largeGroupMembers: 70, seed: 21 });
    const env = await twingate(store, workspace, faults);

    const result = await env.poll();

    expect(result).toMatchObject({ status: 'CONNECTED', outcome: 'completed', exitCode: 0 });
    expect(result.counts).toMatchObject({ total: 90, new: 90, removed: 0, accessGranted: explicitMemberships(workspace) });
    expect(result.anomalies).toEqual([]);
    // The faults were met (and retried), not skipped.
    expect(env.sim.stats().byStatus).toMatchObject(refused);
    if ('clampPageSize' in faults) expect(result.pages).toBeGreaterThan(Math.ceil(90 / 50) + 1 + Math.ceil(70 / 50) - 1);
    const memberships = await store.queryMemberships({ connectorId: 'tg' });
    expect(memberships).toHaveLength(explicitMemberships(workspace));
    expect((await store.queryGroups({ connectorId: 'tg' })).map((group) => group.id).sort()).toEqual(
      workspace.groups.map((group) => group.id).sort(),
    );
  });

  it('keeps accounts without an email by id: no identity, no new user', async () => {
    const { store } = await dynamo.newStore('null-emails');
    const workspace = generateTwingateWorkspace({ users: 40, groups: 2, largeGroupMembers: 30, seed: 5 });
    const env = await twingate(store, workspace, { nullEmails: 4 });

    const result = await env.poll();

    expect(result.counts).toMatchObject({ total: 40, new: 40, newUsers: 36, associations: 36, invalid: 0 });
    const accounts = await store.queryAccounts({ connectorId: 'tg' });
    expect(accounts.filter((account) => account.emailKey === null)).toHaveLength(4);
  });
});

describe('one person across Torq and Twingate', () => {
  it('is a new user in the first app and a new association in the second', async () => {
    const { store } = await dynamo.newStore('cross-app');
    const torqWorkspace = generateWorkspace({ users: 30, seed: 9 });
    const torqSim = await startTorqSimulator({ workspace: torqWorkspace, credentials: TORQ_CREDENTIALS });
    running.push(torqSim);
    const torqPoll = await pollConnector(
      {
        store,
        events: new MemoryEventSink(),
        credentials: new FixedCredentials({ credentials: TORQ_CREDENTIALS, fingerprint: 'torq-fp' }),
        createConnector: createConnectorFactory(
          'torq',
          { apiUrl: torqSim.apiUrl, authUrl: torqSim.authUrl },
          { requestsPerSecond: 1_000_000, retry: { limit: 1, backoffLimitMs: 0 } },
        ),
        clock: systemClock,
        logger: silentLogger,
      },
      { connectorId: 'torq', app: 'torq' },
    );
    expect(torqPoll.counts).toMatchObject({ total: 30, newUsers: 30 });

    // Ten Twingate users are people Torq already holds, written as people do: another case, spaces.
    const workspace = generateTwingateWorkspace({ users: 25, groups: 2, largeGroupMembers: 20, seed: 10 });
    const shared = torqWorkspace.users.slice(0, 10).map((user) => user.email);
    shared.forEach((email, index) => {
      const user = workspace.users[index];
      if (user !== undefined) user.email = ` ${email.toUpperCase()} `;
    });
    const env = await twingate(store, workspace);

    const result = await env.poll();

    expect(result.counts).toMatchObject({ total: 25, new: 25, newUsers: 15, associations: 25 });
    const discovered = env.events.ofType('UserDiscovered').map((event) => ('emailKey' in event.detail ? event.detail.emailKey : null));
    expect(discovered).toHaveLength(15);
    for (const email of shared) expect(discovered).not.toContain(email.trim().toLowerCase());
    const associations = env.events.ofType('AppAssociationDiscovered');
    expect(associations).toHaveLength(25);
  });
});
