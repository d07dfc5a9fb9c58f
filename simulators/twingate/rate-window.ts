/**
 * Twingate's read limit as a gateway would enforce it (research-twingate-scim.md A4: 60 read
 * requests per minute): at most `limit` requests per API key in each fixed one-minute window;
 * beyond it a request answers 429 with `Retry-After` in seconds until the window turns. Refused
 * requests do not count.
 */
const WINDOW_MS = 60_000;

export interface MinuteWindow {
  /** `null` when admitted, else the seconds until the key's window turns. */
  admit(key: string, nowMs: number): number | null;
}

export function createMinuteWindow(limit: number): MinuteWindow {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('readRequestsPerMinute must be a positive integer');
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
        return null;
      }
      return Math.max(1, Math.ceil((start + WINDOW_MS - nowMs) / 1000));
    },
  };
}
