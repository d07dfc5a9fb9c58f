/**
 * Reads of the inventory (design.md section 4): what a sync loads (strongly consistent, every
 * page) and what readers ask (the CLI, the console). Every question is a Query, never a Scan.
 */
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { ConfigError } from '../../core/errors.ts';
import type { AccountQuery, Clock, GroupQuery, MembershipQuery } from '../../core/ports.ts';
import type { StoredAccount, StoredGroup, StoredIdentity, StoredMembership } from '../../core/types.ts';
import { createStringPool } from '../../core/string-pool.ts';
import {
  ACCOUNT_ATTRIBUTES,
  GROUP_ATTRIBUTES,
  MEMBERSHIP_ATTRIBUTES,
  accountFromItem,
  groupFromItem,
  identityFromItem,
  identityKey,
  membershipFromItem,
} from './items.ts';
import { BATCH_GET_LIMIT, chunk, compareStrings, runWithConcurrency, type QueryInput, type TableRequests } from './requests.ts';
import type { ConnectorStates } from './state.ts';
import { FIRST_SEEN_SHARDS, GSI1, GSI2, keys, monthsBetween } from './table-definition.ts';

/**
 * Items per page when loading a connector's accounts, groups or memberships. The load runs while
 * the API pages arrive; a full 1 MB page (about 2,000 accounts) blocks the event loop for tens of
 * milliseconds while the SDK parses it, long enough to miss the paced API calls' slots. Smaller
 * pages interleave with the listing; DynamoDB bills reads by size, so they cost the same read
 * units. A membership is a third of an account's size, so its pages parse faster still; one size
 * keeps one rule.
 */
const ITEMS_PER_QUERY_PAGE = 500;

