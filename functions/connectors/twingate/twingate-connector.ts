/**
 * The Twingate connector (research-twingate-scim.md A, issue scope "the Twingate connector"): two
 * streams the core pages through, one page per call.
 *
 * - `users`: `users(first, after)`; each page reports Twingate's `totalCount`, so the core can
 *   tell a listing that offset cursors skewed (a user added or removed mid-listing) from a
 *   complete one.
 * - `groups`: `groups(first, after)` with the first page of each group's members nested, then
 *   `group(id) { users(first, after) }` for each group whose members did not fit, until done;
 *   the cursor carries that pending work (`groups-cursor.ts`). Requests: one per groups page plus
 *   one per extra member page, the fewest Twingate's API allows. SYSTEM groups ("Everyone")
 *   report their member count only: their membership is implicit and never paged.
 */
import { ContractError } from '../../core/errors.ts';
import { silentLogger, type AccountPage, type Connector, type GroupMembers, type Logger } from '../../core/ports.ts';
import { createStringPool } from '../../core/string-pool.ts';
import type { Account, Group, InvalidRecord } from '../../core/types.ts';
import { createHttpClient, DEFAULT_RETRY_POLICY, type RetryPolicy } from '../http/http-client.ts';
import { createRateLimiter } from '../http/rate-limiter.ts';
import { createGraphqlClient } from './graphql-client.ts';
import { decodeGroupsCursor, encodeGroupsCursor, type GroupsPosition } from './groups-cursor.ts';
import { isImplicit, toAccount, toGroup } from './map.ts';
import { GROUP_MEMBERS_QUERY, GROUPS_QUERY, USERS_QUERY } from './queries.ts';
import { describeIssues, groupMembersDataSchema, groupsDataSchema, parseUserEdge, usersDataSchema } from './schema.ts';

export const TWINGATE_STREAMS = ['users', 'groups'] as const;
export type TwingateStream = (typeof TWINGATE_STREAMS)[number];

/**
 * What Twingate-authored clients do on a 429 without `Retry-After`: wait 60 s (research A4). The
 * rest is the kit's policy: four retries, so a persistent 429 fails the page after about 5 minutes.
 */
export const TWINGATE_RETRY_POLICY: RetryPolicy = { ...DEFAULT_RETRY_POLICY, defaultRetryAfterSeconds: 60 };

export interface TwingateRuntimeOptions {
  /** Ids, counts and status codes only. */
  readonly logger?: Logger;
  /** @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch;
  /** Per attempt, for the whole exchange. @default 30_000 */
  readonly timeoutMs?: number;
  /** Upper bound of one answer's body in bytes. @default 16 MiB */
  readonly maxResponseBytes?: number;
  /** @default TWINGATE_RETRY_POLICY */
  readonly retry?: Partial<RetryPolicy>;
  /** The most requests per second, retries included (the limiter's ceiling). */
  readonly requestsPerSecond: number;
}

export interface TwingateConnectorOptions extends TwingateRuntimeOptions {
  /** The full GraphQL endpoint (`https://{network}.twingate.com/api/graphql/`, or the configured `apiUrl`). */
  readonly endpoint: string;
  readonly apiKey: string;
  /** `first` of every connection, users, groups and members alike. */
  readonly pageSize: number;
}

