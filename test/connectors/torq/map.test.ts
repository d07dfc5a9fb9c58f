import { describe, expect, it } from 'vitest';
import { normaliseEmail } from '../../../functions/core/normalise.ts';
import { toAccount } from '../../../functions/connectors/torq/map.ts';
import type { TorqUser } from '../../../functions/connectors/torq/schema.ts';

const ROLES = new Map([
  ['r-owner', 'Owner'],
  ['r-viewer', 'Viewer'],
]);

describe('normaliseEmail', () => {
  it.each([
    ['ada@example.com', 'ada@example.com'],
    ['  Ada.Lovelace@Example.COM\t', 'ada.lovelace@example.com'],
    ['', null],
    ['   ', null],
  ])('%j -> %j', (email, key) => {
    expect(normaliseEmail(email)).toBe(key);
  });
});

describe('toAccount', () => {
  it('maps every field of a complete record', () => {
    const user: TorqUser = {
      id: 'u-1',
      email: ' Ada@Example.com ',
      role_id: 'r-owner',
      status: 'VERIFIED',
      sso_provision: true,
      created_time: '2025-01-02T03:04:05Z',
      last_login_time: '2025-06-01T00:00:00Z',
    };

    expect(toAccount(user, ROLES, false)).toEqual({
      id: 'u-1',
      email: ' Ada@Example.com ',
      emailKey: 'ada@example.com',
      name: null,
      login: null,
      externalId: null,
      roleId: 'r-owner',
      roleName: 'Owner',
      status: 'VERIFIED',
      state: 'active',
      ssoProvisioned: true,
      createdAt: '2025-01-02T03:04:05Z',
      updatedAt: null,
      lastLoginAt: '2025-06-01T00:00:00Z',
    });
  });

  it.each<[string, TorqUser, Partial<ReturnType<typeof toAccount>>]>([
    ['no email (a valid account)', { id: 'u-2' }, { email: null, emailKey: null }],
    ['a blank email', { id: 'u-3', email: '   ' }, { email: null, emailKey: null }],
    ['a role the role list does not know', { id: 'u-4', role_id: 'r-custom' }, { roleId: 'r-custom', roleName: null }],
    ['no role', { id: 'u-5' }, { roleId: null, roleName: null }],
    ['an unknown status, kept verbatim, without a state', { id: 'u-6', status: 'STATUS_SUSPENDED' }, { status: 'STATUS_SUSPENDED', state: null }],
    ['an invitation, pending', { id: 'u-9', status: 'INVITATION_SENT' }, { status: 'INVITATION_SENT', state: 'pending' }],
    ['null timestamps', { id: 'u-7', created_time: null, last_login_time: null }, { createdAt: null, lastLoginAt: null }],
    ['an explicit sso_provision, which beats the listing', { id: 'u-8', sso_provision: false }, { ssoProvisioned: false }],
  ])('maps %s', (_case, user, expected) => {
    expect(toAccount(user, ROLES, true)).toMatchObject(expected);
  });

  it.each([
    [true, true],
    [false, false],
    [null, null],
  ])('takes an absent sso_provision from the listing (%j)', (listingDefault, expected) => {
    expect(toAccount({ id: 'u-9' }, ROLES, listingDefault).ssoProvisioned).toBe(expected);
  });
});

describe('toAccount and Unicode', () => {
  it('gives the composed and the decomposed spelling of one address one identity key, keeping each spelling for display', () => {
    const composed = toAccount({ id: 'u-10', email: 'Zo\u00eb@Example.com' }, ROLES, false);
    const decomposed = toAccount({ id: 'u-11', email: 'zoe\u0308@example.com' }, ROLES, false);
    expect(composed.emailKey).toBe('zo\u00eb@example.com');
    expect(decomposed.emailKey).toBe(composed.emailKey);
    expect(decomposed.email).toBe('zoe\u0308@example.com');
  });
});