/** An attribute list as a projection; every name aliased, as some (`status`) are DynamoDB reserved words. */
function projectionOf(attributes: readonly string[]): Pick<QueryInput, 'ProjectionExpression' | 'ExpressionAttributeNames'> {
  return {
    ProjectionExpression: attributes.map((_, index) => `#a${index}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(attributes.map((name, index) => [`#a${index}`, name])),
  };
}

const ACCOUNT_PROJECTION = projectionOf(ACCOUNT_ATTRIBUTES);
const GROUP_PROJECTION = projectionOf(GROUP_ATTRIBUTES);
const MEMBERSHIP_PROJECTION = projectionOf(MEMBERSHIP_ATTRIBUTES);

/** Every group of a connector, active and removed (the sync's load, strongly consistent, and readers'). */
export async function queryConnectorGroups(table: TableRequests, connectorId: string, consistent: boolean): Promise<StoredGroup[]> {
  const groups: StoredGroup[] = [];
  const pool = createStringPool();
  await table.queryAll(
    `Query groups of connector ${connectorId}`,
    {
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ...GROUP_PROJECTION,
      ExpressionAttributeValues: { ':pk': keys.connectorPk(connectorId), ':prefix': keys.groupSkPrefix },
      ConsistentRead: consistent,
      Limit: ITEMS_PER_QUERY_PAGE,
    },
    (item) => groups.push(groupFromItem(item, pool)),
  );
  return groups;
}

/** An account's memberships by GSI1 MEMBERSHIPS# (current only unless `withRevoked`). */
export async function queryAccountMemberships(
  table: TableRequests,
  connectorId: string,
  accountId: string,
  withRevoked: boolean,
): Promise<StoredMembership[]> {
  const memberships: StoredMembership[] = [];
  await table.queryAll(
    `Query memberships of an account in connector ${connectorId}`,
    {
      IndexName: GSI1.indexName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': GSI1.partitionKey },
      ExpressionAttributeValues: { ':pk': keys.accountMembershipsGsi1Pk(connectorId, accountId) },
      ...(withRevoked ? {} : { FilterExpression: 'attribute_not_exists(revokedAt)' }),
    },
    (item) => memberships.push(membershipFromItem(item, connectorId)),
  );
  return memberships;
}

/** A person's accounts in every connector, by GSI1 EMAIL#. */
export async function queryAccountsByEmail(table: TableRequests, emailKey: string): Promise<StoredAccount[]> {
  const accounts: StoredAccount[] = [];
  await table.queryAll(
    'Query accounts by email',
    {
      IndexName: GSI1.indexName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': GSI1.partitionKey },
      ExpressionAttributeValues: { ':pk': keys.emailGsi1Pk(emailKey) },
    },
    (item) => accounts.push(accountFromItem(item)),
  );
  return accounts;
}

export class InventoryQueries {
  constructor(
    private readonly table: TableRequests,
    private readonly connectors: ConnectorStates,
    private readonly clock: Clock,
  ) {}

  /** Every page, strongly consistent: the diff must see what the previous sync wrote. */
  loadAccounts(connectorId: string): Promise<StoredAccount[]> {
    return this.connectorAccounts(connectorId, true);
  }

  /** Every group of a connector, active and removed: strongly consistent, every page. */
  loadGroups(connectorId: string): Promise<StoredGroup[]> {
    return this.connectorGroups(connectorId, true);
  }

  /** Every membership of a connector, current and revoked: strongly consistent, every page. */
  loadMemberships(connectorId: string): Promise<StoredMembership[]> {
    return this.membershipsInPartition(connectorId, keys.membershipSkPrefix, true);
  }

  async findKnownIdentities(emailKeys: readonly string[]): Promise<Set<string>> {
    const { db, tableName } = this.table;
    const known = new Set<string>();
    const chunks = chunk([...new Set(emailKeys)], BATCH_GET_LIMIT);
    await runWithConcurrency(chunks, this.table.readConcurrency, async (emailKeyChunk) => {
      let pending: Record<string, unknown>[] = emailKeyChunk.map((emailKey) => identityKey(emailKey));
      for (let attempt = 1; ; attempt++) {
        const answer = await this.table.call('BatchGetItem identities', () =>
          db.send(
            new BatchGetCommand({
              RequestItems: {
                [tableName]: {
                  Keys: pending,
                  ConsistentRead: true,
                  ProjectionExpression: 'emailKey',
                },
              },
            }),
          ),
        );
        for (const item of answer.Responses?.[tableName] ?? []) {
          if (typeof item.emailKey === 'string') known.add(item.emailKey);
        }
        pending = answer.UnprocessedKeys?.[tableName]?.Keys ?? [];
        if (pending.length === 0) return;
        await this.table.backoffOrGiveUp('BatchGetItem identities', attempt, pending.length);
      }
    });
    return known;
  }

  async queryAccounts(query: AccountQuery): Promise<StoredAccount[]> {
    const since = query.firstSeenSince === undefined ? null : normaliseTimestamp(query.firstSeenSince, 'firstSeenSince');
    let accounts: StoredAccount[];
    if (query.emailKey !== undefined) {
      accounts = await this.accountsByEmail(query.emailKey);
      if (query.connectorId !== undefined) accounts = accounts.filter((a) => a.connectorId === query.connectorId);
      if (since !== null) accounts = accounts.filter((a) => a.firstSeenAt >= since);
    } else if (since !== null) {
      accounts = await this.accountsFirstSeenSince(since, query.connectorId ?? null);
    } else {
      accounts = await this.perConnector(query.connectorId, (connectorId) => this.connectorAccounts(connectorId, false));
    }
    if (query.includeRemoved !== true) accounts = accounts.filter((a) => a.removedAt === null);
    return accounts.sort(compareAccounts);
  }

  async queryIdentities(firstSeenSince: string): Promise<StoredIdentity[]> {
    const since = normaliseTimestamp(firstSeenSince, 'firstSeenSince');
    const partitions = this.firstSeenPartitions(since, keys.identityFirstSeenGsi2Pk);
    const perPartition = await runWithConcurrency(partitions, this.table.readConcurrency, async (partition) => {
      const identities: StoredIdentity[] = [];
      await this.table.queryAll('Query identities first seen', firstSeenQuery(partition, since), (item) =>
        identities.push(identityFromItem(item)),
      );
      return identities;
    });
    return perPartition
      .flat()
      .sort((a, b) => compareStrings(a.firstSeenAt, b.firstSeenAt) || compareStrings(a.emailKey, b.emailKey));
  }

  async queryGroups(query: GroupQuery): Promise<StoredGroup[]> {
    let groups = await this.perConnector(query.connectorId, (connectorId) => this.connectorGroups(connectorId, false));
    if (query.includeRemoved !== true) groups = groups.filter((group) => group.removedAt === null);
    return groups.sort((a, b) => compareStrings(a.connectorId, b.connectorId) || compareStrings(a.id, b.id));
  }

  /**
   * By account: one Query of the account's GSI1 partition. By group: a prefix of the connector's
   * membership sort keys. Otherwise the connector's memberships. Without a connector, the same per
   * connector of the connector list (account and group ids belong to their connector).
   */
  async queryMemberships(query: MembershipQuery): Promise<StoredMembership[]> {
    const { accountId, groupId } = query;
    let memberships = await this.perConnector(query.connectorId, (connectorId) => {
      if (accountId !== undefined) return this.accountMemberships(connectorId, accountId);
      if (groupId !== undefined) return this.membershipsInPartition(connectorId, keys.groupMembersSkPrefix(groupId), false);
      return this.membershipsInPartition(connectorId, keys.membershipSkPrefix, false);
    });
    if (accountId !== undefined && groupId !== undefined) memberships = memberships.filter((m) => m.groupId === groupId);
    if (query.includeRevoked !== true) memberships = memberships.filter((m) => m.revokedAt === null);
    return memberships.sort(
      (a, b) =>
        compareStrings(a.connectorId, b.connectorId) || compareStrings(a.groupId, b.groupId) || compareStrings(a.accountId, b.accountId),
    );
  }

  /**
   * One connector's answer, or every connector's (from the connector list, one Query each, never
   * a Scan) when no connector is named.
   */
  private async perConnector<T>(connectorId: string | undefined, read: (connectorId: string) => Promise<T[]>): Promise<T[]> {
    if (connectorId !== undefined) return read(connectorId);
    const connectors = await this.connectors.list();
    const answers = await runWithConcurrency(connectors, this.table.readConcurrency, (state) => read(state.connectorId));
    return answers.flat();
  }

  private async connectorAccounts(connectorId: string, consistent: boolean): Promise<StoredAccount[]> {
    const accounts: StoredAccount[] = [];
    const pool = createStringPool();
    await this.table.queryAll(
      `Query accounts of connector ${connectorId}`,
      {
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ...ACCOUNT_PROJECTION,
        ExpressionAttributeValues: { ':pk': keys.connectorPk(connectorId), ':prefix': keys.accountSkPrefix },
        ConsistentRead: consistent,
        Limit: ITEMS_PER_QUERY_PAGE,
      },
      (item) => accounts.push(accountFromItem(item, pool)),
    );
    return accounts;
  }

  private connectorGroups(connectorId: string, consistent: boolean): Promise<StoredGroup[]> {
    return queryConnectorGroups(this.table, connectorId, consistent);
  }

  private async membershipsInPartition(connectorId: string, skPrefix: string, consistent: boolean): Promise<StoredMembership[]> {
    const memberships: StoredMembership[] = [];
    const pool = createStringPool();
    await this.table.queryAll(
      `Query memberships of connector ${connectorId}`,
      {
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ...MEMBERSHIP_PROJECTION,
        ExpressionAttributeValues: { ':pk': keys.connectorPk(connectorId), ':prefix': skPrefix },
        ConsistentRead: consistent,
        Limit: ITEMS_PER_QUERY_PAGE,
      },
      (item) => memberships.push(membershipFromItem(item, connectorId, pool)),
    );
    return memberships;
  }

  private accountMemberships(connectorId: string, accountId: string): Promise<StoredMembership[]> {
    return queryAccountMemberships(this.table, connectorId, accountId, true);
  }

  private accountsByEmail(emailKey: string): Promise<StoredAccount[]> {
    return queryAccountsByEmail(this.table, emailKey);
  }

  private async accountsFirstSeenSince(since: string, connectorId: string | null): Promise<StoredAccount[]> {
    const partitions = this.firstSeenPartitions(since, keys.accountFirstSeenGsi2Pk);
    const perPartition = await runWithConcurrency(partitions, this.table.readConcurrency, async (partition) => {
      const input = firstSeenQuery(partition, since);
      if (connectorId !== null) {
        input.FilterExpression = 'connectorId = :connectorId';
        input.ExpressionAttributeValues = { ...input.ExpressionAttributeValues, ':connectorId': connectorId };
      }
      const accounts: StoredAccount[] = [];
      await this.table.queryAll('Query accounts first seen', input, (item) => accounts.push(accountFromItem(item)));
      return accounts;
    });
    return perPartition.flat();
  }

  /** Every (month, shard) partition of GSI2 from the month of `since` up to now. */
  private firstSeenPartitions(since: string, partitionKey: (month: string, shard: number) => string): string[] {
    const now = this.clock.now().toISOString();
    // A `since` ahead of our clock (a skewed caller) still reads its own month.
    const months = monthsBetween(since, now > since ? now : since);
    return months.flatMap((month) => Array.from({ length: FIRST_SEEN_SHARDS }, (_, shard) => partitionKey(month, shard)));
  }
}

function firstSeenQuery(partition: string, since: string): QueryInput {
  return {
    IndexName: GSI2.indexName,
    KeyConditionExpression: '#pk = :pk AND #sk >= :since',
    ExpressionAttributeNames: { '#pk': GSI2.partitionKey, '#sk': GSI2.sortKey },
    ExpressionAttributeValues: { ':pk': partition, ':since': since },
  };
}

/**
 * First-seen sort keys start with `Date#toISOString()` output; `since` must have the same shape
 * (milliseconds, `Z`) for string comparison to order it correctly.
 */
function normaliseTimestamp(value: string, field: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new ConfigError(`${field} is not a valid timestamp`);
  return new Date(ms).toISOString();
}

function compareAccounts(a: StoredAccount, b: StoredAccount): number {
  if (a.connectorId !== b.connectorId) return compareStrings(a.connectorId, b.connectorId);
  if (a.emailKey !== b.emailKey) {
    if (a.emailKey === null) return 1;
    if (b.emailKey === null) return -1;
    return compareStrings(a.emailKey, b.emailKey);
  }
  return compareStrings(a.id, b.id);
}
