import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../functions/core/errors.ts';
import { createRateLimiter, type RateLimiter } from '../../../functions/connectors/torq/rate-limiter.ts';

describe('createRateLimiter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** The fake time at which each of `count` back-to-back callers got through. */
  async function grantTimes(limiter: RateLimiter, count: number): Promise<number[]> {
    const start = Date.now();
    const granted: number[] = [];
    const all = Array.from({ length: count }, () => limiter.acquire().then(() => granted.push(Date.now() - start)));
    await vi.runAllTimersAsync();
    await Promise.all(all);
    return granted;
  }

  it('lets a burst through at once, then spaces requests at the budgeted rate', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 20, burst: 3 });

    expect(await grantTimes(limiter, 6)).toEqual([0, 0, 0, 50, 100, 150]);
  });

  it('refills the burst after an idle second', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 10, burst: 2 });
    await grantTimes(limiter, 4);

    vi.advanceTimersByTime(1000);

    expect(await grantTimes(limiter, 3)).toEqual([0, 0, 100]);
  });

  it('never exceeds the budget over a second of sustained demand', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 20 });

    const times = await grantTimes(limiter, 60);

    const inAnySecond = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
    expect(inAnySecond).toBeLessThanOrEqual(20 + 5);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a budget of %s requests per second', (requestsPerSecond) => {
    expect(() => createRateLimiter({ requestsPerSecond })).toThrow(ConfigError);
  });
});
