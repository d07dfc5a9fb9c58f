import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../functions/core/errors.ts';
import {
  createRateLimiter,
  DECREASE_FACTOR,
  MINIMUM_SHARE,
  WINDOW_MARGIN_MS,
  type PaceClaim,
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

  it('starts at the ceiling: the ceiling per window of a second and the margin, never closer than half an interval', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 50 });

    const times = await grantTimes(limiter, 52);

    // Half of 1000 / 50 ms apart, so a burst never exceeds twice the rate...
    expect(times.slice(0, 6)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(times[49]).toBe(490);
    // ...and the 51st waits until the window of the first has passed: 1,000 ms and the margin.
    expect(WINDOW_MARGIN_MS).toBe(20);
    expect(times.slice(50)).toEqual([1020, 1030]);
    expect(limiter.stats()).toEqual({ requestsPerSecond: 50, throttled: 0, backoffs: 0 });
  });

  it('never sends more than the ceiling in any window of a second and the margin', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 50 });

    const times = await grantTimes(limiter, 200);

    const inAnyWindow = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000 + WINDOW_MARGIN_MS).length));
    expect(inAnyWindow).toBe(50);
  });

  it('lets a caller through at once after an idle spell, without a catch-up burst', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 10 });
    await grantTimes(limiter, 3);

    await vi.advanceTimersByTimeAsync(5000);

    expect(await grantTimes(limiter, 3)).toEqual([0, 50, 100]);
  });

  it('on a 429 holds every caller, those already waiting too, until its Retry-After has passed, then goes slower', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 50 });
    const start = Date.now();
    await limiter.acquire();
    const { granted, done } = callers(limiter, 4, start);
    await vi.advanceTimersByTimeAsync(15);
    expect(granted).toEqual([10]);

    limiter.observe({ status: 429, retryAfterSeconds: 2 });
    await vi.runAllTimersAsync();
    await done;

    // The 429 came at 15 ms: nobody goes before 2,015 ms, then half of 1000 / 40 ms apart (12.5 ms,
    // which the timer truncates; the timeline keeps the fraction).
    expect(granted).toEqual([10, 2015, 2027, 2040]);
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
    expect(granted).toEqual([1015, 1027]);
  });

  it('cuts again on a 429 after the hold has passed, down to a floor', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 50 });

    for (let episode = 0; episode < 40; episode++) {
      limiter.observe({ status: 429, retryAfterSeconds: 1 });
      await vi.advanceTimersByTimeAsync(1000);
    }

    expect(limiter.stats()).toMatchObject({ requestsPerSecond: 50 * MINIMUM_SHARE, throttled: 40, backoffs: 40 });
    // One per second: one request per window of a second and the margin.
    expect(await grantTimes(limiter, 2)).toEqual([0, 1000 + WINDOW_MARGIN_MS]);
  });

  it('holds no longer than maxHoldSeconds, whatever Retry-After asks', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 50, maxHoldSeconds: 5 });

    limiter.observe({ status: 429, retryAfterSeconds: 3600 });

    expect(await grantTimes(limiter, 1)).toEqual([5000]);
  });

  it('grants at once what a timer could not wait for (under a millisecond), keeping the average rate', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 4000 });

    // Eight per millisecond (half of 1000 / 4000 ms apart): the first eight at 0 ms, then a timer.
    expect(await grantTimes(limiter, 17)).toEqual([...Array(8).fill(0), ...Array(8).fill(1), 2]);
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
    expect(await grantTimes(limiter, 3)).toEqual([0, 10, 20]);
  });

  it('leaves the rate alone on answers that say nothing about load', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 50 });
    limiter.observe({ status: 429, retryAfterSeconds: 0 });

    for (const status of [401, 403, 404, 500, 503]) limiter.observe({ status, retryAfterSeconds: 5 });

    expect(limiter.stats()).toEqual({ requestsPerSecond: 40, throttled: 1, backoffs: 1 });
    expect(await grantTimes(limiter, 2)).toEqual([0, 12]);
  });

  it('keeps the requests of a claim 1 / (rate * share) apart, without delaying the callers behind it', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 50 });
    const claim: PaceClaim = { key: 'sso', share: 0.25 };
    const start = Date.now();
    await limiter.acquire(claim);
    const granted: string[] = [];
    const claimed = limiter.acquire(claim).then(() => granted.push(`claimed ${Date.now() - start}`));
    const other = limiter.acquire().then(() => granted.push(`other ${Date.now() - start}`));

    await vi.runAllTimersAsync();
    await Promise.all([claimed, other]);

    // A quarter of 50/s is one request every 80 ms; the caller that came after it goes first.
    expect(granted).toEqual(['other 10', 'claimed 80']);
  });

  /** Two chains of requests, each waiting `answerMs` for its answer before asking again, for `forMs`. */
  async function chains(
    limiter: RateLimiter,
    claims: { long?: PaceClaim; short?: PaceClaim },
    answerMs: number,
    forMs: number,
  ): Promise<{ long: number[]; short: number[] }> {
    const start = Date.now();
    const sent = { long: [] as number[], short: [] as number[] };
    const chain = async (name: 'long' | 'short') => {
      while (Date.now() - start < forMs) {
        await limiter.acquire(claims[name]);
        sent[name].push(Date.now() - start);
        await new Promise<void>((resolve) => setTimeout(resolve, answerMs));
      }
    };
    const done = Promise.all([chain('long'), chain('short')]);
    await vi.advanceTimersByTimeAsync(forMs + 1000);
    await done;
    return sent;
  }

  function mostInAnySecond(times: readonly number[]): number {
    return Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
  }

  it('gives two chains that wait 28 ms for each answer the shares they claim, within the rate', async () => {
    // A chain asks again 28 ms after each grant: on a grid of even slots 20 ms apart it would get
    // every other slot, 25 requests per second, whatever it claimed.
    const sent = await chains(
      createRateLimiter({ requestsPerSecond: 50 }),
      { long: { key: 'long', share: 0.6 }, short: { key: 'short', share: 0.4 } },
      28,
      10_000,
    );

    expect(sent.long.length).toBeGreaterThanOrEqual(290);
    expect(sent.short.length).toBeGreaterThanOrEqual(190);
    expect(mostInAnySecond([...sent.long, ...sent.short].sort((a, b) => a - b))).toBeLessThanOrEqual(50);
  });

  it('serves two chains without claims in arrival order, within the rate', async () => {
    const sent = await chains(createRateLimiter({ requestsPerSecond: 50 }), {}, 28, 10_000);

    expect(Math.abs(sent.long.length - sent.short.length)).toBeLessThanOrEqual(1);
    expect(sent.long.length + sent.short.length).toBeGreaterThanOrEqual(480);
    expect(mostInAnySecond([...sent.long, ...sent.short].sort((a, b) => a - b))).toBeLessThanOrEqual(50);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a ceiling of %s requests per second', (requestsPerSecond) => {
    expect(() => createRateLimiter({ requestsPerSecond })).toThrow(new ConfigError('requestsPerSecond must be a positive number'));
  });

  it('refuses a negative hold cap', () => {
    expect(() => createRateLimiter({ requestsPerSecond: 50, maxHoldSeconds: -1 })).toThrow(ConfigError);
  });
});
