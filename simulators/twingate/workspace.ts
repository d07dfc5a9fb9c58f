/**
 * A simulated Twingate network: the records Twingate's Admin API serves (research-twingate-scim.md
 * A2, A3), a seeded generator and a churn step that changes a network the way a real one changes
 * between polls (people join and leave, roles and states change, group memberships move).
 */
import { createSeededRandom, type SeededRandom } from '../shared/random.ts';
import { FIRST_NAMES, GROUP_NAMES, LAST_NAMES, pickDistinctIndexes } from '../shared/people.ts';

export const TWINGATE_USER_ROLES = ['ADMIN', 'DEVOPS', 'SUPPORT', 'ACCESS_REVIEWER', 'MEMBER'] as const;
export type TwingateUserRole = (typeof TWINGATE_USER_ROLES)[number];
export type TwingateUserState = 'ACTIVE' | 'PENDING' | 'DISABLED';
export type TwingateUserType = 'MANUAL' | 'SYNCED';
export type TwingateGroupType = 'MANUAL' | 'SYNCED' | 'SYSTEM';

/** A user as Twingate's `User` type spells it. `email` is nullable in Twingate's schema. */
export interface TwingateUserRecord {
  id: string;
  email: string | null;
  firstName: string;
  lastName: string;
  role: TwingateUserRole;
  state: TwingateUserState;
  type: TwingateUserType;
  createdAt: string;
  updatedAt: string;
}

/**
 * A group as Twingate's `Group` type spells it, with its members' user ids in listing order.
 * A `SYSTEM` group's members are every user of the network, whatever `memberIds` holds.
 */
export interface TwingateGroupRecord {
  id: string;
  name: string;
  type: TwingateGroupType;
  isActive: boolean;
  originId: string | null;
  createdAt: string;
  updatedAt: string;
  memberIds: string[];
}

/**
 * A live, mutable network: the simulator reads it on every request, so a change shows in the next
 * answer. Listings page by offset over these arrays in their order, as Twingate's offset cursors
 * do (a user added or removed mid-listing shifts later pages). `revision` moves with every churn.
 */
export interface TwingateSimWorkspace {
  /** The network's slug: `{network}.twingate.com`. */
  network: string;
  users: TwingateUserRecord[];
  groups: TwingateGroupRecord[];
  revision: number;
  /** The reference time the records were generated against (ISO-8601). */
  now: string;
}

export interface GenerateTwingateWorkspaceOptions {
  users: number;
  /** Groups besides the SYSTEM group "Everyone". @default 6 */
  groups?: number;
  /** Members of the first group, the large one (capped at `users`). @default 350 */
  largeGroupMembers?: number;
  /** @default 'acme' */
  network?: string;
  /** @default DEFAULT_TWINGATE_SEED */
  seed?: number;
  /** @default DEFAULT_TWINGATE_NOW (fixed, so that one seed always yields the same network) */
  now?: Date;
}

export const DEFAULT_TWINGATE_SEED = 1;
export const DEFAULT_TWINGATE_NOW = new Date('2026-01-01T00:00:00.000Z');
export const EVERYONE_GROUP_NAME = 'Everyone';

const DAY_MS = 86_400_000;
const HISTORY_MS = 3 * 365 * DAY_MS;
const SYNCED_SHARE = 0.6;
const PENDING_SHARE_OF_MANUAL = 0.15;
const DISABLED_SHARE = 0.07;
const INACTIVE_GROUP_SHARE = 0.15;

const ROLE_WEIGHTS: readonly (readonly [TwingateUserRole, number])[] = [
  ['MEMBER', 80],
  ['DEVOPS', 7],
  ['SUPPORT', 5],
  ['ACCESS_REVIEWER', 5],
  ['ADMIN', 3],
];

/** Reserved documentation domains only (RFC 2606), so no generated address can reach anyone. */
const EMAIL_DOMAINS = ['example.com', 'example.net'] as const;

