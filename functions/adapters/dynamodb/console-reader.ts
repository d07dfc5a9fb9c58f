/**
 * The console's read model on DynamoDB (`ConsoleReader`, core/read-model.ts): every page is a few
 * Queries (and BatchGets of the items a page names), never a Scan; a page reads a bounded amount,
 * whatever the inventory holds (design.md section 4; table-definition.ts for the keys).
 *
 * - a connector's accounts: its partition in account-id order from the cursor on, the filter as a
 *   FilterExpression; a group filter walks the group's membership items instead and fetches their
 *   accounts. Reading stops when the page is full or PAGE_READ_BUDGET items were evaluated;
 * - people: the PEOPLE#<shard> partitions of GSI1, merged by email; each person's accounts by
 *   GSI1 EMAIL#, their memberships by GSI1 MEMBERSHIPS#, group names by BatchGet;
 * - a person: the same, plus each account's history (one Query of its HISTORY# prefix);
 * - activity: each connector's runs between two days (sort-key range);
 * - insights and the review read every account they report on, by connector partition.
 */
import { BatchGetCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ConfigError } from '../../core/errors.ts';
import { normaliseEmail, searchKey } from '../../core/normalise.ts';
import type { AccountChangeRecord, Clock } from '../../core/ports.ts';
import { systemClock } from '../../core/ports.ts';
import {
  activityDays,
  checkAccountFilter,
  computeInsights,
  currentGroups,
  dailyActivity,
  decodeCursor,
  DEFAULT_INSIGHT_DAYS,
  encodeCursor,
  historyOf,
  insightDays,
  matchesAccountFilter,
  normalisedSince,
  pageLimit,
  personName,
  personState,
  reviewRows,
  roleOf,
  sortAccounts,
  sortGroupRefs,
  stringPosition,
} from '../../core/read-model-rules.ts';
import type {
  AccountFilter,
  AccountRow,
  AccountsQuery,
  ActivityQuery,
  ConnectorOverview,
  ConsoleReader,
  DailyActivity,
  GroupOption,
  Insights,
  InsightsQuery,
  Page,
  PageRequest,
  PeopleQuery,
  PersonDetail,
  PersonRow,
  ReviewRow,
} from '../../core/read-model.ts';
import type { ConnectorState, StoredAccount, StoredGroup, StoredIdentity, StoredMembership, SyncRun } from '../../core/types.ts';
import { createStringPool } from '../../core/string-pool.ts';
import {
  ACCOUNT_ATTRIBUTES,
  accountFromItem,
  accountKey,
  connectorFromItem,
  groupFromItem,
  groupKey,
  historyFromItem,
  identityFromItem,
  identityKey,
  membershipFromItem,
  runFromItem,
  type StoredItem,
} from './items.ts';
import { BATCH_GET_LIMIT, chunk, compareStrings, runWithConcurrency, TableRequests, type QueryInput, type TableRequestOptions } from './requests.ts';
import { GSI1, PEOPLE_SHARDS, keys } from './table-definition.ts';
import { queryAccountMemberships, queryAccountsByEmail, queryConnectorGroups } from './queries.ts';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Items one page may evaluate (read, before its filter) in one partition: a selective filter over
 * 100,000 accounts returns a short page and a cursor rather than reading them all at once.
 */
export const PAGE_READ_BUDGET = 2_000;

/**
 * What one page of a people search may evaluate: identity items are small (a sixth of an account),
 * and a search is expected to find a few people among many.
 */
const SEARCH_READ_BUDGET = 12_000;

/** Items per Query request of a filtered page walk. */
const FILTERED_READ_LIMIT = 500;

export interface ConsoleReaderOptions extends TableRequestOptions {
  /** "Now" for insights. */
  readonly clock?: Clock;
}

type Key = Record<string, unknown>;

export class DynamoConsoleReader implements ConsoleReader {
  private readonly table: TableRequests;
  private readonly clock: Clock;

