/** The SCIM app: its config, its credentials, its connector and its registration (see `functions/connectors/index.ts`). */
import { requiredCredentials, type AppDefinition } from '../app-definition.ts';
import { ConfigError } from '../../core/errors.ts';
import { DEFAULT_PAGE_SIZE, DEFAULT_REQUESTS_PER_SECOND, MAX_PAGE_SIZE, parseScimConfig, SCIM_PRESET_NAMES, scimBaseUrl } from './config.ts';
import { createScimConnector } from './scim-connector.ts';

export {
  DEFAULT_PAGE_SIZE,
  DEFAULT_REQUESTS_PER_SECOND,
  MAX_PAGE_SIZE,
  parseScimConfig,
  SCIM_PRESETS,
  SCIM_PRESET_NAMES,
  scimBaseUrl,
  scimConfigSchema,
} from './config.ts';
export type { ScimConfig, ScimPreset } from './config.ts';
export { createScimConnector, SCIM_STREAMS } from './scim-connector.ts';
export type { ScimConnectorOptions, ScimRuntimeOptions, ScimStream } from './scim-connector.ts';

/**
 * The token as the provider expects it after `Bearer `: people paste it with the word, as the
 * identity provider's form showed it, or without (research-twingate-scim.md B3).
 */
export function bearerToken(token: string): string {
  const bare = token.replace(/^bearer(?:\s+|$)/i, '').trim();
  if (bare === '') throw new ConfigError("scim credentials lack 'token'");
  return bare;
}

export const scimApp: AppDefinition = {
  name: 'scim',
  title: 'SCIM 2.0',
  configFields: [
    {
      key: 'baseUrl',
      description: 'the SCIM base URL, before /Users (e.g. https://portal.qtorque.io/api/scim); or give --preset',
      required: false,
      flag: { name: '--base-url', value: 'URL' },
    },
    {
      key: 'preset',
      description: `a known app's SCIM base in place of --base-url: ${SCIM_PRESET_NAMES.join(', ')} (Quali Torque)`,
      required: false,
      // The example makes the example config valid: a SCIM connector needs one of baseUrl and preset.
      example: 'torque',
      choices: SCIM_PRESET_NAMES,
      flag: { name: '--preset', value: 'APP' },
    },
    {
      key: 'pageSize',
      description: `resources asked per request (1-${MAX_PAGE_SIZE}; the provider may return fewer)`,
      required: false,
      default: DEFAULT_PAGE_SIZE,
      flag: { name: '--page-size', value: 'N' },
    },
    {
      key: 'requestsPerSecond',
      description: 'the most SCIM requests per second (no provider documents a limit; lower it when others share the token)',
      required: false,
      default: DEFAULT_REQUESTS_PER_SECOND,
      flag: { name: '--max-requests-per-second', value: 'N' },
    },
  ],
  credentialFields: [
    { key: 'token', env: 'SCIM_TOKEN', description: 'the SCIM bearer token (for Quali Torque: a long token of an account admin; "Bearer " is stripped)' },
  ],
  createFactory(config, options = {}) {
    const parsed = parseScimConfig(config);
    const baseUrl = scimBaseUrl(parsed);
    // A runtime option (tests, the benchmark) overrides the connector's configured budget.
    const requestsPerSecond = options.requestsPerSecond ?? parsed.requestsPerSecond;
    return (credentials) =>
      createScimConnector({
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.maxResponseBytes !== undefined ? { maxResponseBytes: options.maxResponseBytes } : {}),
        ...(options.retry ? { retry: options.retry } : {}),
        requestsPerSecond,
        baseUrl,
        pageSize: parsed.pageSize,
        token: bearerToken(requiredCredentials('scim', credentials, ['token']).token),
      });
  },
};
