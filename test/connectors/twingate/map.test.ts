/** Twingate records to accounts and groups, without HTTP. */
import { describe, expect, it } from 'vitest';
import { toAccount, toGroup, twingateState } from '../../../functions/connectors/twingate/map.ts';

const user = {
  id: 'VXNlcjox',
  email: ' Ada.Lovelace@Example.com ',
  firstName: ' Ada ',
  lastName: 'Lovelace',
  role: 'DEVOPS',
  state: 'PENDING',
  type: 'MANUAL',
  createdAt: '2025-01-02T03:04:05Z',
  updatedAt: '2025-02-02T03:04:05Z',
};

describe('twingate mapping', () => {
  it('maps the role enum as role id and name, the state beside its normalised form, SYNCED as the SSO flag', () => {
    expect(toAccount(user)).toEqual({
      id: 'VXNlcjox',
      email: ' Ada.Lovelace@Example.com ',
      emailKey: 'ada.lovelace@example.com',
      name: 'Ada Lovelace',
      login: null,
      externalId: null,
      roleId: 'DEVOPS',
      roleName: 'DEVOPS',
      status: 'PENDING',
      state: 'pending',
      ssoProvisioned: false,
      createdAt: '2025-01-02T03:04:05Z',
      updatedAt: '2025-02-02T03:04:05Z',
      lastLoginAt: null,
    });
    expect(toAccount({ ...user, type: 'SYNCED' }).ssoProvisioned).toBe(true);
  });

  it('names the person by first and last names, either alone when the other is blank', () => {
    expect(toAccount({ ...user, firstName: 'Ada', lastName: '' }).name).toBe('Ada');
    expect(toAccount({ ...user, firstName: null, lastName: ' Lovelace ' }).name).toBe('Lovelace');
    expect(toAccount({ ...user, firstName: ' ', lastName: null }).name).toBeNull();
    expect(toAccount({ ...user, updatedAt: null }).updatedAt).toBeNull();
  });

  it('keeps an account without an email, keyed on its id', () => {
    expect(toAccount({ ...user, email: null })).toMatchObject({ id: 'VXNlcjox', email: null, emailKey: null });
    expect(toAccount({ ...user, email: '   ' })).toMatchObject({ email: null, emailKey: null });
  });

  it('normalises the three states and leaves a newer one unmapped', () => {
    expect(['ACTIVE', 'PENDING', 'DISABLED', 'SUSPENDED', null].map(twingateState)).toEqual(['active', 'pending', 'disabled', null, null]);
  });

  it('marks SYSTEM groups implicit, with their member count', () => {
    const members = { totalCount: 812, pageInfo: { hasNextPage: true, endCursor: 'c' }, edges: [] };
    expect(toGroup({ id: 'g1', name: 'Everyone', type: 'SYSTEM', isActive: true, users: members })).toEqual({
      id: 'g1',
      name: 'Everyone',
      type: 'SYSTEM',
      active: true,
      memberCount: 812,
      implicit: true,
    });
    expect(toGroup({ id: 'g2', name: 'Eng', type: 'MANUAL', isActive: false, users: members })).toMatchObject({ implicit: false, active: false });
  });
});
