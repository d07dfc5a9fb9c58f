import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFixedWindow } from '../../../simulators/shared/fixed-window.ts';
import { getData, getToken, simulatorPool, usersQuery } from './support.ts';

const pool = simulatorPool();

describe('enforced rate limit (rateLimitPerSecond)', () => {
  beforeEach(() => {
    // Only the clock is fake: the HTTP exchanges are real, the windows follow `Date.now`.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-11-30T10:00:00.000Z'));
  });
  afterEach(async () => {
    vi.useRealTimers();
    await pool.closeAll();
  });

  async function statuses(calls: (() => Promise<Response>)[]): Promise<number[]> {
    const result: number[] = [];
    for (const call of calls) {
      const response = await call();
      await response.arrayBuffer();
      result.push(response.status);
    }
    return result;
  }

  it('answers 429 with Retry-After in whole seconds past N data calls in one second, and serves again when the second turns', async () => {
    const simulator = await pool.start({ rateLimitPerSecond: 3 });
    const token = await getToken(simulator);
    const users = () => getData(simulator, usersQuery('local'), token);
    const roles = () => getData(simulator, '/users/roles', token);

    vi.setSystemTime(Date.parse('2026-11-30T10:00:01.100Z'));
    expect(await statuses([users, roles, users])).toEqual([200, 200, 200]);
    vi.setSystemTime(Date.parse('2026-11-30T10:00:01.900Z'));
    const refused = await users();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ code: 'RESOURCE_EXHAUSTED', details: [] });
    // Refused calls do not count: the next window admits three again.
    vi.setSystemTime(Date.parse('2026-11-30T10:00:02.000Z'));
    expect(await statuses([users, users, users, roles])).toEqual([200, 200, 200, 429]);
  });

  it('counts per API key: a second key has its own budget', async () => {
    const simulator = await pool.start({ rateLimitPerSecond: 2 });
    const first = await getToken(simulator);
    const other = { clientId: 'other-client-id', clientSecret: 'other-client-secret' };
    simulator.setCredentials(other);
    const second = await getToken(simulator, other);

    expect(
      await statuses([
        () => getData(simulator, usersQuery('sso'), first),
        () => getData(simulator, usersQuery('sso'), first),
        () => getData(simulator, usersQuery('sso'), first),
        () => getData(simulator, usersQuery('sso'), second),
        () => getData(simulator, usersQuery('sso'), second),
      ]),
    ).toEqual([200, 200, 429, 200, 200]);
  });

  it('leaves the token endpoint and unauthenticated calls out of the count', async () => {
    const simulator = await pool.start({ rateLimitPerSecond: 1 });
    await getToken(simulator);
    await getToken(simulator);
    const token = await getToken(simulator);

    expect(await statuses([() => getData(simulator, usersQuery('local'), 'not-a-token'), () => getData(simulator, usersQuery('local'), token)])).toEqual([401, 200]);
  });

  it('enforces no limit unless asked', async () => {
    const simulator = await pool.start();
    const token = await getToken(simulator);

    expect(await statuses(Array.from({ length: 20 }, () => () => getData(simulator, usersQuery('local'), token)))).toEqual(Array(20).fill(200));
  });

  it('refuses a limit that is not a positive whole number', async () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) {
      await expect(pool.start({ rateLimitPerSecond: limit })).rejects.toThrow('rateLimitPerSecond must be a positive integer');
    }
  });
});

describe('createFixedWindow', () => {
  it('admits N per key in each fixed second and names the seconds until it turns', () => {
    const window = createFixedWindow(2, 1000, 'rateLimitPerSecond');

    expect([window.admit('a', 5_000), window.admit('a', 5_500), window.admit('a', 5_999)]).toEqual([null, null, 1]);
    expect(window.admit('b', 5_999)).toBeNull();
    expect(window.admit('a', 6_000)).toBeNull();
  });

  it('turns per minute for a per-minute limit, naming the whole seconds left', () => {
    const window = createFixedWindow(1, 60_000, 'readRequestsPerMinute');

    expect([window.admit('k', 120_000), window.admit('k', 150_500)]).toEqual([null, 30]);
    expect(window.admit('k', 180_000)).toBeNull();
    expect(() => createFixedWindow(0, 60_000, 'readRequestsPerMinute')).toThrow('readRequestsPerMinute must be a positive integer');
  });
});
