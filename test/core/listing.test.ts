import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ContractError, TransientError } from '../../functions/core/errors.ts';
import { collectListing, DEFAULT_LISTING_BOUNDS } from '../../functions/core/listing.ts';
import { DEFAULT_POLL_SETTINGS, pollConnector } from '../../functions/core/poll.ts';
import type { AccountPage, Connector } from '../../functions/core/ports.ts';
import { FixedCredentials, ManualClock, MemoryEventSink, MemoryStore, ScriptedConnector, account } from '../fakes/memory-store.ts';

/** A listing whose page tokens never end: each page brings `perPage` new accounts and takes `pageMs` of the clock. */
class EndlessConnector implements Connector {
  readonly app = 'torq' as const;
  readonly streams = ['local'];
  calls = 0;
  constructor(
    private readonly perPage: number,
    private readonly clock?: ManualClock,
    private readonly pageMs = 0,
  ) {}
  async listPage(_stream: string, cursor: string | null): Promise<AccountPage> {
    this.calls += 1;
    this.clock?.advance(this.pageMs);
    const page = cursor === null ? 0 : Number(cursor);
    const accounts = Array.from({ length: this.perPage }, (_, i) => account(`p${page}-${i}`, null));
    return { accounts, invalid: [], nextCursor: String(page + 1) };
  }
}

