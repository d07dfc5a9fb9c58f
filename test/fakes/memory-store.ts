/** In-memory implementations of the core's ports, for core tests (no mocks, style.md section 7). */
import { LeaseBusyError } from '../../functions/core/errors.ts';
import type { EventType, RollcallEvent } from '../../functions/core/events.ts';
import type {
  AccountPage,
  AccountQuery,
  Clock,
  Connector,
  CredentialSource,
  EventSink,
  FleetStore,
  GroupQuery,
  InventoryWrites,
  LeaseRequest,
  ListingCheckpoint,
  MembershipQuery,
  PurgeCounts,
  PutConnectorOptions,
  ResolvedCredentials,
} from '../../functions/core/ports.ts';
import { MemoryDefinitions } from './memory-definitions.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import type { Account, ConnectorDefinition, ConnectorState, Group, StoredAccount, StoredGroup, StoredIdentity, StoredMembership, SyncRun } from '../../functions/core/types.ts';
import { initialState } from '../../functions/core/status.ts';
import { leaseBusyMessage, liveLease } from '../../functions/core/lease.ts';

export class MemoryStore implements FleetStore {
  readonly connectors = new Map<string, ConnectorState>();
  readonly accounts = new Map<string, Map<string, StoredAccount>>();
  readonly identities = new Map<string, StoredIdentity>();
  readonly runs: SyncRun[] = [];
  /** Per connector: groups by id, and memberships by group id and account id. */
  readonly groups = new Map<string, Map<string, StoredGroup>>();
  readonly memberships = new Map<string, Map<string, StoredMembership>>();
  writeCalls = 0;
  /** Group and membership loads (a connector without groups must cost none). */
  groupReads = 0;

