/** SCIM resources -> accounts and groups: pure mapping, no HTTP. */
import { describe, expect, it } from 'vitest';
import { pickEmail, scimState, toAccount, toGroup } from '../../../functions/connectors/scim/map.ts';
import { parseUser, readEmails, readScimError, scimGroupSchema, type ScimUser } from '../../../functions/connectors/scim/schema.ts';

function user(raw: Record<string, unknown>): ScimUser {
  const parsed = parseUser({ id: 'u1', ...raw });
  if (!parsed.ok) throw new Error(parsed.invalid.reason);
  return parsed.user;
}

describe('the email a person is known by', () => {
  it.each([
    ['primary first', [{ value: 'home@x.io', type: 'home' }, { value: 'main@x.io', primary: true }, { value: 'work@x.io', type: 'work' }], 'main@x.io'],
    ['primary as a string', [{ value: 'home@x.io' }, { value: 'main@x.io', primary: 'True' }], 'main@x.io'],
    ['else type work', [{ value: 'home@x.io', type: 'home' }, { value: 'work@x.io', type: 'Work' }], 'work@x.io'],
    ['else the first', [{ value: 'one@x.io', type: 'home' }, { value: 'two@x.io', type: 'other' }], 'one@x.io'],
    ['skipping blank and malformed entries', [{ value: '  ', primary: true }, 'junk', { type: 'work' }, { value: 'ok@x.io' }], 'ok@x.io'],
    ['none', [], null],
  ])('%s', (_case, emails, expected) => {
    expect(pickEmail(readEmails(emails))).toBe(expected);
  });
});

describe('a user', () => {
  it('maps id, email, name, userName, externalId, active, created and last modified', () => {
    const scim = user({
      id: 'a1b2',
      userName: 'jdoe',
      externalId: 'okta-00u1',
      displayName: 'Jane D.',
      name: { givenName: 'Jane', familyName: 'Doe' },
      emails: [{ value: 'Jane.Doe@Example.com ', type: 'work' }],
      active: true,
      meta: { created: '2026-01-02T03:04:05Z', lastModified: '2026-11-30T00:00:00Z' },
    });
    expect(toAccount(scim)).toEqual({
      id: 'a1b2',
      email: 'Jane.Doe@Example.com ',
      emailKey: 'jane.doe@example.com',
      name: 'Jane Doe',
      login: 'jdoe',
      externalId: 'okta-00u1',
      roleId: null,
      roleName: null,
      status: 'active',
      state: 'active',
      ssoProvisioned: null,
      createdAt: '2026-01-02T03:04:05Z',
      updatedAt: '2026-11-30T00:00:00Z',
      lastLoginAt: null,
    });
  });

  it.each([
    ['name.formatted first', { name: { formatted: ' Dr. Jane Doe ', givenName: 'Jane', familyName: 'Doe' }, displayName: 'JD' }, 'Dr. Jane Doe'],
    ['else given and family joined', { name: { formatted: '  ', givenName: ' Jane ', familyName: 'Doe' }, displayName: 'JD' }, 'Jane Doe'],
    ['given name alone', { name: { givenName: 'Jane' } }, 'Jane'],
    ['family name alone', { name: { familyName: 'Doe' }, displayName: 'JD' }, 'Doe'],
    ['else displayName', { name: { givenName: ' ' }, displayName: ' Jane D. ' }, 'Jane D.'],
    ['displayName without name', { displayName: 'Jane D.' }, 'Jane D.'],
    ['none', { displayName: '' }, null],
  ])('name: %s', (_case, raw, expected) => {
    expect(toAccount(user(raw)).name).toBe(expected);
  });

  it('blank userName and externalId are none', () => {
    expect(toAccount(user({ userName: '  ', externalId: '' }))).toMatchObject({ login: null, externalId: null });
  });

  it.each([
    [false, 'disabled', 'inactive'],
    ['False', 'disabled', 'inactive'],
    [true, 'active', 'active'],
    ['true', 'active', 'active'],
    [undefined, 'active', null],
    ['maybe', 'active', null],
  ] as const)('active %j is state %s, status %j', (active, state, status) => {
    const account = toAccount(user(active === undefined ? {} : { active }));
    expect(account.state).toBe(state);
    expect(account.status).toBe(status);
    expect(scimState(active)).toBe(state);
  });

  it('without an email keeps userName as its login, with an identity only when userName is an email', () => {
    expect(toAccount(user({ userName: 'jdoe' }))).toMatchObject({ email: null, emailKey: null, login: 'jdoe' });
    expect(toAccount(user({ userName: ' Jane@Example.com ' }))).toMatchObject({
      email: 'Jane@Example.com',
      emailKey: 'jane@example.com',
      login: 'Jane@Example.com',
    });
    expect(toAccount(user({}))).toMatchObject({ email: null, emailKey: null, login: null });
    // An email wins over an email-shaped userName.
    expect(toAccount(user({ userName: 'old@x.io', emails: [{ value: 'new@x.io' }] }))).toMatchObject({
      email: 'new@x.io',
      emailKey: 'new@x.io',
      login: 'old@x.io',
    });
  });

  it('takes a numeric id as its digits, and reports a user without an id by reason only', () => {
    expect(toAccount(user({ id: 42 })).id).toBe('42');
    const missing = parseUser({ userName: 'secret-person@example.com' });
    expect(missing).toEqual({ ok: false, invalid: { id: null, reason: expect.stringMatching(/^id: /) } });
    const badName = parseUser({ id: 'u9', userName: 12 });
    expect(badName).toEqual({ ok: false, invalid: { id: 'u9', reason: 'userName: expected string, got number' } });
    expect(JSON.stringify([missing, badName])).not.toContain('secret-person');
  });
});

describe('a group', () => {
  it('counts non-group member entries and lists the readable ones', () => {
    const group = scimGroupSchema.parse({
      id: 'g1',
      displayName: 'Eng',
      members: [{ value: 'u1' }, { value: 'u1' }, { value: 'g2', type: 'group' }, { value: '' }],
    });
    expect(toGroup(group)).toEqual({
      group: { id: 'g1', name: 'Eng', type: null, active: null, memberCount: 3, implicit: false },
      accountIds: ['u1', 'u1'],
    });
  });
});

describe('SCIM error bodies', () => {
  it.each([
    [{ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'invalidCursor', detail: 'x' }, { status: 400, scimType: 'invalidCursor' }],
    [{ status: 400, scimType: 'expiredCursor' }, { status: 400, scimType: 'expiredCursor' }],
    [{ Errors: [{ status: ' 404 ', description: 'nope' }] }, { status: 404, scimType: null }],
    [{ status: 'Bad Request', scimType: 'has spaces in it' }, { status: null, scimType: null }],
    [{ status: 200 }, { status: null, scimType: null }],
    ['not an object', { status: null, scimType: null }],
  ])('%j reads as %j', (body, expected) => {
    expect(readScimError(body)).toEqual(expected);
  });
});