export function generateTwingateWorkspace(options: GenerateTwingateWorkspaceOptions): TwingateSimWorkspace {
  assertCount(options.users, 'users');
  const groupCount = options.groups ?? 6;
  assertCount(groupCount, 'groups');
  const largeGroupMembers = options.largeGroupMembers ?? 350;
  assertCount(largeGroupMembers, 'largeGroupMembers');
  const network = options.network ?? 'acme';
  assertNetwork(network);
  const now = options.now ?? DEFAULT_TWINGATE_NOW;
  const nowMs = now.getTime();
  if (!Number.isFinite(nowMs)) throw new RangeError('now must be a valid date');
  const random = createSeededRandom(options.seed ?? DEFAULT_TWINGATE_SEED);
  const ids = new RelayIds(random);
  const emails = new EmailMinter(random, []);

  const users: TwingateUserRecord[] = [];
  for (let i = 0; i < options.users; i++) {
    users.push(makeUser(random, ids.next('User'), emails, nowMs - Math.floor(random.next() * HISTORY_MS), nowMs));
  }
  // Listed in creation order, oldest first.
  users.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));

  const groups: TwingateGroupRecord[] = [
    makeGroup(ids.next('Group'), EVERYONE_GROUP_NAME, 'SYSTEM', true, null, nowMs - HISTORY_MS, []),
  ];
  for (let g = 0; g < groupCount; g++) {
    const base = GROUP_NAMES[g % GROUP_NAMES.length] as string;
    const name = g < GROUP_NAMES.length ? base : `${base} ${Math.floor(g / GROUP_NAMES.length) + 1}`;
    const synced = random.chance(0.5);
    const size =
      g === 0 ? Math.min(users.length, largeGroupMembers) : Math.floor(users.length * (0.02 + random.next() * 0.23));
    const members = pickDistinctIndexes(random, users.length, size)
      .sort((a, b) => a - b)
      .map((index) => (users[index] as TwingateUserRecord).id);
    groups.push(
      makeGroup(
        ids.next('Group'),
        name,
        synced ? 'SYNCED' : 'MANUAL',
        g === 0 || !random.chance(INACTIVE_GROUP_SHARE),
        synced ? random.uuid() : null,
        nowMs - Math.floor(random.next() * HISTORY_MS),
        members,
      ),
    );
  }
  return { network, users, groups, revision: 0, now: now.toISOString() };
}

export interface TwingateChurnOptions {
  seed: number;
  /** New users for new people (fresh emails). */
  adds?: number;
  removals?: number;
  roleChanges?: number;
  /** ACTIVE -> DISABLED, DISABLED -> ACTIVE, PENDING -> ACTIVE (an accepted invitation). */
  stateChanges?: number;
  /** Memberships added to MANUAL/SYNCED groups (an existing user joins a group they were not in). */
  memberAdds?: number;
  /** Memberships removed from MANUAL/SYNCED groups (the user stays in the network). */
  memberRemovals?: number;
  /** Emails to create users with: people known from another app showing up in this one. */
  reuseEmails?: readonly string[];
  /** @default the workspace's `now` */
  now?: Date;
}

export interface TwingateChurnSummary {
  readonly added: { readonly id: string; readonly email: string }[];
  readonly reused: { readonly id: string; readonly email: string }[];
  readonly removed: { readonly id: string; readonly email: string | null }[];
  readonly roleChanged: { readonly id: string; readonly from: TwingateUserRole; readonly to: TwingateUserRole }[];
  readonly stateChanged: { readonly id: string; readonly from: TwingateUserState; readonly to: TwingateUserState }[];
  readonly membershipsAdded: { readonly groupId: string; readonly userId: string }[];
  readonly membershipsRemoved: { readonly groupId: string; readonly userId: string }[];
}

/**
 * Mutates `workspace`. Removed, role-changed and state-changed users are distinct existing users,
 * and membership changes touch only users that stay, so the expected diff is exact. A removed
 * user leaves every group with it (no separate membership removal is reported for it).
 */
