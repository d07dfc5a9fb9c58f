import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accountFromItem,
  accountToItem,
  connectorFromItem,
  connectorToItem,
  groupFromItem,
  groupToItem,
  identityFromItem,
  identityToItem,
  membershipFromItem,
  membershipToItem,
  runFromItem,
  runToItem,
} from '../../functions/adapters/dynamodb/items.ts';
import { FIRST_SEEN_SHARDS, keys, shardOf } from '../../functions/adapters/dynamodb/table-definition.ts';
import { toEntry, entrySize, MAX_REQUEST_BYTES } from '../../functions/adapters/eventbridge-sink.ts';
import { diffInventory } from '../../functions/core/diff.ts';
import { ContractError } from '../../functions/core/errors.ts';
import { checkAccount, INVENTORY_LIMITS } from '../../functions/core/limits.ts';
import { ZERO_COUNTS, type ConnectorState, type SyncRun } from '../../functions/core/types.ts';
import { account, identity } from './fixture.ts';
import { group, membership } from './store-contract.ts';

describe('account items', () => {
  it('carries the table, email-index and first-seen-index keys', () => {
    const item = accountToItem(account('c1', 'u1', { email: 'Ann@Example.com', firstSeenAt: '2026-02-03T04:05:06.000Z' }));

    expect(item).toMatchObject({
      PK: 'CONNECTOR#c1',
      SK: 'ACCOUNT#u1',
      GSI1PK: 'EMAIL#ann@example.com',
      GSI1SK: 'CONNECTOR#c1#ACCOUNT#u1',
      GSI2PK: keys.accountFirstSeenGsi2Pk('2026-02', shardOf('c1#u1')),
      GSI2SK: '2026-02-03T04:05:06.000Z#c1#u1',
    });
    expect(shardOf('c1#u1')).toBeLessThan(FIRST_SEEN_SHARDS);
  });

  it('omits null fields, and the email index entirely without an email', () => {
    const item = accountToItem(
      account('c1', 'u1', { email: null, roleId: null, roleName: null, status: null, ssoProvisioned: null, createdAt: null }),
    );

    for (const attribute of ['GSI1PK', 'GSI1SK', 'email', 'emailKey', 'roleId', 'roleName', 'status', 'ssoProvisioned', 'createdAt', 'lastLoginAt', 'removedAt']) {
      expect(item).not.toHaveProperty(attribute);
    }
  });

  it('reads back exactly what was written, absent attributes as null', () => {
    const full = account('c1', 'u1', { ssoProvisioned: true, lastLoginAt: '2026-03-01T00:00:00.000Z', removedAt: '2026-03-02T00:00:00.000Z' });
    const sparse = account('c1', 'u2', { email: null, roleId: null, roleName: null, status: null, ssoProvisioned: null });

    expect(accountFromItem(accountToItem(full))).toEqual(full);
    expect(accountFromItem(accountToItem(sparse))).toEqual(sparse);
  });

  it('reports a damaged item by key and attribute', () => {
    const item = accountToItem(account('c1', 'u1'));
    delete item.firstSeenAt;

    expect(() => accountFromItem(item)).toThrow(new ContractError('inventory item CONNECTOR#c1 / ACCOUNT#u1 lacks attribute firstSeenAt'));
  });
});

describe('identity items', () => {
  it('round-trips and is indexed by month and shard of first sight', () => {
    const person = identity('ann@example.com', '2026-02-03T04:05:06.000Z', 'c1');

    const item = identityToItem(person);

    expect(item).toMatchObject({
      PK: 'IDENTITY#ann@example.com',
      SK: 'IDENTITY',
      GSI2PK: keys.identityFirstSeenGsi2Pk('2026-02', shardOf('ann@example.com')),
      GSI2SK: '2026-02-03T04:05:06.000Z#ann@example.com',
    });
    expect(identityFromItem(item)).toEqual(person);
  });

  it('names a damaged identity item without its email', () => {
    const item = identityToItem(identity('ann@example.com', '2026-02-03T04:05:06.000Z'));
    delete item.firstConnectorId;

    expect(() => identityFromItem(item)).toThrow(ContractError);
    expect(() => identityFromItem(item)).not.toThrow('ann@example.com');
  });
});

