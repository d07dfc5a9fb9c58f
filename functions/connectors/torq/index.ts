/** The Torq app: its config, its credentials, its connector and its registration (see `functions/connectors/index.ts`). */
import { requiredCredentials, type AppDefinition } from '../app-definition.ts';
import { parseTorqConfig, resolveTorqEndpoints } from './config.ts';
import { createTorqConnector } from './torq-connector.ts';

export { parseTorqConfig, resolveTorqEndpoints, TORQ_REGIONS, torqConfigSchema } from './config.ts';
export type { TorqConfig, TorqEndpoints, TorqRegion } from './config.ts';
export { createTorqConnector, TORQ_PAGE_SIZE, TORQ_STREAMS } from './torq-connector.ts';
export type { TorqConnectorOptions, TorqRuntimeOptions, TorqStream } from './torq-connector.ts';

export const torqApp: AppDefinition = {
  name: 'torq',
  title: 'Torq',
  configFields: [
    { key: 'region', description: "Torq's region: us or eu", required: false, default: 'us', choices: ['us', 'eu'], flag: { name: '--region', value: 'REGION' } },
    { key: 'apiUrl', description: 'data API base URL, including /public/v1alpha (tests and proxies)', required: false, flag: { name: '--api-url', value: 'URL' } },
    { key: 'authUrl', description: 'token endpoint URL; required with an --api-url off Torq hosts', required: false, flag: { name: '--auth-url', value: 'URL' } },
    {
      key: 'requestsPerSecond',
      description: "the most API calls per second (Torq allows 50 per key; lower it when other clients share the key)",
      required: false,
      default: 50,
      flag: { name: '--max-requests-per-second', value: 'N' },
    },
  ],
  credentialFields: [
    { key: 'clientId', env: 'TORQ_CLIENT_ID', description: 'client id of a Torq API key with the user.read scope' },
    { key: 'clientSecret', env: 'TORQ_CLIENT_SECRET', description: 'client secret of that API key' },
  ],
  createFactory(config, options = {}) {
    const parsed = parseTorqConfig(config);
    const endpoints = resolveTorqEndpoints(parsed);
    // A runtime option (tests, the benchmark) overrides the connector's configured ceiling.
    const requestsPerSecond = options.requestsPerSecond ?? parsed.requestsPerSecond;
    return (credentials) =>
      createTorqConnector({
        ...options,
        ...(requestsPerSecond !== undefined ? { requestsPerSecond } : {}),
        endpoints,
        credentials: requiredCredentials('torq', credentials, ['clientId', 'clientSecret']),
      });
  },
};
