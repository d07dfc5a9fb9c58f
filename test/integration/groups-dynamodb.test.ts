import { describe, expect, it } from 'vitest';
import { countRequests } from '../../functions/adapters/dynamodb/client.ts';
import { pollConnector, type PollDependencies } from '../../functions/core/poll.ts';
import type { AccountPage } from '../../functions/core/ports.ts';
import { FixedCredentials, ManualClock, MemoryEventSink, ScriptedConnector, account, group } from '../fakes/memory-store.ts';
import { useEmbeddedDynamo } from '../support/embedded-dynamo.ts';

const dynamo = useEmbeddedDynamo();
const N = 300;
const ids = Array.from({ length: N }, (_, i) => `u${i}`);
const usersPage: AccountPage = { accounts: ids.map((id) => account(id, `${id}@example.com`)), invalid: [], nextCursor: null, total: N };
const groupsPage = (members: Record<string, string[]>): AccountPage => ({
  accounts: [],
  invalid: [],
  groups: Object.keys(members).map((id) => group(id, { name: `Group ${id}`, memberCount: members[id]!.length })),
  members: Object.entries(members).map(([groupId, accountIds]) => ({ groupId, accountIds })),
  nextCursor: null,
});

describe('pollConnector with groups on the DynamoDB store', () => {
  it('writes nothing but bookkeeping for an unchanged second sync; a revocation and a grant later', async () => {
    const { store } = await dynamo.newStore('x');
    const members: Record<string, string[]> = { g1: ids.slice(0, 200), g2: ids.slice(100), g3: ids.slice(0, 50) };
    let connector = Object.assign(new ScriptedConnector({ users: [usersPage], groups: [groupsPage(members)] }, ['users', 'groups'], true), { app: 'tg' });
    const clock = new ManualClock(Date.parse('2026-11-01T00:00:00.000Z'));
    const events = new MemoryEventSink();
    const deps: PollDependencies = {
      store, events, clock,
      credentials: new FixedCredentials({ credentials: { apiKey: 'k' }, fingerprint: 'fp' }),
      createConnector: () => connector,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    };
    const first = await pollConnector(deps, { connectorId: 'c1', app: 'tg' });
    console.log('first', JSON.stringify(first.counts));
    expect(first.counts.accessGranted).toBe(450);
    expect(await store.loadMemberships('c1')).toHaveLength(450);
    expect(await store.loadGroups('c1')).toHaveLength(3);

    const counter = countRequests(dynamo.clients().client);
    clock.advance(3_600_000);
    const second = await pollConnector(deps, { connectorId: 'c1', app: 'tg' });
    console.log('second', JSON.stringify(second.counts), JSON.stringify(counter.counts()));
    expect(second.counts).toMatchObject({ accessGranted: 0, accessRevoked: 0, new: 0, changed: 0 });
    expect(counter.counts().byCommand).not.toHaveProperty('BatchWriteItem');
    counter.reset();

    connector = Object.assign(new ScriptedConnector({ users: [usersPage], groups: [groupsPage({ ...members, g3: ids.slice(1, 51) })] }, ['users', 'groups'], true), { app: 'tg' });
    clock.advance(3_600_000);
    const third = await pollConnector(deps, { connectorId: 'c1', app: 'tg' });
    console.log('third', JSON.stringify(third.counts), JSON.stringify(counter.counts()));
    expect(third.counts).toMatchObject({ accessGranted: 1, accessRevoked: 1 });
    expect(await store.queryMemberships({ connectorId: 'c1', groupId: 'g3', includeRevoked: true })).toHaveLength(51);
    expect(await store.queryMemberships({ connectorId: 'c1', accountId: 'u0' })).toHaveLength(1);
    counter.detach();
  });
});
