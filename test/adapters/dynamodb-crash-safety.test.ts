/**
 * What a poll that dies part-way leaves in the real store (dynalite): identity records are never
 * behind the account items that reference them, and a lease records who holds it, can be taken
 * over from exactly that holder, and can be broken conditionally.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import { LeaseBusyError } from '../../functions/core/errors.ts';
import { withoutLease } from '../../functions/core/lease.ts';
import type { LeaseRequest } from '../../functions/core/ports.ts';
import type { LeaseHolder } from '../../functions/core/types.ts';
import { account, identity, NO_WRITES, openDynamoFixture, type DynamoFixture } from './fixture.ts';
import { group, membership } from './store-contract.ts';

let fixture: DynamoFixture;
let store: DynamoInventoryStore;

beforeAll(async () => {
  fixture = await openDynamoFixture();
  store = new DynamoInventoryStore(fixture.documentClient, fixture.tableName, { writeConcurrency: 4 });
});

afterAll(async () => {
  await fixture.close();
});

afterEach(() => {
  fixture.client.middlewareStack.remove('dieAfterWrites');
});

let sequence = 0;
function newConnectorId(label: string): string {
  sequence += 1;
  return `${label}-${sequence}`;
}

/** From the `allowed`+1-th BatchWriteItem on, every write fails: the process "died" there. */
function dieAfterWrites(allowed: number): void {
  let sent = 0;
  fixture.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'BatchWriteItemCommand') return next(args);
      sent += 1;
      if (sent > allowed) throw Object.assign(new Error('process killed'), { name: 'ProcessKilled' });
      return next(args);
    },
    { step: 'initialize', name: 'dieAfterWrites' },
  );
}

describe('applyWrites when the writer dies part-way', () => {
  // 100 accounts and their 100 identities: 8 batches of 25.
  it.each([1, 3, 5, 7])('leaves no account without its identity record (death after %i of 8 batches)', async (allowed) => {
    const connectorId = newConnectorId('die');
    const accounts = Array.from({ length: 100 }, (_, i) => account(connectorId, `u-${String(i).padStart(3, '0')}`));
    const emails = accounts.map((a) => a.emailKey as string);
    const identities = emails.map((email) => identity(email, '2026-03-01T00:00:00.000Z', connectorId));
    dieAfterWrites(allowed);

    await expect(store.applyWrites(connectorId, { ...NO_WRITES, putAccounts: accounts, putIdentities: identities })).rejects.toThrow();
    fixture.client.middlewareStack.remove('dieAfterWrites');

    const stored = await store.loadAccounts(connectorId);
    const known = await store.findKnownIdentities(emails);
    expect(stored.filter((a) => !known.has(a.emailKey as string)).map((a) => a.id)).toEqual([]);
    // The death happened part-way: something was written, not everything (batches in flight when
    // it happened may or may not have landed, so no exact count).
    expect(stored.length + known.size).toBeGreaterThanOrEqual(25);
    expect(stored.length).toBeLessThan(100);
  });
});

describe('applyWrites of groups and memberships when the writer dies part-way', () => {
  // 50 accounts (2 batches), 30 groups (2 batches), 150 memberships (6 batches).
  it.each([1, 2, 3, 4, 6, 9])('leaves no membership naming an account or group the store lacks (death after %i of 10 batches)', async (allowed) => {
    const connectorId = newConnectorId('die-groups');
    const accounts = Array.from({ length: 50 }, (_, i) => account(connectorId, `u-${String(i).padStart(3, '0')}`, { email: null }));
    const groups = Array.from({ length: 30 }, (_, i) => group(connectorId, `g-${i}`));
    const memberships = accounts.flatMap((a, i) => [0, 1, 2].map((k) => membership(connectorId, `g-${(i + k * 7) % 30}`, a.id)));
    dieAfterWrites(allowed);

    await expect(
      store.applyWrites(connectorId, { ...NO_WRITES, putAccounts: accounts, putGroups: groups, putMemberships: memberships }),
    ).rejects.toThrow();
    fixture.client.middlewareStack.remove('dieAfterWrites');

    const storedAccounts = new Set((await store.loadAccounts(connectorId)).map((a) => a.id));
    const storedGroups = new Set((await store.loadGroups(connectorId)).map((g) => g.id));
    const storedMemberships = await store.loadMemberships(connectorId);
    expect(storedMemberships.filter((m) => !storedAccounts.has(m.accountId) || !storedGroups.has(m.groupId))).toEqual([]);
    expect(storedMemberships.length).toBeLessThan(150);
  });
});

