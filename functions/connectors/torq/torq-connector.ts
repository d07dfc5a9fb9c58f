/**
 * The Torq connector (design.md sections 3 and 5): one page of one listing per call; the core
 * drives paging. Roles are read once per connector instance to name each account's role.
 */
import { AuthError, ContractError } from '../../core/errors.ts';
import {
  silentLogger,
  systemClock,
  type AccountPage,
  type Clock,
  type Connector,
  type Logger,
} from '../../core/ports.ts';
import type { Account, InvalidRecord, StoredAccount } from '../../core/types.ts';
import type { TorqEndpoints } from './config.ts';
import { createHttpClient, DEFAULT_RETRY_POLICY, HttpStatusError, type RetryPolicy } from '../http/http-client.ts';
import { errorFromStatus } from '../http/status-errors.ts';
import { createPageGuard } from '../../core/page-guard.ts';
import { createStringPool } from '../../core/string-pool.ts';
import { toAccount, type RoleNames } from './map.ts';
import { createRateLimiter, type PaceClaim } from '../http/rate-limiter.ts';
import { createStreamShares } from '../http/stream-shares.ts';
import { describeIssues, parseTorqUser, rolesPageSchema, torqRoleSchema, usersPageSchema } from './schema.ts';
import { createTokenSource, type ClientCredentials } from '../http/token-source.ts';

/** `local`: users provisioned in Torq; `sso`: users provisioned by SSO. Together, every user. */
export const TORQ_STREAMS = ['local', 'sso'] as const;
export type TorqStream = (typeof TORQ_STREAMS)[number];

/** Torq's maximum page size. */
export const TORQ_PAGE_SIZE = 100;

export interface TorqRuntimeOptions {
  /** Ids, counts and status codes only. */
  readonly logger?: Logger;
  /** Token expiry is judged by this clock. @default systemClock */
  readonly clock?: Clock;
  /** For instrumentation and tests. @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch;
  /** Per attempt, for the whole exchange: connecting, the headers and the last byte of the body. @default 30_000 */
  readonly timeoutMs?: number;
  /** Upper bound of one answer's body in bytes; a larger answer fails the page. @default 16 MiB */
  readonly maxResponseBytes?: number;
  /** @default { limit: 4, backoffLimitMs: 10_000, maxRetryAfterSeconds: 60 } */
  readonly retry?: Partial<RetryPolicy>;
  /**
   * The most API calls per second, retries included: the ceiling of the adaptive limiter, which
   * starts there, backs off on 429s and creeps back up (`rate-limiter.ts`). @default 50
   */
  readonly requestsPerSecond?: number;
  /** Refresh a token this long before it expires. @default 60_000 */
  readonly tokenRefreshMarginMs?: number;
  /** Upper bound of role pages; reaching it fails the listing. @default 100 */
  readonly maxRolePages?: number;
}

export interface TorqConnectorOptions extends TorqRuntimeOptions {
  readonly endpoints: TorqEndpoints;
  readonly credentials: ClientCredentials;
}

/**
 * Torq documents 50 requests per second per API key (design.md section 3), and a Rollcall
 * connector has a service key of its own, so it paces at that limit; a connector whose key other
 * clients share configures a lower ceiling.
 */
export const DEFAULT_REQUESTS_PER_SECOND = 50;
const DEFAULT_MAX_ROLE_PAGES = 100;

interface ApiCall {
  /** Below the API base, e.g. `/users`. */
  readonly path: string;
  readonly label: string;
  readonly searchParams: URLSearchParams;
  /** The reason of the `PermissionError` a 403 becomes. */
  readonly forbiddenReason: string;
  /** The listing stream's share of the rate, if it claims one. */
  readonly pace?: PaceClaim | undefined;
}

