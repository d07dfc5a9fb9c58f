/**
 * The vendor's request limit as an API gateway enforces it: at most `limit` data calls per API key
 * (client id) in each fixed one-second window of the server's clock, the common counter of
 * gateways that state a limit "per second" (one counter per key and second, reset when the second
 * turns). A fixed window is kinder to bursts at a window's edge than a sliding one, but for a
 * client that spaces its requests evenly the two admit the same rate, and the fixed one yields the
 * `Retry-After` a per-second limit gives: the seconds until the window turns, rounded up (always
 * 1). Refused calls do not count, so a throttled client is served again once the second turns.
 */

export interface RateWindowDecision {
  readonly allowed: boolean;
  /** Whole seconds until the key's window turns (`Retry-After`); 0 when allowed. */
  readonly retryAfterSeconds: number;
}

export interface RateWindow {
  /** Counts one call of `key` at `nowMs` when the window has room for it. */
  admit(key: string, nowMs: number): RateWindowDecision;
}

const WINDOW_MS = 1000;

export function createRateWindow(limit: number): RateWindow {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('rateLimitPerSecond must be a positive integer');
  const windows = new Map<string, { start: number; count: number }>();
  return {
    admit(key, nowMs) {
      const start = Math.floor(nowMs / WINDOW_MS) * WINDOW_MS;
      let window = windows.get(key);
      if (window === undefined || window.start !== start) {
        window = { start, count: 0 };
        windows.set(key, window);
      }
      if (window.count < limit) {
        window.count += 1;
        return { allowed: true, retryAfterSeconds: 0 };
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((start + WINDOW_MS - nowMs) / 1000)) };
    },
  };
}
