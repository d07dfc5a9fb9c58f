/** Groups, members and reported totals in `collectListing` (connectors with `listsGroups`). */
import { describe, expect, it } from 'vitest';
import { ContractError } from '../../functions/core/errors.ts';
import { collectListing } from '../../functions/core/listing.ts';
import { ScriptedConnector, account, group } from '../fakes/memory-store.ts';

const members = (listing: { members: ReadonlyMap<string, ReadonlySet<string>> }) =>
  Object.fromEntries([...listing.members.entries()].map(([groupId, ids]) => [groupId, [...ids].sort()]));

describe('collectListing with groups', () => {
  it('de-duplicates groups by id and gathers each group’s members across pages and streams as a set', async () => {
    const connector = new ScriptedConnector(
      {
        users: [{ accounts: [account('a', null), account('b', null), account('c', null)], invalid: [], nextCursor: null }],
        groups: [
          { accounts: [], invalid: [], groups: [group('g1', { name: 'old' })], members: [{ groupId: 'g1', accountIds: ['a', 'b'] }], nextCursor: '1' },
          {
            accounts: [],
            invalid: [],
            groups: [group('g1', { name: 'new' }), group('g2')],
            members: [
              { groupId: 'g1', accountIds: ['b', 'c'] },
              { groupId: 'g2', accountIds: ['a'] },
              { groupId: 'g1', accountIds: ['a'] },
            ],
            nextCursor: null,
          },
        ],
      },
      ['users', 'groups'],
      true,
    );
    const listing = await collectListing(connector, { maxPagesPerStream: 10 });
    expect(listing.groups.map((g) => [g.id, g.name])).toEqual([['g1', 'new'], ['g2', 'Group g2']]);
    expect(members(listing)).toEqual({ g1: ['a', 'b', 'c'], g2: ['a'] });
    expect(listing.countMismatches).toEqual([]);
  });

  it('drops the members of implicit groups, and keeps the group with its count', async () => {
    const connector = new ScriptedConnector({
      groups: [
        {
          accounts: [account('a', null)],
          invalid: [],
          members: [{ groupId: 'all', accountIds: ['a'] }],
          groups: [group('all', { type: 'SYSTEM', implicit: true, memberCount: 1 })],
          nextCursor: null,
        },
      ],
    });
    const listing = await collectListing(connector, { maxPagesPerStream: 10 });
    expect(listing.groups).toEqual([group('all', { type: 'SYSTEM', implicit: true, memberCount: 1 })]);
    expect(listing.members.size).toBe(0);
  });

  it('cross-checks the last total a stream reported against the records it listed, once it is done', async () => {
    const agreeing = new ScriptedConnector({
      users: [
        { accounts: [account('a', null)], invalid: [{ id: null, reason: 'id: missing' }], nextCursor: '1', total: 9 },
        { accounts: [account('b', null), account('a', null)], invalid: [], nextCursor: null, total: 3 },
      ],
    });
    const fine = await collectListing(agreeing, { maxPagesPerStream: 10 });
    expect(fine.countMismatches).toEqual([]);
    expect(fine.streams.users).toEqual({ cursor: null, done: true, pages: 2, listed: 3, total: 3 });

    const short = new ScriptedConnector({ users: [{ accounts: [account('a', null)], invalid: [], nextCursor: null, total: 2 }] });
    const listing = await collectListing(short, { maxPagesPerStream: 10 });
    expect(listing.complete).toBe(true);
    expect(listing.countMismatches).toEqual([{ stream: 'users', total: 2, listed: 1 }]);
  });

  it('adds up the records a resumed stream listed in earlier invocations', async () => {
    const connector = new ScriptedConnector({
      users: [
        { accounts: [account('a', null)], invalid: [], nextCursor: '1', total: 2 },
        { accounts: [account('b', null)], invalid: [], nextCursor: null, total: 2 },
      ],
    });
    const listing = await collectListing(connector, {
      maxPagesPerStream: 10,
      resumeFrom: { users: { cursor: '1', done: false, pages: 1, listed: 1, total: 2 } },
    });
    expect(listing.countMismatches).toEqual([]);
    expect(listing.streams.users).toMatchObject({ listed: 2, total: 2, pages: 2 });
  });

  it('counts members among the records held by the record bound', async () => {
    const accountIds = Array.from({ length: 10 }, (_, i) => `u${i}`);
    const connector = new ScriptedConnector({
      groups: [{ accounts: [account('u0', null)], invalid: [], groups: [group('g1')], members: [{ groupId: 'g1', accountIds }], nextCursor: null }],
    });
    await expect(collectListing(connector, { maxPagesPerStream: 10, maxRecordsHeld: 11 })).rejects.toThrow(
      new ContractError('torq listing holds more than 11 records (the record bound) without reaching its last page: refusing to page further'),
    );
    await expect(collectListing(connector, { maxPagesPerStream: 10, maxRecordsHeld: 12 })).resolves.toMatchObject({ complete: true });
  });

  it('reports a group the inventory cannot hold, and keeps an unusable member id as a digest only', async () => {
    const longId = 'x'.repeat(2_000);
    const connector = new ScriptedConnector({
      groups: [
        {
          accounts: [],
          invalid: [],
          groups: [group(longId), group('g1'), group('g2', { name: 'n'.repeat(60_000) })],
          members: [{ groupId: 'g1', accountIds: [longId] }],
          nextCursor: null,
        },
      ],
    });
    const listing = await collectListing(connector, { maxPagesPerStream: 10 });
    expect(listing.groups.map((g) => g.id)).toEqual(['g1']);
    expect(listing.invalidGroups).toEqual([
      { id: null, reason: expect.stringMatching(/^group id: 2000 bytes, above .* \(id sha256:[0-9a-f]{16}\)$/) },
      { id: 'g2', reason: expect.stringContaining('group record:') },
    ]);
    expect(JSON.stringify(listing.invalidGroups)).not.toContain(longId);
    expect(members(listing)).toEqual({ g1: [expect.stringMatching(/^sha256:[0-9a-f]{16}$/)] });
  });
});
