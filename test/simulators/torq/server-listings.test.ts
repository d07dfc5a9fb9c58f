import { afterEach, describe, expect, it } from 'vitest';
import { applyChurn, generateWorkspace } from '../../../simulators/torq/index.ts';
import { getData, getToken, listAllUsers, simulatorPool, usersQuery, type UsersPage } from './support.ts';

const pool = simulatorPool();

afterEach(async () => {
  await pool.closeAll();
});

const sortedIds = (users: readonly Record<string, unknown>[]) => users.map((user) => String(user.id)).sort();

describe('users listings', () => {
  it('splits local and SSO users, and their union is exactly the workspace', async () => {
    const workspace = generateWorkspace({ users: 230, seed: 21 });
    const simulator = await pool.start({ workspace });
    const token = await getToken(simulator);

    const local = await listAllUsers(simulator, token, 'local');
    const sso = await listAllUsers(simulator, token, 'sso');

    expect(local.users.every((user) => user.sso_provision === false)).toBe(true);
    expect(sso.users.every((user) => user.sso_provision === true)).toBe(true);
    expect(sortedIds([...local.users, ...sso.users])).toEqual(workspace.users.map((user) => user.id).sort());
    const byId = new Map(workspace.users.map((user) => [user.id, user]));
    expect([...local.users, ...sso.users].every((user) => JSON.stringify(user) === JSON.stringify(byId.get(String(user.id))))).toBe(true);
  });

  it('pages by page_size in id order and ends with an empty next_page_token', async () => {
    const workspace = generateWorkspace({ users: 100, seed: 4 });
    const simulator = await pool.start({ workspace });
    const token = await getToken(simulator);
    const ssoCount = workspace.users.filter((user) => user.sso_provision).length;

    const listing = await listAllUsers(simulator, token, 'sso', 7);
    const lastPage = (await (await getData(simulator, usersQuery('sso', ssoCount), token)).json()) as UsersPage;

    expect(listing.users).toHaveLength(ssoCount);
    expect(listing.pageLengths.slice(0, -1).every((length) => length === 7)).toBe(true);
    expect(listing.pageLengths).toHaveLength(Math.ceil(ssoCount / 7));
    expect(listing.users.map((user) => user.id)).toEqual(sortedIds(listing.users));
    expect(lastPage.next_page_token).toBe('');
  });

  it('clamps page_size to the maximum and uses the default when none is given', async () => {
    const workspace = generateWorkspace({ users: 200, seed: 9 });
    const simulator = await pool.start({ workspace, pageSize: { default: 20, max: 30 } });
    const token = await getToken(simulator);

    const clamped = (await (await getData(simulator, usersQuery('sso', 1000), token)).json()) as UsersPage;
    const defaulted = (await (await getData(simulator, usersQuery('sso'), token)).json()) as UsersPage;

    expect(clamped.users).toHaveLength(30);
    expect(clamped.next_page_token).not.toBe('');
    expect(defaulted.users).toHaveLength(20);
  });

  it('answers every user in one page with no token when paginateUsers is false', async () => {
    const workspace = generateWorkspace({ users: 400, seed: 12 });
    const simulator = await pool.start({ workspace, paginateUsers: false });
    const token = await getToken(simulator);
    const localCount = workspace.users.filter((user) => !user.sso_provision).length;

    const body = (await (await getData(simulator, usersQuery('local', 10), token)).json()) as UsersPage;

    expect(body.users).toHaveLength(localCount);
    expect('next_page_token' in body).toBe(false);
  });

  it('answers 400 to a tampered page token, a token of the other listing and a bad page_size', async () => {
    const simulator = await pool.start({ workspace: generateWorkspace({ users: 100, seed: 1 }) });
    const token = await getToken(simulator);
    const first = (await (await getData(simulator, usersQuery('local', 5), token)).json()) as UsersPage;
    const pageToken = first.next_page_token as string;
    const tampered = `${pageToken.slice(0, -2)}${pageToken.endsWith('AA') ? 'BB' : 'AA'}`;
    const decoded = Buffer.from(pageToken, 'base64url').toString('utf8');
    const movedOffset = Buffer.from(decoded.replace(/^local\.5\./, 'local.50.'), 'utf8').toString('base64url');
    expect(movedOffset).not.toBe(pageToken);

    const answers = await Promise.all([
      getData(simulator, usersQuery('local', 5, tampered), token),
      getData(simulator, usersQuery('local', 5, movedOffset), token),
      getData(simulator, usersQuery('sso', 5, pageToken), token),
      getData(simulator, '/users?page_size=ten', token),
      getData(simulator, '/users?sso_provision=maybe', token),
    ]);

    for (const response of answers) {
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'INVALID_ARGUMENT', details: [] });
    }
    expect((await getData(simulator, usersQuery('local', 5, pageToken), token)).status).toBe(200);
  });

  it('serves the workspace as it is after churn', async () => {
    const workspace = generateWorkspace({ users: 150, seed: 30 });
    const simulator = await pool.start({ workspace });
    const token = await getToken(simulator);
    await listAllUsers(simulator, token, 'local');

    const summary = applyChurn(simulator.workspace, { seed: 3, adds: 12, removals: 5, roleChanges: 4 });
    const listed = [
      ...(await listAllUsers(simulator, token, 'local', 40)).users,
      ...(await listAllUsers(simulator, token, 'sso', 40)).users,
    ];

    expect(listed).toHaveLength(157);
    const ids = new Set(listed.map((user) => user.id));
    expect(summary.added.every(({ id }) => ids.has(id))).toBe(true);
    expect(summary.removed.some(({ id }) => ids.has(id))).toBe(false);
    const roleById = new Map(listed.map((user) => [user.id, user.role_id]));
    expect(summary.roleChanged.every(({ id, toRoleId }) => roleById.get(id) === toRoleId)).toBe(true);
  });

  it('lists a 10,000-user workspace completely', async () => {
    const workspace = generateWorkspace({ users: 10_000, seed: 100 });
    const simulator = await pool.start({ workspace });
    const token = await getToken(simulator);

    const local = await listAllUsers(simulator, token, 'local', 100);
    const sso = await listAllUsers(simulator, token, 'sso', 100);

    expect(local.users.length + sso.users.length).toBe(10_000);
    expect(new Set([...local.users, ...sso.users].map((user) => user.id)).size).toBe(10_000);
    expect(simulator.stats().byRoute).toMatchObject({
      'users:local': local.pageLengths.length,
      'users:sso': sso.pageLengths.length,
    });
  });
});