describe('connector items', () => {
  const state: ConnectorState = {
    connectorId: 'c1',
    app: 'torq',
    status: 'RECONNECT_REQUIRED',
    previousStatus: 'CONNECTED',
    statusChangedAt: '2026-03-01T00:00:00.000Z',
    statusReason: 'credentials rejected',
    lastSyncAt: '2026-03-01T00:00:00.000Z',
    lastSuccessAt: null,
    lastError: 'credentials rejected',
    counts: { ...ZERO_COUNTS, total: 5 },
    rejectedFingerprint: '0123456789abcdef',
    leaseOwner: null,
    leaseExpiresAt: null,
    leaseHolder: null,
    identitiesVerified: true,
  };

  it('is listed under the connectors index and round-trips', () => {
    const item = connectorToItem(state);

    expect(item).toMatchObject({ PK: 'CONNECTOR#c1', SK: 'STATE', GSI1PK: 'CONNECTORS', GSI1SK: 'c1' });
    expect(item).not.toHaveProperty('leaseOwner');
    expect(connectorFromItem(item)).toEqual(state);
  });

  it('round-trips a lease with its holder, and reads an unreadable holder as unknown', () => {
    const processLease = { ...state, leaseOwner: 'run-1', leaseExpiresAt: 1_800_000_000_000, leaseHolder: { kind: 'process' as const, host: 'laptop', pid: 42, pidNamespace: null } };
    expect(connectorToItem(processLease).leaseHolder).toEqual({ kind: 'process', host: 'laptop', pid: 42 });
    expect(connectorFromItem(connectorToItem(processLease))).toEqual(processLease);
    const lambdaLease = { ...processLease, leaseHolder: { kind: 'lambda' as const, requestId: 'req-1', functionName: 'rollcall-poller' } };
    expect(connectorFromItem(connectorToItem(lambdaLease))).toEqual(lambdaLease);
    // Written by an older version (no holder), or damaged: the lease simply lasts until it expires.
    expect(connectorFromItem({ ...connectorToItem(processLease), leaseHolder: { kind: 'process', host: 'laptop', pid: 'x' } }).leaseHolder).toBeNull();
    expect(connectorFromItem({ ...connectorToItem(state), identitiesVerified: 'yes' }).identitiesVerified).toBe(false);
  });

  it('remembers the last status that was not SYNCING, for the next lease', () => {
    expect(connectorToItem(state).settledStatus).toBe('RECONNECT_REQUIRED');
    expect(connectorToItem({ ...state, status: 'SYNCING', previousStatus: 'ERROR' }).settledStatus).toBe('ERROR');
    expect(connectorToItem({ ...state, status: 'SYNCING', previousStatus: null })).not.toHaveProperty('settledStatus');
  });

  it('reads counts missing from an older item as zero', () => {
    const item = { ...connectorToItem(state), counts: { total: 5 } };

    expect(connectorFromItem(item).counts).toEqual({ ...ZERO_COUNTS, total: 5 });
  });
});

describe('run items', () => {
  const run: SyncRun = {
    connectorId: 'c1',
    runId: 'r1',
    startedAt: '2026-03-01T00:00:00.000Z',
    finishedAt: '2026-03-01T00:00:02.000Z',
    durationMs: 2_000,
    status: 'CONNECTED',
    outcome: 'completed',
    counts: ZERO_COUNTS,
    error: null,
    anomalies: [],
  };

  it('sorts under RUN# by start time and round-trips', () => {
    const item = runToItem(run);

    expect(item).toMatchObject({ PK: 'CONNECTOR#c1', SK: 'RUN#2026-03-01T00:00:00.000Z#r1' });
    expect(runFromItem(item)).toEqual(run);
  });
});

