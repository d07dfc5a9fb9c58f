import { describe, expect, it } from 'vitest';
import {
  applyChurn,
  generateWorkspace,
  type TorqUserRecord,
} from '../../../simulators/torq/index.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const EMAIL = /^[a-z]+\.[a-z]+(\+\d+)?@example\.(com|org)$/;

describe('generateWorkspace', () => {
  it('yields the same workspace for the same seed and a different one for another seed', () => {
    const first = generateWorkspace({ users: 300, seed: 42 });
    const again = generateWorkspace({ users: 300, seed: 42 });
    const other = generateWorkspace({ users: 300, seed: 43 });

    expect(again).toEqual(first);
    expect(other.users.map((user) => user.id)).not.toEqual(first.users.map((user) => user.id));
  });

  it('gives every user a unique uuid-shaped id and a unique example.com/example.org email', () => {
    const workspace = generateWorkspace({ users: 5000, seed: 3 });

    const ids = workspace.users.map((user) => user.id);
    const emails = workspace.users.map((user) => user.email.toLowerCase());
    expect(new Set(ids).size).toBe(5000);
    expect(new Set(emails).size).toBe(5000);
    expect(ids.every((id) => UUID.test(id))).toBe(true);
    expect(workspace.users.every((user) => EMAIL.test(user.email))).toBe(true);
  });

  it('has the four built-in roles plus custom ones, and Contributor and Owner carry user.read', () => {
    const workspace = generateWorkspace({ users: 10, seed: 1 });
    const names = workspace.roles.map((role) => role.name);

    expect(names.slice(0, 4)).toEqual(['Viewer', 'Operator', 'Contributor', 'Owner']);
    expect(names.length).toBeGreaterThan(4);
    const withUserRead = workspace.roles.filter((role) => role.scope_names.includes('user.read')).map((role) => role.name);
    expect(withUserRead).toEqual(expect.arrayContaining(['Contributor', 'Owner']));
    expect(withUserRead).not.toContain('Viewer');
    expect(new Set(workspace.roles.map((role) => role.id)).size).toBe(workspace.roles.length);
  });

  it('mixes SSO and local users, and invited users have no last login', () => {
    const workspace = generateWorkspace({ users: 4000, seed: 11 });
    const ssoShare = workspace.users.filter((user) => user.sso_provision).length / 4000;
    const invited = workspace.users.filter((user) => user.status === 'INVITATION_SENT');
    const roleIds = new Set(workspace.roles.map((role) => role.id));

    expect(ssoShare).toBeGreaterThan(0.55);
    expect(ssoShare).toBeLessThan(0.65);
    expect(invited.length).toBeGreaterThan(0);
    expect(invited.every((user) => !('last_login_time' in user))).toBe(true);
    expect(workspace.users.filter((user) => user.status === 'VERIFIED').every((user) => user.last_login_time)).toBe(true);
    expect(workspace.users.every((user) => roleIds.has(user.role_id))).toBe(true);
    expect(new Set(workspace.users.map((user) => user.role_id)).size).toBe(workspace.roles.length);
  });

  it('dates every record at or before the reference time', () => {
    const now = new Date('2025-06-01T00:00:00.000Z');
    const workspace = generateWorkspace({ users: 500, seed: 5, now });

    for (const user of workspace.users) {
      expect(Date.parse(user.created_time)).toBeLessThanOrEqual(now.getTime());
      if (user.last_login_time) {
        expect(Date.parse(user.last_login_time)).toBeGreaterThanOrEqual(Date.parse(user.created_time));
        expect(Date.parse(user.last_login_time)).toBeLessThanOrEqual(now.getTime());
      }
    }
    expect(workspace.now).toBe(now.toISOString());
  });

  it('rejects a negative or fractional user count', () => {
    expect(() => generateWorkspace({ users: -1 })).toThrow(RangeError);
    expect(() => generateWorkspace({ users: 1.5 })).toThrow(RangeError);
  });
});

