/**
 * A SCIM connector's config: where the service provider's SCIM base is (given, or a preset naming
 * a known app's), how many resources one request asks for, and the request budget
 * (research-twingate-scim.md B1, B3).
 */
import * as z from 'zod/mini';
import { ConfigError } from '../../core/errors.ts';
import { isLoopbackHost } from '../../core/loopback.ts';
import { describeIssues } from '../http/zod-issues.ts';

/** SCIM bases of apps known to speak SCIM 2.0, by preset name. */
export const SCIM_PRESETS = {
  /** Quali Torque (qtorque.io): the base its SSO guide gives to Okta and Entra (research B3). */
  torque: 'https://portal.qtorque.io/api/scim',
} as const satisfies Record<string, string>;
export type ScimPreset = keyof typeof SCIM_PRESETS;
export const SCIM_PRESET_NAMES = Object.keys(SCIM_PRESETS) as ScimPreset[];

/**
 * RFC 7644 leaves the page size to the provider, which may cap it silently (WSO2 and Okta's
 * examples at 100, PostHog 200: research B1); 100 is what most ask and most allow.
 */
export const DEFAULT_PAGE_SIZE = 100;
/** Providers cap far below this anyway; it bounds one answer's size (a group page carries members). */
export const MAX_PAGE_SIZE = 1000;
/**
 * No SCIM provider documents a read limit for its SCIM API (Torque included); ten requests a
 * second lists 60,000 users a minute at the default page size and leaves the provider's own
 * identity-provider traffic alone. A 429 slows the limiter further.
 */
export const DEFAULT_REQUESTS_PER_SECOND = 10;

export const scimConfigSchema = z.object({
  /** The SCIM base (`--base-url`), e.g. `https://portal.qtorque.io/api/scim`; `/Users` is appended. */
  baseUrl: z.optional(z.string()),
  /** A known app's base (`--preset torque`), in place of `baseUrl`. */
  preset: z.optional(z.enum(SCIM_PRESET_NAMES as [ScimPreset, ...ScimPreset[]])),
  /** @default 100 */
  pageSize: z._default(z.number(), DEFAULT_PAGE_SIZE),
  /** @default 10 */
  requestsPerSecond: z._default(z.number(), DEFAULT_REQUESTS_PER_SECOND),
});
export type ScimConfig = z.output<typeof scimConfigSchema>;

/** Validates a config of unknown shape; throws `ConfigError` naming the field, never its value. */
export function parseScimConfig(input: unknown): ScimConfig {
  const result = scimConfigSchema.safeParse(input ?? {});
  if (!result.success) throw new ConfigError(`scim config: ${describeIssues(result.error.issues, input)}`);
  const config = result.data;
  if (!Number.isSafeInteger(config.pageSize) || config.pageSize < 1 || config.pageSize > MAX_PAGE_SIZE) {
    throw new ConfigError(`scim config pageSize (--page-size): must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  if (!Number.isFinite(config.requestsPerSecond) || config.requestsPerSecond <= 0) {
    throw new ConfigError('scim config requestsPerSecond (--max-requests-per-second): must be a positive number');
  }
  scimBaseUrl(config);
  return config;
}

/**
 * The SCIM base the token is sent to, without a trailing slash: the preset's, or `baseUrl`. Exactly
 * one must be given: a token meant for one app must not reach another's host because a preset
 * was left in place. Plain http is refused except to this machine (simulators, test servers).
 */
export function scimBaseUrl(config: Pick<ScimConfig, 'baseUrl' | 'preset'>): string {
  if (config.baseUrl !== undefined && config.preset !== undefined) {
    throw new ConfigError('scim config: give baseUrl (--base-url) or preset (--preset), not both');
  }
  if (config.preset !== undefined) return SCIM_PRESETS[config.preset];
  if (config.baseUrl === undefined) {
    throw new ConfigError(`scim config: baseUrl (--base-url) is required, or preset (--preset ${SCIM_PRESET_NAMES.join('|')})`);
  }
  const fail = (reason: string): never => {
    throw new ConfigError(`scim config baseUrl (--base-url): ${reason}`);
  };
  let url: URL;
  try {
    url = new URL(config.baseUrl);
  } catch {
    return fail('not a valid absolute URL');
  }
  if (url.username !== '' || url.password !== '') fail('must not embed credentials');
  if (url.search !== '' || url.hash !== '') fail('must not carry a query or fragment');
  if (url.protocol === 'http:') {
    if (!isLoopbackHost(url.hostname)) fail('plain http is allowed only to loopback (127.0.0.0/8, ::1, localhost); use https');
  } else if (url.protocol !== 'https:') {
    fail('must be an https URL');
  }
  return url.href.replace(/\/+$/, '');
}
