/**
 * The console's history and people pages fed by real polls (pollConnector) into the DynamoDB store
 * on dynalite: a changed role, a removal and a return each leave one history entry; an unchanged
 * poll writes none; the pages are answered by Queries and BatchGets, never a Scan.
 */
import { describe, expect, it } from 'vitest';
import { countRequests } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoConsoleReader } from '../../functions/adapters/dynamodb/console-reader.ts';
import { pollConnector, type PollDependencies } from '../../functions/core/poll.ts';
import type { AccountPage } from '../../functions/core/ports.ts';
import { FixedCredentials, ManualClock, MemoryEventSink, ScriptedConnector, account } from '../fakes/memory-store.ts';
import { useEmbeddedDynamo } from '../support/embedded-dynamo.ts';

const dynamo = useEmbeddedDynamo();
const N = 60;
const ids = Array.from({ length: N }, (_, i) => `u${String(i).padStart(2, '0')}`);
const page = (accounts: AccountPage['accounts']): AccountPage => ({ accounts, invalid: [], nextCursor: null });
const everyone = ids.map((id) => account(id, `${id}@example.com`, { name: `Person ${id}` }));

describe('account history and people pages from polls on the DynamoDB store', () => {
  it('records a role change, a removal and a return once each, nothing for an unchanged poll, and shows them on the person page', async () => {
    const { store, tableName } = await dynamo.newStore('history');
    const connector = new ScriptedConnector({ local: [page(everyone)] });
    const clock = new ManualClock(Date.parse('2026-11-01T00:00:00.000Z'));
    const deps: PollDependencies = {
      store,
      events: new MemoryEventSink(),
      clock,
      credentials: new FixedCredentials({ credentials: { apiKey: 'k' }, fingerprint: 'fp' }),
      createConnector: () => connector,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    };
    const reader = new DynamoConsoleReader(dynamo.clients().documentClient, tableName, { clock });
    const poll = async (accounts: AccountPage['accounts']) => {
      connector.pages = { local: [page(accounts)] };
      clock.advance(3_600_000);
      return pollConnector(deps, { connectorId: 'c1', app: 'torq' });
    };
    const firstAt = clock.now().toISOString();
    await pollConnector(deps, { connectorId: 'c1', app: 'torq' });

    const counter = countRequests(dynamo.clients().client);
    await poll(everyone);
    // Bookkeeping only (the lease, the final state, the run): no account, identity or history item.
    expect(counter.counts().byCommand).not.toHaveProperty('BatchWriteItem');
    expect(counter.counts().itemsWritten).toBe(3);

    const changedAt = new Date(clock.now().getTime() + 3_600_000).toISOString();
    const promoted = everyone.map((a) => (a.id === 'u01' ? { ...a, roleId: 'role-owner', roleName: 'Owner' } : a));
    await poll(promoted.filter((a) => a.id !== 'u02'));
    const returnedAt = new Date(clock.now().getTime() + 3_600_000).toISOString();
    await poll(promoted);

    counter.reset();
    const u01 = await reader.getPerson('U01@example.com');
    expect(u01?.accounts[0]?.history).toEqual([
      { kind: 'first-seen', at: firstAt },
      { kind: 'changed', at: changedAt, changes: [{ field: 'roleId', from: 'role-viewer', to: 'role-owner' }] },
    ]);
    const u02 = await reader.getPerson('u02@example.com');
    expect(u02?.accounts[0]?.history).toEqual([
      { kind: 'first-seen', at: firstAt },
      { kind: 'removed', at: changedAt },
      { kind: 'restored', at: returnedAt },
    ]);
    const people = await reader.listPeople({ limit: 10 });
    expect(people.items.map((p) => p.emailKey)).toEqual(ids.slice(0, 10).map((id) => `${id}@example.com`));
    expect(people.items[1]?.accounts[0]?.roleName).toBe('Owner');
    const accounts = await reader.listAccounts({ connectorId: 'c1', limit: 20, filter: { role: 'Owner' } });
    expect(accounts.items.map((row) => row.account.id)).toEqual(['u01']);
    const byCommand = counter.counts().byCommand;
    expect(byCommand).not.toHaveProperty('Scan');
    expect(Object.keys(byCommand).sort()).toEqual(expect.arrayContaining(['GetItem', 'Query']));
    for (const command of Object.keys(byCommand)) expect(['GetItem', 'Query', 'BatchGetItem']).toContain(command);
    counter.detach();
  });
});