describe('applyChurn', () => {
  const byId = (users: readonly TorqUserRecord[]) => new Map(users.map((user) => [user.id, { ...user }]));

  it('adds, removes, changes roles and email case by exactly the requested numbers', () => {
    const workspace = generateWorkspace({ users: 1000, seed: 8 });
    const before = byId(workspace.users);
    const revision = workspace.revision;

    const summary = applyChurn(workspace, { seed: 99, adds: 25, removals: 10, roleChanges: 7, emailCaseChanges: 5 });

    expect(summary.added).toHaveLength(25);
    expect(summary.removed).toHaveLength(10);
    expect(summary.roleChanged).toHaveLength(7);
    expect(summary.emailCaseChanged).toHaveLength(5);
    expect(summary.reused).toHaveLength(0);
    expect(workspace.users).toHaveLength(1000 + 25 - 10);
    expect(workspace.revision).toBe(revision + 1);

    const after = byId(workspace.users);
    expect(summary.removed.every(({ id }) => before.has(id) && !after.has(id))).toBe(true);
    expect(summary.added.every(({ id }) => !before.has(id) && after.has(id))).toBe(true);
    const touched = [...summary.removed, ...summary.roleChanged, ...summary.emailCaseChanged].map(({ id }) => id);
    expect(new Set(touched).size).toBe(22);

    for (const change of summary.roleChanged) {
      expect(change.toRoleId).not.toBe(change.fromRoleId);
      expect(before.get(change.id)?.role_id).toBe(change.fromRoleId);
      expect(after.get(change.id)?.role_id).toBe(change.toRoleId);
    }
    const changedIds = new Set(touched);
    const unchanged = workspace.users.filter((user) => !changedIds.has(user.id) && before.has(user.id));
    expect(unchanged).toHaveLength(1000 - 22);
    expect(unchanged.every((user) => JSON.stringify(user) === JSON.stringify(before.get(user.id)))).toBe(true);
  });

  it('changes only the case of an email, so the lower-cased email stays equal', () => {
    const workspace = generateWorkspace({ users: 200, seed: 2 });

    const summary = applyChurn(workspace, { seed: 4, emailCaseChanges: 30 });
    const after = byId(workspace.users);

    for (const change of summary.emailCaseChanged) {
      expect(change.to).not.toBe(change.from);
      expect(change.to.toLowerCase()).toBe(change.from.toLowerCase());
      expect(after.get(change.id)?.email).toBe(change.to);
    }
  });

  it('creates new accounts for reused emails and keeps every email unique', () => {
    const workspace = generateWorkspace({ users: 300, seed: 6 });
    const known = ['grace.hopper@example.org', 'Alan.Turing@Example.com'];

    const summary = applyChurn(workspace, { seed: 1, adds: 50, reuseEmails: known });

    expect(summary.reused.map(({ email }) => email)).toEqual(known);
    const emails = workspace.users.map((user) => user.email.toLowerCase());
    expect(new Set(emails).size).toBe(workspace.users.length);
    expect(new Set(workspace.users.map((user) => user.id)).size).toBe(workspace.users.length);
    expect(workspace.users).toHaveLength(352);
  });

  it('is deterministic for a seed', () => {
    const first = generateWorkspace({ users: 400, seed: 10 });
    const second = generateWorkspace({ users: 400, seed: 10 });
    const options = { seed: 77, adds: 9, removals: 8, roleChanges: 7, emailCaseChanges: 6 };

    expect(applyChurn(first, options)).toEqual(applyChurn(second, options));
    expect(second).toEqual(first);
  });

  it('refuses a reused email that already belongs to the workspace, or more changes than users', () => {
    const workspace = generateWorkspace({ users: 20, seed: 2 });
    const existing = (workspace.users[0] as TorqUserRecord).email.toUpperCase();

    expect(() => applyChurn(workspace, { seed: 1, reuseEmails: [existing] })).toThrow(/reuseEmails\[0\]/);
    expect(() => applyChurn(workspace, { seed: 1, removals: 15, roleChanges: 6 })).toThrow(RangeError);
    expect(workspace.users).toHaveLength(20);
  });
});
