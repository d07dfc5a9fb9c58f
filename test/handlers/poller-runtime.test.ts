/**
 * The poller serves whatever apps its registry holds, read from each connector's definition: a
 * connector of the throwaway app gets that app's factory and its secret is read by that app's
 * credential fields; the production registry refuses the same definition, naming the connector.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { POLLER_ENV } from '../../functions/contract/poller-contract.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import type { ConnectorDefinition } from '../../functions/core/types.ts';
import { MemoryDefinitions } from '../fakes/memory-definitions.ts';
import { MemoryEventSink, MemoryStore } from '../fakes/memory-store.ts';
import { acmeApp, registryWithAcme } from '../support/acme-app.ts';

type PollModule = typeof import('../../functions/handlers/poll.ts');
let poll: PollModule;

const env = {
  [POLLER_ENV.tableName]: 'rollcall-inventory',
  [POLLER_ENV.eventBusName]: 'rollcall-events',
  [POLLER_ENV.maxRemovalShare]: '0.5',
  AWS_REGION: 'us-east-1',
};

const definition = (config: Record<string, unknown>): ConnectorDefinition => ({
  connectorId: 'tg',
  app: 'acme',
  config,
  schedule: 'rate(1 hour)',
  enabled: true,
  origin: 'added',
  secretArn: null,
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
  nextDueAt: '2026-11-01T00:00:00.000Z',
});

beforeAll(async () => {
  // The module builds its own handler from the environment when it loads.
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  poll = await import('../../functions/handlers/poll.ts');
  return () => vi.unstubAllEnvs();
});

describe('createPollerRuntime', () => {
  it("reads the connector's app from its definition, with that app's credential fields and the rollcall/<id> secret", async () => {
    const definitions = new MemoryDefinitions();
    await definitions.createDefinition(definition({ network: 'acme' }));
    const runtime = poll.createPollerRuntime(env, { registry: registryWithAcme, definitions });
    const looked: string[] = [];
    // In memory, and credentials that are not there yet: the poll reaches neither AWS nor the app.
    const handler = poll.createPollHandler({
      ...runtime,
      dependencies: {
        ...runtime.dependencies,
        store: new MemoryStore(),
        events: new MemoryEventSink(),
        credentials: {
          get: async (connectorId) => {
            looked.push(runtime.secrets.get(connectorId)?.secretId ?? 'none');
            throw new ConfigError(`secret of connector ${connectorId} cannot be read: the secret does not exist or has no value yet`);
          },
        },
      },
    });

    const summary = await handler({ connectorId: 'tg' });
    expect(summary).toMatchObject({ connectorId: 'tg', status: 'RECONNECT_REQUIRED' });
    expect(looked).toEqual(['rollcall/tg']);
    expect(runtime.secrets.get('tg')).toEqual({ secretId: 'rollcall/tg', fields: acmeApp.credentialFields });
  });

  it("refuses, naming the connector, an app the registry lacks or a config the app refuses", async () => {
    const definitions = new MemoryDefinitions();
    await definitions.createDefinition(definition({ network: 'Acme Corp' }));
    const production = poll.createPollHandler(poll.createPollerRuntime(env, { definitions }));
    await expect(production({ connectorId: 'tg' })).rejects.toThrow(/^connector tg: unknown app: expected one of /);
    const withAcme = poll.createPollHandler(poll.createPollerRuntime(env, { registry: registryWithAcme, definitions }));
    await expect(withAcme({ connectorId: 'tg' })).rejects.toThrow(
      'connector tg: acme config network (--network): must be lower-case letters, digits and hyphens',
    );
  });
});
