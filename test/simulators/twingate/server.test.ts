/**
 * The Twingate simulator on its own, over loopback: its schema refuses what Twingate's would, its
 * paging and faults answer as documented, and its network generator and churn are deterministic.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  applyTwingateChurn,
  generateTwingateWorkspace,
  offsetCursor,
  startTwingateSimulator,
  type TwingateSimFaults,
  type TwingateSimulator,
} from '../../../simulators/twingate/index.ts';
import { SIMULATORS, isSimulatorName } from '../../../simulators/index.ts';

const KEY = 'sim-key-1';
let sim: TwingateSimulator | null = null;

afterEach(async () => {
  await sim?.close();
  sim = null;
});

async function start(faults: Partial<TwingateSimFaults> = {}, users = 120): Promise<TwingateSimulator> {
  sim = await startTwingateSimulator({ workspace: generateTwingateWorkspace({ users, largeGroupMembers: 80, seed: 2 }), apiKey: KEY, faults });
  return sim;
}

/** `json()` is `any`: each answer has the shape its own query selected, which the test reads directly. */
async function post(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  key: string = KEY,
  // The assertions walk GraphQL answers of many shapes; a schema per query would only restate them.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; headers: Headers; text: string; json: () => any }> {
  const response = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

const USERS = 'query($first: Int, $after: String) { users(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id email } } } }';

describe('the schema', () => {
  it('refuses a field Twingate lacks, before executing anything', async () => {
    const { apiUrl } = await start();
    const answer = await post(apiUrl, '{ users(first: 1) { edges { node { id lastLoginAt } } } }');
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({
      errors: [expect.objectContaining({ message: 'Cannot query field "lastLoginAt" on type "User".' })],
    });
    expect(sim!.stats().byRootField).toEqual({});
  });

  it('answers the fields Twingate has, the deprecated isAdmin included', async () => {
    const { apiUrl, workspace } = await start();
    const answer = await post(apiUrl, '{ users(first: 1) { edges { node { id firstName lastName role state type isAdmin createdAt updatedAt } } } }');
    const user = workspace.users[0]!;
    expect(answer.json().data.users.edges[0].node).toEqual({
      id: user.id,
      firstName: user.firstName,
      lastName: user.lastName,
      role: user.role,
      state: user.state,
      type: user.type,
      isAdmin: user.role === 'ADMIN',
      createdAt: user.createdAt,
      updatedAt: user.updatedAt,
    });
  });
});

describe('paging', () => {
  it('pages users with offset cursors, then says there is no next page', async () => {
    const { apiUrl, workspace } = await start();
    const first = (await post(apiUrl, USERS, { first: 100 })).json().data.users;
    expect(first).toMatchObject({ totalCount: 120, pageInfo: { hasNextPage: true, endCursor: offsetCursor(99) } });
    const second = (await post(apiUrl, USERS, { first: 100, after: first.pageInfo.endCursor })).json().data.users;
    expect(second.pageInfo).toEqual({ hasNextPage: false, endCursor: offsetCursor(119) });
    expect([...first.edges, ...second.edges].map((edge: { node: { id: string } }) => edge.node.id)).toEqual(workspace.users.map((user) => user.id));
  });

  it('starts over on an unreadable cursor, as Twingate appears to', async () => {
    const { apiUrl, workspace } = await start();
    const page = (await post(apiUrl, USERS, { first: 2, after: '<nil>' })).json().data.users;
    expect(page.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual(workspace.users.slice(0, 2).map((user) => user.id));
  });

  it('serves a group with several hundred members page by page, and Everyone with every user', async () => {
    sim = await startTwingateSimulator({ workspace: generateTwingateWorkspace({ users: 500, largeGroupMembers: 420, seed: 8 }), apiKey: KEY });
    const large = sim.workspace.groups.find((group) => group.memberIds.length === 420)!;
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const group: { users: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: { id: string } }[] } } = (
        await post(sim.apiUrl, 'query($id: ID!, $after: String) { group(id: $id) { users(first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } } }', { id: large.id, after })
      ).json().data.group;
      expect(group.users.totalCount).toBe(420);
      ids.push(...group.users.edges.map((edge) => edge.node.id));
      if (!group.users.pageInfo.hasNextPage) break;
      after = group.users.pageInfo.endCursor;
    }
    expect(ids).toEqual(large.memberIds);
    const everyone = (await post(sim.apiUrl, '{ groups(first: 1) { edges { node { name type users { totalCount } } } } }')).json().data.groups.edges[0].node;
    expect(everyone).toEqual({ name: 'Everyone', type: 'SYSTEM', users: { totalCount: 500 } });
  });
});