export function applyTwingateChurn(workspace: TwingateSimWorkspace, options: TwingateChurnOptions): TwingateChurnSummary {
  const adds = options.adds ?? 0;
  const removals = options.removals ?? 0;
  const roleChanges = options.roleChanges ?? 0;
  const stateChanges = options.stateChanges ?? 0;
  const memberAdds = options.memberAdds ?? 0;
  const memberRemovals = options.memberRemovals ?? 0;
  const reuseEmails = options.reuseEmails ?? [];
  for (const [value, name] of [
    [adds, 'adds'],
    [removals, 'removals'],
    [roleChanges, 'roleChanges'],
    [stateChanges, 'stateChanges'],
    [memberAdds, 'memberAdds'],
    [memberRemovals, 'memberRemovals'],
  ] as const) {
    assertCount(value, name);
  }
  const touched = removals + roleChanges + stateChanges;
  if (touched > workspace.users.length) {
    throw new RangeError(`removals + roleChanges + stateChanges (${touched}) exceed the network's ${workspace.users.length} users`);
  }
  const nowMs = (options.now ?? new Date(workspace.now)).getTime();
  if (!Number.isFinite(nowMs)) throw new RangeError('now must be a valid date');
  const stamp = new Date(nowMs).toISOString();
  const random = createSeededRandom(options.seed);
  const knownEmails = new Set(workspace.users.flatMap((user) => (user.email === null ? [] : [user.email.toLowerCase()])));
  reuseEmails.forEach((email, index) => {
    if (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(email)) throw new RangeError(`reuseEmails[${index}] is not an email address`);
    if (knownEmails.has(email.toLowerCase())) throw new RangeError(`reuseEmails[${index}] already belongs to a user of this network`);
    knownEmails.add(email.toLowerCase());
  });

  const summary: TwingateChurnSummary = {
    added: [],
    reused: [],
    removed: [],
    roleChanged: [],
    stateChanged: [],
    membershipsAdded: [],
    membershipsRemoved: [],
  };
  const picked = pickDistinctIndexes(random, workspace.users.length, touched);
  const removedIds = new Set(picked.slice(0, removals).map((index) => (workspace.users[index] as TwingateUserRecord).id));
  for (const index of picked.slice(removals, removals + roleChanges)) {
    const user = workspace.users[index] as TwingateUserRecord;
    const to = random.pick(TWINGATE_USER_ROLES.filter((role) => role !== user.role));
    summary.roleChanged.push({ id: user.id, from: user.role, to });
    user.role = to;
    user.updatedAt = stamp;
  }
  for (const index of picked.slice(removals + roleChanges)) {
    const user = workspace.users[index] as TwingateUserRecord;
    const to: TwingateUserState = user.state === 'ACTIVE' ? 'DISABLED' : 'ACTIVE';
    summary.stateChanged.push({ id: user.id, from: user.state, to });
    user.state = to;
    user.updatedAt = stamp;
  }

  workspace.users = workspace.users.filter((user) => {
    if (!removedIds.has(user.id)) return true;
    summary.removed.push({ id: user.id, email: user.email });
    return false;
  });
  for (const group of workspace.groups) {
    if (group.memberIds.some((id) => removedIds.has(id))) group.memberIds = group.memberIds.filter((id) => !removedIds.has(id));
  }

  const explicit = workspace.groups.filter((group) => group.type !== 'SYSTEM');
  const changedPairs = new Set<string>();
  for (let i = 0; i < memberRemovals; i++) {
    const candidates = explicit.filter((group) => group.memberIds.some((id) => !changedPairs.has(`${group.id}\n${id}`)));
    if (candidates.length === 0) throw new RangeError('memberRemovals exceed the memberships of the network');
    const group = random.pick(candidates);
    const userId = random.pick(group.memberIds.filter((id) => !changedPairs.has(`${group.id}\n${id}`)));
    group.memberIds = group.memberIds.filter((id) => id !== userId);
    group.updatedAt = stamp;
    changedPairs.add(`${group.id}\n${userId}`);
    summary.membershipsRemoved.push({ groupId: group.id, userId });
  }
  for (let i = 0; i < memberAdds; i++) {
    const candidates = explicit.filter((group) => group.memberIds.length < workspace.users.length);
    if (candidates.length === 0 || workspace.users.length === 0) throw new RangeError('memberAdds exceed what the groups can take');
    const group = random.pick(candidates);
    const members = new Set(group.memberIds);
    const outside = workspace.users.filter((user) => !members.has(user.id) && !changedPairs.has(`${group.id}\n${user.id}`));
    if (outside.length === 0) throw new RangeError('memberAdds exceed what the groups can take');
    const userId = random.pick(outside).id;
    group.memberIds.push(userId);
    group.updatedAt = stamp;
    changedPairs.add(`${group.id}\n${userId}`);
    summary.membershipsAdded.push({ groupId: group.id, userId });
  }

  const ids = new RelayIds(random, [...workspace.users.map((user) => user.id), ...removedIds]);
  const emails = new EmailMinter(random, [...knownEmails]);
  const createdMs = (): number => nowMs - Math.floor(random.next() * DAY_MS);
  for (let i = 0; i < adds; i++) {
    const user = makeUser(random, ids.next('User'), emails, createdMs(), nowMs);
    workspace.users.push(user);
    summary.added.push({ id: user.id, email: user.email as string });
  }
  for (const email of reuseEmails) {
    const user = { ...makeUser(random, ids.next('User'), emails, createdMs(), nowMs), email };
    workspace.users.push(user);
    summary.reused.push({ id: user.id, email });
  }
  workspace.revision += 1;
  return summary;
}

