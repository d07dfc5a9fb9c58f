/** The read commands' views, derived from the one account field list (core/account-fields.ts). */
import { describe, expect, it } from 'vitest';
import { ACCOUNT_FIELDS, STORED_ACCOUNT_FIELDS, accountAttributeOf } from '../../functions/core/account-fields.ts';
import type { StoredAccount } from '../../functions/core/types.ts';
import { ACCOUNT_COLUMNS, accountJson } from '../../cli/views.ts';

const ACCOUNT: StoredAccount = {
  connectorId: 'tg',
  app: 'twingate',
  id: 'VXNlcjox',
  email: 'Ada@Example.com',
  emailKey: 'ada@example.com',
  roleId: 'ADMIN',
  roleName: 'Admin',
  status: 'ACTIVE',
  state: 'active',
  ssoProvisioned: null,
  createdAt: '2026-01-02T03:04:05.000Z',
  lastLoginAt: null,
  firstSeenAt: '2026-02-01T00:00:00.000Z',
  lastChangedAt: '2026-02-01T00:00:00.000Z',
  removedAt: null,
};

describe('the account field list', () => {
  it('names every stored field once, the connector-reported ones among them', () => {
    expect(new Set(STORED_ACCOUNT_FIELDS).size).toBe(STORED_ACCOUNT_FIELDS.length);
    expect([...STORED_ACCOUNT_FIELDS].sort()).toEqual(Object.keys(ACCOUNT).sort());
    for (const field of ACCOUNT_FIELDS) expect(STORED_ACCOUNT_FIELDS).toContain(field);
  });

  it("maps the account's id to the store's accountId attribute and every other field to itself", () => {
    expect(STORED_ACCOUNT_FIELDS.map(accountAttributeOf)).toEqual(STORED_ACCOUNT_FIELDS.map((field) => (field === 'id' ? 'accountId' : field)));
  });
});

describe('the account views', () => {
  it('JSON carries every stored field, state included, with nulls kept', () => {
    expect(accountJson(ACCOUNT)).toEqual(ACCOUNT);
    expect(Object.keys(accountJson(ACCOUNT))).toEqual([...STORED_ACCOUNT_FIELDS]);
  });

  it('table columns show the role by name, else by id', () => {
    const role = ACCOUNT_COLUMNS.find((column) => column.header === 'role');
    expect(role?.value(ACCOUNT)).toBe('Admin');
    expect(role?.value({ ...ACCOUNT, roleName: null })).toBe('ADMIN');
  });
});
