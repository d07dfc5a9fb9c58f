/**
 * Progress through the whole poll: pages and accounts while listing, then accounts written of
 * accounts listed, slice by slice, so a counter on a terminal never sits still through the writes.
 */
import { describe, expect, it } from 'vitest';
import { pollConnector } from '../../functions/core/poll.ts';
import type { PollProgress } from '../../functions/core/ports.ts';
import { FixedCredentials, ManualClock, MemoryEventSink, MemoryStore, ScriptedConnector, account } from '../fakes/memory-store.ts';
import { describeProgress } from '../../cli/progress.ts';

const people = (from: number, n: number) => Array.from({ length: n }, (_, i) => account(`u${from + i}`, `user${from + i}@example.com`));

describe('poll progress', () => {
  it('reports the listing page by page, then the writes slice by slice up to every account listed', async () => {
    const progress: PollProgress[] = [];
    const connector = new ScriptedConnector({
      local: [
        { accounts: people(0, 4), invalid: [], nextCursor: '1' },
        { accounts: people(4, 3), invalid: [], nextCursor: null },
      ],
    });
    const result = await pollConnector(
      {
        store: new MemoryStore(),
        events: new MemoryEventSink(),
        credentials: new FixedCredentials({ credentials: { clientId: 'id', clientSecret: 'secret' }, fingerprint: 'fp' }),
        createConnector: () => connector,
        clock: new ManualClock(Date.parse('2026-11-01T00:00:00.000Z')),
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        settings: { sliceSize: 3 },
        onProgress: (p) => progress.push(p),
      },
      { connectorId: 'c1', app: 'torq' },
    );
    expect(result.outcome).toBe('completed');
    expect(progress).toEqual([
      { phase: 'listing', pages: 1, accounts: 4 },
      { phase: 'listing', pages: 2, accounts: 7 },
      { phase: 'writing', written: 0, total: 7 },
      { phase: 'writing', written: 3, total: 7 },
      { phase: 'writing', written: 6, total: 7 },
      { phase: 'writing', written: 7, total: 7 },
    ]);
    expect(progress.map(describeProgress)).toEqual([
      'listing: 1 page, 4 accounts',
      'listing: 2 pages, 7 accounts',
      'writing: 0 of 7 accounts (0 %)',
      'writing: 3 of 7 accounts (42 %)',
      'writing: 6 of 7 accounts (85 %)',
      'writing: 7 of 7 accounts (100 %)',
    ]);
  });
});