  constructor(documentClient: DynamoDBDocumentClient, tableName: string, options: ConsoleReaderOptions = {}) {
    // Reads of a page fan out (one Query per person or account): a wider pool than a sync's.
    this.table = new TableRequests(documentClient, tableName, { readConcurrency: 32, ...options });
    this.clock = options.clock ?? systemClock;
  }

  // -------------------------------------------------------------------------------------------
  // Connectors and runs
  // -------------------------------------------------------------------------------------------

  async listConnectors(): Promise<ConnectorOverview[]> {
    const states = await this.connectorStates();
    const lastRuns = await runWithConcurrency(states, this.table.readConcurrency, (state) => this.runPage(state.connectorId, 1, null));
    return states.map((state, index) => ({
      connectorId: state.connectorId,
      app: state.app,
      status: state.status,
      statusChangedAt: state.statusChangedAt,
      statusReason: state.statusReason,
      reconnectRequired: state.status === 'RECONNECT_REQUIRED',
      lastSyncAt: state.lastSyncAt,
      lastSuccessAt: state.lastSuccessAt,
      lastError: state.lastError,
      counts: state.counts,
      lastRun: lastRuns[index]?.runs[0] ?? null,
    }));
  }

  async listRuns(connectorId: string, page?: PageRequest): Promise<Page<SyncRun>> {
    const limit = pageLimit(page);
    const query = { kind: 'runs', connectorId };
    const after = decodeCursor(query, page?.cursor);
    const startKey = after === null ? null : { PK: keys.connectorPk(connectorId), SK: stringPosition(after) };
    const { runs, lastKey } = await this.runPage(connectorId, limit, startKey);
    return { items: runs, nextCursor: lastKey === null ? null : encodeCursor(query, lastKey) };
  }

