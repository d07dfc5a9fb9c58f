/**
 * A vendor's request limit as an API gateway enforces it: at most `limit` requests per key (an API
 * key, a client id) in each fixed window of the server's clock, one counter per key and window,
 * reset when the window turns. Torq states its limit per second, Twingate per minute. A fixed
 * window is kinder to bursts at a window's edge than a sliding one, but for a client that spaces its
 * requests evenly the two admit the same rate, and the fixed one yields the `Retry-After` such a
 * limit gives: the seconds until the window turns, rounded up. Refused requests do not count, so a
 * throttled client is served again once the window turns.
 */
export interface FixedWindow {
  /** Counts one request of `key` at `nowMs` when its window has room: `null`, else the seconds until the window turns. */
  admit(key: string, nowMs: number): number | null;
}

/** @param label names the option in the error a bad `limit` raises. */
export function createFixedWindow(limit: number, windowMs: number, label: string): FixedWindow {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`${label} must be a positive integer`);
  const windows = new Map<string, { start: number; count: number }>();
  return {
    admit(key, nowMs) {
      const start = Math.floor(nowMs / windowMs) * windowMs;
      let window = windows.get(key);
      if (window === undefined || window.start !== start) {
        window = { start, count: 0 };
        windows.set(key, window);
      }
      if (window.count < limit) {
        window.count += 1;
        return null;
      }
      return Math.max(1, Math.ceil((start + windowMs - nowMs) / 1000));
    },
  };
}
