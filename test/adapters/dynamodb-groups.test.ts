/**
 * Groups and memberships in the DynamoDB store, where the contract suite cannot look: requests
 * counted on the real client (dynalite), write order across item kinds, item shapes and sizes.
 */
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countRequests, type RequestCounter } from '../../functions/adapters/dynamodb/client.ts';
import { groupToItem, membershipToItem } from '../../functions/adapters/dynamodb/items.ts';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import { keys } from '../../functions/adapters/dynamodb/table-definition.ts';
import { ContractError } from '../../functions/core/errors.ts';
import { unusableIdReason } from '../../functions/core/limits.ts';
import type { InventoryWrites } from '../../functions/core/ports.ts';
import { account, identity, NO_WRITES, openDynamoFixture, type DynamoFixture } from './fixture.ts';
import { group, membership } from './store-contract.ts';

let fixture: DynamoFixture;
let store: DynamoInventoryStore;
let counter: RequestCounter | null = null;

beforeAll(async () => {
  fixture = await openDynamoFixture();
  store = new DynamoInventoryStore(fixture.documentClient, fixture.tableName);
});
afterAll(async () => fixture.close());
afterEach(() => {
  counter?.detach();
  counter = null;
  fixture.client.middlewareStack.remove('recordWrites');
});

let sequence = 0;
const newConnectorId = (label: string) => `${label}-${++sequence}`;

/** A first sync of a workspace: people, their accounts, 5 groups and every account in 3 of them. */
function firstSync(connectorId: string, people: number): InventoryWrites {
  const accounts = Array.from({ length: people }, (_, i) => account(connectorId, `u${String(i).padStart(4, '0')}`));
  const groups = Array.from({ length: 5 }, (_, i) => group(connectorId, `g${i}`));
  return {
    putAccounts: accounts,
    removeAccounts: [],
    putIdentities: accounts.map((a) => identity(a.emailKey ?? '', a.firstSeenAt, connectorId)),
    putGroups: groups,
    removeGroups: [],
    putMemberships: accounts.flatMap((a, i) => [0, 1, 2].map((g) => membership(connectorId, `g${(i + g) % 5}`, a.id))),
    revokeMemberships: [],
  };
}

