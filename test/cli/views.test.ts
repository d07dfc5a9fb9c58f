/** The read commands' views, derived from the one account field list (core/account-fields.ts). */
import { describe, expect, it } from 'vitest';
import { STORED_ACCOUNT_FIELDS } from '../../functions/core/account-fields.ts';
import type { PollResult } from '../../functions/core/poll.ts';
import { ZERO_COUNTS, type StoredAccount, type SyncCounts } from '../../functions/core/types.ts';
import { describePollResult, pollResultJson } from '../../cli/local-poll.ts';
import { ACCOUNT_COLUMNS, accountJson } from '../../cli/views.ts';

const ACCOUNT: StoredAccount = {
  connectorId: 'tg',
  app: 'twingate',
  id: 'VXNlcjox',
  email: 'Ada@Example.com',
  emailKey: 'ada@example.com',
  name: 'Ada Lovelace',
  login: null,
  externalId: null,
  roleId: 'ADMIN',
  roleName: 'Admin',
  status: 'ACTIVE',
  state: 'active',
  ssoProvisioned: null,
  createdAt: '2026-01-02T03:04:05.000Z',
  updatedAt: '2026-01-03T03:04:05.000Z',
  lastLoginAt: null,
  firstSeenAt: '2026-02-01T00:00:00.000Z',
  lastChangedAt: '2026-02-01T00:00:00.000Z',
  removedAt: null,
};

describe('the account views', () => {
  it('JSON carries every stored field, state included, with nulls kept, then the group names', () => {
    expect(accountJson(ACCOUNT, ['Engineering', 'On call'])).toEqual({ ...ACCOUNT, groups: ['Engineering', 'On call'] });
    expect(Object.keys(accountJson(ACCOUNT, []))).toEqual([...STORED_ACCOUNT_FIELDS, 'groups']);
  });

  it("table columns show Rollcall's state beside the app's status", () => {
    const headers = ACCOUNT_COLUMNS.map((column) => column.header);
    expect(headers.indexOf('state')).toBe(headers.indexOf('status') + 1);
    expect(ACCOUNT_COLUMNS[headers.indexOf('state')]?.value(ACCOUNT)).toBe('active');
  });

  it("table columns show the person's name after the email, and an account without email by its login", () => {
    const headers = ACCOUNT_COLUMNS.map((column) => column.header);
    expect(headers.indexOf('name')).toBe(headers.indexOf('email') + 1);
    const email = ACCOUNT_COLUMNS[headers.indexOf('email')];
    expect(ACCOUNT_COLUMNS[headers.indexOf('name')]?.value(ACCOUNT)).toBe('Ada Lovelace');
    expect(email?.value(ACCOUNT)).toBe('Ada@Example.com');
    expect(email?.value({ ...ACCOUNT, email: null, emailKey: null, login: 'ada' })).toBe('ada');
    expect(accountJson({ ...ACCOUNT, email: null, emailKey: null, login: 'ada' }, [])).toMatchObject({ email: null, login: 'ada' });
  });

  it('table columns show the role by name, else by id', () => {
    const role = ACCOUNT_COLUMNS.find((column) => column.header === 'role');
    expect(role?.value(ACCOUNT)).toBe('Admin');
    expect(role?.value({ ...ACCOUNT, roleName: null })).toBe('ADMIN');
  });
});

describe('a poll summary', () => {
  const result = (counts: Partial<SyncCounts>): PollResult => ({
    connectorId: 'tg',
    app: 'twingate',
    runId: 'run-1',
    status: 'CONNECTED',
    outcome: 'completed',
    durationMs: 1200,
    counts: { ...ZERO_COUNTS, total: 3, ...counts },
    anomalies: [],
    invalid: [],
    error: null,
    events: 0,
    pages: 1,
    exitCode: 0,
  });

  it('mentions access granted and revoked when a poll changed memberships, and not otherwise', () => {
    expect(describePollResult(result({ accessGranted: 4, accessRevoked: 1 }))).toContain('group access: 4 granted, 1 revoked');
    expect(describePollResult(result({ accessGranted: 0, accessRevoked: 2 }))).toContain('group access: 0 granted, 2 revoked');
    expect(describePollResult(result({}))).not.toContain('access');
  });

  it('--json counts carry accessGranted and accessRevoked', () => {
    expect(pollResultJson(result({ accessGranted: 4, accessRevoked: 1 })).counts).toMatchObject({ accessGranted: 4, accessRevoked: 1 });
    expect(pollResultJson(result({})).counts).toMatchObject({ accessGranted: 0, accessRevoked: 0 });
  });
});
