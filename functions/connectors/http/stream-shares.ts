/**
 * Shares of one connector's rate among its listing streams, so that the streams end together.
 *
 * A stream's next page can only be asked for once its previous page has answered, so one stream
 * alone cannot use the whole rate (at 25 ms an answer at most 40 of Torq's 50 requests per second,
 * fewer with the time each page takes on either side). Listed side by side at equal shares, the shorter stream ends first and the longer one
 * finishes alone, below the rate: at 50,000 users with 40 % local and 60 % SSO accounts, the last
 * 100 of 500 pages. Given a share of the rate in proportion to the pages it has left, each stream
 * keeps to that share, the longer one gets more, and both end at about the time the whole listing
 * takes at the full rate.
 *
 * The pages each stream will take are estimated from what the inventory holds (the last complete
 * listing). Without an estimate, or once a stream outgrows its estimate, nothing is claimed and the
 * limiter serves the streams in arrival order, as without shares.
 */
import type { PaceClaim } from './rate-limiter.ts';

export interface StreamShares {
  /** The pages each stream is expected to take (at least 1 each). Only these streams are balanced. */
  expect(pages: Readonly<Record<string, number>>): void;
  /** The claim for the next page of `stream`: its share of the rate, or `undefined` when nothing is balanced. */
  claim(stream: string): PaceClaim | undefined;
  /** A page of `stream` answered; `last` when the stream has no further page. */
  listed(stream: string, last: boolean): void;
}

export function createStreamShares(): StreamShares {
  let expected: Map<string, number> | null = null;
  const listed = new Map<string, number>();
  const finished = new Set<string>();

  return {
    expect(pages) {
      const entries = Object.entries(pages).filter(([, count]) => Number.isFinite(count));
      expected = entries.length > 1 ? new Map(entries.map(([stream, count]) => [stream, Math.max(1, Math.ceil(count))])) : null;
    },
    claim(stream) {
      if (expected === null || !expected.has(stream) || finished.has(stream)) return undefined;
      let total = 0;
      let own = 0;
      let running = 0;
      for (const [name, count] of expected) {
        if (finished.has(name)) continue;
        const left = count - (listed.get(name) ?? 0);
        if (left <= 0) {
          // Larger than estimated: the estimate no longer says which stream ends last.
          expected = null;
          return undefined;
        }
        running += 1;
        total += left;
        if (name === stream) own = left;
      }
      return running > 1 ? { key: stream, share: own / total } : undefined;
    },
    listed(stream, last) {
      listed.set(stream, (listed.get(stream) ?? 0) + 1);
      if (last) finished.add(stream);
    },
  };
}
