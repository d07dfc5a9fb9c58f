/** The Twingate app: its config, its credentials, its connector and its registration (see `functions/connectors/index.ts`). */
import { requiredCredentials, type AppDefinition, type ConnectorRuntimeOptions } from '../app-definition.ts';
import type { ConnectorCredentials } from '../../core/ports.ts';
import { parseTwingateConfig, twingateEndpoint } from './config.ts';
import { createTwingateProvisioner } from './provisioner.ts';
import { createTwingateConnector, type TwingateConnectorOptions } from './twingate-connector.ts';

export {
  DEFAULT_PAGE_SIZE,
  DEFAULT_REQUESTS_PER_MINUTE,
  MAX_PAGE_SIZE,
  parseTwingateConfig,
  twingateConfigSchema,
  twingateEndpoint,
} from './config.ts';
export type { TwingateConfig } from './config.ts';
export { createTwingateProvisioner, TWINGATE_CHANGEABLE_GROUP_TYPES, vendorReason } from './provisioner.ts';
export type { TwingateProvisionerOptions } from './provisioner.ts';
export { createTwingateConnector, TWINGATE_RETRY_POLICY, TWINGATE_STREAMS } from './twingate-connector.ts';
export type { TwingateConnectorOptions, TwingateRuntimeOptions, TwingateStream } from './twingate-connector.ts';

export const twingateApp: AppDefinition = {
  name: 'twingate',
  title: 'Twingate',
  configFields: [
    { key: 'network', description: "the network's name, as in NAME.twingate.com", required: true, example: 'acme', flag: { name: '--network', value: 'NAME' } },
    {
      key: 'apiUrl',
      description: 'the full GraphQL endpoint, replacing https://NAME.twingate.com/api/graphql/ (tests and proxies)',
      required: false,
      flag: { name: '--api-url', value: 'URL' },
    },
    { key: 'pageSize', description: 'users, groups and members per request (1-100)', required: false, default: 50, flag: { name: '--page-size', value: 'N' } },
    {
      key: 'requestsPerMinute',
      description: 'the most API requests per minute (Twingate allows 60 reads per minute; lower it when other clients share the network)',
      required: false,
      default: 50,
      flag: { name: '--max-requests-per-minute', value: 'N' },
    },
  ],
  credentialFields: [{ key: 'apiKey', env: 'TWINGATE_API_KEY', description: 'a Twingate API key (Read only is enough to poll; grant and revoke need Read & Write)' }],
  createFactory(config, options = {}) {
    const settings = connectorSettings(config, options);
    return (credentials) => createTwingateConnector(settings(credentials));
  },
  createProvisionerFactory(config, options = {}) {
    const settings = connectorSettings(config, options);
    return (credentials) =>
      createTwingateProvisioner({
        ...settings(credentials),
        ...(options.writeRequestsPerSecond !== undefined ? { writesPerSecond: options.writeRequestsPerSecond } : {}),
      });
  },
};

/** The config validated once (a bad one fails before any credentials are read), then the options of one set of credentials. */
function connectorSettings(config: unknown, options: ConnectorRuntimeOptions): (credentials: ConnectorCredentials) => TwingateConnectorOptions {
  const parsed = parseTwingateConfig(config);
  const endpoint = twingateEndpoint(parsed);
  // A runtime option (tests, the benchmark) overrides the connector's configured budget.
  const requestsPerSecond = options.requestsPerSecond ?? parsed.requestsPerMinute / 60;
  return (credentials) => ({
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.maxResponseBytes !== undefined ? { maxResponseBytes: options.maxResponseBytes } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    requestsPerSecond,
    endpoint,
    pageSize: parsed.pageSize,
    apiKey: requiredCredentials('twingate', credentials, ['apiKey']).apiKey,
  });
}
