/**
 * Client-side pacing of API calls (design.md section 3, "a client-side rate limiter"; Torq documents
 * 50 requests per second per API key). Hand-written rather than a dependency: it is a few dozen lines, and it waits with plain
 * `setTimeout`, so fake timers drive it in tests.
 *
 * The limiter is adaptive, after TCP's congestion control (additive increase, multiplicative
 * decrease), because the rate that actually fits is only known to the vendor: Rollcall's key may
 * be its own (then the documented limit fits) or shared with other clients (then only a part of it
 * does, and that part changes as they come and go). So it:
 * - starts at the ceiling (the documented limit unless configured lower) and never exceeds it;
 * - counts requests in a sliding window: at most `rate` requests in any window of one second (plus
 *   a jitter margin, below), which a vendor counting per one-second window, fixed or sliding,
 *   always accepts. Within the window requests need not be evenly spaced, only at least half an
 *   interval apart (never a burst of more than twice the rate): a chain of requests that each wait
 *   for the previous answer (a listing's pages) can go as soon as its answer is in, instead of
 *   waiting for the next slot of an even grid, which at 25 ms a page would halve its rate;
 * - lets a caller claim a share of the rate for a key (one listing stream): its requests are then
 *   at least 1 / (rate * share) seconds apart, so the streams of one listing can be given shares
 *   in proportion to the pages each has left and end together (`stream-shares.ts`);
 * - on a 429 cuts the rate by a fifth (once per throttling episode, not once per answer: requests
 *   already on the wire get the same 429) and holds every caller, the waiting ones included, until
 *   the `Retry-After` has passed, so the other stream stops provoking 429s while the throttled
 *   request waits for its retry;
 * - on every success creeps back up by a fixed number of requests per second for each second of
 *   successful traffic, so a cut caused by a passing competitor is won back within seconds.
 * A decrease of a fifth and a recovery of a tenth of the ceiling per second keep the average rate
 * close to whatever share of the limit is free: at most one throttling episode every two seconds of
 * full-speed traffic, while a competitor that halves the free share is followed in three cuts.
 */
import { ConfigError } from '../../core/errors.ts';

export interface RateLimiterOptions {
  /** The most requests per second ever sent: the vendor's limit for the key, or the share of it this client may use. */
  readonly requestsPerSecond: number;
  /**
   * Upper bound of one hold, whatever a `Retry-After` asks: the HTTP client's own cap on the wait
   * before retrying, so the limiter never holds callers longer than the retry itself waits.
   * @default 60
   */
  readonly maxHoldSeconds?: number;
  /** Milliseconds clock. @default Date.now */
  readonly now?: () => number;
}

/** A caller's claim on part of the rate: its requests keep at least 1 / (rate * share) seconds apart. */
export interface PaceClaim {
  /** Whose requests the spacing is kept between (a listing stream). */
  readonly key: string;
  /** Greater than 0, at most 1. */
  readonly share: number;
}

/**
 * A request budget shared by every call of one connector. The HTTP client awaits `acquire()` before
 * every attempt (retries included) and reports every answer to `observe()`, so a limiter can slow
 * down on 429s and creep back up on successes.
 */
export interface RateLimiter {
  /**
   * Resolves when the caller may send one request. Callers whose claims allow it are served in call
   * order; a claim only ever delays its own caller.
   */
  acquire(claim?: PaceClaim): Promise<void>;
  /** The status of an answer, and the seconds its `Retry-After` asked for (`null` when absent). */
  observe(answer: { readonly status: number; readonly retryAfterSeconds: number | null }): void;
}

/** What an adaptive limiter has seen so far, for logs and the benchmark. */
export interface RateLimiterStats {
  /** The rate requests are paced at now. */
  readonly requestsPerSecond: number;
  /** 429 answers observed. */
  readonly throttled: number;
  /** Throttling episodes: each cut the rate once and held every caller. */
  readonly backoffs: number;
}

export interface AdaptiveRateLimiter extends RateLimiter {
  stats(): RateLimiterStats;
}

/** A 429 cuts the rate to this share of what it was. */
export const DECREASE_FACTOR = 0.8;
/** Each second of successful traffic raises the rate by this share of the ceiling. */
export const RECOVERY_SHARE_PER_SECOND = 0.1;
/** The rate never falls below this share of the ceiling, so a poll always moves on. */
export const MINIMUM_SHARE = 0.02;
/**
 * How long a 429 without `Retry-After` holds every caller: one window of a per-second limit.
 * (Torq sends `Retry-After` in seconds; this covers a gateway that leaves it out.)
 */
export const DEFAULT_HOLD_SECONDS = 1;
/**
 * The window is this much longer than one second: `rate` requests in any 1,020 ms, i.e. 2 % below
 * the rate on average. The vendor counts a request in the window of the second it *arrives*, and
 * the time from our grant to its arrival varies: a timer fires late while the event loop parses a
 * page or a store answer (several milliseconds each, tens during a garbage collection). Spaced at
 * exactly the limit, one such delay moves a request into the next second, whose count is already
 * full, and the 429 that follows costs a held second and a cut rate (about 2 s of a 10 s listing,
 * measured). A 20 ms margin absorbs a delay of up to 20 ms per window for 2 % of the rate.
 */
