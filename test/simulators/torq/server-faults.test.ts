import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateWorkspace } from '../../../simulators/torq/index.ts';
import { getData, getToken, listAllUsers, simulatorPool, usersQuery, type UsersPage } from './support.ts';

const pool = simulatorPool();

afterEach(async () => {
  vi.useRealTimers();
  await pool.closeAll();
});

async function usersPage(response: Response): Promise<UsersPage> {
  expect(response.status).toBe(200);
  return (await response.json()) as UsersPage;
}

describe('call-level faults', () => {
  it('answers the next `count` data calls 429 with Retry-After, then serves again', async () => {
    const simulator = await pool.start();
    const token = await getToken(simulator);
    simulator.setFaults({ rateLimit: { count: 2, retryAfterSeconds: 7 } });

    const first = await getData(simulator, usersQuery('local'), token);
    const second = await getData(simulator, '/users/roles', token);
    const third = await getData(simulator, usersQuery('local'), token);

    expect([first.status, second.status, third.status]).toEqual([429, 429, 200]);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(await first.json()).toMatchObject({ code: 'RESOURCE_EXHAUSTED', details: [] });
    expect((await third.json()) as UsersPage).toHaveProperty('users');
  });

  it('answers the next `count` data calls with a 5xx (503 by default)', async () => {
    const simulator = await pool.start({ faults: { serverErrors: { count: 1 } } });
    const token = await getToken(simulator);

    const unavailable = await getData(simulator, usersQuery('sso'), token);
    simulator.setFaults({ serverErrors: { count: 1, status: 502 } });
    const badGateway = await getData(simulator, usersQuery('sso'), token);
    const recovered = await getData(simulator, usersQuery('sso'), token);

    expect(unavailable.status).toBe(503);
    expect(await unavailable.json()).toMatchObject({ code: 'UNAVAILABLE', details: [] });
    expect(badGateway.status).toBe(502);
    expect(recovered.status).toBe(200);
  });

  it('answers 403 PERMISSION_DENIED on users listings while roles still list (forbidUsers)', async () => {
    const simulator = await pool.start({ faults: { forbidUsers: true } });
    const token = await getToken(simulator);

    const local = await getData(simulator, usersQuery('local'), token);
    const sso = await getData(simulator, usersQuery('sso'), token);
    const roles = await getData(simulator, '/users/roles', token);

    expect(local.status).toBe(403);
    expect(await local.json()).toEqual({ code: 'PERMISSION_DENIED', message: 'missing user.read', details: [] });
    expect(sso.status).toBe(403);
    expect(roles.status).toBe(200);
  });

  it('holds each data answer back by latencyMs + slowMs, on a timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const simulator = await pool.start({ latencyMs: 30_000, faults: { slowMs: 20_000 } });
    const token = await getToken(simulator);
    let settled = false;
    const pending = getData(simulator, usersQuery('local'), token).then((response) => {
      settled = true;
      return response;
    });
    await vi.waitFor(() => expect(simulator.stats().dataRequests).toBe(1));
    // A full round trip to the (undelayed) token endpoint: an undelayed answer would have arrived by now.
    await getToken(simulator);
    expect(settled).toBe(false);

    await vi.advanceTimersByTimeAsync(50_000);

    expect((await pending).status).toBe(200);
  });
});