describe('items and the inventory limits of core/limits.ts', () => {
  const connectorId = `c${'0'.repeat(46)}9`;
  /** A record at every limit the core checks: the longest id, the longest email key, the largest record. */
  function recordAtLimits(variant: string) {
    // One byte of variant, two per U+00E9, one byte of padding.
    const id = `${variant}${'\u00e9'.repeat((INVENTORY_LIMITS.accountIdBytes - 2) / 2)}z`;
    const email = `${variant}${'\u00e9'.repeat((INVENTORY_LIMITS.emailKeyBytes - 14) / 2)}z@example.com`;
    const base = account(connectorId, id, { email, emailKey: email, roleId: variant, status: variant });
    const room = INVENTORY_LIMITS.recordJsonBytes - Buffer.byteLength(JSON.stringify(base));
    // Status counts twice in the largest event (the account and the change): the worst place for the bytes.
    return { ...base, status: `${variant}${'s'.repeat(room - 1)}` };
  }

  it('a record the core accepts at every limit makes items whose keys and size DynamoDB accepts', () => {
    const record = recordAtLimits('a');
    expect(Buffer.byteLength(record.id)).toBe(INVENTORY_LIMITS.accountIdBytes);
    expect(Buffer.byteLength(record.emailKey ?? '')).toBe(INVENTORY_LIMITS.emailKeyBytes);
    expect(Buffer.byteLength(JSON.stringify(record))).toBeGreaterThan(INVENTORY_LIMITS.recordJsonBytes - 400);
    expect(checkAccount(record)).toBeNull();

    const items = [accountToItem(record), identityToItem(identity(record.emailKey ?? '', record.firstSeenAt, connectorId))];
    for (const item of items) {
      for (const key of ['PK', 'GSI1PK', 'GSI2PK']) expect(Buffer.byteLength(String(item[key] ?? ''))).toBeLessThanOrEqual(2048);
      for (const key of ['SK', 'GSI1SK', 'GSI2SK']) expect(Buffer.byteLength(String(item[key] ?? ''))).toBeLessThanOrEqual(1024);
      expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThan(INVENTORY_LIMITS.itemBytes);
    }
  });

  it('the largest event two such records make, an AccountChanged, fits one EventBridge entry', () => {
    const before = recordAtLimits('a');
    const after = { ...recordAtLimits('b'), id: before.id };
    const { events } = diffInventory({
      connectorId,
      app: 'torq',
      runId: 'r1',
      now: '2026-11-01T00:00:00.000Z',
      previous: [before],
      listing: { accounts: [after], invalid: [] },
      knownEmails: new Set(),
      maxRemovalShare: 1,
    });
    const changed = events.find((event) => event.detailType === 'AccountChanged');
    expect(changed?.detail).toMatchObject({ changes: expect.arrayContaining([expect.objectContaining({ field: 'status' })]) });
    for (const event of events) expect(entrySize(toEntry(event, 'bus'))).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
    expect(entrySize(toEntry(changed!, 'bus'))).toBeGreaterThan(INVENTORY_LIMITS.recordJsonBytes * 3);
  });

  it('refuses to build an item above a key or the item limit, naming the attribute and never the value', () => {
    expect(() => accountToItem(account('c1', 'x'.repeat(1_100)))).toThrow(
      new ContractError("account item's SK is 1108 bytes, above DynamoDB's 1024-byte sort key limit"),
    );
    expect(() => identityToItem(identity(`${'y'.repeat(2_100)}@example.com`, '2026-03-01T00:00:00.000Z'))).toThrow(
      /^identity item's PK is 2121 bytes, above DynamoDB's 2048-byte partition key limit$/,
    );
    expect(() => accountToItem(account('c1', 'u1', { roleName: 'R'.repeat(500 * 1024) }))).toThrow(
      /^account item is \d+ bytes, above DynamoDB's 409600-byte item limit$/,
    );
  });
});

describe('group and membership items', () => {
  it('round-trip every field, absent ones included', () => {
    const full = group('c1', 'g1', { name: 'Ops', type: 'SYSTEM', active: false, memberCount: 0, implicit: true, removedAt: '2026-03-02T00:00:00.000Z' });
    const bare = group('c1', 'g2', { name: null, type: null, active: null, memberCount: null });
    expect(groupFromItem(groupToItem(full))).toEqual(full);
    expect(groupFromItem(groupToItem(bare))).toEqual(bare);
    expect(groupToItem(bare)).not.toHaveProperty('implicit');
    const revoked = membership('c1', 'g1', 'u1', { revokedAt: '2026-03-03T00:00:00.000Z' });
    expect(membershipFromItem(membershipToItem(revoked), 'c1')).toEqual(revoked);
    expect(membershipFromItem(membershipToItem(membership('c1', 'g1', 'u1')), 'c1')).toEqual(membership('c1', 'g1', 'u1'));
  });

  it('gives two memberships one sort key only when they are one membership, whatever the ids hold', () => {
    const id = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('#', '1:', '1:#', ':', 'a#b', `x${'y'.repeat(500)}`, `x${'y'.repeat(501)}`));
    fc.assert(
      fc.property(id, id, id, id, (groupA, accountA, groupB, accountB) => {
        const same = groupA === groupB && accountA === accountB;
        expect(keys.membershipSk(groupA, accountA) === keys.membershipSk(groupB, accountB)).toBe(same);
        // The members of a group are exactly the keys with its prefix.
        expect(keys.membershipSk(groupB, accountB).startsWith(keys.groupMembersSkPrefix(groupA))).toBe(groupA === groupB);
      }),
      { numRuns: 2_000 },
    );
  });
});