describe('collectListing', () => {
  it('follows every cursor of every stream and merges them by id', async () => {
    const connector = new ScriptedConnector({
      local: [
        { accounts: [account('a', 'a@example.com')], invalid: [], nextCursor: '1' },
        { accounts: [account('b', 'b@example.com')], invalid: [], nextCursor: null },
      ],
      sso: [
        { accounts: [account('c', 'c@example.com'), account('a', 'a@example.com')], invalid: [], nextCursor: '1' },
        { accounts: [], invalid: [], nextCursor: '2' },
        { accounts: [account('d', null)], invalid: [{ id: 'e', reason: 'email: expected string' }], nextCursor: null },
      ],
    });
    const progress: number[] = [];
    const listing = await collectListing(connector, { maxPagesPerStream: 10, onProgress: (p) => progress.push(p.pages) });
    expect(listing.accounts.map((a) => a.id).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(listing.duplicates).toBe(1);
    expect(listing.invalid).toEqual([{ id: 'e', reason: 'email: expected string' }]);
    expect(listing.pages).toBe(5);
    expect(progress).toEqual([1, 2, 3, 4, 5]);
  });

  it('fails on a repeated page token instead of looping', async () => {
    const connector = new ScriptedConnector({
      local: [
        { accounts: [], invalid: [], nextCursor: '1' },
        { accounts: [], invalid: [], nextCursor: '1' },
      ],
    });
    await expect(collectListing(connector, { maxPagesPerStream: 100 })).rejects.toThrow(ContractError);
    expect(connector.calls).toBe(2);
  });

  it('fails when a stream exceeds the page cap', async () => {
    const pages = Array.from({ length: 5 }, (_, i) => ({ accounts: [], invalid: [], nextCursor: String(i + 1) }));
    const connector = new ScriptedConnector({ local: pages });
    await expect(collectListing(connector, { maxPagesPerStream: 3 })).rejects.toThrow(
      new ContractError("torq listing 'local' exceeded 3 pages (the page bound) without reaching its last page: refusing to page further"),
    );
  });

  it('fails the whole listing when one page fails', async () => {
    const connector = new ScriptedConnector({ local: [{ accounts: [account('a', null)], invalid: [], nextCursor: null }] });
    connector.fail = new TransientError('503 from users');
    await expect(collectListing(connector, { maxPagesPerStream: 3 })).rejects.toBeInstanceOf(TransientError);
  });

  it('does not report an id as invalid when another stream listed it validly', async () => {
    const connector = new ScriptedConnector({
      local: [{ accounts: [account('a', null)], invalid: [], nextCursor: null }],
      sso: [{ accounts: [], invalid: [{ id: 'a', reason: 'status: expected string' }, { id: null, reason: 'id: missing' }], nextCursor: null }],
    });
    const listing = await collectListing(connector, { maxPagesPerStream: 3 });
    expect(listing.invalid).toEqual([{ id: null, reason: 'id: missing' }]);
  });
});

describe('collectListing with an id in two streams', () => {
  it('keeps the record of the later stream whichever arrives first', async () => {
    const local = account('a', 'a@example.com', { ssoProvisioned: false });
    const sso = account('a', 'a@example.com', { ssoProvisioned: true });
    for (const order of [['local', 'sso'], ['sso', 'local']] as const) {
      const connector = new ScriptedConnector(
        { local: [{ accounts: [local], invalid: [], nextCursor: null }], sso: [{ accounts: [sso], invalid: [], nextCursor: null }] },
        ['local', 'sso'],
      );
      // Serve the streams in the given order by delaying the other one.
      const serve = connector.listPage.bind(connector);
      connector.listPage = async (stream, cursor) => {
        if (stream !== order[0]) await new Promise((resolve) => setImmediate(resolve));
        return serve(stream, cursor);
      };
      const listing = await collectListing(connector, { maxPagesPerStream: 3 });
      expect(listing.accounts).toEqual([sso]);
      expect(listing.duplicates).toBe(1);
    }
  });
});

describe('collectListing and the inventory limits', () => {
  it('turns a record the inventory cannot hold into an invalid record and lists the rest', async () => {
    const connector = new ScriptedConnector({
      local: [
        {
          accounts: [account('a', 'a@example.com'), account('b', `${'b'.repeat(2_000)}@example.com`), account('c'.repeat(1_100), 'c@example.com')],
          invalid: [{ id: 'd'.repeat(1_100), reason: 'status: expected string, got number' }],
          nextCursor: null,
        },
      ],
    });
    const listing = await collectListing(connector, { maxPagesPerStream: 3 });
    expect(listing.accounts.map((a) => a.id)).toEqual(['a']);
    expect(listing.invalid).toEqual([
      { id: 'b', reason: expect.stringMatching(/^email: 2012 bytes once normalised/) },
      { id: null, reason: expect.stringMatching(/^id: 1100 bytes, .* \(id sha256:[0-9a-f]{16}\)$/) },
      { id: null, reason: expect.stringMatching(/^status: expected string, got number; id: 1100 bytes/) },
    ]);
  });

  it('fails on a page token the checkpoint could not keep', async () => {
    const token = 't'.repeat(16 * 1024 + 1);
    const connector = new ScriptedConnector({ local: [{ accounts: [], invalid: [], nextCursor: token }] });
    await expect(collectListing(connector, { maxPagesPerStream: 3 })).rejects.toThrow(
      new ContractError("torq listing 'local' answered a page token of 16385 bytes, above the 16384-byte limit after page 1"),
    );
  });
});

describe('collectListing bounds an endless listing', () => {
  it('with the same defaults a poll uses', () => {
    expect(DEFAULT_POLL_SETTINGS).toMatchObject(DEFAULT_LISTING_BOUNDS);
  });

  it('by the records it holds', async () => {
    const connector = new EndlessConnector(10);
    await expect(collectListing(connector, { maxPagesPerStream: 1_000, maxRecordsHeld: 25 })).rejects.toThrow(
      new ContractError('torq listing holds more than 25 records (the record bound) without reaching its last page: refusing to page further'),
    );
    expect(connector.calls).toBe(3);
  });

  it('by the time it runs, on the injected clock', async () => {
    const clock = new ManualClock(Date.parse('2026-11-01T00:00:00.000Z'));
    const connector = new EndlessConnector(0, clock, 60_000);
    await expect(collectListing(connector, { maxPagesPerStream: 1_000, maxListingMs: 300_000, clock })).rejects.toThrow(
      new ContractError('torq listing ran for more than 300 s (the time bound) without reaching its last page: refusing to page further'),
    );
    // Pages starting at 0 to 5 minutes are fetched (5 is not above the bound); at 6 minutes the bound holds.
    expect(connector.calls).toBe(6);
  });

  it('whichever bound comes first, with the defaults of a poll', async () => {
    const store = new MemoryStore();
    store.accounts.set('c1', new Map([['keep', { ...account('keep', 'keep@example.com'), connectorId: 'c1', app: 'torq', firstSeenAt: 't', lastChangedAt: 't', removedAt: null }]]));
    const clock = new ManualClock(Date.parse('2026-11-01T00:00:00.000Z'));
    const connector = new EndlessConnector(0, clock, 1_000);
    const result = await pollConnector(
      {
        store,
        events: new MemoryEventSink(),
        credentials: new FixedCredentials({ credentials: { clientId: 'id', clientSecret: 's' }, fingerprint: 'fp' }),
        createConnector: () => connector,
        clock,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        settings: { maxPagesPerStream: 1_000_000, maxRecordsHeld: 1_000_000, maxListingMs: 30 * 60_000, maxRemovalShare: 1 },
      },
      { connectorId: 'c1', app: 'torq' },
    );
    expect(result).toMatchObject({ outcome: 'failed', status: 'ERROR', exitCode: 1 });
    expect(result.error).toMatch(/ran for more than 1800 s \(the time bound\)/);
    expect(connector.calls).toBe(1_801);
    expect(store.accounts.get('c1')?.get('keep')?.removedAt).toBeNull();
  });
});

describe('collectListing with an id repeated within one stream', () => {
  it('keeps the last record of the stream and reports the id', async () => {
    const first = account('a', 'a@example.com', { status: 'INVITATION_SENT' });
    const last = account('a', 'a@example.com', { status: 'VERIFIED' });
    const connector = new ScriptedConnector({
      local: [
        { accounts: [first, account('b', null)], invalid: [], nextCursor: '1' },
        { accounts: [last, account('b', null)], invalid: [], nextCursor: '2' },
        { accounts: [account('b', null)], invalid: [{ id: 'c', reason: 'status: expected string, got number' }], nextCursor: '3' },
        { accounts: [], invalid: [{ id: 'c', reason: 'status: expected string, got number' }], nextCursor: null },
      ],
    });
    const listing = await collectListing(connector, { maxPagesPerStream: 10 });
    expect(listing.accounts).toEqual([last, account('b', null)]);
    expect(listing.repeatedIds).toEqual(['a', 'b', 'c']);
    expect(listing.repeatedRecords).toBe(4);
    expect(listing.duplicates).toBe(0);
    expect(listing.invalid).toEqual([{ id: 'c', reason: 'status: expected string, got number' }]);
  });

  it('tells a repeat within a stream from the expected overlap of two streams', async () => {
    const local = account('a', 'a@example.com', { ssoProvisioned: false });
    const sso = account('a', 'a@example.com', { ssoProvisioned: true });
    const overlapOnly = await collectListing(
      new ScriptedConnector({ local: [{ accounts: [local], invalid: [], nextCursor: null }], sso: [{ accounts: [sso], invalid: [], nextCursor: null }] }),
      { maxPagesPerStream: 3 },
    );
    expect(overlapOnly).toMatchObject({ accounts: [sso], duplicates: 1, repeatedIds: [], repeatedRecords: 0 });

    // The local stream repeats the id after the SSO stream listed it: the SSO record still wins.
    const connector = new ScriptedConnector(
      {
        local: [
          { accounts: [local], invalid: [], nextCursor: '1' },
          { accounts: [local], invalid: [], nextCursor: null },
        ],
        sso: [{ accounts: [sso], invalid: [], nextCursor: null }],
      },
      ['local', 'sso'],
    );
    const both = await collectListing(connector, { maxPagesPerStream: 3 });
    expect(both).toMatchObject({ accounts: [sso], repeatedIds: ['a'], repeatedRecords: 1 });
  });
});

describe('a poll of a listing that repeats ids within a stream', () => {
  it('completes, raises DUPLICATE_IDS with the ids, and publishes the same anomaly id when run again', async () => {
    const store = new MemoryStore();
    const events = new MemoryEventSink();
    const page = (accounts: ReturnType<typeof account>[], nextCursor: string | null) => ({ accounts, invalid: [], nextCursor });
    const deps = {
      store,
      events,
      credentials: new FixedCredentials({ credentials: { clientId: 'id', clientSecret: 's' }, fingerprint: 'fp' }),
      createConnector: () =>
        new ScriptedConnector({
          local: [page([account('u2', 'u2@example.com'), account('u1', 'u1@example.com')], '1'), page([account('u1', 'u1@example.com'), account('u2', 'u2@example.com'), account('u3', null)], null)],
        }),
      clock: new ManualClock(Date.parse('2026-11-01T00:00:00.000Z')),
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    };
    const first = await pollConnector(deps, { connectorId: 'c1', app: 'torq' });
    expect(first).toMatchObject({ outcome: 'completed', exitCode: 0, anomalies: ['DUPLICATE_IDS'] });
    expect(first.counts).toMatchObject({ total: 3, new: 3 });
    const [anomaly] = events.ofType('SyncAnomaly');
    expect(anomaly?.detail).toMatchObject({
      anomaly: 'DUPLICATE_IDS',
      accountIds: ['u1', 'u2'],
      message: '2 record(s) repeated 2 id(s) within one listing stream (all listed); the last record of each was kept',
    });

    const second = await pollConnector(deps, { connectorId: 'c1', app: 'torq' });
    expect(second.anomalies).toEqual(['DUPLICATE_IDS']);
    expect(events.ofType('SyncAnomaly').map((event) => event.id)).toEqual([anomaly?.id, anomaly?.id]);
  });
});

describe('collectListing, for any streams, pages and arrival order', () => {
  it('keeps, per id, the last record of the last stream that listed it, and reports exactly the repeats within a stream', async () => {
    const recordArb = fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd', 'e'), status: fc.constantFrom('S1', 'S2', 'S3') });
    const streamArb = fc.array(fc.array(recordArb, { maxLength: 3 }), { minLength: 1, maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(fc.array(streamArb, { minLength: 1, maxLength: 3 }), fc.array(fc.nat({ max: 3 }), { maxLength: 20 }), async (streams, delays) => {
        const names = streams.map((_, index) => `s${index}`);
        const pages: Record<string, AccountPage[]> = {};
        streams.forEach((stream, index) => {
          pages[`s${index}`] = stream.map((records, page) => ({
            accounts: records.map((record) => account(record.id, null, { status: record.status })),
            invalid: [],
            nextCursor: page === stream.length - 1 ? null : String(page + 1),
          }));
        });
        const connector = new ScriptedConnector(pages, names);
        const serve = connector.listPage.bind(connector);
        let call = 0;
        // Each page answers after its own number of event-loop turns: streams interleave at random.
        connector.listPage = async (stream, cursor) => {
          for (let turn = delays[call++ % Math.max(1, delays.length)] ?? 0; turn > 0; turn--) await new Promise((resolve) => setImmediate(resolve));
          return serve(stream, cursor);
        };
        const listing = await collectListing(connector, { maxPagesPerStream: 10 });

        const expected = new Map<string, string>();
        const repeated = new Set<string>();
        let repeats = 0;
        streams.forEach((stream) => {
          const seen = new Set<string>();
          for (const record of stream.flat()) {
            if (seen.has(record.id)) {
              repeated.add(record.id);
              repeats += 1;
            }
            seen.add(record.id);
            expected.set(record.id, record.status);
          }
        });
        expect(new Map(listing.accounts.map((a) => [a.id, a.status]))).toEqual(expected);
        expect(listing.repeatedIds).toEqual([...repeated].sort());
        expect(listing.repeatedRecords).toBe(repeats);
        expect(listing.complete).toBe(true);
      }),
      { seed: 9, numRuns: 200 },
    );
  });
});
