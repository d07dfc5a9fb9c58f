/**
 * The one list of an account's fields (core/account-fields.ts) against what derives from it: the
 * store's projection and item mapping agree with it, so no field is written but not read back.
 */
import { describe, expect, it } from 'vitest';
import { ACCOUNT_ATTRIBUTES, accountFromItem, accountToItem } from '../../functions/adapters/dynamodb/items.ts';
import { ACCOUNT_FIELDS, STORED_ACCOUNT_FIELDS, accountAttributeOf } from '../../functions/core/account-fields.ts';
import type { StoredAccount } from '../../functions/core/types.ts';

/** Every field set, none null: a field the mapping forgot would read back as null. */
const FULL: StoredAccount = {
  connectorId: 'tg',
  app: 'twingate',
  id: 'VXNlcjox',
  email: 'Ada@Example.com',
  emailKey: 'ada@example.com',
  name: 'Ada Lovelace',
  login: 'ada',
  externalId: 'ext-1',
  roleId: 'ADMIN',
  roleName: 'Admin',
  status: 'ACTIVE',
  state: 'active',
  ssoProvisioned: true,
  createdAt: '2026-01-02T03:04:05.000Z',
  updatedAt: '2026-01-02T04:04:05.000Z',
  lastLoginAt: '2026-01-03T03:04:05.000Z',
  firstSeenAt: '2026-02-01T00:00:00.000Z',
  lastChangedAt: '2026-02-02T00:00:00.000Z',
  removedAt: '2026-02-03T00:00:00.000Z',
};

const EMPTY: StoredAccount = {
  ...FULL,
  email: null,
  emailKey: null,
  name: null,
  login: null,
  externalId: null,
  roleId: null,
  roleName: null,
  status: null,
  state: null,
  ssoProvisioned: null,
  createdAt: null,
  updatedAt: null,
  lastLoginAt: null,
  removedAt: null,
};

/** What a Query with the account projection returns of an item. */
function projected(item: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(ACCOUNT_ATTRIBUTES.filter((name) => name in item).map((name) => [name, item[name]]));
}

describe('the account field list', () => {
  it('names every stored field once, the connector-reported ones among them', () => {
    expect(new Set(STORED_ACCOUNT_FIELDS).size).toBe(STORED_ACCOUNT_FIELDS.length);
    expect([...STORED_ACCOUNT_FIELDS].sort()).toEqual(Object.keys(FULL).sort());
    for (const field of ACCOUNT_FIELDS) expect(STORED_ACCOUNT_FIELDS).toContain(field);
  });

  it("is the store's projection, with the account's id stored as accountId", () => {
    expect(ACCOUNT_ATTRIBUTES).toEqual(STORED_ACCOUNT_FIELDS.map(accountAttributeOf));
    expect(ACCOUNT_ATTRIBUTES).toContain('accountId');
    expect(ACCOUNT_ATTRIBUTES).not.toContain('id');
  });

  it('round-trips through the item mapping and the projection, every field set or every nullable one null', () => {
    for (const account of [FULL, EMPTY]) {
      expect(accountFromItem(projected(accountToItem(account)))).toEqual(account);
    }
  });
});
