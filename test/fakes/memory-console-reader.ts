/**
 * The console's read model over the in-memory store: every page computed from the whole inventory
 * held in memory, with the same rules (`core/read-model-rules.ts`) and the same cursors as the
 * DynamoDB reader. The read-model contract suite runs against both, so neither drifts.
 */
import { ConfigError } from '../../functions/core/errors.ts';
import { normaliseEmail, searchKey } from '../../functions/core/normalise.ts';
import {
  activityDays,
  checkAccountFilter,
  compareText,
  computeInsights,
  currentGroups,
  dailyActivity,
  decodeCursor,
  DEFAULT_INSIGHT_DAYS,
  encodeCursor,
  historyOf,
  insightDays,
  matchesAccountFilter,
  matchesSearch,
  pageLimit,
  personName,
  personState,
  reviewRows,
  sortAccounts,
  sortGroupRefs,
  stringPosition,
} from '../../functions/core/read-model-rules.ts';
import type {
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
} from '../../functions/core/read-model.ts';
import type { StoredAccount, StoredGroup, StoredIdentity, StoredMembership, SyncRun } from '../../functions/core/types.ts';
import type { Clock } from '../../functions/core/ports.ts';
import type { MemoryStore } from './memory-store.ts';

export class MemoryConsoleReader implements ConsoleReader {
  constructor(
    private readonly store: MemoryStore,
    private readonly clock: Clock = { now: () => new Date() },
  ) {}

  async listConnectors(): Promise<ConnectorOverview[]> {
    const states = [...this.store.connectors.values()].sort((a, b) => compareText(a.connectorId, b.connectorId));
    return states.map((state) => ({
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
      lastRun: this.runsOf(state.connectorId)[0] ?? null,
    }));
  }

  async listRuns(connectorId: string, page?: PageRequest): Promise<Page<SyncRun>> {
    const runs = this.runsOf(connectorId).map((run) => ({ key: `${run.startedAt}#${run.runId}`, row: run }));
    return pageOf({ kind: 'runs', connectorId }, runs, page, 'desc');
  }

  async listGroups(connectorId: string): Promise<GroupOption[]> {
    const groups = [...(this.store.groups.get(connectorId)?.values() ?? [])].filter((group) => group.removedAt === null);
    return sortGroupRefs(groups.map((group) => ({ groupId: group.id, name: group.name, type: group.type, memberCount: group.memberCount })));
  }

  async listAccounts(query: AccountsQuery): Promise<Page<AccountRow>> {
    const filter = checkAccountFilter(query.filter);
    const direction = query.sort?.direction ?? 'asc';
    const memberships = this.membershipsOf(query.connectorId);
    const groupsById = this.groupsById(query.connectorId);
    const inGroup =
      filter.groupId === undefined
        ? null
        : new Set(memberships.filter((m) => m.groupId === filter.groupId && m.revokedAt === null).map((m) => m.accountId));
    const accounts = [...(this.store.accounts.get(query.connectorId)?.values() ?? [])].filter(
      (account) => matchesAccountFilter(account, filter) && (inGroup === null || inGroup.has(account.id)),
    );
    const rows = accounts.map((account) => ({
      key: account.id,
      row: { account, groups: currentGroups(memberships.filter((m) => m.accountId === account.id), groupsById) },
    }));
    return pageOf({ kind: 'accounts', connectorId: query.connectorId, filter, direction }, rows, query, direction);
  }

  async listPeople(query: PeopleQuery = {}): Promise<Page<PersonRow>> {
    const search = query.search === undefined ? '' : searchKey(query.search);
    const rows: { key: string; row: PersonRow }[] = [];
    for (const identity of this.store.identities.values()) {
      const accounts = this.accountsOf(identity.emailKey);
      if (search !== '' && !matchesSearch(identity.emailKey, [identity.name ?? null], search)) continue;
      rows.push({ key: identity.emailKey, row: this.personRow(identity, accounts) });
    }
    return pageOf({ kind: 'people', search }, rows, query, 'asc');
  }

