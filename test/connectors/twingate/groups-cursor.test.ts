/** The groups stream's cursor: a round trip of the pending work, and refusal of what it did not write. */
import { describe, expect, it } from 'vitest';
import { decodeGroupsCursor, encodeGroupsCursor, START } from '../../../functions/connectors/twingate/groups-cursor.ts';
import { ContractError } from '../../../functions/core/errors.ts';
import { unusableCursorReason } from '../../../functions/core/limits.ts';
import { MAX_PAGE_SIZE } from '../../../functions/connectors/twingate/index.ts';

describe('the groups cursor', () => {
  it('round-trips the groups cursor and the queue of groups owing members', () => {
    const position = { groupsAfter: 'YXJyYXljb25uZWN0aW9uOjQ5', groupsDone: false, pending: [['R3JvdXA6MQ==', 'YXJyYXljb25uZWN0aW9uOjk5']] as const };
    const cursor = encodeGroupsCursor(position);
    expect(cursor).not.toBeNull();
    expect(decodeGroupsCursor(cursor)).toEqual(position);
    expect(decodeGroupsCursor(null)).toEqual(START);
  });

  it('is null once the groups are done and nothing is pending: the stream ends', () => {
    expect(encodeGroupsCursor({ groupsAfter: null, groupsDone: true, pending: [] })).toBeNull();
    expect(encodeGroupsCursor({ groupsAfter: null, groupsDone: true, pending: [['g', 'c']] })).not.toBeNull();
  });

  it('stays inside the core cursor limit with a full page of groups owing members', () => {
    const pending = Array.from({ length: MAX_PAGE_SIZE }, (_, index) => [
      Buffer.from(`Group:${1_000_000_000 + index}`).toString('base64'),
      Buffer.from(`arrayconnection:${10_000 + index}`).toString('base64'),
    ] as const);
    const cursor = encodeGroupsCursor({ groupsAfter: Buffer.from('arrayconnection:99999').toString('base64'), groupsDone: false, pending });
    expect(unusableCursorReason(cursor!)).toBeNull();
  });

  it.each([['another prefix', 'YXJyYXljb25uZWN0aW9uOjQ5'], ['bad JSON', 'g1.bm90IGpzb24'], ['a wrong shape', `g1.${Buffer.from('{"a":1}').toString('base64url')}`]])(
    'refuses %s as a ContractError',
    (_case, cursor) => {
      expect(() => decodeGroupsCursor(cursor)).toThrow(ContractError);
    },
  );
});
