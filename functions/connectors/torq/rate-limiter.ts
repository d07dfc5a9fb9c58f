/**
 * Client-side request budget (design.md section 3: Torq allows on the order of 50 requests per
 * second per workspace, so we spend well under that). Hand-written rather than a dependency: the
 * generic cell rate algorithm is a dozen lines here, and it waits with plain `setTimeout`, so fake
 * timers drive it in tests.
 */
import { ConfigError } from '../../core/errors.ts';

export interface RateLimiterOptions {
  readonly requestsPerSecond: number;
  /** Requests that may go out back to back before spacing starts. @default 5 */
  readonly burst?: number;
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

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { requestsPerSecond, burst = 5, now = Date.now } = options;
  if (!Number.isFinite(requestsPerSecond) || requestsPerSecond <= 0) {
    throw new ConfigError('requestsPerSecond must be a positive number');
  }
  if (!Number.isInteger(burst) || burst < 1) throw new ConfigError('burst must be a positive integer');
  const intervalMs = 1000 / requestsPerSecond;
  const toleranceMs = (burst - 1) * intervalMs;
  // Theoretical arrival time of the next request if requests came exactly at the budgeted rate.
  let theoreticalArrival = Number.NEGATIVE_INFINITY;
  return {
    async acquire() {
      const arrival = now();
      const scheduled = Math.max(theoreticalArrival, arrival);
      theoreticalArrival = scheduled + intervalMs;
      const waitMs = scheduled - toleranceMs - arrival;
      if (waitMs > 0) await new Promise<void>((resolve) => setTimeout(resolve, waitMs));
    },
    observe() {},
  };
}
