/**
 * A Torq connector's config: a region preset, optionally overridden per URL (design.md section 3:
 * some vendor pages omit `/public`, so both base URLs stay configurable).
 */
import * as z from 'zod/mini';
import { ConfigError } from '../../core/errors.ts';
import { checkedEndpointUrl } from '../http/endpoint-url.ts';
import { describeIssues } from './schema.ts';

export const TORQ_REGIONS = {
  us: { apiBaseUrl: 'https://api.torq.io/public/v1alpha', tokenUrl: 'https://auth.torq.io/v1/auth/token' },
  eu: { apiBaseUrl: 'https://api.eu.torq.io/public/v1alpha', tokenUrl: 'https://auth.eu.torq.io/v1/auth/token' },
} as const satisfies Record<string, TorqEndpoints>;

export type TorqRegion = keyof typeof TORQ_REGIONS;

export const torqConfigSchema = z.object({
  /** @default 'us' */
  region: z._default(z.enum(['us', 'eu']), 'us'),
  /** Data API base, including `/public/v1alpha` (`--api-url`). */
  apiUrl: z.optional(z.string().check(z.minLength(1))),
  /** Full token endpoint URL (`--auth-url`). */
  authUrl: z.optional(z.string().check(z.minLength(1))),
  /**
   * The most API calls per second this connector sends (`--max-requests-per-second`): lower it when
   * other clients use the same API key, so that they share Torq's limit of 50 per key.
   * @default 50
   */
  requestsPerSecond: z.optional(z.number()),
});
export type TorqConfig = z.output<typeof torqConfigSchema>;

export interface TorqEndpoints {
  /** Data API base without a trailing slash, e.g. `https://api.torq.io/public/v1alpha`. */
  readonly apiBaseUrl: string;
  readonly tokenUrl: string;
}

/** Validates a config of unknown shape and its URLs; throws `ConfigError` naming the field, never its value. */
export function parseTorqConfig(input: unknown): TorqConfig {
  const result = torqConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    throw new ConfigError(`torq config: ${describeIssues(result.error.issues, input)}`);
  }
  const { requestsPerSecond } = result.data;
  if (requestsPerSecond !== undefined) checkedRequestsPerSecond(requestsPerSecond, 'torq config requestsPerSecond');
  resolveTorqEndpoints(result.data);
  return result.data;
}

/** A ceiling of API calls per second must be a positive, finite number; `label` names where it came from. */
export function checkedRequestsPerSecond(value: number, label: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new ConfigError(`${label}: must be a positive number of requests per second`);
  return value;
}

/**
 * The region's preset with any URL override applied and checked. An API URL on a preset's host
 * takes that preset's token endpoint; on any other host the token endpoint must be given too, or
 * the client credentials would go to Torq's real token endpoint while the data calls go elsewhere.
 */
export function resolveTorqEndpoints(config: TorqConfig): TorqEndpoints {
  const preset = TORQ_REGIONS[config.region];
  if (preset === undefined) throw new ConfigError('torq config: region must be one of us, eu');
  const apiBaseUrl = checkedUrl('apiUrl', '--api-url', config.apiUrl ?? preset.apiBaseUrl).replace(/\/+$/, '');
  let tokenUrl: string = preset.tokenUrl;
  if (config.authUrl !== undefined) tokenUrl = config.authUrl;
  else if (config.apiUrl !== undefined) {
    const sameHost = Object.values(TORQ_REGIONS).find((region) => new URL(region.apiBaseUrl).host === new URL(apiBaseUrl).host);
    if (sameHost === undefined) {
      throw new ConfigError(
        'torq config apiUrl (--api-url) is not on a Torq region host: give the token endpoint too (authUrl, --auth-url)',
      );
    }
    tokenUrl = sameHost.tokenUrl;
  }
  return { apiBaseUrl, tokenUrl: checkedUrl('authUrl', '--auth-url', tokenUrl) };
}

/** Messages name the field and the flag, never the value. */
function checkedUrl(field: string, flag: string, value: string): string {
  return checkedEndpointUrl(value, `torq config ${field} (${flag})`);
}