describe('page-level faults', () => {
  it('keeps answering the same next_page_token (repeatPageToken)', async () => {
    const simulator = await pool.start({ faults: { repeatPageToken: true } });
    const token = await getToken(simulator);

    const first = await usersPage(await getData(simulator, usersQuery('sso', 5), token));
    const second = await usersPage(await getData(simulator, usersQuery('sso', 5, first.next_page_token), token));
    const third = await usersPage(await getData(simulator, usersQuery('sso', 5, second.next_page_token), token));

    expect(first.next_page_token).toBeTruthy();
    expect(second.next_page_token).toBe(first.next_page_token);
    expect(third.next_page_token).toBe(first.next_page_token);
  });

  it('answers a truncated, non-JSON body with 200 for the chosen page only (malformedPage)', async () => {
    const simulator = await pool.start({ faults: { malformedPage: { listing: 'local', page: 2 } } });
    const token = await getToken(simulator);

    const page1 = await usersPage(await getData(simulator, usersQuery('local', 10), token));
    const page2 = await getData(simulator, usersQuery('local', 10, page1.next_page_token), token);
    const ssoPage2Token = (await usersPage(await getData(simulator, usersQuery('sso', 10), token))).next_page_token;
    const ssoPage2 = await getData(simulator, usersQuery('sso', 10, ssoPage2Token), token);

    expect(page2.status).toBe(200);
    const text = await page2.text();
    expect(text.length).toBeGreaterThan(0);
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(ssoPage2.status).toBe(200);
    await expect(ssoPage2.json()).resolves.toHaveProperty('users');
  });

  it('drops the chosen fields from the first `count` users of every answer (missingFields)', async () => {
    const simulator = await pool.start({
      faults: { missingFields: { count: 2, fields: ['email', 'role_id', 'last_login_time'] } },
    });
    const token = await getToken(simulator);

    const page = await usersPage(await getData(simulator, usersQuery('sso', 5), token));
    const next = await usersPage(await getData(simulator, usersQuery('sso', 5, page.next_page_token), token));

    for (const answer of [page, next]) {
      for (const user of answer.users.slice(0, 2)) {
        expect(user).not.toHaveProperty('email');
        expect(user).not.toHaveProperty('role_id');
        expect(user).not.toHaveProperty('last_login_time');
        expect(user).toHaveProperty('id');
      }
      expect(answer.users.slice(2).every((user) => typeof user.email === 'string' && 'role_id' in user)).toBe(true);
    }
    const stored = simulator.workspace.users.find((user) => user.id === page.users[0]?.id);
    expect(stored?.email).toEqual(expect.any(String));
  });

  it('sends wrongly typed fields on the first `count` users of every answer (wrongTypes)', async () => {
    const simulator = await pool.start({ faults: { wrongTypes: { count: 3 } } });
    const token = await getToken(simulator);

    const page = await usersPage(await getData(simulator, usersQuery('local', 10), token));

    expect(page.users.slice(0, 3).every((user) => user.email === 42 && user.sso_provision === 'yes')).toBe(true);
    expect(page.users.slice(3).every((user) => typeof user.email === 'string' && user.sso_provision === false)).toBe(true);
  });

  it('lists that many SSO users in the local listing too, under the same id (duplicateAcrossListings)', async () => {
    const workspace = generateWorkspace({ users: 90, seed: 13 });
    const simulator = await pool.start({ workspace, faults: { duplicateAcrossListings: 4 } });
    const token = await getToken(simulator);

    const local = await listAllUsers(simulator, token, 'local', 10);
    const sso = await listAllUsers(simulator, token, 'sso', 10);

    const ssoIds = new Set(sso.users.map((user) => user.id));
    const duplicated = local.users.filter((user) => ssoIds.has(user.id));
    expect(duplicated).toHaveLength(4);
    expect(local.users.length + sso.users.length).toBe(94);
    expect(new Set([...local.users, ...sso.users].map((user) => user.id)).size).toBe(90);
  });
});

describe('fault settings', () => {
  it('rejects invalid fault values and keeps the previous faults', async () => {
    const simulator = await pool.start({ faults: { forbidUsers: true } });

    expect(() => simulator.setFaults({ serverErrors: { count: 1, status: 404 } })).toThrow(RangeError);
    expect(() => simulator.setFaults({ rateLimit: { count: -1, retryAfterSeconds: 1 } })).toThrow(RangeError);
    const token = await getToken(simulator);
    expect((await getData(simulator, usersQuery('local'), token)).status).toBe(403);
  });

  it('clears one fault when it is set to undefined, leaving the others', async () => {
    const simulator = await pool.start({ faults: { forbidUsers: true, wrongTypes: { count: 1 } } });
    const token = await getToken(simulator);

    simulator.setFaults({ forbidUsers: undefined });
    const page = await usersPage(await getData(simulator, usersQuery('local', 3), token));

    expect(page.users[0]?.email).toBe(42);
  });
});
