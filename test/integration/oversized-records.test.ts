/**
 * Records the inventory cannot hold, served by the simulated Torq API over HTTP and polled into
 * the DynamoDB store on dynalite: an email of 10 KB or an id of 1,100 characters exceeds
 * DynamoDB's key limits, a role name of 500 KB its item limit. Each is reported invalid (by id, or
 * by a digest of an unusable id), the rest of the sync goes on, and so does the next poll.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createConnectorFactory } from '../../functions/connectors/index.ts';
import { generateWorkspace, startTorqSimulator, type TorqSimulator } from '../../simulators/torq/index.ts';
import { pollConnector, type PollResult } from '../../functions/core/poll.ts';
import { systemClock } from '../../functions/core/ports.ts';
import { useEmbeddedDynamo } from '../support/embedded-dynamo.ts';
import { FixedCredentials, MemoryEventSink } from '../fakes/memory-store.ts';

const CREDENTIALS = { clientId: 'oversize-client', clientSecret: 'oversize-secret' };
const CONNECTOR = 'torq-oversize';

let simulator: TorqSimulator | null = null;

const dynamo = useEmbeddedDynamo();
afterEach(async () => {
  await simulator?.close();
  simulator = null;
});

async function setup(users: number) {
  const { store } = await dynamo.newStore('oversize');
  const sim = await startTorqSimulator({ workspace: generateWorkspace({ users, seed: 41 }), credentials: CREDENTIALS });
  simulator = sim;
  const events = new MemoryEventSink();
  const warnings: Record<string, unknown>[] = [];
  const createConnector = createConnectorFactory(
    'torq',
    { apiUrl: sim.apiUrl, authUrl: sim.authUrl },
    { retry: { limit: 1, backoffLimitMs: 0, maxRetryAfterSeconds: 0 }, requestsPerSecond: 10_000 },
  );
  const poll = (): Promise<PollResult> =>
    pollConnector(
      {
        store,
        events,
        credentials: new FixedCredentials({ credentials: CREDENTIALS, fingerprint: 'fp-1' }),
        createConnector,
        clock: systemClock,
        logger: { debug() {}, info() {}, warn: (_message, attributes) => warnings.push({ ...attributes }), error() {} },
        settings: { maxRemovalShare: 1 },
      },
      { connectorId: CONNECTOR, app: 'torq' },
    );
  const active = async () => (await store.queryAccounts({ connectorId: CONNECTOR })).map((account) => account.id).sort();
  return { sim, store, events, poll, active, warnings };
}

const HUGE_EMAIL = `${'x'.repeat(10 * 1024)}@example.com`;
const LONG_ID = `id-${'9'.repeat(1_097)}`;

describe('records the inventory cannot hold', () => {
  it('are reported invalid, by id or digest and never by value, and this poll and the next complete', async () => {
    const env = await setup(30);
    const users = env.sim.workspace.users;
    const [withHugeEmail, withHugeRole, removedLater] = [users[0]!, users[1]!, users[2]!];
    withHugeEmail.email = HUGE_EMAIL;
    const hugeRole = { id: 'role-huge', name: 'R'.repeat(500 * 1024), description: 'a hostile role', scope_names: [] };
    env.sim.workspace.roles.push(hugeRole);
    withHugeRole.role_id = hugeRole.id;
    users.push({ ...users[3]!, id: LONG_ID, email: 'long.id@example.com' });
    env.sim.workspace.revision += 1;

    const first = await env.poll();
    expect(first).toMatchObject({ outcome: 'completed', status: 'CONNECTED', exitCode: 0 });
    expect(first.counts).toMatchObject({ total: 28, new: 28, invalid: 3 });
    expect(first.invalid).toEqual(
      expect.arrayContaining([
        { id: withHugeEmail.id, reason: expect.stringMatching(/^email: 10252 bytes once normalised, above the inventory's 896-byte limit$/) },
        { id: withHugeRole.id, reason: expect.stringMatching(/^record: \d+ bytes as JSON, above .* \(largest field: roleName\)$/) },
        { id: null, reason: expect.stringMatching(/^id: 1100 bytes, above the inventory's 896-byte limit \(id sha256:[0-9a-f]{16}\)$/) },
      ]),
    );
    const everything = JSON.stringify({ first, events: env.events.events, warnings: env.warnings });
    expect(everything).not.toContain('x'.repeat(100));
    expect(everything).not.toContain('R'.repeat(100));
    expect(everything).not.toContain('9'.repeat(100));

    // The next poll, one account gone: the record without a usable id holds the removal, as any
    // record without a usable id does; the two with usable ids are kept out of the inventory.
    users.splice(users.indexOf(removedLater), 1);
    env.sim.workspace.revision += 1;
    const second = await env.poll();
    expect(second).toMatchObject({ outcome: 'completed', status: 'CONNECTED', exitCode: 0 });
    expect(second.counts).toMatchObject({ total: 28, removed: 0, invalid: 3 });
    expect(second.anomalies).toEqual(expect.arrayContaining(['UNIDENTIFIED_RECORDS', 'INVALID_RECORDS']));
    expect(await env.active()).not.toContain(withHugeEmail.id);

    // Once the hostile id is gone the removal goes through, and the fixed records come in.
    users.splice(users.length - 1, 1);
    withHugeEmail.email = 'fixed@example.com';
    withHugeRole.role_id = env.sim.workspace.roles[0]!.id;
    env.sim.workspace.revision += 1;
    const third = await env.poll();
    expect(third).toMatchObject({ outcome: 'completed', exitCode: 0 });
    expect(third.counts).toMatchObject({ removed: 1, new: 2, invalid: 0, total: 29 });
    expect(await env.active()).toEqual(users.map((user) => user.id).sort());
  });

  it('with a usable id protect their stored account: neither updated nor removed', async () => {
    const env = await setup(10);
    const target = env.sim.workspace.users[4]!;
    expect((await env.poll()).counts.total).toBe(10);
    const before = (await env.store.queryAccounts({ connectorId: CONNECTOR })).find((account) => account.id === target.id);

    target.email = HUGE_EMAIL;
    env.sim.workspace.revision += 1;
    const result = await env.poll();
    expect(result).toMatchObject({ outcome: 'completed', exitCode: 0 });
    expect(result.counts).toMatchObject({ total: 10, changed: 0, removed: 0, invalid: 1 });
    expect(result.invalid).toEqual([{ id: target.id, reason: expect.stringMatching(/^email: /) }]);
    const after = (await env.store.queryAccounts({ connectorId: CONNECTOR })).find((account) => account.id === target.id);
    expect(after).toEqual(before);
    expect((await env.poll()).outcome).toBe('completed');
  });
});