  /** Up to `limit` runs, newest first, from a start key; `lastKey`: the sort key the next page goes on from, if any. */
  private async runPage(connectorId: string, limit: number, startKey: Key | null): Promise<{ runs: SyncRun[]; lastKey: string | null }> {
    const runs: SyncRun[] = [];
    let exclusive: Key | undefined = startKey ?? undefined;
    // One more than asked: whether a next page exists is known without another request.
    do {
      const answer = await this.query(
        `Query runs of connector ${connectorId}`,
        {
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.connectorPk(connectorId), ':prefix': keys.runSkPrefix },
          ScanIndexForward: false,
          Limit: limit + 1 - runs.length,
        },
        exclusive,
      );
      for (const item of answer.Items ?? []) runs.push(runFromItem(item));
      exclusive = answer.LastEvaluatedKey;
    } while (exclusive !== undefined && runs.length <= limit);
    if (runs.length <= limit) return { runs, lastKey: null };
    runs.length = limit;
    const last = runs[limit - 1] as SyncRun;
    return { runs, lastKey: keys.runSk(last.startedAt, last.runId) };
  }

  async listGroups(connectorId: string): Promise<GroupOption[]> {
    const groups = (await this.connectorGroups(connectorId)).filter((group) => group.removedAt === null);
    return sortGroupRefs(groups.map((group) => ({ groupId: group.id, name: group.name, type: group.type, memberCount: group.memberCount })));
  }

  // -------------------------------------------------------------------------------------------
  // A connector's accounts
  // -------------------------------------------------------------------------------------------

  async listAccounts(query: AccountsQuery): Promise<Page<AccountRow>> {
    const limit = pageLimit(query);
    const filter = checkAccountFilter(query.filter);
    const direction = query.sort?.direction ?? 'asc';
    const { connectorId } = query;
    const cursorQuery = { kind: 'accounts', connectorId, filter, direction };
    const after = decodeCursor(cursorQuery, query.cursor);
    const position = after === null ? null : stringPosition(after);
    // Asked while the page is read: whether its rows need membership look-ups at all.
    const grouped = this.hasGroups(connectorId);
    grouped.catch(() => undefined);
    const walk =
      filter.groupId === undefined
        ? await this.walkAccounts(connectorId, filter, direction, limit, position)
        : await this.walkGroupMembers(connectorId, filter.groupId, filter, direction, limit, position);
    const rows = await this.withGroups(connectorId, walk.accounts, grouped);
    return { items: rows, nextCursor: walk.next === null ? null : encodeCursor(cursorQuery, walk.next) };
  }

  /** The connector's partition in account-id order, the filter evaluated by DynamoDB. */
  private async walkAccounts(
    connectorId: string,
    filter: AccountFilter,
    direction: 'asc' | 'desc',
    limit: number,
    position: string | null,
  ): Promise<{ accounts: StoredAccount[]; next: string | null }> {
    const condition = accountFilterExpression(filter);
    const filtered = condition !== null;
    const input: QueryInput = {
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ...projectionOf(ACCOUNT_ATTRIBUTES),
      ExpressionAttributeValues: { ':pk': keys.connectorPk(connectorId), ':prefix': keys.accountSkPrefix },
      ScanIndexForward: direction === 'asc',
    };
    if (condition !== null) {
      input.FilterExpression = condition.expression;
      input.ExpressionAttributeNames = { ...input.ExpressionAttributeNames, ...condition.names };
      input.ExpressionAttributeValues = { ...input.ExpressionAttributeValues, ...condition.values };
    }
    const pool = createStringPool();
    const accounts: StoredAccount[] = [];
    let startKey: Key | undefined = position === null ? undefined : { PK: keys.connectorPk(connectorId), SK: keys.accountSk(position) };
    let evaluated = 0;
    // One more than asked: whether a next page exists is known without another request. A filter
    // that turns out selective widens each further request, up to the page's read budget.
    let want = limit + 1;
    for (;;) {
      const answer = await this.query(`Query accounts page of connector ${connectorId}`, { ...input, Limit: want }, startKey);
      evaluated += answer.ScannedCount ?? 0;
      for (const item of answer.Items ?? []) {
        const account = accountFromItem(item, pool);
        if (accounts.length === limit) return { accounts, next: accounts[limit - 1]?.id ?? null };
        accounts.push(account);
      }
      want = filtered ? Math.max(1, Math.min(FILTERED_READ_LIMIT, want * 4, PAGE_READ_BUDGET - evaluated)) : limit + 1 - accounts.length;
      startKey = answer.LastEvaluatedKey;
      if (startKey === undefined) return { accounts, next: null };
      // A full page reads on until one more match shows there is a next page, within the budget.
      if (evaluated >= PAGE_READ_BUDGET) {
        // A short page goes on from the last item evaluated, which may lie beyond the last returned.
        const resumeFrom = accounts.length === limit ? accounts[limit - 1]?.id : accountIdOfKey(startKey);
        return { accounts, next: resumeFrom ?? null };
      }
    }
  }

  /** A group's membership items in key order, their accounts fetched and filtered here. */
  private async walkGroupMembers(
    connectorId: string,
    groupId: string,
    filter: AccountFilter,
    direction: 'asc' | 'desc',
    limit: number,
    position: string | null,
  ): Promise<{ accounts: StoredAccount[]; next: string | null }> {
    const pk = keys.connectorPk(connectorId);
    const input: QueryInput = {
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      FilterExpression: 'attribute_not_exists(revokedAt)',
      ProjectionExpression: 'accountId, SK',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': keys.groupMembersSkPrefix(groupId) },
      ScanIndexForward: direction === 'asc',
    };
    const accounts: StoredAccount[] = [];
    let startKey: Key | undefined = position === null ? undefined : { PK: pk, SK: position };
    let evaluated = 0;
    let lastSk: string | null = null;
    for (;;) {
      // One more than the page still needs: its accounts are fetched by key, each one a read.
      const want = Math.max(1, Math.min(FILTERED_READ_LIMIT, PAGE_READ_BUDGET - evaluated, limit - accounts.length + 1));
      const answer = await this.query(`Query members page of connector ${connectorId}`, { ...input, Limit: want }, startKey);
      evaluated += answer.ScannedCount ?? 0;
      const members = (answer.Items ?? []).map((item) => ({ accountId: String(item.accountId), sk: String(item.SK) }));
      const fetched = await this.getAccounts(connectorId, members.map((member) => member.accountId));
      for (const member of members) {
        const account = fetched.get(member.accountId);
        if (account === undefined || !matchesAccountFilter(account, filter)) continue;
        if (accounts.length === limit) return { accounts, next: lastSk };
        accounts.push(account);
        lastSk = member.sk;
      }
      startKey = answer.LastEvaluatedKey;
      if (startKey === undefined) return { accounts, next: null };
      if (evaluated >= PAGE_READ_BUDGET) return { accounts, next: accounts.length === limit ? lastSk : String(startKey.SK) };
    }
  }

  /**
   * Rows with each account's current groups: one Query of its memberships, group names by
   * BatchGet; none at all for a connector without groups (one Query of one item says so).
   */
  private async withGroups(connectorId: string, accounts: readonly StoredAccount[], grouped: Promise<boolean>): Promise<AccountRow[]> {
    if (!(await grouped) || accounts.length === 0) return accounts.map((account) => ({ account, groups: [] }));
    const memberships = await runWithConcurrency(accounts, this.table.readConcurrency, (account) =>
      this.accountMemberships(connectorId, account.id),
    );
    const groups = await this.getGroups(
      connectorId,
      memberships.flat().filter((m) => m.revokedAt === null).map((m) => m.groupId),
    );
    return accounts.map((account, index) => ({ account, groups: currentGroups(memberships[index] ?? [], groups) }));
  }

  // -------------------------------------------------------------------------------------------
  // People
  // -------------------------------------------------------------------------------------------

  async listPeople(query: PeopleQuery = {}): Promise<Page<PersonRow>> {
    const limit = pageLimit(query);
    const search = query.search === undefined ? '' : searchKey(query.search);
    const cursorQuery = { kind: 'people', search };
    const after = decodeCursor(cursorQuery, query.cursor);
    const { identities, next } = await this.walkPeople(search, limit, after === null ? null : stringPosition(after));
    // One task per person: their accounts, then the memberships of those in connectors with
    // groups, so the two look-ups of one person overlap with the others' (no wave after wave).
    const hasGroups = this.groupsCheck();
    const perPerson = await runWithConcurrency(identities, this.table.readConcurrency, async (identity) => {
      const accounts = await this.accountsByEmail(identity.emailKey);
      const memberships = await Promise.all(
        accounts.map(async (account) =>
          account.removedAt === null && (await hasGroups(account.connectorId)) ? this.accountMemberships(account.connectorId, account.id) : [],
        ),
      );
      return { accounts, memberships };
    });
    const accountsByPerson = perPerson.map((person) => person.accounts);
    const memberships = await this.groupNamesOf(perPerson.flatMap((person) => person.accounts.map((account, index) => ({ account, memberships: person.memberships[index] ?? [] }))));
    const rows = identities.map((identity, index): PersonRow => {
      const accounts = sortAccounts(accountsByPerson[index] ?? []);
      return {
        emailKey: identity.emailKey,
        name: personName(accounts) ?? identity.name ?? null,
        firstSeenAt: identity.firstSeenAt,
        state: personState(accounts),
        accounts: accounts.map((account) => ({
          connectorId: account.connectorId,
          app: account.app,
          accountId: account.id,
          roleName: roleOf(account),
          state: account.state,
          removedAt: account.removedAt,
          groups: memberships.groupsOf(account),
        })),
      };
    });
    return { items: rows, nextCursor: next === null ? null : encodeCursor(cursorQuery, next) };
  }

  /**
   * The people partitions merged by email. Each round reads every shard from the position on;
   * what lies at or before the smallest point some shard stopped at is settled and returned in
   * order. A search filters in DynamoDB, each shard evaluating at most a share of the read budget
   * per round, so a rare match costs short pages, not a read of every person at once.
   */
  private async walkPeople(search: string, limit: number, position: string | null): Promise<{ identities: StoredIdentity[]; next: string | null }> {
    const found: StoredIdentity[] = [];
    let from = position;
    let evaluated = 0;
    for (;;) {
      const perShard = Math.min(
        search === '' ? limit - found.length + 1 : Math.ceil(SEARCH_READ_BUDGET / PEOPLE_SHARDS),
        SEARCH_READ_BUDGET,
      );
      const shards = Array.from({ length: PEOPLE_SHARDS }, (_, shard) => shard);
      const answers = await runWithConcurrency(shards, this.table.readConcurrency, (shard) => this.peopleShard(shard, from, search, perShard));
      evaluated += answers.reduce((sum, answer) => sum + answer.evaluated, 0);
      // Settled: everything up to the smallest stopping point (end of a shard counts as none).
      const stops = answers.map((answer) => answer.stoppedAt).filter((stop): stop is string => stop !== null);
      const settledUpTo = stops.length === 0 ? null : stops.reduce((min, stop) => (stop < min ? stop : min));
      const settled = answers
        .flatMap((answer) => answer.identities)
        .filter((identity) => settledUpTo === null || identity.emailKey <= settledUpTo)
        .sort((a, b) => compareStrings(a.emailKey, b.emailKey));
      for (const identity of settled) {
        if (found.length === limit) return { identities: found, next: found[limit - 1]?.emailKey ?? null };
        found.push(identity);
      }
      if (settledUpTo === null) return { identities: found, next: null };
      if (evaluated >= (search === '' ? PAGE_READ_BUDGET : SEARCH_READ_BUDGET)) {
        return { identities: found, next: found.length === limit ? (found[limit - 1]?.emailKey ?? null) : settledUpTo };
      }
      from = settledUpTo;
    }
  }

  private async peopleShard(
    shard: number,
    after: string | null,
    search: string,
    limit: number,
  ): Promise<{ identities: StoredIdentity[]; stoppedAt: string | null; evaluated: number }> {
    const input: QueryInput = {
      IndexName: GSI1.indexName,
      KeyConditionExpression: after === null ? '#pk = :pk' : '#pk = :pk AND #sk > :after',
      ExpressionAttributeNames: after === null ? { '#pk': GSI1.partitionKey } : { '#pk': GSI1.partitionKey, '#sk': GSI1.sortKey },
      ExpressionAttributeValues: after === null ? { ':pk': keys.peopleGsi1Pk(shard) } : { ':pk': keys.peopleGsi1Pk(shard), ':after': after },
      Limit: limit,
    };
    if (search !== '') {
      input.FilterExpression = 'contains(emailKey, :search) OR contains(searchName, :search)';
      input.ExpressionAttributeValues = { ...input.ExpressionAttributeValues, ':search': search };
    }
    const answer = await this.query(`Query people shard ${shard}`, input, undefined);
    const last = answer.LastEvaluatedKey;
    return {
      identities: (answer.Items ?? []).map(identityFromItem),
      stoppedAt: last === undefined ? null : String(last[GSI1.sortKey]),
      evaluated: answer.ScannedCount ?? 0,
    };
  }

  async getPerson(email: string): Promise<PersonDetail | null> {
    const emailKey = normaliseEmail(email);
    if (emailKey === null) throw new ConfigError('the email is empty');
    const [identity, found] = await Promise.all([this.getIdentity(emailKey), this.accountsByEmail(emailKey)]);
    if (identity === null && found.length === 0) return null;
    const accounts = sortAccounts(found);
    const [histories, memberships] = await Promise.all([
      runWithConcurrency(accounts, this.table.readConcurrency, (account) => this.accountHistory(account.connectorId, account.id)),
      runWithConcurrency(accounts, this.table.readConcurrency, (account) => this.accountMemberships(account.connectorId, account.id, true)),
    ]);
    const groupsByConnector = await this.groupsOfMemberships(accounts, memberships);
    return {
      emailKey,
      identity,
      name: personName(accounts) ?? identity?.name ?? null,
      state: personState(accounts),
      accounts: accounts.map((account, index) => {
        const groups = groupsByConnector.get(account.connectorId) ?? new Map<string, StoredGroup>();
        return {
          account,
          history: historyOf(account, histories[index] ?? []),
          memberships: sortGroupRefs(
            (memberships[index] ?? []).map((m) => {
              const group = groups.get(m.groupId);
              return { groupId: m.groupId, name: group?.name ?? null, type: group?.type ?? null, grantedAt: m.grantedAt, revokedAt: m.revokedAt };
            }),
          ),
        };
      }),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Activity, insights, review
  // -------------------------------------------------------------------------------------------

  async activity(query: ActivityQuery): Promise<DailyActivity[]> {
    const days = activityDays(query.from, query.to);
    const first = days[0] as string;
    const last = days.at(-1) as string;
    const connectorIds = query.connectorId !== undefined ? [query.connectorId] : (await this.connectorStates()).map((state) => state.connectorId);
    const runs = await runWithConcurrency(connectorIds, this.table.readConcurrency, async (connectorId) => {
      const found: SyncRun[] = [];
      await this.table.queryAll(
        `Query runs by day of connector ${connectorId}`,
        {
          KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': keys.connectorPk(connectorId),
            ':from': `${keys.runSkPrefix}${first}`,
            // Every start time of the last day sorts below its `T` followed by a character above the digits.
            ':to': `${keys.runSkPrefix}${last}T~`,
          },
        },
        (item) => found.push(runFromItem(item)),
      );
      return found;
    });
    return dailyActivity(days, runs.flat());
  }

  async insights(query: InsightsQuery = {}): Promise<Insights> {
    const days = insightDays(query.days, 'days', DEFAULT_INSIGHT_DAYS);
    const pendingDays = insightDays(query.pendingDays, 'pendingDays', days);
    const connectors = await this.connectorStates();
    if (query.connectorId !== undefined && !connectors.some((state) => state.connectorId === query.connectorId)) {
      throw new ConfigError(`no connector ${query.connectorId} in this inventory`);
    }
    const accounts = await runWithConcurrency(connectors, this.table.readConcurrency, (state) => this.allAccounts(state.connectorId));
    return computeInsights({
      now: this.clock.now(),
      days,
      pendingDays,
      connectors,
      accounts: accounts.flat(),
      ...(query.connectorId === undefined ? {} : { connectorId: query.connectorId }),
    });
  }

  async review(connectorId: string): Promise<ReviewRow[]> {
    const state = await this.getConnectorState(connectorId);
    if (state === null) throw new ConfigError(`no connector ${connectorId} in this inventory`);
    const [accounts, memberships, groups] = await Promise.all([
      this.allAccounts(connectorId),
      this.allMemberships(connectorId),
      this.connectorGroups(connectorId),
    ]);
    return reviewRows(accounts, memberships, groups);
  }

  // -------------------------------------------------------------------------------------------
  // Requests
  // -------------------------------------------------------------------------------------------

  private query(operation: string, input: QueryInput, startKey: Key | undefined) {
    return this.table.call(operation, () =>
      this.table.db.send(new QueryCommand({ ...input, TableName: this.table.tableName, ExclusiveStartKey: startKey })),
    );
  }

  private async connectorStates(): Promise<ConnectorState[]> {
    const states: ConnectorState[] = [];
    await this.table.queryAll(
      'Query connectors',
      {
        IndexName: GSI1.indexName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': GSI1.partitionKey },
        ExpressionAttributeValues: { ':pk': keys.connectorsGsi1Pk },
      },
      (item) => states.push(connectorFromItem(item)),
    );
    return states.sort((a, b) => compareStrings(a.connectorId, b.connectorId));
  }

  private async getConnectorState(connectorId: string): Promise<ConnectorState | null> {
    const answer = await this.table.call(`GetItem connector ${connectorId}`, () =>
      this.table.db.send(new GetCommand({ TableName: this.table.tableName, Key: { PK: keys.connectorPk(connectorId), SK: keys.stateSk } })),
    );
    return answer.Item === undefined ? null : connectorFromItem(answer.Item);
  }

  private async getIdentity(emailKey: string): Promise<StoredIdentity | null> {
    const answer = await this.table.call('GetItem identity', () =>
      this.table.db.send(new GetCommand({ TableName: this.table.tableName, Key: identityKey(emailKey) })),
    );
    return answer.Item === undefined ? null : identityFromItem(answer.Item);
  }

  /** Every account of a connector, active and removed (a report's read). */
  private async allAccounts(connectorId: string): Promise<StoredAccount[]> {
    const accounts: StoredAccount[] = [];
    const pool = createStringPool();
    await this.table.queryAll(
      `Query accounts of connector ${connectorId}`,
      {
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ...projectionOf(ACCOUNT_ATTRIBUTES),
        ExpressionAttributeValues: { ':pk': keys.connectorPk(connectorId), ':prefix': keys.accountSkPrefix },
      },
      (item) => accounts.push(accountFromItem(item, pool)),
    );
    return accounts;
  }

  private async allMemberships(connectorId: string): Promise<StoredMembership[]> {
    const memberships: StoredMembership[] = [];
    const pool = createStringPool();
    await this.table.queryAll(
      `Query memberships of connector ${connectorId}`,
      {
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.connectorPk(connectorId), ':prefix': keys.membershipSkPrefix },
      },
      (item) => memberships.push(membershipFromItem(item, connectorId, pool)),
    );
    return memberships;
  }

  private connectorGroups(connectorId: string): Promise<StoredGroup[]> {
    return queryConnectorGroups(this.table, connectorId, false);
  }

  private accountsByEmail(emailKey: string): Promise<StoredAccount[]> {
    return queryAccountsByEmail(this.table, emailKey);
  }

  /** An account's memberships (current only unless `withRevoked`). */
  private accountMemberships(connectorId: string, accountId: string, withRevoked = false): Promise<StoredMembership[]> {
    return queryAccountMemberships(this.table, connectorId, accountId, withRevoked);
  }

  private async accountHistory(connectorId: string, accountId: string): Promise<AccountChangeRecord[]> {
    const records: AccountChangeRecord[] = [];
    await this.table.queryAll(
      `Query history of an account in connector ${connectorId}`,
      {
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.connectorPk(connectorId), ':prefix': keys.historySkPrefix(accountId) },
      },
      (item) => records.push(historyFromItem(item, connectorId)),
    );
    return records;
  }

  /** Whether a connector has any group item: apps without groups then cost no membership reads. */
  private async hasGroups(connectorId: string): Promise<boolean> {
    const answer = await this.query(
      `Query whether connector ${connectorId} has groups`,
      {
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ProjectionExpression: 'SK',
        ExpressionAttributeValues: { ':pk': keys.connectorPk(connectorId), ':prefix': keys.groupSkPrefix },
        Limit: 1,
      },
      undefined,
    );
    return (answer.Items ?? []).length > 0;
  }

  /** `hasGroups`, asked once per connector within one page. */
  private groupsCheck(): (connectorId: string) => Promise<boolean> {
    const answers = new Map<string, Promise<boolean>>();
    return (connectorId) => {
      let answer = answers.get(connectorId);
      if (answer === undefined) answers.set(connectorId, (answer = this.hasGroups(connectorId)));
      return answer;
    };
  }

  /** The current groups of accounts whose memberships were read, with names from one BatchGet per connector. */
  private async groupNamesOf(
    entries: readonly { readonly account: StoredAccount; readonly memberships: readonly StoredMembership[] }[],
  ): Promise<{ groupsOf(account: StoredAccount): ReturnType<typeof currentGroups> }> {
    const groups = await this.groupsOfMemberships(
      entries.map((entry) => entry.account),
      entries.map((entry) => entry.memberships),
    );
    const byAccount = new Map<string, readonly StoredMembership[]>();
    for (const entry of entries) byAccount.set(`${entry.account.connectorId}\u0000${entry.account.id}`, entry.memberships);
    return {
      groupsOf: (account) =>
        currentGroups(byAccount.get(`${account.connectorId}\u0000${account.id}`) ?? [], groups.get(account.connectorId) ?? new Map()),
    };
  }

  /** The groups memberships name, per connector, by BatchGet. */
  private async groupsOfMemberships(
    accounts: readonly StoredAccount[],
    memberships: readonly (readonly StoredMembership[])[],
  ): Promise<Map<string, Map<string, StoredGroup>>> {
    const wanted = new Map<string, Set<string>>();
    accounts.forEach((account, index) => {
      for (const membership of memberships[index] ?? []) {
        let ids = wanted.get(account.connectorId);
        if (ids === undefined) wanted.set(account.connectorId, (ids = new Set()));
        ids.add(membership.groupId);
      }
    });
    const entries = await Promise.all([...wanted].map(async ([connectorId, ids]) => [connectorId, await this.getGroups(connectorId, [...ids])] as const));
    return new Map(entries);
  }

  private async getGroups(connectorId: string, groupIds: readonly string[]): Promise<Map<string, StoredGroup>> {
    const items = await this.batchGet(`BatchGetItem groups of connector ${connectorId}`, [...new Set(groupIds)].map((id) => groupKey(connectorId, id)));
    return new Map(items.map((item) => groupFromItem(item)).map((group) => [group.id, group]));
  }

  private async getAccounts(connectorId: string, accountIds: readonly string[]): Promise<Map<string, StoredAccount>> {
    const items = await this.batchGet(
      `BatchGetItem accounts of connector ${connectorId}`,
      [...new Set(accountIds)].map((id) => accountKey(connectorId, id)),
    );
    return new Map(items.map((item) => accountFromItem(item)).map((account) => [account.id, account]));
  }

  private async batchGet(operation: string, itemKeys: readonly Key[]): Promise<StoredItem[]> {
    const { db, tableName } = this.table;
    const found = await runWithConcurrency(chunk(itemKeys, BATCH_GET_LIMIT), this.table.readConcurrency, async (keysChunk) => {
      const items: StoredItem[] = [];
      let pending: Key[] = keysChunk;
      for (let attempt = 1; ; attempt++) {
        const answer = await this.table.call(operation, () => db.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending } } })));
        items.push(...(answer.Responses?.[tableName] ?? []));
        pending = answer.UnprocessedKeys?.[tableName]?.Keys ?? [];
        if (pending.length === 0) return items;
        await this.table.backoffOrGiveUp(operation, attempt, pending.length);
      }
    });
    return found.flat();
  }
}

