/**
 * A Twingate connector's config: the network's slug (`{network}.twingate.com`), optionally the
 * full GraphQL endpoint in its place (tests, the simulator, a proxy), the page size and the
 * request budget (research-twingate-scim.md A1, A2, A4).
 */
import * as z from 'zod/mini';
import { ConfigError } from '../../core/errors.ts';
import { checkedEndpointUrl } from '../http/endpoint-url.ts';
import { describeIssues } from '../http/zod-issues.ts';

/**
 * Twingate documents no maximum page size; 50 is what its own clients use (Terraform, twingate-node).
 * The ceiling keeps the groups stream's cursor (which carries up to one page of groups still owing
 * member pages) well inside the core's cursor limit.
 */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/**
 * Twingate allows 60 read requests per minute (research A4); this budget leaves a sixth of it for
 * other clients of the same network (Terraform, scripts, the admin's own tools) and for a window
 * that does not line up with ours. Requests are spaced evenly (1.2 s apart), so no minute of
 * Twingate's can see more than 51 of ours; the adaptive limiter cuts further on a 429.
 */
export const DEFAULT_REQUESTS_PER_MINUTE = 50;
export const TWINGATE_READ_LIMIT_PER_MINUTE = 60;

/** A DNS label: the part before `.twingate.com`. */
const NETWORK_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const twingateConfigSchema = z.object({
  network: z.string(),
  /** The full GraphQL endpoint (`--api-url`), replacing `https://{network}.twingate.com/api/graphql/`. */
  apiUrl: z.optional(z.string()),
  /** @default 50 */
  pageSize: z._default(z.number(), DEFAULT_PAGE_SIZE),
  /** @default 50 */
  requestsPerMinute: z._default(z.number(), DEFAULT_REQUESTS_PER_MINUTE),
});
export type TwingateConfig = z.output<typeof twingateConfigSchema>;

/** Validates a config of unknown shape; throws `ConfigError` naming the field, never its value. */
export function parseTwingateConfig(input: unknown): TwingateConfig {
  const result = twingateConfigSchema.safeParse(input ?? {});
  if (!result.success) throw new ConfigError(`twingate config: ${describeIssues(result.error.issues, input)}`);
  const config = result.data;
  if (!NETWORK_PATTERN.test(config.network)) {
    throw new ConfigError(
      'twingate config network (--network): not a Twingate network name; give the slug before .twingate.com ' +
        '(lower-case letters, digits and inner hyphens)',
    );
  }
  if (!Number.isSafeInteger(config.pageSize) || config.pageSize < 1 || config.pageSize > MAX_PAGE_SIZE) {
    throw new ConfigError(`twingate config pageSize (--page-size): must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  if (!Number.isFinite(config.requestsPerMinute) || config.requestsPerMinute <= 0 || config.requestsPerMinute > TWINGATE_READ_LIMIT_PER_MINUTE) {
    throw new ConfigError(
      `twingate config requestsPerMinute (--max-requests-per-minute): must be a positive number, at most Twingate's ${TWINGATE_READ_LIMIT_PER_MINUTE}`,
    );
  }
  twingateEndpoint(config);
  return config;
}

/**
 * The GraphQL endpoint the key is sent to: the network's own host, or `apiUrl`. The key travels
 * on it, so plain http is refused except to this machine (the simulator and test servers).
 */
export function twingateEndpoint(config: Pick<TwingateConfig, 'network' | 'apiUrl'>): string {
  if (config.apiUrl === undefined) return `https://${config.network}.twingate.com/api/graphql/`;
  return checkedEndpointUrl(config.apiUrl, 'twingate config apiUrl (--api-url)');
}

/**
 * Where Twingate may send a client: its regional hosts (`{network}.us1.twingate.com`), always
 * https. Anything else could be handed the API key, so it is refused.
 */
export function isTwingateHost(url: URL): boolean {
  return url.protocol === 'https:' && url.username === '' && url.password === '' && /^([a-z0-9-]+\.)+twingate\.com$/.test(url.hostname);
}

/**
 * Twingate allows 20 write requests per minute (research A4), counted apart from reads: the
 * provisioner's mutations go through a limiter of their own at this budget, so a grant never
 * spends the listing's read budget and a burst of grants never exceeds Twingate's.
 */
export const TWINGATE_WRITE_LIMIT_PER_MINUTE = 20;
