/**
 * The SCIM workspace generator and churn: deterministic per seed, and holding every shape of
 * user a SCIM client's mapping must meet (research-twingate-scim.md B2).
 */
import { describe, expect, it } from 'vitest';
import { applyScimChurn, generateScimWorkspace, type ScimUserRecord } from '../../../simulators/scim/index.ts';

const EMAIL = /^[^@\s]+@[^@\s]+$/;

describe('generateScimWorkspace', () => {
  it('is deterministic per seed and differs across seeds', () => {
    expect(generateScimWorkspace({ users: 200, seed: 7 })).toEqual(generateScimWorkspace({ users: 200, seed: 7 }));
    expect(generateScimWorkspace({ users: 200, seed: 7 }).users[0]!.id).not.toBe(generateScimWorkspace({ users: 200, seed: 8 }).users[0]!.id);
  });

  it('holds unique ids and userNames, and every email shape: one primary work, several, only a work type, none; email and plain userNames', () => {
    const { users } = generateScimWorkspace({ users: 1000, seed: 1 });
    expect(new Set(users.map((user) => user.id)).size).toBe(1000);
    expect(new Set(users.map((user) => user.userName.toLowerCase())).size).toBe(1000);
    const shapes = (predicate: (user: ScimUserRecord) => boolean) => users.filter(predicate).length;
    const onePrimaryWork = shapes((user) => user.emails?.length === 1 && user.emails[0]!.primary === true && user.emails[0]!.type === 'work');
    expect(onePrimaryWork).toBeGreaterThan(700);
    expect(shapes((user) => (user.emails?.length ?? 0) > 1 && user.emails!.some((email) => email.primary === true))).toBeGreaterThan(0);
    expect(shapes((user) => (user.emails?.length ?? 0) > 1 && !user.emails!.some((email) => email.primary) && user.emails!.some((email) => email.type === 'work'))).toBeGreaterThan(0);
    expect(shapes((user) => (user.emails?.length ?? 0) > 1 && !user.emails!.some((email) => email.primary || email.type === 'work'))).toBeGreaterThan(0);
    expect(shapes((user) => user.emails?.length === 1 && user.emails[0]!.primary === undefined && user.emails[0]!.type === undefined)).toBeGreaterThan(0);
    expect(shapes((user) => user.emails === undefined && EMAIL.test(user.userName))).toBeGreaterThan(0);
    expect(shapes((user) => user.emails === undefined && !EMAIL.test(user.userName))).toBeGreaterThan(0);
    expect(shapes((user) => EMAIL.test(user.userName))).toBeGreaterThan(400);
    expect(shapes((user) => !EMAIL.test(user.userName))).toBeGreaterThan(200);
    expect(shapes((user) => !user.active)).toBeGreaterThan(0);
    expect(shapes((user) => user.externalId === undefined)).toBeGreaterThan(0);
    expect(shapes((user) => user.name.formatted === undefined)).toBeGreaterThan(0);
    for (const user of users) {
      expect(user.displayName).toBe(`${user.name.givenName} ${user.name.familyName}`);
      expect(Date.parse(user.meta.lastModified)).toBeGreaterThanOrEqual(Date.parse(user.meta.created));
      for (const email of user.emails ?? []) expect(email.value).toMatch(/@example\.(com|org)$/);
    }
  });

  it('makes the first group the large one and the last one empty; members are workspace users, once each', () => {
    const { users, groups } = generateScimWorkspace({ users: 400, groups: 6, largeGroupMembers: 350, seed: 2 });
    expect(groups).toHaveLength(6);
    expect(groups[0]!.members).toHaveLength(350);
    expect(groups[5]!.members).toHaveLength(0);
    const ids = new Set(users.map((user) => user.id));
    for (const group of groups) {
      expect(new Set(group.members.map((entry) => entry.value)).size).toBe(group.members.length);
      for (const entry of group.members) expect(ids.has(entry.value)).toBe(true);
    }
    expect(generateScimWorkspace({ users: 5, largeGroupMembers: 350 }).groups[0]!.members).toHaveLength(5);
  });

  it('refuses negative or fractional counts', () => {
    expect(() => generateScimWorkspace({ users: -1 })).toThrow(RangeError);
    expect(() => generateScimWorkspace({ users: 3, groups: 1.5 })).toThrow(RangeError);
  });
});

describe('applyScimChurn', () => {
  const churn = { seed: 9, adds: 5, removals: 4, deactivations: 3, renames: 3, memberAdds: 6, memberRemovals: 5 };

  it('is deterministic: the same workspace and options give the same workspace and summary', () => {
    const a = generateScimWorkspace({ users: 120, largeGroupMembers: 60, seed: 4 });
    const b = generateScimWorkspace({ users: 120, largeGroupMembers: 60, seed: 4 });
    expect(applyScimChurn(a, churn)).toEqual(applyScimChurn(b, churn));
    expect(a).toEqual(b);
  });

  it('changes exactly what its summary says, with distinct users, and bumps lastModified of what changed', () => {
    const workspace = generateScimWorkspace({ users: 120, largeGroupMembers: 60, seed: 4 });
    const before = structuredClone(workspace);
    const summary = applyScimChurn(workspace, churn);
    expect([summary.added.length, summary.removed.length, summary.deactivated.length, summary.renamed.length]).toEqual([5, 4, 3, 3]);
    expect(summary.membershipsAdded).toHaveLength(6);
    expect(summary.membershipsRemoved).toHaveLength(5);
    expect(new Set([...summary.removed, ...summary.deactivated, ...summary.renamed]).size).toBe(10);
    expect(workspace.users).toHaveLength(121);

    const byId = new Map(workspace.users.map((user) => [user.id, user]));
    const beforeById = new Map(before.users.map((user) => [user.id, user]));
    for (const id of summary.removed) {
      expect(byId.has(id)).toBe(false);
      for (const group of workspace.groups) expect(group.members.some((entry) => entry.value === id)).toBe(false);
    }
    for (const id of summary.deactivated) {
      expect(beforeById.get(id)!.active).toBe(true);
      expect(byId.get(id)!.active).toBe(false);
    }
    for (const id of summary.renamed) {
      expect(byId.get(id)!.name.familyName).not.toBe(beforeById.get(id)!.name.familyName);
      expect(byId.get(id)!.userName).toBe(beforeById.get(id)!.userName);
      expect(byId.get(id)!.meta.lastModified > beforeById.get(id)!.meta.lastModified).toBe(true);
    }
    for (const id of summary.added) expect(beforeById.has(id)).toBe(false);
    expect(new Set(workspace.users.map((user) => user.userName.toLowerCase())).size).toBe(121);
    for (const { groupId, userId } of summary.membershipsAdded) {
      expect(workspace.groups.find((group) => group.id === groupId)!.members.some((entry) => entry.value === userId)).toBe(true);
    }
    for (const { groupId, userId } of summary.membershipsRemoved) {
      expect(workspace.groups.find((group) => group.id === groupId)!.members.some((entry) => entry.value === userId)).toBe(false);
    }
    // Users untouched by churn are exactly as they were.
    const touched = new Set([...summary.removed, ...summary.deactivated, ...summary.renamed]);
    for (const user of before.users) if (!touched.has(user.id)) expect(byId.get(user.id)).toEqual(user);
  });

  it('refuses a negative count', () => {
    expect(() => applyScimChurn(generateScimWorkspace({ users: 3 }), { seed: 1, removals: -1 })).toThrow(RangeError);
  });
});