const laptop: LeaseHolder = { kind: 'process', host: 'laptop-1', pid: 111, pidNamespace: 'pid:[4026531836]' };
const lambda: LeaseHolder = { kind: 'lambda', requestId: 'req-42', functionName: 'rollcall-poller' };
const T = Date.parse('2026-03-01T00:00:00.000Z');

function lease(connectorId: string, owner: string, nowMs: number, holder: LeaseHolder, extra: Partial<LeaseRequest> = {}): LeaseRequest {
  return { connectorId, app: 'torq', owner, holder, now: new Date(nowMs).toISOString(), nowMs, leaseMs: 60_000, ...extra };
}

describe('lease holders', () => {
  it('stores the holder with the lease and clears it when the sync finishes', async () => {
    const connectorId = newConnectorId('holder');
    await store.acquireLease(lease(connectorId, 'run-1', T, lambda));
    expect(await store.getConnector(connectorId)).toMatchObject({ leaseOwner: 'run-1', leaseHolder: lambda });

    const state = await store.getConnector(connectorId);
    await store.finishSync({ ...withoutLease(state!), status: 'CONNECTED', identitiesVerified: true }, 'run-1');
    expect(await store.getConnector(connectorId)).toMatchObject({
      leaseOwner: null,
      leaseHolder: null,
      identitiesVerified: true,
      status: 'CONNECTED',
    });
  });

  it('takes over a live lease from exactly the owner named, and from no other', async () => {
    const connectorId = newConnectorId('takeover');
    await store.acquireLease(lease(connectorId, 'run-dead', T, laptop));

    const wrongOwner = store.acquireLease(lease(connectorId, 'run-2', T + 1_000, laptop, { takeOverFrom: 'run-other' }));
    await expect(wrongOwner).rejects.toBeInstanceOf(LeaseBusyError);
    await expect(wrongOwner).rejects.toMatchObject({ lease: { owner: 'run-dead', holder: laptop, expiresAtMs: T + 60_000 } });

    const before = await store.acquireLease(lease(connectorId, 'run-2', T + 1_000, laptop, { takeOverFrom: 'run-dead' }));
    expect(before).toMatchObject({ leaseOwner: 'run-dead', status: 'SYNCING' });
    expect(await store.getConnector(connectorId)).toMatchObject({ leaseOwner: 'run-2', leaseExpiresAt: T + 61_000 });
  });

  it('breaks a lease with a write conditional on its owner, and refuses once another poll holds it', async () => {
    const connectorId = newConnectorId('break');
    await store.acquireLease(lease(connectorId, 'run-1', T, laptop));
    const held = await store.getConnector(connectorId);

    await store.putConnector(withoutLease(held!), { ifLeaseOwner: 'run-1' });
    const broken = await store.getConnector(connectorId);
    expect(broken).toMatchObject({ leaseOwner: null, leaseHolder: null, identitiesVerified: false });
    // The connector never finished a sync: it had no status to return to.
    expect(broken?.status).toBe('ERROR');

    await store.acquireLease(lease(connectorId, 'run-2', T + 5, lambda));
    await expect(store.putConnector(withoutLease(held!), { ifLeaseOwner: 'run-1' })).rejects.toThrow(/Lambda request req-42 of rollcall-poller/);
    expect((await store.getConnector(connectorId))?.leaseOwner).toBe('run-2');
  });
});
