import { describe, expect, it } from 'vitest';
import { parseTorqUser, rolesPageSchema, usersPageSchema } from '../../../functions/connectors/torq/schema.ts';
import { tokenResponseSchema } from '../../../functions/connectors/http/token-source.ts';

const COMPLETE = {
  id: 'u-1',
  email: 'Ada@Example.com',
  role_id: 'r-owner',
  status: 'VERIFIED',
  sso_provision: true,
  created_time: '2025-01-02T03:04:05Z',
  last_login_time: '2025-06-01T00:00:00Z',
};

describe('parseTorqUser', () => {
  it.each([
    ['a complete record', COMPLETE],
    ['a record with only an id', { id: 'u-2' }],
    ['a record whose optional fields are null', { id: 'u-3', email: null, last_login_time: null, sso_provision: null }],
    ['a status newer than the documented ones', { id: 'u-4', status: 'STATUS_SUSPENDED' }],
    ['a record with fields we do not know', { id: 'u-5', nickname: 'x', extra: { nested: true } }],
  ])('accepts %s', (_case, raw) => {
    const result = parseTorqUser(raw);

    expect(result.ok).toBe(true);
    if (result.ok) expect(result.user.id).toBe((raw as { id: string }).id);
  });

  it('keeps an unknown status verbatim and drops fields it does not know', () => {
    const result = parseTorqUser({ id: 'u-4', status: 'STATUS_SUSPENDED', nickname: 'x' });

    expect(result).toEqual({ ok: true, user: { id: 'u-4', status: 'STATUS_SUSPENDED' } });
  });

  it.each([
    ['no id', { email: 'a@example.com' }, { id: null, reason: 'id: missing' }],
    ['an empty id', { id: '' }, { id: null, reason: 'id: must not be empty' }],
    ['a numeric id', { id: 42 }, { id: null, reason: 'id: expected string, got number' }],
    ['a numeric email', { id: 'u-6', email: 12 }, { id: 'u-6', reason: 'email: expected string, got number' }],
    ['a string sso_provision', { id: 'u-7', sso_provision: 'yes' }, { id: 'u-7', reason: 'sso_provision: expected boolean, got string' }],
    ['an object role_id', { id: 'u-8', role_id: { id: 'r' } }, { id: 'u-8', reason: 'role_id: expected string, got object' }],
    ['a numeric status', { id: 'u-9', status: 2 }, { id: 'u-9', reason: 'status: expected string, got number' }],
    ['a numeric created_time', { id: 'u-10', created_time: 1700000000 }, { id: 'u-10', reason: 'created_time: expected string, got number' }],
    ['an array last_login_time', { id: 'u-11', last_login_time: [] }, { id: 'u-11', reason: 'last_login_time: expected string, got array' }],
    [
      'two wrong fields',
      { id: 'u-12', email: false, status: 1 },
      { id: 'u-12', reason: 'email: expected string, got boolean; status: expected string, got number' },
    ],
    ['a string instead of a record', 'u-13', { id: null, reason: 'record: expected object, got string' }],
    ['null instead of a record', null, { id: null, reason: 'record: expected object, got null' }],
  ])('rejects a record with %s, by id and reason', (_case, raw, invalid) => {
    expect(parseTorqUser(raw)).toEqual({ ok: false, invalid });
  });

  it('never puts a field value into the reason', () => {
    const result = parseTorqUser({ id: 'u-14', email: ['private.person@example.com'], status: 'carol@example.com'.length });

    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.invalid.reason).not.toContain('private.person');
  });
});

describe('usersPageSchema', () => {
  it.each([
    ['a page with users and a token', { users: [{ id: 'a' }, 7], next_page_token: 'n' }],
    ['a page without a token', { users: [] }],
    ['an empty token', { users: [], next_page_token: '' }],
    ['protobuf-JSON leaving out an empty users list', {}],
  ])('accepts %s', (_case, page) => {
    expect(usersPageSchema.safeParse(page).success).toBe(true);
  });

  it.each([
    ['users as an object', { users: { id: 'a' } }],
    ['users as null', { users: null }],
    ['users as a string', { users: 'none' }],
    ['a numeric token', { users: [], next_page_token: 3 }],
    ['an array instead of a page', [{ id: 'a' }]],
    ['null instead of a page', null],
  ])('rejects %s', (_case, page) => {
    expect(usersPageSchema.safeParse(page).success).toBe(false);
  });
});

describe('rolesPageSchema', () => {
  it('accepts roles with a token and rejects roles that are not a list', () => {
    expect(rolesPageSchema.safeParse({ roles: [{ id: 'r', name: 'Owner' }], next_page_token: 't' }).success).toBe(true);
    expect(rolesPageSchema.safeParse({ roles: 'Owner' }).success).toBe(false);
  });
});

describe('tokenResponseSchema', () => {
  it.each([
    [{ access_token: 't', expires_in: 3600, token_type: 'Bearer' }, 3600],
    [{ access_token: 't', expires_in: '1800' }, 1800],
    [{ access_token: 't' }, undefined],
  ])('reads the lifetime of %j', (answer, lifetime) => {
    const parsed = tokenResponseSchema.parse(answer);

    expect(parsed.expires_in).toBe(lifetime);
  });

  it.each([[{}], [{ access_token: '' }], [{ access_token: 't', expires_in: -5 }], [{ access_token: 't', expires_in: 'soon' }]])(
    'rejects %j',
    (answer) => {
      expect(tokenResponseSchema.safeParse(answer).success).toBe(false);
    },
  );
});
