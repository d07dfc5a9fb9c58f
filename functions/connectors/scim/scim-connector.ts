/**
 * A read-only SCIM 2.0 connector (RFC 7643, RFC 7644, RFC 9865; research-twingate-scim.md B): two
 * streams the core pages through, one page per call.
 *
 * - `users`: `GET {base}/Users?startIndex=S&count=N`. `startIndex` advances by the resources
 *   received, never by `count`: a provider may cap a page silently, so a short page is not the
 *   last while `totalResults` says more remain. Each page reports `totalResults` as the stream's
 *   `total`, so the core refuses removals when a listing's distinct ids and the provider's count
 *   disagree (index paging is not stateful: an account added or removed mid-listing shifts pages).
 * - `groups`: `GET {base}/Groups`, paged the same way, members from each group's `members[]`. A
 *   provider without `/Groups` (404 or 501 on the first page, as Quali Torque) has no groups.
 *
 * When a page carries `nextCursor` (RFC 9865), the listing follows it (`cursor=`) instead of
 * `startIndex`; a provider whose `/ServiceProviderConfig` says it pages by cursor only is asked by
 * cursor from the first page. A 400 `invalidCursor` or `expiredCursor` restarts the listing once.
 * `/ServiceProviderConfig` is read once per connector, when it answers (a page-size cap, cursor
 * only), and never depended on.
 *
 * A page that makes no progress (no resources while `totalResults` says more remain or while a
 * next cursor is given, the same first resource as the page before, the cursor it was asked with)
 * fails the listing: never a loop, never an empty success.
 */
import { createHash } from 'node:crypto';
import { AuthError, ConfigError, ContractError, PermissionError, TransientError } from '../../core/errors.ts';
import { silentLogger, type AccountPage, type Connector, type GroupMembers, type Logger } from '../../core/ports.ts';
import { createStringPool } from '../../core/string-pool.ts';
import type { Account, Group, InvalidRecord } from '../../core/types.ts';
import { createHttpClient, DEFAULT_RETRY_POLICY, type RetryPolicy } from '../http/http-client.ts';
import { createRateLimiter } from '../http/rate-limiter.ts';
import { toAccount, toGroup } from './map.ts';
import { decodePosition, encodePosition, firstPosition, isFirstPage, type ScimPosition } from './position.ts';
import { CHECK_BASE_URL, createScimClient, errorReadingFetch, ScimStatusError, type ScimClient } from './scim-client.ts';
import {
  describeIssues,
  listResponseSchema,
  NO_HINTS,
  parseUser,
  readPagingHints,
  scimGroupSchema,
  type PagingHints,
  type ScimErrorInfo,
} from './schema.ts';

export const SCIM_STREAMS = ['users', 'groups'] as const;
export type ScimStream = (typeof SCIM_STREAMS)[number];

const RESOURCES: Readonly<Record<ScimStream, { path: string; noun: string }>> = {
  users: { path: '/Users', noun: 'users' },
  groups: { path: '/Groups', noun: 'groups' },
};

/** RFC 9865 section 3: the cursor the provider no longer knows, or no longer keeps. */
const CURSOR_REFUSALS = ['invalidCursor', 'expiredCursor'];

export interface ScimRuntimeOptions {
  /** Ids, counts and status codes only. */
  readonly logger?: Logger;
  /** @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch;
  /** Per attempt, for the whole exchange. @default 30_000 */
  readonly timeoutMs?: number;
  /** Upper bound of one answer's body in bytes. @default 16 MiB */
  readonly maxResponseBytes?: number;
  /** @default DEFAULT_RETRY_POLICY */
  readonly retry?: Partial<RetryPolicy>;
  /** The most requests per second, retries included (the limiter's ceiling). */
  readonly requestsPerSecond: number;
}

export interface ScimConnectorOptions extends ScimRuntimeOptions {
  /** The SCIM base without a trailing slash, e.g. `https://portal.qtorque.io/api/scim`. */
  readonly baseUrl: string;
  /** The bearer token, without the word "Bearer". */
  readonly token: string;
  /** `count` of every page (lowered to the provider's advertised maximum). */
  readonly pageSize: number;
}