/** An attribute list as a projection; every name aliased, as some (`status`, `name`) are reserved words. */
function projectionOf(attributes: readonly string[]): Pick<QueryInput, 'ProjectionExpression' | 'ExpressionAttributeNames'> {
  return {
    ProjectionExpression: attributes.map((_, index) => `#a${index}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(attributes.map((name, index) => [`#a${index}`, name])),
  };
}

/** The account id in an account item's key (`ACCOUNT#<id>`). */
function accountIdOfKey(key: Key): string {
  return String(key.SK).slice(keys.accountSkPrefix.length);
}

/**
 * An account filter as a FilterExpression (`null` when it selects everything): the same criteria
 * as `matchesAccountFilter`, evaluated by DynamoDB so that only matching items travel.
 */
function accountFilterExpression(
  filter: AccountFilter,
): { expression: string; names: Record<string, string>; values: Record<string, unknown> } | null {
  const parts: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const presence = filter.presence ?? 'active';
  if (presence === 'active') parts.push('attribute_not_exists(removedAt)');
  if (presence === 'removed') parts.push('attribute_exists(removedAt)');
  if (filter.state !== undefined) {
    names['#state'] = 'state';
    if (filter.state === 'unknown') parts.push('attribute_not_exists(#state)');
    else {
      parts.push('#state = :state');
      values[':state'] = filter.state;
    }
  }
  if (filter.role !== undefined) {
    parts.push('(roleName = :role OR (attribute_not_exists(roleName) AND roleId = :role))');
    values[':role'] = filter.role;
  }
  const since = normalisedSince(filter);
  if (since !== null) {
    parts.push('firstSeenAt >= :since');
    values[':since'] = since;
  }
  return parts.length === 0 ? null : { expression: parts.join(' AND '), names, values };
}
