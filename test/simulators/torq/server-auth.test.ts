import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CREDENTIALS,
  basicAuth,
  getData,
  getToken,
  requestToken,
  simulatorPool,
} from './support.ts';

const pool = simulatorPool();

afterEach(async () => {
  vi.useRealTimers();
  await pool.closeAll();
});

describe('token endpoint', () => {
  it('exchanges client credentials for a bearer token', async () => {
    const simulator = await pool.start({ tokenTtlSeconds: 900 });

    const response = await requestToken(simulator);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({ access_token: expect.any(String), expires_in: 900, token_type: 'Bearer' });
    expect(simulator.authUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/auth\/token$/);
    expect(simulator.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/public\/v1alpha$/);
  });

  it('answers 401 with a JSON error to a wrong secret or no credentials, without echoing them', async () => {
    const simulator = await pool.start();

    const wrong = await requestToken(simulator, { clientId: CREDENTIALS.clientId, clientSecret: 'not-the-secret' });
    const missing = await fetch(simulator.authUrl, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });

    expect(wrong.status).toBe(401);
    const text = await wrong.text();
    expect(JSON.parse(text)).toEqual({ code: 'UNAUTHENTICATED', message: expect.any(String), details: [] });
    expect(text).not.toContain('not-the-secret');
    expect(missing.status).toBe(401);
  });

  it('answers 400 to a missing or unsupported grant_type, and to a body that is not a form', async () => {
    const simulator = await pool.start();

    const missing = await requestToken(simulator, CREDENTIALS, new URLSearchParams());
    const odd = await requestToken(simulator, CREDENTIALS, new URLSearchParams({ grant_type: 'password' }));
    const json = await fetch(simulator.authUrl, {
      method: 'POST',
      headers: { authorization: basicAuth(CREDENTIALS), 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });

    for (const response of [missing, odd, json]) {
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'INVALID_ARGUMENT', details: [] });
    }
  });

  it('answers 405 to a GET on the token endpoint', async () => {
    const simulator = await pool.start();

    const response = await fetch(simulator.authUrl, { headers: { authorization: basicAuth(CREDENTIALS) } });

    expect(response.status).toBe(405);
  });

  it('rejects the old credentials after setCredentials while the new ones work', async () => {
    const simulator = await pool.start();
    const rotated = { clientId: 'rotated-id', clientSecret: 'rotated-secret' };
    const tokenBefore = await getToken(simulator);

    simulator.setCredentials(rotated);

    expect((await requestToken(simulator)).status).toBe(401);
    expect((await requestToken(simulator, rotated)).status).toBe(200);
    expect((await getData(simulator, '/users/roles', tokenBefore)).status).toBe(200);
  });

  it('answers 401 to the right credentials while rejectCredentials is set', async () => {
    const simulator = await pool.start({ faults: { rejectCredentials: true } });

    expect((await requestToken(simulator)).status).toBe(401);
    simulator.clearFaults();
    expect((await requestToken(simulator)).status).toBe(200);
  });
});

describe('bearer tokens on data calls', () => {
  it('answers 401 without a token, with an unknown token and after revokeTokens', async () => {
    const simulator = await pool.start();
    const token = await getToken(simulator);

    const none = await fetch(`${simulator.apiUrl}/users`);
    const unknown = await getData(simulator, '/users', 'made-up-token');
    const valid = await getData(simulator, '/users', token);
    simulator.revokeTokens();
    const revoked = await getData(simulator, '/users', token);

    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await none.json()).toMatchObject({ code: 'UNAUTHENTICATED', details: [] });
    expect(unknown.status).toBe(401);
    expect(valid.status).toBe(200);
    expect(revoked.status).toBe(401);
    expect((await getData(simulator, '/users', await getToken(simulator))).status).toBe(200);
  });

  it('stops accepting a token once its lifetime has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-01T10:00:00Z'));
    const simulator = await pool.start({ tokenTtlSeconds: 60 });
    const token = await getToken(simulator);

    vi.setSystemTime(new Date('2026-03-01T10:00:59Z'));
    const justBefore = await getData(simulator, '/users', token);
    vi.setSystemTime(new Date('2026-03-01T10:01:00Z'));
    const atExpiry = await getData(simulator, '/users', token);

    expect(justBefore.status).toBe(200);
    expect(atExpiry.status).toBe(401);
  });

  it('expires a token after K data calls, and a fresh token works again (tokenExpiresAfterCalls)', async () => {
    const simulator = await pool.start({ faults: { tokenExpiresAfterCalls: 3 } });
    const token = await getToken(simulator);

    const statuses: number[] = [];
    for (let call = 0; call < 5; call++) statuses.push((await getData(simulator, '/users', token)).status);
    const fresh = await getToken(simulator);
    const afterRefresh = await getData(simulator, '/users/roles', fresh);

    expect(statuses).toEqual([200, 200, 200, 401, 401]);
    expect(afterRefresh.status).toBe(200);
  });
});
