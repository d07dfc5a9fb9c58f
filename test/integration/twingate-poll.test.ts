/**
 * The whole collector against the Twingate simulator: the connector over loopback HTTP, the
 * DynamoDB store on in-process dynalite, the core's poll in between. Retries wait 0 ms here; that
 * the waits are honoured is proven on fake time in the connector's own tests. Group and membership
 * diffing is the core's; here the accounts a poll keeps, and what it refuses to conclude.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createConnectorFactory } from '../../functions/connectors/index.ts';
import { pollConnector, type PollResult } from '../../functions/core/poll.ts';
import type { Logger } from '../../functions/core/ports.ts';
import { systemClock } from '../../functions/core/ports.ts';
import {
  applyTwingateChurn,
  generateTwingateWorkspace,
  startTwingateSimulator,
  type TwingateSimFaults,
  type TwingateSimulator,
} from '../../simulators/twingate/index.ts';
import { FixedCredentials, MemoryEventSink } from '../fakes/memory-store.ts';
import { useEmbeddedDynamo } from '../support/embedded-dynamo.ts';

const API_KEY = 'tgk-integration-canary-41d7';
const CONNECTOR = 'tg-it';

const dynamo = useEmbeddedDynamo();
let simulator: TwingateSimulator | null = null;

afterEach(async () => {
  await simulator?.close();
  simulator = null;
});

async function setup(users: number, faults: Partial<TwingateSimFaults> = {}) {
  const { store, tableName } = await dynamo.newStore('tg');
  const sim = await startTwingateSimulator({
    workspace: generateTwingateWorkspace({ users, largeGroupMembers: Math.min(users, 120), seed: 13 }),
    apiKey: API_KEY,
    faults,
  });
  simulator = sim;
  const events = new MemoryEventSink();
  const lines: string[] = [];
  const log = (level: string) => (message: string, attributes?: object) => lines.push(`${level} ${message} ${JSON.stringify(attributes ?? {})}`);
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const createConnector = createConnectorFactory(
    'twingate',
    { network: 'acme', apiUrl: sim.apiUrl },
    { retry: { limit: 2, backoffLimitMs: 0, maxRetryAfterSeconds: 0 }, requestsPerSecond: 1_000_000, logger },
  );
  const credentials = new FixedCredentials({ credentials: { apiKey: API_KEY }, fingerprint: 'fp-1' });
  const results: PollResult[] = [];
  const poll = async (): Promise<PollResult> => {
    const result = await pollConnector(
      { store, events, credentials, createConnector, clock: systemClock, logger },
      { connectorId: CONNECTOR, app: 'twingate' },
    );
    results.push(result);
    return result;
  };
  const active = async () => (await store.queryAccounts({ connectorId: CONNECTOR })).filter((account) => account.removedAt === null);
  const items = async () => (await dynamo.clients().documentClient.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
  return { store, sim, events, lines, results, poll, active, items };
}

describe('a poll against the simulated Twingate API', () => {
  it('inventories every account with role and state, then reports churn exactly', async () => {
    const env = await setup(150);
    const first = await env.poll();
    expect(first).toMatchObject({ status: 'CONNECTED', outcome: 'completed', exitCode: 0 });
    expect(first.counts).toMatchObject({ total: 150, new: 150, newUsers: 150, invalid: 0 });
    const stored = await env.active();
    const user = env.sim.workspace.users[0]!;
    expect(stored.find((account) => account.id === user.id)).toMatchObject({
      app: 'twingate',
      roleId: user.role,
      roleName: user.role,
      status: user.state,
      emailKey: user.email,
    });

    applyTwingateChurn(env.sim.workspace, { seed: 3, adds: 5, removals: 4, roleChanges: 6, stateChanges: 2, memberAdds: 3 });
    const second = await env.poll();
    expect(second).toMatchObject({ status: 'CONNECTED', outcome: 'completed' });
    expect(second.counts).toMatchObject({ total: 151, new: 5, changed: 8, removed: 4, newUsers: 5 });
  });

  it('asks for reconnect on a 401, and then leaves the API alone with the same key', async () => {
    const env = await setup(40, { rejectKey: true });
    const rejected = await env.poll();
    expect(rejected).toMatchObject({ status: 'RECONNECT_REQUIRED', outcome: 'reconnect-required', exitCode: 3 });
    expect(rejected.error).toMatch(/API key rejected/);
    expect(env.events.ofType('ConnectorReconnectRequired')).toHaveLength(1);

    env.sim.resetStats();
    expect((await env.poll()).outcome).toBe('skipped');
    expect(env.sim.stats().requests).toBe(0);
  });

  it.each([
    ['an unknown network (404)', { unknownNetwork: true }],
    ['an HTML sign-in page', { htmlBody: true }],
  ] as const)('ends on %s as a config error naming network, listing nothing', async (_case, faults) => {
    const env = await setup(40, faults);
    const result = await env.poll();
    expect(result.exitCode).toBe(2);
    expect(result.error).toContain('network (--network)');
    expect(await env.active()).toEqual([]);
  });

  it.each([
    ['with partial data', { graphqlErrors: { count: 1, partial: true } }],
    ['without data', { graphqlErrors: { count: 1 } }],
  ] as const)('fails the poll on errors[] in a 200 %s, and removes nothing', async (_case, faults) => {
    const env = await setup(120);
    await env.poll();
    env.sim.setFaults(faults);
    applyTwingateChurn(env.sim.workspace, { seed: 8, removals: 10 });

    const result = await env.poll();

    expect(result).toMatchObject({ status: 'ERROR', outcome: 'transient-error', exitCode: 4 });
    expect(result.error).toMatch(/GraphQL error/);
    expect(result.counts.removed).toBe(0);
    expect(await env.active()).toHaveLength(120);
    expect((await env.poll()).counts).toMatchObject({ removed: 10, total: 110 });
  });

  it('fails a listing whose cursor repeats, and removes nothing', async () => {
    const env = await setup(120);
    await env.poll();
    env.sim.setFaults({ repeatCursor: true });
    const result = await env.poll();
    expect(result).toMatchObject({ status: 'ERROR', exitCode: 1 });
    expect(result.error).toMatch(/repeated a page token/);
    expect(await env.active()).toHaveLength(120);
  });

  it('keeps the key out of every stored item, event, result and log line', async () => {
    const env = await setup(60);
    await env.poll();
    for (const faults of [{ rejectKey: true }, { graphqlErrors: { count: 1, partial: true } }, { htmlBody: true }] as const) {
      env.sim.clearFaults();
      env.sim.setFaults(faults);
      await env.poll();
    }
    const everything = JSON.stringify([await env.items(), env.events.events, env.results, env.lines]);
    expect(env.lines.length).toBeGreaterThan(0);
    expect(everything).not.toContain(API_KEY);
  });
});