describe('faults', () => {
  it.each([
    ['a wrong key', {}, 'wrong-key', 401],
    ['rejectKey', { rejectKey: true }, KEY, 401],
    ['unknownNetwork', { unknownNetwork: true }, KEY, 404],
    ['serverErrors', { serverErrors: { count: 1, status: 502 } }, KEY, 502],
  ] as const)('%s answers HTTP %#', async (_name, faults, key, status) => {
    const { apiUrl } = await start(faults);
    expect((await post(apiUrl, USERS, {}, key)).status).toBe(status);
  });

  it('htmlBody answers a sign-in page with HTTP 200', async () => {
    const { apiUrl } = await start({ htmlBody: true });
    const answer = await post(apiUrl, USERS);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/html');
    expect(answer.text).toMatch(/^<!DOCTYPE html>/);
  });

  it('rateLimit answers 429 with Retry-After when given and without it otherwise, then recovers', async () => {
    const { apiUrl } = await start({ rateLimit: { count: 1, retryAfter: 12 } });
    const limited = await post(apiUrl, USERS);
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '12']);
    sim!.setFaults({ rateLimit: { count: 1 } });
    const bare = await post(apiUrl, USERS);
    expect([bare.status, bare.headers.get('retry-after')]).toEqual([429, null]);
    expect((await post(apiUrl, USERS)).status).toBe(200);
  });

  it('redirectTo answers 308 with the Location', async () => {
    const { apiUrl } = await start({ redirectTo: 'https://acme.us1.twingate.com/api/graphql/' });
    const answer = await post(apiUrl, USERS);
    expect([answer.status, answer.headers.get('location')]).toEqual([308, 'https://acme.us1.twingate.com/api/graphql/']);
  });

  it('graphqlErrors answers errors[] with partial data, or with null data', async () => {
    const { apiUrl } = await start({ graphqlErrors: { count: 1, partial: true } });
    const partial = (await post(apiUrl, USERS, { first: 2 })).json();
    expect(partial.errors).toEqual([expect.objectContaining({ path: ['users', 'edges', 0, 'node', 'email'] })]);
    expect(partial.data.users.edges[0].node.email).toBeNull();
    sim!.setFaults({ graphqlErrors: { count: 1 } });
    const whole = (await post(apiUrl, USERS, { first: 2 })).json();
    expect(whole).toEqual({ errors: [expect.objectContaining({ path: ['users'] })], data: null });
    expect((await post(apiUrl, USERS, { first: 2 })).json().errors).toBeUndefined();
  });

  it('clampPageSize, repeatCursor and nullEmails shape the pages', async () => {
    const { apiUrl, workspace } = await start({ clampPageSize: 7, nullEmails: 2 });
    const clamped = (await post(apiUrl, USERS, { first: 50 })).json().data.users;
    expect(clamped.edges).toHaveLength(7);
    expect(clamped.edges.map((edge: { node: { email: string | null } }) => edge.node.email).slice(0, 3)).toEqual([null, null, workspace.users[2]!.email]);
    sim!.setFaults({ clampPageSize: undefined, repeatCursor: true });
    const page = (await post(apiUrl, USERS, { first: 50, after: offsetCursor(49) })).json().data.users;
    expect(page.pageInfo).toEqual({ hasNextPage: true, endCursor: offsetCursor(49) });
  });

  it('enforces a read limit per minute when asked, with Retry-After in seconds', async () => {
    sim = await startTwingateSimulator({ workspace: generateTwingateWorkspace({ users: 5 }), apiKey: KEY, readRequestsPerMinute: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await post(sim.apiUrl, USERS));
    expect(statuses.map((answer) => answer.status)).toEqual([200, 200, 429]);
    expect(Number(statuses[2]!.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('refuses an unknown fault', async () => {
    await expect(start({ nope: true } as Partial<TwingateSimFaults>)).rejects.toThrow('unknown fault nope');
  });
});

describe('the network generator and churn', () => {
  it('yields the same network for the same seed, with Everyone and a large group', () => {
    const a = generateTwingateWorkspace({ users: 400, seed: 5 });
    expect(generateTwingateWorkspace({ users: 400, seed: 5 })).toEqual(a);
    expect(generateTwingateWorkspace({ users: 400, seed: 6 })).not.toEqual(a);
    expect(a.groups[0]).toMatchObject({ name: 'Everyone', type: 'SYSTEM' });
    expect(a.groups.map((group) => group.memberIds.length)).toContain(350);
    expect(new Set(a.users.map((user) => user.id)).size).toBe(400);
  });

  it('churns exactly what its summary says, and removed users leave their groups', () => {
    const workspace = generateTwingateWorkspace({ users: 300, seed: 5 });
    const before = structuredClone(workspace);
    const summary = applyTwingateChurn(workspace, {
      seed: 1,
      adds: 4,
      removals: 3,
      roleChanges: 5,
      stateChanges: 2,
      memberAdds: 6,
      memberRemovals: 4,
      reuseEmails: ['known.person@example.org'],
    });
    expect(workspace.users).toHaveLength(300 + 4 + 1 - 3);
    expect(summary.removed).toHaveLength(3);
    const removed = new Set(summary.removed.map((user) => user.id));
    expect(workspace.groups.every((group) => group.memberIds.every((id) => !removed.has(id)))).toBe(true);
    for (const change of summary.roleChanged) {
      expect(before.users.find((user) => user.id === change.id)!.role).toBe(change.from);
      expect(workspace.users.find((user) => user.id === change.id)!.role).toBe(change.to);
      expect(change.to).not.toBe(change.from);
    }
    expect(summary.stateChanged).toHaveLength(2);
    for (const { groupId, userId } of summary.membershipsAdded) {
      expect(before.groups.find((group) => group.id === groupId)!.memberIds).not.toContain(userId);
      expect(workspace.groups.find((group) => group.id === groupId)!.memberIds).toContain(userId);
    }
    for (const { groupId, userId } of summary.membershipsRemoved) {
      expect(before.groups.find((group) => group.id === groupId)!.memberIds).toContain(userId);
      expect(workspace.groups.find((group) => group.id === groupId)!.memberIds).not.toContain(userId);
      expect(removed.has(userId)).toBe(false);
    }
    expect(summary.reused).toEqual([{ id: expect.any(String), email: 'known.person@example.org' }]);
    expect(workspace.revision).toBe(1);
    expect(applyTwingateChurn(structuredClone(before), { seed: 1, adds: 4, removals: 3 })).toEqual(
      applyTwingateChurn(structuredClone(before), { seed: 1, adds: 4, removals: 3 }),
    );
  });
});

describe('the simulator registry', () => {
  it('starts each app simulator by name', async () => {
    expect(isSimulatorName('twingate')).toBe(true);
    expect(isSimulatorName('okta')).toBe(false);
    sim = await SIMULATORS.twingate({ workspace: generateTwingateWorkspace({ users: 3 }), apiKey: KEY });
    expect((await post(sim.apiUrl, USERS)).json().data.users.totalCount).toBe(3);
  });
});
