/**
 * Two connectors sharing one person, for the tests of deleting a connector (the store contract,
 * the CLI on the embedded store and on a table): `c1` has people of its own, one person
 * (shared@x.io) has accounts in both, and `c2` must come out of any purge of `c1` untouched.
 */
import type { FleetStore, InventoryWrites, ListingCheckpoint } from '../../functions/core/ports.ts';
import { ZERO_COUNTS, type ConnectorDefinition, type ConnectorState, type StoredGroup, type StoredMembership, type SyncRun } from '../../functions/core/types.ts';
import { account, identity } from '../adapters/fixture.ts';

const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

export function definitionOf(connectorId: string, overrides: Partial<ConnectorDefinition> = {}): ConnectorDefinition {
  return {
    connectorId,
    app: 'torq',
    config: {},
    schedule: 'rate(1 hour)',
    enabled: true,
    origin: 'added',
    secretArn: null,
    createdAt: at(0),
    updatedAt: at(0),
    nextDueAt: at(10),
    ...overrides,
  };
}

function state(connectorId: string): ConnectorState {
  return {
    connectorId,
    app: 'torq',
    status: 'CONNECTED',
    previousStatus: null,
    statusChangedAt: at(0),
    statusReason: null,
    lastSyncAt: at(2),
    lastSuccessAt: at(2),
    lastError: null,
    counts: { ...ZERO_COUNTS, total: 2 },
    rejectedFingerprint: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    leaseHolder: null,
    identitiesVerified: false,
  };
}

function run(connectorId: string, minute: number): SyncRun {
  return {
    connectorId,
    runId: `run-${minute}`,
    startedAt: at(minute),
    finishedAt: at(minute + 1),
    durationMs: 60_000,
    status: 'CONNECTED',
    outcome: 'completed',
    counts: { ...ZERO_COUNTS, total: 2 },
    error: null,
    anomalies: [],
  };
}

function group(connectorId: string, id: string): StoredGroup {
  return {
    id,
    name: `Group ${id}`,
    type: 'MANUAL',
    active: true,
    memberCount: 2,
    implicit: false,
    connectorId,
    firstSeenAt: at(0),
    lastChangedAt: at(0),
    removedAt: null,
  };
}

function membership(connectorId: string, groupId: string, accountId: string): StoredMembership {
  return { connectorId, groupId, accountId, grantedAt: at(0), revokedAt: null };
}

function checkpoint(connectorId: string): ListingCheckpoint {
  return {
    connectorId,
    listingId: 'run-1',
    startedAt: at(0),
    streams: { local: { cursor: 'tok', done: false, pages: 1 } },
    seenIds: ['u1'],
    counts: ZERO_COUNTS,
    unidentified: 0,
    invocations: 1,
  };
}

/** What a purge of `c1` deletes (the checkpoint's item count depends on the store). */
export const C1_PURGE = { accounts: 5, groups: 2, memberships: 3, runs: 2, identities: 2, states: 1 } as const;

export interface SeedOptions {
  /** Extra accounts of c1, each a person of its own (`extra-<n>@x.io`): enough of them spread a purge over many batches. */
  readonly extraC1People?: number;
  readonly c1Definition?: Partial<ConnectorDefinition>;
}

/** Seeds c1 and c2 (definitions, states, runs, checkpoints, accounts, identities, groups, memberships). */
export async function seedTwoConnectors(store: FleetStore, options: SeedOptions = {}): Promise<void> {
  for (const id of ['c1', 'c2']) {
    await store.createDefinition(definitionOf(id, id === 'c1' ? options.c1Definition : {}));
    await store.putConnector(state(id));
    await store.recordRun(run(id, 1));
    await store.recordRun(run(id, 2));
    await store.saveCheckpoint(checkpoint(id));
  }
  const extra = Array.from({ length: options.extraC1People ?? 0 }, (_, index) => account('c1', `x${index}`, { email: `extra-${index}@x.io` }));
  const c1: InventoryWrites = {
    putIdentities: [
      identity('shared@x.io', at(0), 'c1'),
      identity('only-c1@x.io', at(0), 'c1'),
      identity('gone-c1@x.io', at(0), 'c1'),
      ...extra.map((person) => identity(person.emailKey ?? '', at(0), 'c1')),
    ],
    putAccounts: [
      account('c1', 'u1', { email: 'shared@x.io' }),
      account('c1', 'u2', { email: 'only-c1@x.io' }),
      // The same person again, under another spelling of the address.
      account('c1', 'u3', { email: 'Only-C1@x.io', removedAt: at(3) }),
      account('c1', 'u4', { email: 'gone-c1@x.io', removedAt: at(3) }),
      account('c1', 'u5', { email: null }),
      ...extra,
    ],
    removeAccounts: [],
    putGroups: [group('c1', 'g1'), group('c1', 'g2')],
    putMemberships: [membership('c1', 'g1', 'u1'), membership('c1', 'g1', 'u2'), membership('c1', 'g2', 'u1')],
  };
  await store.applyWrites('c1', c1);
  await store.applyWrites('c2', {
    putIdentities: [identity('only-c2@x.io', at(0), 'c2')],
    // The shared person's account in c2 is removed: still c2's history of that person.
    putAccounts: [account('c2', 'v1', { email: 'shared@x.io', removedAt: at(2) }), account('c2', 'v2', { email: 'only-c2@x.io' })],
    removeAccounts: [],
    putGroups: [group('c2', 'g1')],
    putMemberships: [membership('c2', 'g1', 'v2')],
  });
}

/** Every people address the seed uses, and which of them survive a purge of c1. */
export const SEEDED_PEOPLE = ['shared@x.io', 'only-c1@x.io', 'gone-c1@x.io', 'only-c2@x.io'] as const;
export const PEOPLE_AFTER_C1_PURGE = new Set(['shared@x.io', 'only-c2@x.io']);

const sortedBy = <T>(items: readonly T[], key: (item: T) => string) => [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

/** Everything the store holds of one connector, in a comparable shape. */
export async function snapshotConnector(store: FleetStore, connectorId: string) {
  return {
    definition: await store.getDefinition(connectorId),
    state: await store.getConnector(connectorId),
    accounts: sortedBy(await store.loadAccounts(connectorId), (item) => item.id),
    groups: sortedBy(await store.loadGroups(connectorId), (item) => item.id),
    memberships: sortedBy(await store.loadMemberships(connectorId), (item) => `${item.groupId}/${item.accountId}`),
    runs: await store.listRuns(connectorId),
    checkpoint: await store.loadCheckpoint(connectorId),
  };
}

export const NOTHING_LEFT = {
  definition: null,
  state: null,
  accounts: [],
  groups: [],
  memberships: [],
  runs: [],
  checkpoint: null,
} as const;