  async getPerson(email: string): Promise<PersonDetail | null> {
    const emailKey = normaliseEmail(email);
    if (emailKey === null) throw new ConfigError('the email is empty');
    const identity = this.store.identities.get(emailKey) ?? null;
    const accounts = this.accountsOf(emailKey);
    if (identity === null && accounts.length === 0) return null;
    return {
      emailKey,
      identity,
      name: personName(accounts) ?? identity?.name ?? null,
      state: personState(accounts),
      accounts: accounts.map((account) => {
        const groupsById = this.groupsById(account.connectorId);
        const memberships = this.membershipsOf(account.connectorId).filter((m) => m.accountId === account.id);
        return {
          account,
          history: historyOf(account, this.store.historyOf(account.connectorId, account.id)),
          memberships: sortGroupRefs(
            memberships.map((m) => {
              const group = groupsById.get(m.groupId);
              return { groupId: m.groupId, name: group?.name ?? null, type: group?.type ?? null, grantedAt: m.grantedAt, revokedAt: m.revokedAt };
            }),
          ),
        };
      }),
    };
  }

  async activity(query: ActivityQuery): Promise<DailyActivity[]> {
    const days = activityDays(query.from, query.to);
    const runs = this.store.runs.filter((run) => query.connectorId === undefined || run.connectorId === query.connectorId);
    return dailyActivity(days, runs);
  }

  async insights(query: InsightsQuery = {}): Promise<Insights> {
    const days = insightDays(query.days, 'days', DEFAULT_INSIGHT_DAYS);
    const pendingDays = insightDays(query.pendingDays, 'pendingDays', days);
    const connectors = [...this.store.connectors.values()].sort((a, b) => compareText(a.connectorId, b.connectorId));
    if (query.connectorId !== undefined && !this.store.connectors.has(query.connectorId)) {
      throw new ConfigError(`no connector ${query.connectorId} in this inventory`);
    }
    return computeInsights({
      now: this.clock.now(),
      days,
      pendingDays,
      connectors,
      accounts: connectors.flatMap((state) => [...(this.store.accounts.get(state.connectorId)?.values() ?? [])]),
      ...(query.connectorId === undefined ? {} : { connectorId: query.connectorId }),
    });
  }

  async review(connectorId: string): Promise<ReviewRow[]> {
    if (!this.store.connectors.has(connectorId)) throw new ConfigError(`no connector ${connectorId} in this inventory`);
    return reviewRows(
      [...(this.store.accounts.get(connectorId)?.values() ?? [])],
      this.membershipsOf(connectorId),
      [...this.groupsById(connectorId).values()],
    );
  }

  private personRow(identity: StoredIdentity, accounts: readonly StoredAccount[]): PersonRow {
    return {
      emailKey: identity.emailKey,
      name: personName(accounts) ?? identity.name ?? null,
      firstSeenAt: identity.firstSeenAt,
      state: personState(accounts),
      accounts: accounts.map((account) => ({
        connectorId: account.connectorId,
        app: account.app,
        accountId: account.id,
        roleName: account.roleName ?? account.roleId,
        state: account.state,
        removedAt: account.removedAt,
        groups: currentGroups(
          this.membershipsOf(account.connectorId).filter((m) => m.accountId === account.id),
          this.groupsById(account.connectorId),
        ),
      })),
    };
  }

  private accountsOf(emailKey: string): StoredAccount[] {
    return sortAccounts([...this.store.accounts.values()].flatMap((map) => [...map.values()]).filter((a) => a.emailKey === emailKey));
  }

  private runsOf(connectorId: string): SyncRun[] {
    return this.store.runs
      .filter((run) => run.connectorId === connectorId)
      .sort((a, b) => compareText(b.startedAt, a.startedAt) || compareText(b.runId, a.runId));
  }

  private membershipsOf(connectorId: string): StoredMembership[] {
    return [...(this.store.memberships.get(connectorId)?.values() ?? [])];
  }

  private groupsById(connectorId: string): Map<string, StoredGroup> {
    return new Map(this.store.groups.get(connectorId) ?? []);
  }
}

/** One page of keyed rows in key order, after the cursor's key. */
function pageOf<T>(query: unknown, rows: { key: string; row: T }[], request: PageRequest | undefined, direction: 'asc' | 'desc'): Page<T> {
  const limit = pageLimit(request);
  const after = decodeCursor(query, request?.cursor);
  const position = after === null ? null : stringPosition(after);
  const sorted = rows.sort((a, b) => (direction === 'asc' ? compareText(a.key, b.key) : compareText(b.key, a.key)));
  const rest = position === null ? sorted : sorted.filter((entry) => (direction === 'asc' ? entry.key > position : entry.key < position));
  const items = rest.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map((entry) => entry.row), nextCursor: rest.length > limit && last !== undefined ? encodeCursor(query, last.key) : null };
}
