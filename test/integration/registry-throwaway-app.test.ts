/**
 * An app is "one folder plus one registry entry": a throwaway app that nothing in the product
 * knows (test/support/acme-app.ts) is registered in a registry of the test's own and polled end
 * to end through the path `rollcall poll` takes (credentials from the environment by the app's
 * declared variables, its factory, `pollConnector`, the DynamoDB store on dynalite), against a
 * real HTTP API on loopback.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { pollLocally, pollResultJson, type LocalPollRequest } from '../../cli/local-poll.ts';
import { appRegistry } from '../../functions/connectors/index.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import { silentLogger } from '../../functions/core/ports.ts';
import { acmeApp, registryWithAcme, startAcmeApi, type AcmeApi, type AcmeUser } from '../support/acme-app.ts';
import { useEmbeddedDynamo } from '../support/embedded-dynamo.ts';
import { MemoryEventSink } from '../fakes/memory-store.ts';

const API_KEY = 'acme-key-canary-5f0e2b';
const USERS: AcmeUser[] = [
  { id: 'a1', email: 'Ada@Example.com', status: 'ACTIVE' },
  { id: 'a2', email: 'grace@example.com', status: 'ACTIVE' },
  { id: 'a3', email: 'linus@example.com', status: 'INVITED' },
  { id: 'a4', email: 'ken@example.com', status: 'ACTIVE' },
  { id: 'a5', email: 'barbara@example.com', status: 'ACTIVE' },
];

const dynamo = useEmbeddedDynamo();
let api: AcmeApi | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
});

async function setup() {
  const { store, tableName } = await dynamo.newStore('registry');
  api = await startAcmeApi(API_KEY, [...USERS]);
  const events = new MemoryEventSink();
  const inventory = { store, events, eventsFile: '(memory)', description: 'dynalite', close: async () => {} };
  const running = api;
  const poll = (env: NodeJS.ProcessEnv) => {
    const request: LocalPollRequest = {
      connectorId: 'acme-main',
      app: 'acme',
      registry: registryWithAcme,
      createConnector: registryWithAcme.createConnectorFactory('acme', { network: 'acme-corp', apiUrl: running.apiUrl }),
      env,
      showProgress: false,
      logger: silentLogger,
    };
    return pollLocally(inventory, request);
  };
  return { store, tableName, events, api: running, poll };
}

describe('a throwaway app registered in a registry of its own', () => {
  it('is polled end to end with its own config, credential variable and API, and diffs like any app', async () => {
    const env = await setup();

    const first = await env.poll({ ACME_API_KEY: API_KEY });

    expect(first).toMatchObject({ app: 'acme', status: 'CONNECTED', outcome: 'completed', exitCode: 0 });
    expect(first.counts).toMatchObject({ total: 5, new: 5, newUsers: 5, associations: 5 });
    // Pages of 2 (the app's default) by the app's own cursor; every request carried its key and network.
    expect(env.api.requests).toHaveLength(3);
    expect(env.api.requests.every((request) => request.apiKey === API_KEY && request.network === 'acme-corp')).toBe(true);
    const stored = await env.store.queryAccounts({ connectorId: 'acme-main' });
    expect(stored.map((account) => [account.id, account.app, account.emailKey, account.state]).sort()).toEqual([
      ['a1', 'acme', 'ada@example.com', 'active'],
      ['a2', 'acme', 'grace@example.com', 'active'],
      ['a3', 'acme', 'linus@example.com', 'pending'],
      ['a4', 'acme', 'ken@example.com', 'active'],
      ['a5', 'acme', 'barbara@example.com', 'active'],
    ]);

    env.api.users = [...USERS.filter((user) => user.id !== 'a2'), { id: 'a6', email: 'margaret@example.com', status: 'ACTIVE' }];
    const second = await env.poll({ ACME_API_KEY: API_KEY });

    expect(second.counts).toMatchObject({ total: 5, new: 1, removed: 1, newUsers: 1 });
  });

  it('turns its API\'s 401 into RECONNECT_REQUIRED, and its key appears in no result, event or stored item', async () => {
    const env = await setup();
    await env.poll({ ACME_API_KEY: API_KEY });

    const rejected = await env.poll({ ACME_API_KEY: `${API_KEY}-revoked` });

    expect(rejected).toMatchObject({ status: 'RECONNECT_REQUIRED', outcome: 'reconnect-required', exitCode: 3 });
    expect(rejected.error).toBe('API key rejected (GET /users answered HTTP 401)');
    const items = await dynamo.clients().client.send(new ScanCommand({ TableName: env.tableName }));
    const everything = JSON.stringify([pollResultJson(rejected), env.events.events, items.Items]);
    expect(everything).not.toContain(API_KEY);
    expect(everything).toContain('RECONNECT_REQUIRED');
  });

  it('reads exactly its declared variable: without it the poll is a usage error naming it, before any request', async () => {
    const env = await setup();

    const failure = await env.poll({ TORQ_CLIENT_ID: 'x', TORQ_CLIENT_SECRET: 'y' }).catch((error: unknown) => error);

    expect(failure).toEqual(new ConfigError('environment variable ACME_API_KEY is not set'));
    expect(env.api.requests).toHaveLength(0);
  });

  it('stays out of the production registry: nothing outside the test knows it', () => {
    expect(appRegistry.has('acme')).toBe(false);
    expect(registryWithAcme.get('acme')).toBe(acmeApp);
  });
});