  async getConnector(connectorId: string) {
    return this.connectors.get(connectorId) ?? null;
  }
  async listConnectors() {
    return [...this.connectors.values()];
  }
  async acquireLease(req: LeaseRequest) {
    const current = this.connectors.get(req.connectorId) ?? null;
    const taken =
      req.takeOverFrom === undefined
        ? Boolean(current?.leaseOwner) && (current?.leaseExpiresAt ?? 0) >= req.nowMs
        : current?.leaseOwner !== req.takeOverFrom;
    if (taken) {
      const lease = liveLease(current, req.nowMs);
      throw new LeaseBusyError(leaseBusyMessage(req.connectorId, lease), { lease });
    }
    this.writeCalls += 1;
    this.connectors.set(req.connectorId, {
      ...(current ?? initialState(req.connectorId, req.app, req.now)),
      status: 'SYNCING',
      previousStatus: current?.status ?? null,
      leaseOwner: req.owner,
      leaseExpiresAt: req.nowMs + req.leaseMs,
      leaseHolder: req.holder ?? null,
    });
    return current;
  }
  async finishSync(state: ConnectorState, owner: string) {
    const current = this.connectors.get(state.connectorId);
    if (current?.leaseOwner !== owner) throw new LeaseBusyError(`lease on ${state.connectorId} lost`);
    this.writeCalls += 1;
    this.connectors.set(state.connectorId, { ...state, leaseOwner: null, leaseExpiresAt: null, leaseHolder: null });
  }
  async putConnector(state: ConnectorState, options: PutConnectorOptions = {}) {
    const current = this.connectors.get(state.connectorId) ?? null;
    const leased = options.unlessLeasedAtMs !== undefined && Boolean(current?.leaseOwner) && (current?.leaseExpiresAt ?? 0) >= options.unlessLeasedAtMs;
    const notOwner = options.ifLeaseOwner !== undefined && current?.leaseOwner !== options.ifLeaseOwner;
    if (leased || notOwner) {
      throw new LeaseBusyError(leaseBusyMessage(state.connectorId, liveLease(current, options.unlessLeasedAtMs ?? 0)));
    }
    this.writeCalls += 1;
    this.connectors.set(state.connectorId, state);
  }
  private accountsOf(connectorId: string) {
    let map = this.accounts.get(connectorId);
    if (!map) this.accounts.set(connectorId, (map = new Map()));
    return map;
  }
  async loadAccounts(connectorId: string) {
    return [...this.accountsOf(connectorId).values()];
  }
  async findKnownIdentities(emailKeys: readonly string[]) {
    return new Set(emailKeys.filter((key) => this.identities.has(key)));
  }
  async applyWrites(connectorId: string, writes: InventoryWrites) {
    const map = this.accountsOf(connectorId);
    for (const account of writes.putAccounts) map.set(account.id, account);
    for (const removal of writes.removeAccounts) {
      const account = map.get(removal.id);
      if (account) map.set(removal.id, { ...account, removedAt: removal.removedAt });
    }
    for (const identity of writes.putIdentities) {
      if (!this.identities.has(identity.emailKey)) this.identities.set(identity.emailKey, identity);
    }
    const groups = this.inConnector(this.groups, connectorId);
    for (const group of writes.putGroups ?? []) groups.set(group.id, group);
    for (const removal of writes.removeGroups ?? []) {
      const group = groups.get(removal.id);
      if (group) groups.set(removal.id, { ...group, removedAt: removal.removedAt });
    }
    const memberships = this.inConnector(this.memberships, connectorId);
    for (const membership of writes.putMemberships ?? []) memberships.set(membershipKey(membership), membership);
    for (const revocation of writes.revokeMemberships ?? []) {
      const membership = memberships.get(membershipKey(revocation));
      if (membership) memberships.set(membershipKey(revocation), { ...membership, revokedAt: revocation.revokedAt });
    }
    this.writeCalls +=
      writes.putAccounts.length +
      writes.removeAccounts.length +
      writes.putIdentities.length +
      (writes.putGroups?.length ?? 0) +
      (writes.removeGroups?.length ?? 0) +
      (writes.putMemberships?.length ?? 0) +
      (writes.revokeMemberships?.length ?? 0);
  }
  private inConnector<T>(maps: Map<string, Map<string, T>>, connectorId: string): Map<string, T> {
    let map = maps.get(connectorId);
    if (!map) maps.set(connectorId, (map = new Map()));
    return map;
  }
  async loadGroups(connectorId: string) {
    this.groupReads += 1;
    return [...this.inConnector(this.groups, connectorId).values()];
  }
  async loadMemberships(connectorId: string) {
    this.groupReads += 1;
    return [...this.inConnector(this.memberships, connectorId).values()];
  }
  async queryGroups(query: GroupQuery) {
    return [...this.groups.values()]
      .flatMap((map) => [...map.values()])
      .filter(
        (group) =>
          (query.connectorId === undefined || group.connectorId === query.connectorId) &&
          (query.includeRemoved === true || group.removedAt === null),
      )
      .sort((a, b) => compare(a.connectorId, b.connectorId) || compare(a.id, b.id));
  }
  async queryMemberships(query: MembershipQuery) {
    return [...this.memberships.values()]
      .flatMap((map) => [...map.values()])
      .filter(
        (membership) =>
          (query.connectorId === undefined || membership.connectorId === query.connectorId) &&
          (query.groupId === undefined || membership.groupId === query.groupId) &&
          (query.accountId === undefined || membership.accountId === query.accountId) &&
          (query.includeRevoked === true || membership.revokedAt === null),
      )
      .sort((a, b) => compare(a.connectorId, b.connectorId) || compare(a.groupId, b.groupId) || compare(a.accountId, b.accountId));
  }
  async queryAccounts(query: AccountQuery) {
    const all = [...this.accounts.values()].flatMap((map) => [...map.values()]);
    return all.filter(
      (account) =>
        (query.connectorId === undefined || account.connectorId === query.connectorId) &&
        (query.emailKey === undefined || account.emailKey === query.emailKey) &&
        (query.firstSeenSince === undefined || account.firstSeenAt >= query.firstSeenSince) &&
        (query.includeRemoved === true || account.removedAt === null),
    );
  }
  async queryIdentities(since: string) {
    return [...this.identities.values()].filter((identity) => identity.firstSeenAt >= since);
  }
  readonly checkpoints = new Map<string, ListingCheckpoint>();
  async loadCheckpoint(connectorId: string) {
    return this.checkpoints.get(connectorId) ?? null;
  }
  async saveCheckpoint(checkpoint: ListingCheckpoint) {
    this.writeCalls += 1;
    this.checkpoints.set(checkpoint.connectorId, checkpoint);
  }
  async clearCheckpoint(connectorId: string) {
    this.checkpoints.delete(connectorId);
  }
  async recordRun(run: SyncRun) {
    this.writeCalls += 1;
    this.runs.push(run);
  }
  async listRuns(connectorId: string, limit = 20) {
    return this.runs.filter((run) => run.connectorId === connectorId).reverse().slice(0, limit);
  }

  /** Connector definitions: the same fake the core's dispatch tests use. */
  readonly definitions = new MemoryDefinitions();
  getDefinition(connectorId: string) {
    return this.definitions.getDefinition(connectorId);
  }
  listDefinitions() {
    return this.definitions.listDefinitions();
  }
  createDefinition(definition: ConnectorDefinition) {
    return this.definitions.createDefinition(definition);
  }
  updateDefinition(definition: ConnectorDefinition, expectedUpdatedAt: string) {
    return this.definitions.updateDefinition(definition, expectedUpdatedAt);
  }
  deleteDefinition(connectorId: string) {
    return this.definitions.deleteDefinition(connectorId);
  }
  listDue(now: string, limit: number) {
    return this.definitions.listDue(now, limit);
  }
  claimDue(connectorId: string, expected: string, next: string) {
    return this.definitions.claimDue(connectorId, expected, next);
  }

