import { describe, expect, it } from 'vitest';
import { ContractError, TransientError } from '../../functions/core/errors.ts';
import { collectListing } from '../../functions/core/listing.ts';
import { ScriptedConnector, account } from '../fakes/memory-store.ts';

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
    await expect(collectListing(connector, { maxPagesPerStream: 3 })).rejects.toThrow(/exceeded 3 pages/);
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