/** Members of `group` in listing order: every user for a SYSTEM group. */
export function groupMemberIds(workspace: TwingateSimWorkspace, group: TwingateGroupRecord): readonly string[] {
  return group.type === 'SYSTEM' ? workspace.users.map((user) => user.id) : group.memberIds;
}

export function assertNetwork(network: string): void {
  if (typeof network !== 'string' || !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(network)) {
    throw new RangeError('network must be a DNS label: lower-case letters, digits and inner hyphens');
  }
}

function assertCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer`);
}

function makeUser(random: SeededRandom, id: string, emails: EmailMinter, createdMs: number, nowMs: number): TwingateUserRecord {
  const firstName = random.pick(FIRST_NAMES);
  const lastName = random.pick(LAST_NAMES);
  const type: TwingateUserType = random.chance(SYNCED_SHARE) ? 'SYNCED' : 'MANUAL';
  // Synced users come from the identity provider and are never invited.
  const state: TwingateUserState =
    type === 'MANUAL' && random.chance(PENDING_SHARE_OF_MANUAL) ? 'PENDING' : random.chance(DISABLED_SHARE) ? 'DISABLED' : 'ACTIVE';
  const updatedMs = createdMs + Math.floor(random.next() * Math.max(0, nowMs - createdMs));
  return {
    id,
    email: emails.next(firstName, lastName),
    firstName,
    lastName,
    role: pickRole(random),
    state,
    type,
    createdAt: new Date(createdMs).toISOString(),
    updatedAt: new Date(updatedMs).toISOString(),
  };
}

function makeGroup(
  id: string,
  name: string,
  type: TwingateGroupType,
  isActive: boolean,
  originId: string | null,
  createdMs: number,
  memberIds: string[],
): TwingateGroupRecord {
  const createdAt = new Date(createdMs).toISOString();
  return { id, name, type, isActive, originId, createdAt, updatedAt: createdAt, memberIds };
}

function pickRole(random: SeededRandom): TwingateUserRole {
  const total = ROLE_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
  let target = random.next() * total;
  for (const [role, weight] of ROLE_WEIGHTS) {
    if (target < weight) return role;
    target -= weight;
  }
  return 'MEMBER';
}

/** Relay global ids as Twingate's look: base64 of `Type:number` (opaque to clients). */
class RelayIds {
  private readonly taken: Set<string>;
  constructor(
    private readonly random: SeededRandom,
    existing: readonly string[] = [],
  ) {
    this.taken = new Set(existing);
  }

  next(type: 'User' | 'Group'): string {
    for (;;) {
      const id = Buffer.from(`${type}:${100_000 + this.random.int(9_900_000)}`).toString('base64');
      if (!this.taken.has(id)) {
        this.taken.add(id);
        return id;
      }
    }
  }
}

/** Mints `first.last@domain`, then `first.last+N@domain` once taken (compared lower-cased). */
class EmailMinter {
  private readonly taken: Set<string>;
  constructor(
    private readonly random: SeededRandom,
    existingLowerCased: readonly string[],
  ) {
    this.taken = new Set(existingLowerCased);
  }

  next(firstName: string, lastName: string): string {
    const local = `${firstName}.${lastName}`.toLowerCase();
    const domain = this.random.pick(EMAIL_DOMAINS);
    let email = `${local}@${domain}`;
    for (let suffix = 2; this.taken.has(email); suffix++) email = `${local}+${suffix}@${domain}`;
    this.taken.add(email);
    return email;
  }
}