  async planPurge(connectorId: string): Promise<PurgeCounts> {
    return this.purgeCounts(connectorId);
  }
  async purgeConnector(connectorId: string, leaseOwner: string): Promise<PurgeCounts> {
    const state = this.connectors.get(connectorId);
    if (state !== undefined && state.leaseOwner !== leaseOwner) throw new LeaseBusyError(`lease on ${connectorId} lost`);
    const counts = this.purgeCounts(connectorId);
    for (const emailKey of this.orphanIdentities(connectorId)) this.identities.delete(emailKey);
    this.checkpoints.delete(connectorId);
    this.memberships.delete(connectorId);
    this.groups.delete(connectorId);
    this.accounts.delete(connectorId);
    for (let index = this.runs.length - 1; index >= 0; index--) if (this.runs[index]?.connectorId === connectorId) this.runs.splice(index, 1);
    this.connectors.delete(connectorId);
    return counts;
  }
  private purgeCounts(connectorId: string): PurgeCounts {
    return {
      accounts: this.accounts.get(connectorId)?.size ?? 0,
      groups: this.groups.get(connectorId)?.size ?? 0,
      memberships: this.memberships.get(connectorId)?.size ?? 0,
      runs: this.runs.filter((run) => run.connectorId === connectorId).length,
      checkpoints: this.checkpoints.has(connectorId) ? 1 : 0,
      other: 0,
      identities: this.orphanIdentities(connectorId).length,
      states: this.connectors.has(connectorId) ? 1 : 0,
    };
  }
  /** People with an identity record and accounts in this connector only (removed ones elsewhere count as known there). */
  private orphanIdentities(connectorId: string): string[] {
    const own = new Set<string>();
    for (const account of this.accounts.get(connectorId)?.values() ?? []) if (account.emailKey !== null) own.add(account.emailKey);
    for (const [other, accounts] of this.accounts) {
      if (other === connectorId) continue;
      for (const account of accounts.values()) if (account.emailKey !== null) own.delete(account.emailKey);
    }
    return [...own].filter((emailKey) => this.identities.has(emailKey));
  }
}

function membershipKey(membership: { readonly groupId: string; readonly accountId: string }): string {
  return JSON.stringify([membership.groupId, membership.accountId]);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class MemoryEventSink implements EventSink {
  readonly events: RollcallEvent[] = [];
  failNext = false;
  async publish(events: readonly RollcallEvent[]) {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('event bus unavailable');
    }
    this.events.push(...events);
  }
  ofType<T extends EventType>(type: T): RollcallEvent<T>[] {
    return this.events.filter((event): event is RollcallEvent<T> => event.detailType === type);
  }
}

export class FixedCredentials implements CredentialSource {
  constructor(public value: ResolvedCredentials | null) {}
  async get(): Promise<ResolvedCredentials> {
    if (this.value === null) throw new ConfigError('secret has no clientSecret field');
    return this.value;
  }
}

export class ManualClock implements Clock {
  constructor(private ms: number) {}
  now() {
    return new Date(this.ms);
  }
  advance(ms: number) {
    this.ms += ms;
  }
}

/** A connector serving fixed pages per stream; `fail` makes the next listPage throw. */
export class ScriptedConnector implements Connector {
  readonly app: string = 'torq';
  calls = 0;
  fail: Error | null = null;
  constructor(
    public pages: Record<string, AccountPage[]>,
    readonly streams: readonly string[] = Object.keys(pages),
    readonly listsGroups?: boolean,
  ) {}
  async listPage(stream: string, cursor: string | null): Promise<AccountPage> {
    this.calls += 1;
    if (this.fail) throw this.fail;
    const index = cursor === null ? 0 : Number(cursor);
    const page = this.pages[stream]?.[index];
    if (!page) throw new Error(`no page ${index} for ${stream}`);
    return page;
  }
}

export function account(id: string, email: string | null, overrides: Partial<Account> = {}): Account {
  return {
    id,
    email,
    emailKey: email === null ? null : email.trim().toLowerCase(),
    name: null,
    login: null,
    externalId: null,
    roleId: 'role-viewer',
    roleName: 'Viewer',
    status: 'VERIFIED',
    state: 'active',
    ssoProvisioned: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: null,
    lastLoginAt: null,
    ...overrides,
  };
}

/** Single-page connector over a list of accounts. */
export function singlePage(accounts: Account[], invalid: AccountPage['invalid'] = []): ScriptedConnector {
  return new ScriptedConnector({ local: [{ accounts, invalid, nextCursor: null }] });
}

export function group(id: string, overrides: Partial<Group> = {}): Group {
  return { id, name: `Group ${id}`, type: 'MANUAL', active: true, memberCount: null, implicit: false, ...overrides };
}
