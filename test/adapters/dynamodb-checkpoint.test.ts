import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../functions/adapters/dynamodb/table-definition.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import type { ListingCheckpoint } from '../../functions/core/ports.ts';
import { ZERO_COUNTS } from '../../functions/core/types.ts';
import { openDynamoFixture, type DynamoFixture } from './fixture.ts';

let fixture: DynamoFixture;
let store: DynamoInventoryStore;

beforeAll(async () => {
  fixture = await openDynamoFixture();
  store = new DynamoInventoryStore(fixture.documentClient, fixture.tableName);
});
afterAll(async () => fixture.close());

function checkpoint(connectorId: string, ids: number): ListingCheckpoint {
  return {
    connectorId,
    listingId: 'run-1',
    startedAt: '2026-11-01T00:00:00.000Z',
    streams: { local: { cursor: 'tok-local', done: false, pages: 4 }, sso: { cursor: null, done: true, pages: 7 } },
    seenIds: Array.from({ length: ids }, (_, i) => `00000000-0000-4000-8000-${i.toString().padStart(12, '0')}`),
    counts: { ...ZERO_COUNTS, new: 12, total: 40 },
    unidentified: 1,
    invocations: 2,
  };
}

describe('listing checkpoints in DynamoDB', () => {
  it('round-trips a checkpoint whose ids span several chunk items', async () => {
    const saved = checkpoint('big', 20_001);
    await store.saveCheckpoint(saved);
    expect(await store.loadCheckpoint('big')).toEqual(saved);
  });

  it('keeps chunk items under the item size limit even with long ids', async () => {
    const longIds = { ...checkpoint('long', 0), seenIds: Array.from({ length: 6_000 }, (_, i) => `${'x'.repeat(200)}-${i}`) };
    await store.saveCheckpoint(longIds);
    expect(await store.loadCheckpoint('long')).toEqual(longIds);
  });

  it('keeps ids that contain newlines and other separators whole', async () => {
    const odd = { ...checkpoint('odd', 0), seenIds: ['a\nb', 'c\r\nd', 'e,f', ' ', 'g\u0000h'] };
    await store.saveCheckpoint(odd);
    expect(await store.loadCheckpoint('odd')).toEqual(odd);
  });

  it('reads a checkpoint written before ids were stored as lists', async () => {
    const saved = checkpoint('legacy', 3);
    await store.saveCheckpoint(saved);
    await fixture.documentClient.send(
      new PutCommand({ TableName: fixture.tableName, Item: { PK: keys.connectorPk('legacy'), SK: `${keys.checkpointSk}#00000`, ids: saved.seenIds.join('\n') } }),
    );
    expect(await store.loadCheckpoint('legacy')).toEqual(saved);
  });

  it('replaces a larger checkpoint with a smaller one and clears it completely', async () => {
    await store.saveCheckpoint(checkpoint('shrink', 17_000));
    const smaller = checkpoint('shrink', 5);
    await store.saveCheckpoint(smaller);
    expect(await store.loadCheckpoint('shrink')).toEqual(smaller);
    await store.clearCheckpoint('shrink');
    expect(await store.loadCheckpoint('shrink')).toBeNull();
  });

  it('has no checkpoint for a connector that never needed one, and keeps accounts apart from it', async () => {
    expect(await store.loadCheckpoint('none')).toBeNull();
    await store.saveCheckpoint(checkpoint('apart', 3));
    expect(await store.loadAccounts('apart')).toEqual([]);
  });

  it('keeps 100,000 seen members over chunk items under the item limit, one group spanning several chunks', async () => {
    const member = (i: number) => `VXNlcjoxMDAw${i.toString().padStart(7, '0')}`;
    const groups = new Map<string, string[]>([['huge', Array.from({ length: 60_000 }, (_, i) => member(i))]]);
    for (let g = 0; g < 40; g++) groups.set(`R3JvdXA6${g}`, Array.from({ length: 1_000 }, (_, i) => member(60_000 + g * 1_000 + i)));
    groups.set('empty', []);
    // Any string is a group id, this one included: it must stay a group, not become a prototype.
    groups.set('__proto__', ['u1']);
    const seenMembers: Record<string, string[]> = Object.fromEntries(groups);
    const saved: ListingCheckpoint = {
      ...checkpoint('members', 10),
      seenGroupIds: Object.keys(seenMembers),
      seenMembers,
    };
    expect(Object.values(seenMembers).reduce((sum, ids) => sum + ids.length, 0)).toBe(100_001);

    await store.saveCheckpoint(saved);
    expect(await store.loadCheckpoint('members')).toEqual(saved);

    const raw = await fixture.documentClient.send(
      new QueryCommand({
        TableName: fixture.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
        ExpressionAttributeValues: { ':pk': keys.connectorPk('members'), ':sk': `${keys.checkpointSk}#MEMBERS#` },
      }),
    );
    const chunks = raw.Items ?? [];
    expect(chunks.length).toBeGreaterThan(1);
    for (const item of chunks) expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThan(400 * 1024);
    expect(chunks.filter((item) => (item.groups as string[]).includes('huge')).length).toBeGreaterThan(1);
  });

  it('reads a checkpoint written before group ids and members were kept without them', async () => {
    const saved = checkpoint('before-groups', 3);
    await store.saveCheckpoint(saved);
    const { Items } = await fixture.documentClient.send(
      new QueryCommand({
        TableName: fixture.tableName,
        KeyConditionExpression: 'PK = :pk AND SK = :sk',
        ExpressionAttributeValues: { ':pk': keys.connectorPk('before-groups'), ':sk': keys.checkpointSk },
      }),
    );
    const meta = Items?.[0] ?? {};
    expect(meta).not.toHaveProperty('groupChunks');
    expect(meta).not.toHaveProperty('memberChunks');
    const loaded = await store.loadCheckpoint('before-groups');
    expect(loaded).toEqual(saved);
    expect(loaded).not.toHaveProperty('seenGroupIds');
    expect(loaded).not.toHaveProperty('seenMembers');
  });

  it('replaces a larger members checkpoint with a smaller one, ignoring the chunks left over', async () => {
    const big = { ...checkpoint('members-shrink', 0), seenGroupIds: ['g'], seenMembers: { g: Array.from({ length: 30_000 }, (_, i) => `member-${i}-${'m'.repeat(20)}`) } };
    await store.saveCheckpoint(big);
    const small = { ...checkpoint('members-shrink', 0), seenGroupIds: ['h'], seenMembers: { h: ['one'] } };
    await store.saveCheckpoint(small);
    expect(await store.loadCheckpoint('members-shrink')).toEqual(small);
    await store.clearCheckpoint('members-shrink');
    expect(await store.loadCheckpoint('members-shrink')).toBeNull();
  });
});
