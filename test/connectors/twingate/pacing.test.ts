/**
 * The connector's request budget on fake time: by default 50 requests per minute, spaced evenly
 * (below Twingate's 60 read requests per minute) plus the limiter's jitter margin, shared by both streams.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createConnectorFactory } from '../../../functions/connectors/index.ts';
import { WINDOW_MARGIN_MS } from '../../../functions/connectors/http/rate-limiter.ts';
import { API_KEY, closeAll, simulator, until } from './support.ts';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: new Date('2026-12-01T06:00:00.000Z') });
});

afterEach(async () => {
  vi.useRealTimers();
  await closeAll();
});

describe('the request budget', () => {
  it.each([
    [undefined, 1_200 + WINDOW_MARGIN_MS],
    [30, 2_000 + WINDOW_MARGIN_MS],
  ])('with requestsPerMinute %s spaces requests %i ms apart, across both streams', async (requestsPerMinute, gapMs) => {
    const sim = await simulator({ users: 120, groups: 2, largeGroupMembers: 10 });
    const connector = createConnectorFactory('twingate', {
      network: 'acme',
      apiUrl: sim.apiUrl,
      ...(requestsPerMinute === undefined ? {} : { requestsPerMinute }),
    })({ apiKey: API_KEY });

    const users = connector.listPage('users', null);
    const groups = connector.listPage('groups', null);
    await until(() => sim.stats().requests === 1);
    await users;
    await vi.advanceTimersByTimeAsync(gapMs - 1);
    expect(sim.stats().requests).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => sim.stats().requests === 2);
    expect((await groups).groups).toHaveLength(3);
  });
});
