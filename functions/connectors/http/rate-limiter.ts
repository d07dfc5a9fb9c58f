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
 * - spaces requests evenly, 1/ceiling seconds apart, with no burst: a vendor that counts requests
 *   per one-second window refuses whatever comes beyond the ceiling within one window, so a burst
 *   on top of the ceiling's rate would overfill the window it lands in;
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

/**
 * A request budget shared by every call of one connector. The HTTP client awaits `acquire()` before
 * every attempt (retries included) and reports every answer to `observe()`, so a limiter can slow
 * down on 429s and creep back up on successes.
 */
export interface RateLimiter {
  /** Resolves when the caller may send one request; callers are served in call order. */
  acquire(): Promise<void>;
  /** The status of an answer, and the seconds its `Retry-After` asked for (`null` when absent). */
  observe(answer: { readonly status: number; readonly retryAfterSeconds: number | null }): void;
}

/** What an adaptive limiter has seen so far, for logs and the benchmark. */
export interface RateLimiterStats {
  /** The rate requests are spaced at now. */
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

export function createRateLimiter(options: RateLimiterOptions): AdaptiveRateLimiter {
  const { requestsPerSecond: ceiling, maxHoldSeconds = 60, now = Date.now } = options;
  if (!Number.isFinite(ceiling) || ceiling <= 0) {
    throw new ConfigError('requestsPerSecond must be a positive number');
  }
  if (!Number.isFinite(maxHoldSeconds) || maxHoldSeconds < 0) throw new ConfigError('maxHoldSeconds must be a number >= 0');
  const minimum = ceiling * MINIMUM_SHARE;
  const recoveryPerSecond = ceiling * RECOVERY_SHARE_PER_SECOND;
  let rate = ceiling;
  // The earliest time the next request may go: one interval after the last one granted. Requests
  // are granted on this timeline even when a timer fires late, so lateness is not lost throughput.
  let nextSlot = Number.NEGATIVE_INFINITY;
  // Nobody goes before this time (the Retry-After of the last 429).
  let holdUntil = Number.NEGATIVE_INFINITY;
  // Bumped by every hold, so callers already sleeping towards a slot queue again behind it.
  let holds = 0;
  let throttled = 0;
  let backoffs = 0;

  return {
    async acquire() {
      for (;;) {
        const arrival = now();
        const slot = Math.max(nextSlot, holdUntil, arrival);
        nextSlot = slot + 1000 / rate;
        const waitMs = slot - arrival;
        // A timer cannot wait less than a millisecond; the timeline above keeps the average exact.
        if (waitMs < 1) return;
        const holdsBefore = holds;
        await new Promise<void>((resolve) => setTimeout(resolve, waitMs));
        if (holds === holdsBefore) return;
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
          nextSlot = until;
          holds += 1;
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