export function createTorqConnector(options: TorqConnectorOptions): Connector {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const { apiBaseUrl, tokenUrl } = options.endpoints;
  const transport = {
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.maxResponseBytes !== undefined ? { maxResponseBytes: options.maxResponseBytes } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    logger,
  };
  const api = createHttpClient({
    ...transport,
    // One limiter for every call of this connector (roles and both listings): they share one API key.
    rateLimiter: createRateLimiter({
      requestsPerSecond: options.requestsPerSecond ?? DEFAULT_REQUESTS_PER_SECOND,
      maxHoldSeconds: options.retry?.maxRetryAfterSeconds ?? DEFAULT_RETRY_POLICY.maxRetryAfterSeconds,
    }),
  });
  const tokens = createTokenSource({
    http: createHttpClient(transport),
    tokenUrl,
    credentials: options.credentials,
    clock,
    ...(options.tokenRefreshMarginMs !== undefined ? { refreshMarginMs: options.tokenRefreshMarginMs } : {}),
    logger,
  });
  const maxRolePages = options.maxRolePages ?? DEFAULT_MAX_ROLE_PAGES;
  let roleNames: Promise<RoleNames> | null = null;
  // Lives as long as the connector: one listing.
  const pool = createStringPool();
  const shares = createStreamShares();

  /**
   * One GET carrying a bearer token that is checked before every attempt, so a retry wait that
   * outlasts the token refreshes it first. `null` when answered 401; the token is then forgotten.
   */
  async function sendWithToken(call: ApiCall): Promise<string | null> {
    const sent: { token: string | null } = { token: null };
    try {
      return await api.send({
        method: 'GET',
        url: `${apiBaseUrl}${call.path}`,
        label: call.label,
        searchParams: call.searchParams,
        ...(call.pace ? { pace: call.pace } : {}),
        beforeAttempt: async (headers) => {
          sent.token = await tokens.get();
          headers.set('authorization', `Bearer ${sent.token}`);
        },
      });
    } catch (error) {
      if (!(error instanceof HttpStatusError && error.status === 401)) throw apiError(error, call);
      if (sent.token !== null) tokens.invalidate(sent.token);
      return null;
    }
  }

  async function getJson(call: ApiCall): Promise<unknown> {
    let text = await sendWithToken(call);
    if (text === null) {
      // Expired or revoked mid-listing: refresh once, silently (design.md section 5).
      logger.info('access token refused; refreshing once', { request: call.label });
      text = await sendWithToken(call);
    }
    if (text === null) throw new AuthError(`credentials rejected (${call.label} answered HTTP 401 with a fresh token)`);
    try {
      return JSON.parse(text);
    } catch {
      throw new ContractError(`${call.label} answered HTTP 200 with a body that is not JSON`);
    }
  }

  async function fetchRoleNames(): Promise<RoleNames> {
    const names = new Map<string, string>();
    let skipped = 0;
    const label = 'GET /users/roles';
    // The core's stops for a page loop: a bound, and a token that repeats or cannot be kept.
    const guard = createPageGuard(label, maxRolePages);
    let pageToken: string | null = null;
    for (let page = 1; ; page++) {
      guard.beforePage(page - 1);
      const searchParams = new URLSearchParams({ page_size: String(TORQ_PAGE_SIZE) });
      if (pageToken !== null) searchParams.set('page_token', pageToken);
      const json = await getJson({ path: '/users/roles', label, searchParams, forbiddenReason: 'API key lacks permission to read roles' });
      const parsed = rolesPageSchema.safeParse(json);
      if (!parsed.success) {
        throw new ContractError(`${label} answered HTTP 200 with an unexpected page: ${describeIssues(parsed.error.issues, json)}`);
      }
      for (const raw of parsed.data.roles ?? []) {
        const role = torqRoleSchema.safeParse(raw);
        if (role.success && typeof role.data.name === 'string') names.set(role.data.id, role.data.name);
        else skipped += 1;
      }
      const next = cursorOf(parsed.data.next_page_token);
      guard.afterPage(page, pageToken, next);
      if (next === null) break;
      pageToken = next;
    }
    logger.debug('roles loaded', { roles: names.size, skipped });
    return names;
  }

  /** Read once, shared by every page and stream; a failure is not cached, so a later call tries again. */
  function roles(): Promise<RoleNames> {
    roleNames ??= fetchRoleNames().catch((error: unknown) => {
      roleNames = null;
      throw error;
    });
    return roleNames;
  }

  async function listPage(stream: string, cursor: string | null): Promise<AccountPage> {
    if (!isTorqStream(stream)) throw new RangeError(`torq has no listing stream '${stream}'`);
    const names = await roles();
    const label = `GET /users (stream ${stream})`;
    const searchParams = new URLSearchParams({ page_size: String(TORQ_PAGE_SIZE) });
    if (stream === 'sso') searchParams.set('sso_provision', 'true');
    if (cursor !== null) searchParams.set('page_token', cursor);
    const json = await getJson({ path: '/users', label, searchParams, forbiddenReason: 'API key lacks user.read', pace: shares.claim(stream) });
    const parsed = usersPageSchema.safeParse(json);
    if (!parsed.success) {
      throw new ContractError(`${label} answered HTTP 200 with an unexpected page: ${describeIssues(parsed.error.issues, json)}`);
    }
    const accounts: Account[] = [];
    const invalid: InvalidRecord[] = [];
    for (const raw of parsed.data.users ?? []) {
      const result = parseTorqUser(raw);
      if (result.ok) accounts.push(toAccount(result.user, names, stream === 'sso', pool));
      else invalid.push(result.invalid);
    }
    const nextCursor = cursorOf(parsed.data.next_page_token);
    shares.listed(stream, nextCursor === null);
    logger.debug('page listed', { stream, accounts: accounts.length, invalid: invalid.length, more: nextCursor !== null });
    return { accounts, invalid, nextCursor };
  }

  /** Each stream's pages, estimated from the accounts the last complete listing left in the inventory. */
  function expectListing(held: readonly StoredAccount[]): void {
    const accounts = { local: 0, sso: 0 };
    for (const account of held) {
      if (account.removedAt !== null) continue;
      if (account.ssoProvisioned === true) accounts.sso += 1;
      else accounts.local += 1;
    }
    shares.expect({ local: accounts.local / TORQ_PAGE_SIZE, sso: accounts.sso / TORQ_PAGE_SIZE });
  }

  return { app: 'torq', streams: TORQ_STREAMS, listPage, expectListing };
}

/** Absent, `null` and empty all mean "last page" (protobuf-JSON leaves an empty token out). */
function cursorOf(token: string | null | undefined): string | null {
  return token === undefined || token === null || token === '' ? null : token;
}

function isTorqStream(stream: string): stream is TorqStream {
  return (TORQ_STREAMS as readonly string[]).includes(stream);
}

/** A final answer of an API call other than 401, as the error the core acts on (design.md section 5). */
function apiError(error: unknown, call: ApiCall): unknown {
  if (!(error instanceof HttpStatusError)) return error;
  return errorFromStatus(error.status, {
    label: call.label,
    forbidden: call.forbiddenReason,
    notFound: 'check the API base URL (--api-url, including /public/v1alpha)',
  });
}