/** Records, in order, the sort-key kinds of every written item (identity, account, group, membership). */
function recordWriteKinds(): string[] {
  const kinds: string[] = [];
  const kindOf = (sk: unknown) => (typeof sk === 'string' ? sk.replace(/#.*$/, '') : '?');
  fixture.client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as unknown as {
        RequestItems?: Record<string, { PutRequest: { Item: { SK: string } } }[]>;
        Key?: { SK: string };
      };
      if (context.commandName === 'BatchWriteItemCommand') {
        for (const requests of Object.values(input.RequestItems ?? {})) {
          for (const request of requests) kinds.push(kindOf(request.PutRequest.Item.SK));
        }
      } else if (context.commandName === 'UpdateItemCommand') {
        kinds.push(`update ${kindOf(input.Key?.SK)}`);
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordWrites' },
  );
  return kinds;
}

describe('DynamoDB groups and memberships', () => {
  it('costs no write request when a second sync of accounts, groups and memberships finds nothing changed', async () => {
    const connectorId = newConnectorId('unchanged');
    const first = firstSync(connectorId, 200);
    await store.applyWrites(connectorId, first);
    counter = countRequests(fixture.client);

    // What a sync reads, and the writes an unchanged listing produces: none of any kind.
    const [accounts, groups, memberships] = await Promise.all([
      store.loadAccounts(connectorId),
      store.loadGroups(connectorId),
      store.loadMemberships(connectorId),
    ]);
    await store.applyWrites(connectorId, { ...NO_WRITES, putGroups: [], removeGroups: [], putMemberships: [], revokeMemberships: [] });

    expect([accounts.length, groups.length, memberships.length]).toEqual([200, 5, 600]);
    const counts = counter.counts();
    expect(counts.writes).toBe(0);
    expect(counts.itemsWritten).toBe(0);
    // 200 accounts, 5 groups and 600 memberships: one page, one page, and pages of 500 and 100.
    expect(counts.byCommand).toEqual({ Query: 4 });
  });

  it('writes identities, then accounts, then groups, then memberships, so a crash between leaves no membership naming a missing item', async () => {
    const connectorId = newConnectorId('order');
    const first = firstSync(connectorId, 30);
    const kinds = recordWriteKinds();
    await store.applyWrites(connectorId, {
      ...first,
      removeAccounts: [{ id: 'u0000', removedAt: '2026-03-02T00:00:00.000Z' }],
      removeGroups: [{ id: 'g4', removedAt: '2026-03-02T00:00:00.000Z' }],
      revokeMemberships: [{ groupId: 'g0', accountId: 'u0001', revokedAt: '2026-03-02T00:00:00.000Z' }],
    });

    const order = ['IDENTITY', 'ACCOUNT', 'update ACCOUNT', 'GROUP', 'update GROUP', 'MEMBER', 'update MEMBER'];
    const ranks = kinds.map((kind) => order.indexOf(kind));
    expect(ranks).not.toContain(-1);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(kinds)).toEqual(new Set(order));
  });

  it('writes memberships in BatchWriteItem requests of 25 and revokes each with one UpdateItem, creating nothing for an unknown one', async () => {
    const connectorId = newConnectorId('batches');
    const memberships = Array.from({ length: 60 }, (_, i) => membership(connectorId, 'g1', `u${i}`));
    counter = countRequests(fixture.client);
    await store.applyWrites(connectorId, { ...NO_WRITES, putMemberships: memberships });
    expect(counter.counts()).toMatchObject({ byCommand: { BatchWriteItem: 3 }, itemsWritten: 60, reads: 0 });

    counter.reset();
    await store.applyWrites(connectorId, {
      ...NO_WRITES,
      revokeMemberships: [
        { groupId: 'g1', accountId: 'u7', revokedAt: '2026-03-05T00:00:00.000Z' },
        { groupId: 'g1', accountId: 'not-a-member', revokedAt: '2026-03-05T00:00:00.000Z' },
      ],
    });
    expect(counter.counts().byCommand).toEqual({ UpdateItem: 2 });
    const stub = await fixture.documentClient.send(
      new GetCommand({ TableName: fixture.tableName, Key: { PK: keys.connectorPk(connectorId), SK: keys.membershipSk('g1', 'not-a-member') } }),
    );
    expect(stub.Item).toBeUndefined();
    expect(await store.queryMemberships({ connectorId, groupId: 'g1' })).toHaveLength(59);
  });

  it('stores a membership as ids and times only, and finds an account’s memberships with one index Query', async () => {
    const connectorId = newConnectorId('small');
    await store.applyWrites(connectorId, {
      ...NO_WRITES,
      putGroups: [group(connectorId, 'R3JvdXA6MTIz', { name: 'Engineering on-call rotation' })],
      putMemberships: [membership(connectorId, 'R3JvdXA6MTIz', 'VXNlcjo0NTY=')],
    });
    const raw = await fixture.documentClient.send(
      new QueryCommand({
        TableName: fixture.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.connectorPk(connectorId), ':prefix': keys.membershipSkPrefix },
      }),
    );
    const item = raw.Items?.[0] ?? {};
    expect(Object.keys(item).sort()).toEqual(['GSI1PK', 'GSI1SK', 'PK', 'SK', 'accountId', 'grantedAt', 'groupId']);
    expect(JSON.stringify(item).length).toBeLessThan(250);

    counter = countRequests(fixture.client);
    expect(await store.queryMemberships({ connectorId, accountId: 'VXNlcjo0NTY=' })).toEqual([
      membership(connectorId, 'R3JvdXA6MTIz', 'VXNlcjo0NTY='),
    ]);
    expect(counter.counts().byCommand).toEqual({ Query: 1 });
  });

  it('reads an account item written before states existed with state null', async () => {
    const connectorId = newConnectorId('legacy');
    await fixture.documentClient.send(
      new PutCommand({
        TableName: fixture.tableName,
        Item: {
          PK: keys.connectorPk(connectorId),
          SK: keys.accountSk('old'),
          connectorId,
          accountId: 'old',
          app: 'torq',
          email: 'old@example.com',
          emailKey: 'old@example.com',
          status: 'VERIFIED',
          firstSeenAt: '2025-01-01T00:00:00.000Z',
          lastChangedAt: '2025-01-01T00:00:00.000Z',
        },
      }),
    );
    const [loaded] = await store.loadAccounts(connectorId);
    expect(loaded).toMatchObject({ id: 'old', status: 'VERIFIED', state: null, roleName: null });
  });

  it('refuses, naming the limit and never the value, a group whose id cannot key an item', () => {
    const secretLike = `g-${'s'.repeat(1_100)}`;
    expect(() => groupToItem(group('c1', secretLike))).toThrow(ContractError);
    expect(() => groupToItem(group('c1', secretLike))).toThrow(/SK is \d+ bytes, above DynamoDB's 1024-byte sort key limit/);
    try {
      groupToItem(group('c1', secretLike));
    } catch (error) {
      expect(String(error)).not.toContain('sss');
    }
  });

  it('keys a membership of the largest accepted ids within DynamoDB’s key limits', () => {
    // The largest account id the core accepts, with a group id as large.
    const accountId = `u${'é'.repeat(447)}`;
    expect(unusableIdReason(accountId)).toBeNull();
    const item = membershipToItem(membership('c1', accountId, accountId));
    expect(Buffer.byteLength(String(item.SK))).toBeLessThanOrEqual(1024);
    expect(Buffer.byteLength(String(item.GSI1PK))).toBeLessThanOrEqual(2048);
    expect(Buffer.byteLength(String(item.GSI1SK))).toBeLessThanOrEqual(1024);
  });
});
