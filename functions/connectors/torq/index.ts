/** The Torq app: its config, its connector and its registration (see `functions/connectors/index.ts`). */
import type { AppDefinition } from '../index.ts';
import { parseTorqConfig, resolveTorqEndpoints } from './config.ts';
import { createTorqConnector } from './torq-connector.ts';

export { parseTorqConfig, resolveTorqEndpoints, TORQ_REGIONS, torqConfigSchema } from './config.ts';
export type { TorqConfig, TorqEndpoints, TorqRegion } from './config.ts';
export { createTorqConnector, TORQ_PAGE_SIZE, TORQ_STREAMS } from './torq-connector.ts';
export type { TorqConnectorOptions, TorqRuntimeOptions, TorqStream } from './torq-connector.ts';

export const torqApp: AppDefinition = {
  app: 'torq',
  createFactory(config, options = {}) {
    const parsed = parseTorqConfig(config);
    const endpoints = resolveTorqEndpoints(parsed);
    // A runtime option (tests, the benchmark) overrides the connector's configured ceiling.
    const requestsPerSecond = options.requestsPerSecond ?? parsed.requestsPerSecond;
    return (credentials) =>
      createTorqConnector({ ...options, ...(requestsPerSecond !== undefined ? { requestsPerSecond } : {}), endpoints, credentials });
  },
};
