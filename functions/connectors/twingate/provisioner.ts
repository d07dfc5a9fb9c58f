/**
 * Twingate's provisioner (design.md section 6): adds and removes users in a group with
 * `groupUpdate`, and reads a group's members back one page at a time. It executes only; the rules
 * (which groups, whether a change is needed, what the inventory records) are the core's
 * (`core/provision.ts`).
 *
 * - Writes and reads have separate budgets: mutations at Twingate's 20 per minute, reads at the
 *   connector's configured read rate (`config.ts`).
 * - A 429 on the mutation is retried by the connector kit after its `Retry-After` (as a page
 *   is); retrying is safe because `groupUpdate` adds or removes set members, so a mutation that
 *   did take effect before a 5xx changes nothing the second time. A 429 that persists through the
 *   retries is a `TransientError` (exit 4).
 * - A 401 or 403 on the mutation is a key that reads but may not write (a Read-only key): a
 *   `WriteNotAllowedError`, never an `AuthError`, so nothing marks the connector
 *   RECONNECT_REQUIRED while its polls still work.
 * - `ok: false` is Twingate refusing the change: a `ChangeRejectedError` carrying Twingate's own
 *   reason, cut to one short printable line with email addresses masked. The request sent ids
 *   only, so the text can at most repeat ids, which messages may carry; the masking guards
 *   against a vendor message that quotes a person.
 */
import { AuthError, ContractError, PermissionError } from '../../core/errors.ts';
import { silentLogger, type GroupMembersPage, type Logger, type Provisioner } from '../../core/ports.ts';
import { ChangeRejectedError, WriteNotAllowedError } from '../../core/provision-errors.ts';
import { createHttpClient, type RetryPolicy } from '../http/http-client.ts';
import { createRateLimiter } from '../http/rate-limiter.ts';
import { TWINGATE_WRITE_LIMIT_PER_MINUTE } from './config.ts';
import { createGraphqlClient } from './graphql-client.ts';
import { GROUP_MEMBERS_QUERY, GROUP_UPDATE_MUTATION } from './queries.ts';
import { describeIssues, groupMembersDataSchema, groupUpdateDataSchema } from './schema.ts';
import { TWINGATE_RETRY_POLICY, type TwingateConnectorOptions } from './twingate-connector.ts';

export interface TwingateProvisionerOptions extends TwingateConnectorOptions {
  /** The most mutations per second. @default TWINGATE_WRITE_LIMIT_PER_MINUTE / 60 */
  readonly writesPerSecond?: number;
}

/** Twingate lets a client change the membership of the groups created in Twingate only. */
export const TWINGATE_CHANGEABLE_GROUP_TYPES: readonly string[] = ['MANUAL'];

/** The longest vendor reason kept in a message. */
const MAX_REASON_LENGTH = 200;

export function createTwingateProvisioner(options: TwingateProvisionerOptions): Provisioner {
  const logger: Logger = options.logger ?? silentLogger;
  const retry: RetryPolicy = { ...TWINGATE_RETRY_POLICY, ...options.retry };
  const client = (requestsPerSecond: number) =>
    createGraphqlClient({
      endpoint: options.endpoint,
      apiKey: options.apiKey,
      logger,
      http: createHttpClient({
        retry,
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.maxResponseBytes !== undefined ? { maxResponseBytes: options.maxResponseBytes } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
        logger,
        rateLimiter: createRateLimiter({ requestsPerSecond, maxHoldSeconds: retry.maxRetryAfterSeconds }),
      }),
    });
  const reads = client(options.requestsPerSecond);
  const writes = client(options.writesPerSecond ?? TWINGATE_WRITE_LIMIT_PER_MINUTE / 60);

  async function update(groupId: string, added: readonly string[], removed: readonly string[]): Promise<void> {
    let data: unknown;
    try {
      data = await writes.query({
        operation: 'group update',
        query: GROUP_UPDATE_MUTATION,
        variables: { id: groupId, addedUserIds: added, removedUserIds: removed },
      });
    } catch (error) {
      if (error instanceof AuthError || error instanceof PermissionError) {
        const status = error instanceof AuthError ? 401 : 403;
        throw new WriteNotAllowedError(
          `the API key does not allow writes (groupUpdate answered HTTP ${status}): give the connector a Read & Write key to provision; polls with this key are unaffected`,
        );
      }
      throw error;
    }
    const parsed = groupUpdateDataSchema.safeParse(data);
    if (!parsed.success) throw new ContractError(`twingate group update answered unexpected data: ${describeIssues(parsed.error.issues, data)}`);
    const { ok, error } = parsed.data.groupUpdate;
    if (!ok) throw new ChangeRejectedError(`twingate refused the change to group ${groupId}: ${vendorReason(error)}`);
    logger.debug('group updated', { groupId, added: added.length, removed: removed.length });
  }

  async function membersPage(groupId: string, cursor: string | null): Promise<GroupMembersPage> {
    const data = await reads.query({
      operation: 'group members page',
      query: GROUP_MEMBERS_QUERY,
      variables: { id: groupId, first: options.pageSize, after: cursor },
    });
    const parsed = groupMembersDataSchema.safeParse(data);
    if (!parsed.success) throw new ContractError(`twingate group members page answered unexpected data: ${describeIssues(parsed.error.issues, data)}`);
    const group = parsed.data.group;
    if (group === null) return { accountIds: [], nextCursor: null, found: false };
    const { pageInfo, edges } = group.users;
    if (pageInfo.hasNextPage && (pageInfo.endCursor == null || pageInfo.endCursor === '')) {
      throw new ContractError('twingate group members page claims a next page but gives no endCursor');
    }
    return { accountIds: edges.map((edge) => edge.node.id), nextCursor: pageInfo.hasNextPage ? (pageInfo.endCursor as string) : null, found: true };
  }

  return {
    app: 'twingate',
    changeableGroupTypes: TWINGATE_CHANGEABLE_GROUP_TYPES,
    addMember: (groupId, accountId) => update(groupId, [accountId], []),
    removeMember: (groupId, accountId) => update(groupId, [], [accountId]),
    membersPage,
  };
}

/** Twingate's reason as one short printable line, email addresses masked; a missing one said so. */
export function vendorReason(error: string | null | undefined): string {
  if (error == null || error.trim() === '') return 'no reason given';
  const line = error
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, ' ')
    .replace(/[^\s@]+@[^\s@]+/g, '(email)')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > MAX_REASON_LENGTH ? `${line.slice(0, MAX_REASON_LENGTH)}...` : line;
}