export const WINDOW_MARGIN_MS = 20;
const WINDOW_MS = 1000;

export function createRateLimiter(options: RateLimiterOptions): AdaptiveRateLimiter {
  const { requestsPerSecond: ceiling, maxHoldSeconds = 60, now = Date.now } = options;
  if (!Number.isFinite(ceiling) || ceiling <= 0) {
    throw new ConfigError('requestsPerSecond must be a positive number');
  }
  if (!Number.isFinite(maxHoldSeconds) || maxHoldSeconds < 0) throw new ConfigError('maxHoldSeconds must be a number >= 0');
  const minimum = ceiling * MINIMUM_SHARE;
  const recoveryPerSecond = ceiling * RECOVERY_SHARE_PER_SECOND;
  let rate = ceiling;
  // Times of the latest grants, oldest first (granted ones and those reserved for sleeping
  // callers): the window looks back `windowCount()` grants. Never longer than that can be.
  const grants: number[] = [];
  const maxKept = Math.max(1, Math.floor(ceiling));
  // Nobody goes before this time (the Retry-After of the last 429).
  let holdUntil = Number.NEGATIVE_INFINITY;
  // Bumped by every hold, so callers already sleeping towards a slot queue again behind it.
  let holds = 0;
  // Per claimed key, when its latest request was granted.
  const lastByKey = new Map<string, number>();
  let throttled = 0;
  let backoffs = 0;

  /** At most this many requests in one window (at least one, for a rate below one per second). */
  const windowCount = () => Math.max(1, Math.floor(rate));
  /** The window that holds `windowCount()` requests at `rate`, plus the margin: 1,020 ms at 50/s. */
  const windowMs = () => (windowCount() * WINDOW_MS) / rate + WINDOW_MARGIN_MS;

  /** The earliest time the next request may go, by the window, the spacing and the hold. */
  function earliestSlot(arrival: number): number {
    let slot = Math.max(arrival, holdUntil);
    const latest = grants.at(-1);
    if (latest !== undefined) slot = Math.max(slot, latest + WINDOW_MS / rate / 2);
    const count = windowCount();
    if (grants.length >= count) slot = Math.max(slot, (grants[grants.length - count] as number) + windowMs());
    return slot;
  }

  function sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => setTimeout(resolve, ms));
  }

  return {
    async acquire(claim) {
      for (;;) {
        const holdsBefore = holds;
        if (claim !== undefined) {
          // The claim's own spacing is waited for before a slot is reserved, so it delays only this caller.
          const last = lastByKey.get(claim.key);
          const share = Math.min(1, Math.max(Number.MIN_VALUE, claim.share));
          const due = last === undefined ? Number.NEGATIVE_INFINITY : last + WINDOW_MS / (rate * share);
          const waitMs = due - now();
          if (waitMs >= 1) {
            await sleep(waitMs);
            continue;
          }
        }
        const arrival = now();
        // Reserved at once, on a timeline: a timer that fires late is not lost throughput.
        const slot = earliestSlot(arrival);
        grants.push(slot);
        if (grants.length > maxKept) grants.shift();
        const keyBefore = claim === undefined ? undefined : lastByKey.get(claim.key);
        if (claim !== undefined) lastByKey.set(claim.key, slot);
        const waitMs = slot - arrival;
        // A timer cannot wait less than a millisecond; the timeline above keeps the average exact.
        if (waitMs < 1) return;
        await sleep(waitMs);
        if (holds === holdsBefore) return;
        // The slot was given up to a hold: the claim's spacing counts from the grant before it.
        if (claim !== undefined) {
          if (keyBefore === undefined) lastByKey.delete(claim.key);
          else lastByKey.set(claim.key, keyBefore);
        }
      }
    },
    observe({ status, retryAfterSeconds }) {
      if (status === 429) {
        throttled += 1;
        const at = now();
        // Answers to requests sent before the hold began belong to the same episode: one cut only.
        if (at >= holdUntil) {
          backoffs += 1;
          rate = Math.max(minimum, rate * DECREASE_FACTOR);
        }
        const until = at + Math.min(retryAfterSeconds ?? DEFAULT_HOLD_SECONDS, maxHoldSeconds) * 1000;
        if (until > holdUntil) {
          holdUntil = until;
          holds += 1;
          // Slots reserved by sleeping callers were never used: they queue again behind the hold.
          while (grants.length > 0 && (grants.at(-1) as number) > at) grants.pop();
        }
        return;
      }
      if (status >= 200 && status < 300 && rate < ceiling) {
        // One success is 1/rate seconds of traffic at the current rate.
        rate = Math.min(ceiling, rate + recoveryPerSecond / rate);
      }
    },
    stats: () => ({ requestsPerSecond: rate, throttled, backoffs }),
  };
}