describe('roles listing', () => {
  it('pages the roles with page_size and next_page_token', async () => {
    const workspace = generateWorkspace({ users: 10, seed: 2 });
    const simulator = await pool.start({ workspace });
    const token = await getToken(simulator);

    const pages: { roles: Record<string, unknown>[]; next_page_token: string }[] = [];
    let pageToken = '';
    do {
      const query = new URLSearchParams({ page_size: '4', ...(pageToken ? { page_token: pageToken } : {}) });
      const response = await getData(simulator, `/users/roles?${query}`, token);
      expect(response.status).toBe(200);
      const page = (await response.json()) as (typeof pages)[number];
      pages.push(page);
      pageToken = page.next_page_token;
    } while (pageToken && pages.length < 10);

    expect(pages.map((page) => page.roles.length)).toEqual([4, workspace.roles.length - 4]);
    expect(pages.flatMap((page) => page.roles)).toEqual(workspace.roles);
    expect(Object.keys(pages[0]?.roles[0] ?? {}).sort()).toEqual(['description', 'id', 'name', 'scope_names']);
  });
});

describe('routing and stats', () => {
  it('answers 404 JSON to an unknown route and 405 to a wrong method', async () => {
    const simulator = await pool.start();
    const token = await getToken(simulator);

    const unknown = await getData(simulator, '/workflows', token);
    const wrongMethod = await fetch(`${simulator.apiUrl}/users`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });

    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ code: 'NOT_FOUND', message: expect.any(String), details: [] });
    expect(wrongMethod.status).toBe(405);
  });

  it('counts token and data requests per route until reset', async () => {
    const simulator = await pool.start();
    const token = await getToken(simulator);
    await getData(simulator, usersQuery('local'), token);
    await getData(simulator, usersQuery('sso'), token);
    await getData(simulator, usersQuery('sso'), token);
    await getData(simulator, '/users/roles', token);
    await getData(simulator, '/nowhere', token);

    expect(simulator.stats()).toEqual({
      tokenRequests: 1,
      dataRequests: 4,
      byRoute: { token: 1, 'users:local': 1, 'users:sso': 2, roles: 1, unmatched: 1 },
    });
    simulator.resetStats();
    expect(simulator.stats()).toEqual({ tokenRequests: 0, dataRequests: 0, byRoute: {} });
  });
});
