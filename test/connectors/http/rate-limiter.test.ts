import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../functions/core/errors.ts';
import {
  createRateLimiter,
  DECREASE_FACTOR,
  MINIMUM_SHARE,
  type RateLimiter,
} from '../../../functions/connectors/http/rate-limiter.ts';

describe('createRateLimiter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Starts `count` back-to-back callers; `granted` fills with the fake time (since `start`) each got through. */
  function callers(limiter: RateLimiter, count: number, start = Date.now()): { granted: number[]; done: Promise<unknown> } {
    const granted: number[] = [];
    const done = Promise.all(Array.from({ length: count }, () => limiter.acquire().then(() => granted.push(Date.now() - start))));
    return { granted, done };
  }

  async function grantTimes(limiter: RateLimiter, count: number): Promise<number[]> {
    const { granted, done } = callers(limiter, count);
    await vi.runAllTimersAsync();
    await done;
    return granted;
  }

  const ok = { status: 200, retryAfterSeconds: null } as const;

  it('starts at the ceiling and spaces requests evenly, with no burst', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 50 });

    expect(await grantTimes(limiter, 6)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(limiter.stats()).toEqual({ requestsPerSecond: 50, throttled: 0, backoffs: 0 });
  });

  it('never sends more than the ceiling in any one-second window', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 50 });

    const times = await grantTimes(limiter, 200);

    const inAnySecond = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
    expect(inAnySecond).toBe(50);
  });

  it('lets a caller through at once after an idle spell, without a catch-up burst', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 10 });
    await grantTimes(limiter, 3);

    await vi.advanceTimersByTimeAsync(5000);

    expect(await grantTimes(limiter, 3)).toEqual([0, 100, 200]);
  });

  it('on a 429 holds every caller, those already waiting too, until its Retry-After has passed, then goes slower', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 50 });
    const start = Date.now();
    await limiter.acquire();
    const { granted, done } = callers(limiter, 4, start);
    await vi.advanceTimersByTimeAsync(30);
    expect(granted).toEqual([20]);

    limiter.observe({ status: 429, retryAfterSeconds: 2 });
    await vi.runAllTimersAsync();
    await done;

    // The 429 came at 30 ms: nobody goes before 2,030 ms, then one every 1000 / 40 ms.
    expect(granted).toEqual([20, 2030, 2055, 2080]);
    expect(limiter.stats()).toEqual({ requestsPerSecond: 50 * DECREASE_FACTOR, throttled: 1, backoffs: 1 });
  });

  it('cuts the rate once for 429s that answer requests sent before the hold began', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 50 });

    limiter.observe({ status: 429, retryAfterSeconds: 1 });
    await vi.advanceTimersByTimeAsync(15);
    limiter.observe({ status: 429, retryAfterSeconds: 1 });

    expect(limiter.stats()).toEqual({ requestsPerSecond: 40, throttled: 2, backoffs: 1 });
    // The later Retry-After wins: the hold now ends at 1,015 ms.
    const start = Date.now() - 15;
    const { granted, done } = callers(limiter, 2, start);
    await vi.runAllTimersAsync();
    await done;
    expect(granted).toEqual([1015, 1040]);
  });

  it('cuts again on a 429 after the hold has passed, down to a floor', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 50 });

    for (let episode = 0; episode < 40; episode++) {
      limiter.observe({ status: 429, retryAfterSeconds: 1 });
      await vi.advanceTimersByTimeAsync(1000);
    }

    expect(limiter.stats()).toMatchObject({ requestsPerSecond: 50 * MINIMUM_SHARE, throttled: 40, backoffs: 40 });
    expect(await grantTimes(limiter, 2)).toEqual([0, 1000]);
  });

  it('holds no longer than maxHoldSeconds, whatever Retry-After asks', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 50, maxHoldSeconds: 5 });

    limiter.observe({ status: 429, retryAfterSeconds: 3600 });

    expect(await grantTimes(limiter, 1)).toEqual([5000]);
  });

  it('grants at once what a timer could not wait for (under a millisecond), keeping the average rate', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 4000 });

    // Four per millisecond: the first four at 0 ms (waits of 0, 0.25, 0.5, 0.75 ms), then a timer.
    expect(await grantTimes(limiter, 9)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2]);
  });

  it('holds a second when a 429 carries no Retry-After', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 50 });

    limiter.observe({ status: 429, retryAfterSeconds: null });

    expect(await grantTimes(limiter, 1)).toEqual([1000]);
  });

  it('creeps back up on successes, a tenth of the ceiling per second of traffic, and never past the ceiling', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 50 });
    limiter.observe({ status: 429, retryAfterSeconds: 0 });
    expect(limiter.stats().requestsPerSecond).toBe(40);

    // About a second of successful traffic at 40/s raises the rate by about 5/s.
    for (let i = 0; i < 40; i++) limiter.observe(ok);
    const afterOneSecond = limiter.stats().requestsPerSecond;
    expect(afterOneSecond).toBeGreaterThan(44.5);
    expect(afterOneSecond).toBeLessThan(45.5);

    for (let i = 0; i < 500; i++) limiter.observe(ok);
    expect(limiter.stats().requestsPerSecond).toBe(50);
    expect(await grantTimes(limiter, 3)).toEqual([0, 20, 40]);
  });

  it('leaves the rate alone on answers that say nothing about load', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 50 });
    limiter.observe({ status: 429, retryAfterSeconds: 0 });

    for (const status of [401, 403, 404, 500, 503]) limiter.observe({ status, retryAfterSeconds: 5 });

    expect(limiter.stats()).toEqual({ requestsPerSecond: 40, throttled: 1, backoffs: 1 });
    expect(await grantTimes(limiter, 2)).toEqual([0, 25]);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a ceiling of %s requests per second', (requestsPerSecond) => {
    expect(() => createRateLimiter({ requestsPerSecond })).toThrow(new ConfigError('requestsPerSecond must be a positive number'));
  });

  it('refuses a negative hold cap', () => {
    expect(() => createRateLimiter({ requestsPerSecond: 50, maxHoldSeconds: -1 })).toThrow(ConfigError);
  });
});
