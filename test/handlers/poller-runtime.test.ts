/**
 * The poller's composition root serves whatever apps its registry holds: a connector of the
 * throwaway app gets that app's factory and its secret is read by that app's credential fields;
 * the production registry refuses the same environment at cold start, naming the connector.
 */
import { describe, expect, it } from 'vitest';
import { POLLER_ENV } from '../../functions/contract/poller-contract.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import { createPollerRuntime } from '../../functions/handlers/poller-runtime.ts';
import { acmeApp, registryWithAcme } from '../support/acme-app.ts';

const env = {
  [POLLER_ENV.connectors]: JSON.stringify([
    { id: 'tg', app: 'acme', secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rollcall/tg-AbCdEf', config: { network: 'acme' } },
  ]),
  [POLLER_ENV.tableName]: 'rollcall-inventory',
  [POLLER_ENV.eventBusName]: 'rollcall-events',
  [POLLER_ENV.maxRemovalShare]: '0.5',
  AWS_REGION: 'us-east-1',
};

describe('createPollerRuntime', () => {
  it('serves a connector of any app its registry holds, with that app\'s credential fields', () => {
    const runtime = createPollerRuntime(env, { registry: registryWithAcme });

    const served = runtime.connectors.get('tg');
    expect(served?.app).toBe('acme');
    expect(served?.credentialFields).toBe(acmeApp.credentialFields);
    expect(served?.createConnector({ apiKey: 'k' }).app).toBe('acme');
  });

  it('fails the cold start on an app the registry lacks, or a config the app refuses, naming the connector', () => {
    expect(() => createPollerRuntime(env)).toThrow(/^connector tg: unknown app: expected one of /);
    const refused = { ...env, [POLLER_ENV.connectors]: env[POLLER_ENV.connectors]?.replace('"network":"acme"', '"network":"Acme Corp"') };
    expect(() => createPollerRuntime(refused, { registry: registryWithAcme })).toThrow(
      new ConfigError('connector tg: acme config network (--network): must be lower-case letters, digits and hyphens'),
    );
  });
});