export function createScimConnector(options: ScimConnectorOptions): Connector {
  const logger = options.logger ?? silentLogger;
  const retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const refusals = new Map<string, ScimErrorInfo>();
  const fetchImpl = errorReadingFetch(options.fetch ?? globalThis.fetch, refusals);
  // One budget for every request of the connector, whichever stream or endpoint.
  const rateLimiter = createRateLimiter({ requestsPerSecond: options.requestsPerSecond, maxHoldSeconds: retry.maxRetryAfterSeconds });
  const httpOptions = {
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.maxResponseBytes !== undefined ? { maxResponseBytes: options.maxResponseBytes } : {}),
    fetch: fetchImpl,
    logger,
    rateLimiter,
  };
  const client = createScimClient({ baseUrl: options.baseUrl, token: options.token, refusals, http: createHttpClient({ ...httpOptions, retry }) });
  // The configuration is a hint: one attempt, and whatever it answers the listing goes on.
  const hintClient = createScimClient({
    baseUrl: options.baseUrl,
    token: options.token,
    refusals,
    http: createHttpClient({ ...httpOptions, retry: { ...retry, limit: 0 } }),
  });
  // Lives as long as the connector: one listing.
  const pool = createStringPool();
  let hints: Promise<PagingHints> | null = null;

  function pagingHints(): Promise<PagingHints> {
    hints ??= readServiceProviderConfig(hintClient, logger);
    return hints;
  }

  async function fetchPage(stream: ScimStream, position: ScimPosition, count: number): Promise<unknown> {
    const params = new URLSearchParams();
    if (position.mode === 'index') params.set('startIndex', String(position.startIndex));
    else params.set('cursor', position.cursor);
    params.set('count', String(count));
    const label = `GET ${RESOURCES[stream].path} (${position.mode === 'index' ? `startIndex ${position.startIndex}` : 'cursor'})`;
    return client.get(RESOURCES[stream].path, params, label);
  }

  async function listPage(stream: string, cursor: string | null): Promise<AccountPage> {
    if (stream !== 'users' && stream !== 'groups') throw new RangeError(`scim has no listing stream '${stream}'`);
    const { maxPageSize, cursorOnly } = await pagingHints();
    const count = Math.min(options.pageSize, maxPageSize ?? options.pageSize);
    let position = cursor === null ? firstPosition(cursorOnly) : decodePosition(cursor);
    let json: unknown;
    try {
      json = await fetchPage(stream, position, count);
    } catch (error) {
      if (!(error instanceof ScimStatusError)) throw error;
      if (isCursorRefusal(error) && position.mode === 'cursor' && !isFirstPage(position)) {
        if (position.restarted) throw cursorRefusedAgain(error);
        // The listing starts over: the core keeps what earlier pages listed and de-duplicates by id.
        logger.warn('cursor refused; the listing restarts once', { stream, scimType: error.scimType });
        position = firstPosition(cursorOnly, true);
        try {
          json = await fetchPage(stream, position, count);
        } catch (again) {
          throw again instanceof ScimStatusError ? statusError(again, stream) : again;
        }
      } else if (stream === 'groups' && isFirstPage(position) && (error.httpStatus === 404 || error.httpStatus === 501)) {
        logger.info('the provider serves no /Groups: no groups', { stream, status: error.httpStatus });
        return { accounts: [], invalid: [], groups: [], members: [], nextCursor: null };
      } else {
        throw statusError(error, stream);
      }
    }
    const parsed = listResponseSchema.safeParse(json);
    if (!parsed.success) {
      throw new ContractError(`scim ${stream} page answered an unexpected body: ${describeIssues(parsed.error.issues, json)}`);
    }
    const { Resources, totalResults, nextCursor } = parsed.data;
    const resources = Resources ?? [];
    const total = totalResults ?? undefined;
    const next = nextPosition(stream, position, resources, total, nextCursor ?? null);
    const nextEncoded = next === null ? null : encodePosition(next);
    if (stream === 'users') {
      const accounts: Account[] = [];
      const invalid: InvalidRecord[] = [];
      for (const resource of resources) {
        const result = parseUser(resource);
        if (result.ok) accounts.push(toAccount(result.user, pool));
        else invalid.push(result.invalid);
      }
      logger.debug('page listed', { stream, accounts: accounts.length, invalid: invalid.length, more: next !== null });
      return { accounts, invalid, nextCursor: nextEncoded, ...(total === undefined ? {} : { total }) };
    }
    const groups: Group[] = [];
    const members: GroupMembers[] = [];
    resources.forEach((resource, index) => {
      const group = scimGroupSchema.safeParse(resource);
      if (!group.success) {
        throw new ContractError(`scim groups page: group ${index + 1} of the page is unreadable: ${describeIssues(group.error.issues, resource)}`);
      }
      const mapped = toGroup(group.data);
      groups.push(mapped.group);
      members.push({ groupId: mapped.group.id, accountIds: mapped.accountIds });
    });
    logger.debug('page listed', { stream, groups: groups.length, more: next !== null });
    return { accounts: [], invalid: [], groups, members, nextCursor: nextEncoded };
  }

  return { app: 'scim', streams: SCIM_STREAMS, listsGroups: true, listPage };
}

