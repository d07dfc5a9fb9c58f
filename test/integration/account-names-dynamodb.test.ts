/**
 * Names, logins, external ids and the app's update times on the DynamoDB store: inventory fields
 * that are not material (design.md section 4). A rename is written without an event or a count;
 * an unchanged poll still writes no account; items stored before these fields read back `null`.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { countRequests } from '../../functions/adapters/dynamodb/client.ts';
import { accountKey } from '../../functions/adapters/dynamodb/items.ts';
import { pollConnector, type PollDependencies } from '../../functions/core/poll.ts';
import type { AccountPage } from '../../functions/core/ports.ts';
import type { Account } from '../../functions/core/types.ts';
import { FixedCredentials, ManualClock, MemoryEventSink, ScriptedConnector, account } from '../fakes/memory-store.ts';
import { useEmbeddedDynamo } from '../support/embedded-dynamo.ts';

const dynamo = useEmbeddedDynamo();
const N = 60;
const ids = Array.from({ length: N }, (_, i) => `u${String(i).padStart(2, '0')}`);

function named(id: string, name: string | null = `Person ${id}`): Account {
  return account(id, `${id}@example.com`, {
    name,
    login: `login-${id}`,
    externalId: `ext-${id}`,
    updatedAt: '2026-10-01T00:00:00.000Z',
  });
}

function page(accounts: readonly Account[]): AccountPage {
  return { accounts: [...accounts], invalid: [], nextCursor: null, total: accounts.length };
}

async function bed() {
  const { store, tableName } = await dynamo.newStore('names');
  let connector = new ScriptedConnector({ users: [page(ids.map((id) => named(id)))] });
  const clock = new ManualClock(Date.parse('2026-11-01T00:00:00.000Z'));
  const events = new MemoryEventSink();
  const deps: PollDependencies = {
    store,
    events,
    clock,
    credentials: new FixedCredentials({ credentials: { apiKey: 'k' }, fingerprint: 'fp' }),
    createConnector: () => connector,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  };
  return {
    store,
    tableName,
    events,
    list(accounts: readonly Account[]) {
      connector = new ScriptedConnector({ users: [page(accounts)] });
    },
    async poll() {
      clock.advance(3_600_000);
      const before = events.events.length;
      const counter = countRequests(dynamo.clients().client);
      const result = await pollConnector(deps, { connectorId: 'c1', app: 'torq' });
      const requests = counter.counts().byCommand;
      counter.detach();
      return { result, requests, published: events.events.slice(before) };
    },
  };
}

describe('account names on the DynamoDB store', () => {
  it('stores them, writes no account for an unchanged poll, and writes a rename without an event or a count', async () => {
    const run = await bed();
    await run.poll();
    const stored = new Map((await run.store.loadAccounts('c1')).map((a) => [a.id, a]));
    expect(stored.get('u07')).toMatchObject({ name: 'Person u07', login: 'login-u07', externalId: 'ext-u07', updatedAt: '2026-10-01T00:00:00.000Z' });

    const unchanged = await run.poll();
    expect(unchanged.result.counts).toMatchObject({ new: 0, changed: 0 });
    expect(unchanged.requests).not.toHaveProperty('BatchWriteItem');
    expect(unchanged.published.map((event) => event.detailType)).toEqual(['SyncCompleted']);

    const renamedAt = '2026-11-01T05:00:00.000Z';
    run.list(ids.map((id) => (id === 'u07' ? { ...named(id, 'Ada Lovelace'), updatedAt: renamedAt } : named(id))));
    const renamed = await run.poll();
    expect(renamed.result.counts).toMatchObject({ new: 0, changed: 0, total: N });
    expect(renamed.published.map((event) => event.detailType)).toEqual(['SyncCompleted']);
    expect(renamed.requests).toHaveProperty('BatchWriteItem');
    const after = (await run.store.loadAccounts('c1')).find((a) => a.id === 'u07');
    expect(after).toMatchObject({ name: 'Ada Lovelace', updatedAt: renamedAt, lastChangedAt: stored.get('u07')?.lastChangedAt });

    const again = await run.poll();
    expect(again.requests).not.toHaveProperty('BatchWriteItem');
  });

  it('reads items stored before these fields with nulls, and the next listing fills them in silently, once', async () => {
    const run = await bed();
    // An account item as stored before these fields existed: none of their attributes.
    run.list([account('u00', 'u00@example.com')]);
    await run.poll();
    const { Item: legacy } = await dynamo.clients().documentClient.send(new GetCommand({ TableName: run.tableName, Key: accountKey('c1', 'u00') }));
    expect(Object.keys(legacy ?? {}).filter((key) => ['name', 'login', 'externalId', 'updatedAt'].includes(key))).toEqual([]);
    expect(await run.store.loadAccounts('c1')).toEqual([
      expect.objectContaining({ id: 'u00', name: null, login: null, externalId: null, updatedAt: null }),
    ]);
    const firstChangedAt = (await run.store.loadAccounts('c1'))[0]?.lastChangedAt;

    run.list([named('u00')]);
    const filled = await run.poll();
    expect(filled.result.counts).toMatchObject({ new: 0, changed: 0 });
    expect(filled.published.map((event) => event.detailType)).toEqual(['SyncCompleted']);
    expect(await run.store.loadAccounts('c1')).toEqual([
      expect.objectContaining({ id: 'u00', name: 'Person u00', login: 'login-u00', lastChangedAt: firstChangedAt }),
    ]);
    const second = await run.poll();
    expect(second.requests).not.toHaveProperty('BatchWriteItem');
  });

  it('makes an account with a name too large for the inventory invalid by id; the rest is stored and the write does not fail', async () => {
    const run = await bed();
    const huge = 'N'.repeat(60 * 1024);
    run.list([named('u00'), named('u01', huge)]);
    const { result, published } = await run.poll();
    expect(result.counts).toMatchObject({ new: 1, invalid: 1 });
    const anomaly = published.find((event) => event.detailType === 'SyncAnomaly');
    expect(anomaly?.detail).toMatchObject({ anomaly: 'INVALID_RECORDS' });
    expect(JSON.stringify(published)).not.toContain(huge.slice(0, 100));
    expect((await run.store.loadAccounts('c1')).map((a) => a.id)).toEqual(['u00']);
  });
});
