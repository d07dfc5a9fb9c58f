/**
 * Connector definitions as items of the inventory table (table-definition.ts): the sparse SCHEDULE
 * index entry exists only while a connector is enabled and moves with each claim, a definition
 * lives beside the state row without either overwriting the other, and a damaged item is named by
 * its key, never by a value. The behaviour every store shares: store-contract.ts.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import { ContractError } from '../../functions/core/errors.ts';
import { ZERO_COUNTS } from '../../functions/core/types.ts';
import { definitionOf } from '../support/two-connectors.ts';
import { openDynamoFixture, type DynamoFixture } from './fixture.ts';

let fixture: DynamoFixture;
let store: DynamoInventoryStore;

beforeAll(async () => {
  fixture = await openDynamoFixture();
  store = new DynamoInventoryStore(fixture.documentClient, fixture.tableName);
});
afterAll(() => fixture.close());

async function rawDefinition(connectorId: string): Promise<Record<string, unknown>> {
  const answer = await fixture.documentClient.send(
    new GetCommand({ TableName: fixture.tableName, Key: { PK: `CONNECTOR#${connectorId}`, SK: 'DEFINITION' } }),
  );
  return answer.Item ?? {};
}

describe('connector definition items', () => {
  it('are listed under GSI1 DEFINITIONS, and in the SCHEDULE index only while enabled, at their due time', async () => {
    await store.createDefinition(definitionOf('on', { nextDueAt: '2026-03-01T00:10:00.000Z' }));
    await store.createDefinition(definitionOf('off', { enabled: false, nextDueAt: null }));
    expect(await rawDefinition('on')).toMatchObject({
      GSI1PK: 'DEFINITIONS',
      GSI1SK: 'on',
      GSI2PK: 'SCHEDULE',
      GSI2SK: '2026-03-01T00:10:00.000Z#on',
      nextDueAt: '2026-03-01T00:10:00.000Z',
    });
    const off = await rawDefinition('off');
    expect(off).toMatchObject({ GSI1PK: 'DEFINITIONS', enabled: false });
    expect(off).not.toHaveProperty('GSI2PK');
    expect(off).not.toHaveProperty('nextDueAt');

    expect(await store.claimDue('on', '2026-03-01T00:10:00.000Z', '2026-03-01T01:10:00.000Z')).toBe(true);
    expect(await rawDefinition('on')).toMatchObject({ GSI2SK: '2026-03-01T01:10:00.000Z#on', nextDueAt: '2026-03-01T01:10:00.000Z' });
  });

  it('live beside the state row: a poll rewriting its state keeps the definition, and neither listing sees the other', async () => {
    const definition = definitionOf('both');
    await store.createDefinition(definition);
    const nowMs = Date.parse('2026-03-01T00:00:00.000Z');
    await store.acquireLease({ connectorId: 'both', app: 'torq', owner: 'run-1', now: new Date(nowMs).toISOString(), nowMs, leaseMs: 60_000 });
    const syncing = await store.getConnector('both');
    if (syncing === null) throw new Error('state row missing');
    await store.finishSync({ ...syncing, status: 'CONNECTED', counts: { ...ZERO_COUNTS, total: 3 } }, 'run-1');

    expect(await store.getDefinition('both')).toEqual(definition);
    expect((await store.listConnectors()).map((state) => state.connectorId)).toEqual(['both']);
    expect((await store.listDefinitions()).map((item) => item.connectorId)).toContain('both');
    expect(await store.loadAccounts('both')).toEqual([]);
  });

  it('refuse due times of another shape (the index sorts them as text), and name a damaged item by its key', async () => {
    await expect(store.createDefinition(definitionOf('odd', { nextDueAt: '2026-03-01T00:10:00Z' }))).rejects.toBeInstanceOf(ContractError);
    await expect(store.listDue('2026-03-01', 10)).rejects.toBeInstanceOf(ContractError);

    await fixture.documentClient.send(
      new PutCommand({
        TableName: fixture.tableName,
        Item: { ...(await rawDefinition('on')), PK: 'CONNECTOR#damaged', GSI1SK: 'damaged', connectorId: 'damaged', origin: 'secret-origin-value' },
      }),
    );
    const read = store.getDefinition('damaged');
    await expect(read).rejects.toThrow('inventory item CONNECTOR#damaged / DEFINITION has an unknown origin');
    await expect(store.getDefinition('damaged')).rejects.not.toThrow('secret-origin-value');
  });

  it('are left by a purge, which deletes every other item of the partition, of kinds it does not name too', async () => {
    await store.createDefinition(definitionOf('kept'));
    for (const sk of ['STATE', 'ZZZ#an-item-kind-added-later', 'HISTORY#3:u-1#2026']) {
      await fixture.documentClient.send(
        new PutCommand({ TableName: fixture.tableName, Item: { PK: 'CONNECTOR#kept', SK: sk, connectorId: 'kept', leaseOwner: 'purge-1' } }),
      );
    }
    expect(await store.planPurge('kept')).toMatchObject({ other: 2, states: 1, accounts: 0 });
    expect(await store.purgeConnector('kept', 'purge-1')).toMatchObject({ other: 2, states: 1 });
    expect(await store.getDefinition('kept')).toEqual(definitionOf('kept'));
    expect(await store.planPurge('kept')).toMatchObject({ other: 0, states: 0 });
  });
});