/** Where the listing goes after a page, or `null` when the page was its last. */
function nextPosition(
  stream: ScimStream,
  position: ScimPosition,
  resources: readonly unknown[],
  total: number | undefined,
  nextCursor: string | null,
): ScimPosition | null {
  const noProgress = (why: string): ContractError =>
    new ContractError(`scim ${stream} listing made no progress (${why}): the listing is incomplete, refusing to page further`);
  const first = resources.length === 0 ? null : firstIdDigest(resources[0]);
  if (first !== null && first === position.previousFirst) {
    throw noProgress(`${describePosition(position)} opened with the same resource as the page before`);
  }
  if (nextCursor !== null && nextCursor !== '') {
    if (position.mode === 'cursor' && nextCursor === position.cursor) throw noProgress('the provider answered the cursor it was asked with');
    // RFC 9865 section 2: every page but the last carries nextCursor, so an empty one that is not the last moved nowhere.
    if (resources.length === 0) throw noProgress(`${describePosition(position)} held no resources but pointed to another page`);
    return { mode: 'cursor', cursor: nextCursor, previousFirst: first, restarted: position.restarted };
  }
  // A cursor listing ends where the provider gives no next cursor (RFC 9865 section 2).
  if (position.mode === 'cursor') return null;
  const received = resources.length;
  const listedBefore = position.startIndex - 1;
  const lowestTotal = total === undefined ? position.lowestTotal : Math.min(total, position.lowestTotal ?? total);
  if (received === 0) {
    // Short of every count the provider gave, an empty page is a provider that stopped serving;
    // at or past the lowest one, the count drifted upwards (the core sees the last total disagree).
    if (lowestTotal !== null && listedBefore < lowestTotal) {
      throw noProgress(`no resources at startIndex ${position.startIndex} while totalResults is ${total ?? lowestTotal}`);
    }
    return null;
  }
  // Without totalResults (against RFC 7644), only an empty page ends the listing.
  if (total !== undefined && listedBefore + received >= total) return null;
  return { mode: 'index', startIndex: position.startIndex + received, lowestTotal, previousFirst: first, restarted: position.restarted };
}

function describePosition(position: ScimPosition): string {
  return position.mode === 'index' ? `startIndex ${position.startIndex}` : 'the cursor page';
}

/** A short, fixed-size stand-in for a resource's id, kept in the cursor (never the id itself). */
function firstIdDigest(resource: unknown): string | null {
  if (typeof resource !== 'object' || resource === null) return null;
  const id = (resource as { id?: unknown }).id;
  if (typeof id !== 'string' && typeof id !== 'number') return null;
  return createHash('sha256').update(String(id)).digest('base64url').slice(0, 16);
}

function isCursorRefusal(error: ScimStatusError): boolean {
  return error.status === 400 && error.scimType !== null && CURSOR_REFUSALS.includes(error.scimType);
}

function cursorRefusedAgain(error: ScimStatusError): Error {
  const message = `${error.label} refused the listing's cursor again after one restart (${error.scimType})`;
  // An expired cursor is a listing too slow for the provider's cursor lifetime: the next poll may be quicker.
  return error.scimType === 'expiredCursor' ? new TransientError(message) : new ContractError(message);
}

/** A final refusal as the error the core acts on (design.md section 5). */
function statusError(error: ScimStatusError, stream: ScimStream): Error {
  const { label, status } = error;
  const answered = `${label} answered HTTP ${error.httpStatus}${status === error.httpStatus ? '' : ` with SCIM status ${status}`}`;
  const scimType = error.scimType === null ? '' : `, scimType ${error.scimType}`;
  if (status === 401) return new AuthError(`token rejected (${answered})`);
  if (status === 403) return new PermissionError(`token lacks permission to list ${RESOURCES[stream].noun} (${answered})`);
  if (status === 404 && stream === 'users') return new ConfigError(`${answered}: no SCIM Users endpoint there; ${CHECK_BASE_URL}`);
  if (status === 429 || status >= 500) return new TransientError(`${answered}${scimType}`);
  return new ContractError(`${answered}${scimType}`);
}

async function readServiceProviderConfig(client: ScimClient, logger: Logger): Promise<PagingHints> {
  try {
    const hints = readPagingHints(await client.get('/ServiceProviderConfig', new URLSearchParams(), 'GET /ServiceProviderConfig'));
    logger.debug('service provider configuration read', { maxPageSize: hints.maxPageSize, cursorOnly: hints.cursorOnly });
    return hints;
  } catch (error) {
    // Auth failures included: the listing's own first page meets them again and reports them.
    const status = error instanceof ScimStatusError ? error.httpStatus : null;
    logger.debug('no service provider configuration; listing with defaults', { status });
    return NO_HINTS;
  }
}