export function createTwingateConnector(options: TwingateConnectorOptions): Connector {
  const logger = options.logger ?? silentLogger;
  const retry: RetryPolicy = { ...TWINGATE_RETRY_POLICY, ...options.retry };
  const http = createHttpClient({
    retry,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.maxResponseBytes !== undefined ? { maxResponseBytes: options.maxResponseBytes } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    logger,
    // One budget for both streams: Twingate counts read requests per network.
    rateLimiter: createRateLimiter({ requestsPerSecond: options.requestsPerSecond, maxHoldSeconds: retry.maxRetryAfterSeconds }),
  });
  const client = createGraphqlClient({ endpoint: options.endpoint, apiKey: options.apiKey, http, logger });
  const { pageSize } = options;
  // Lives as long as the connector: one listing.
  const pool = createStringPool();

  async function usersPage(cursor: string | null): Promise<AccountPage> {
    const data = await client.query({ operation: 'users page', query: USERS_QUERY, variables: { first: pageSize, after: cursor } });
    const parsed = usersDataSchema.safeParse(data);
    if (!parsed.success) throw unexpected('users page', parsed.error.issues, data);
    const { totalCount, pageInfo, edges } = parsed.data.users;
    const accounts: Account[] = [];
    const invalid: InvalidRecord[] = [];
    for (const edge of edges) {
      const result = parseUserEdge(edge);
      if (result.ok) accounts.push(toAccount(result.user, pool));
      else invalid.push(result.invalid);
    }
    const nextCursor = nextOf(pageInfo, 'users page');
    logger.debug('page listed', { stream: 'users', accounts: accounts.length, invalid: invalid.length, more: nextCursor !== null });
    return { accounts, invalid, nextCursor, total: totalCount };
  }

  /** The next page of the first group still owing members. */
  async function memberPage(position: GroupsPosition): Promise<AccountPage> {
    const [head, ...rest] = position.pending;
    const [groupId, after] = head as readonly [string, string];
    const data = await client.query({
      operation: 'group members page',
      query: GROUP_MEMBERS_QUERY,
      variables: { id: groupId, first: pageSize, after },
    });
    const parsed = groupMembersDataSchema.safeParse(data);
    if (!parsed.success) throw unexpected('group members page', parsed.error.issues, data);
    const group = parsed.data.group;
    let members: GroupMembers[] = [];
    let pending = rest;
    if (group === null) {
      // Deleted since its groups page: its members stay short of its count, so the core revokes nothing for it.
      logger.warn('group vanished while its members were listed', { stream: 'groups' });
    } else {
      members = [{ groupId, accountIds: group.users.edges.map((edge) => edge.node.id) }];
      const next = nextOf(group.users.pageInfo, 'group members page');
      if (next !== null) pending = [[groupId, next], ...rest];
    }
    const nextCursor = encodeGroupsCursor({ ...position, pending });
    logger.debug('page listed', { stream: 'groups', members: members[0]?.accountIds.length ?? 0, pendingGroups: pending.length });
    return { accounts: [], invalid: [], groups: [], members, nextCursor };
  }

  async function groupsPage(position: GroupsPosition): Promise<AccountPage> {
    const data = await client.query({
      operation: 'groups page',
      query: GROUPS_QUERY,
      variables: { first: pageSize, after: position.groupsAfter, membersFirst: pageSize },
    });
    const parsed = groupsDataSchema.safeParse(data);
    if (!parsed.success) throw unexpected('groups page', parsed.error.issues, data);
    const groups: Group[] = [];
    const members: GroupMembers[] = [];
    const pending: [string, string][] = [];
    for (const { node } of parsed.data.groups.edges) {
      groups.push(toGroup(node, pool));
      if (isImplicit(node)) continue;
      members.push({ groupId: node.id, accountIds: node.users.edges.map((edge) => edge.node.id) });
      const next = nextOf(node.users.pageInfo, 'groups page (members of a group)');
      if (next !== null) pending.push([node.id, next]);
    }
    const groupsAfter = nextOf(parsed.data.groups.pageInfo, 'groups page');
    const nextCursor = encodeGroupsCursor({ groupsAfter, groupsDone: groupsAfter === null, pending });
    logger.debug('page listed', { stream: 'groups', groups: groups.length, pendingGroups: pending.length, more: nextCursor !== null });
    return { accounts: [], invalid: [], groups, members, nextCursor };
  }

  async function listPage(stream: string, cursor: string | null): Promise<AccountPage> {
    if (stream === 'users') return usersPage(cursor);
    if (stream !== 'groups') throw new RangeError(`twingate has no listing stream '${stream}'`);
    const position = decodeGroupsCursor(cursor);
    return position.pending.length > 0 ? memberPage(position) : groupsPage(position);
  }

  return { app: 'twingate', streams: TWINGATE_STREAMS, listsGroups: true, listPage };
}

/** `endCursor` when there is a next page; a next page without a cursor is a broken contract. */
function nextOf(pageInfo: { hasNextPage: boolean; endCursor?: string | null | undefined }, what: string): string | null {
  if (!pageInfo.hasNextPage) return null;
  if (pageInfo.endCursor == null || pageInfo.endCursor === '') {
    throw new ContractError(`twingate ${what} claims a next page but gives no endCursor`);
  }
  return pageInfo.endCursor;
}

function unexpected(what: string, issues: Parameters<typeof describeIssues>[0], data: unknown): ContractError {
  return new ContractError(`twingate ${what} answered unexpected data: ${describeIssues(issues, data)}`);
}
