/**
 * A simulated SCIM 2.0 service provider's data: core User and Group resources as RFC 7643 §4.1
 * and §4.2 spell them (research-twingate-scim.md B2), a seeded generator and a churn step that
 * changes them the way an IdP-provisioned app changes between polls.
 *
 * The generator deliberately mixes the shapes real providers hold, so a client's mapping rules
 * meet each one: most users carry one primary work email, some several (primary flagged, only a
 * `work` type, or neither), some none at all; some `userName`s are email addresses and some are
 * plain logins; `name.formatted` and `externalId` are sometimes absent.
 */
import { createSeededRandom, type SeededRandom } from '../shared/random.ts';
import { FIRST_NAMES, GROUP_NAMES, LAST_NAMES } from '../shared/people.ts';

export interface ScimEmail {
  value: string;
  type?: 'work' | 'home' | 'other';
  primary?: boolean;
}

export interface ScimMeta {
  resourceType: 'User' | 'Group';
  created: string;
  lastModified: string;
}

export interface ScimUserRecord {
  id: string;
  userName: string;
  /** Absent for an account provisioned without any email. */
  emails?: ScimEmail[];
  name: { formatted?: string; givenName: string; familyName: string };
  displayName: string;
  active: boolean;
  /** The IdP's id for the user; absent for accounts created in the app itself. */
  externalId?: string;
  meta: ScimMeta;
}

export interface ScimGroupMember {
  /** The member user's `id`. */
  value: string;
  display?: string;
}

export interface ScimGroupRecord {
  id: string;
  displayName: string;
  members: ScimGroupMember[];
  meta: ScimMeta;
}

/**
 * Live and mutable: the simulator reads it on every request, so a change shows in the next answer.
 * Listings page over these arrays in their order (index paging is not stateful, RFC 7644
 * §3.4.2.4: a user removed mid-listing shifts later pages).
 */
export interface ScimSimWorkspace {
  users: ScimUserRecord[];
  groups: ScimGroupRecord[];
}

export interface GenerateScimWorkspaceOptions {
  users: number;
  /** @default 8 */
  groups?: number;
  /** @default DEFAULT_SCIM_SEED */
  seed?: number;
  /** Members of the first group, the large one (capped at `users`). @default 350 */
  largeGroupMembers?: number;
}

export const DEFAULT_SCIM_SEED = 1;
/** Fixed, so that one seed always yields the same workspace. */
export const SCIM_GENERATED_AT = Date.parse('2026-01-01T00:00:00.000Z');

const DAY_MS = 86_400_000;
const HISTORY_MS = 3 * 365 * DAY_MS;
const INACTIVE_SHARE = 0.08;
const NO_EMAIL_SHARE = 0.05;
const SEVERAL_EMAILS_SHARE = 0.08;
const UNFLAGGED_SINGLE_EMAIL_SHARE = 0.05;
const EMAIL_USERNAME_SHARE = 0.6;
const FORMATTED_NAME_SHARE = 0.7;
const EXTERNAL_ID_SHARE = 0.85;

/** Reserved documentation domains only (RFC 2606), so no generated address can reach anyone. */
const WORK_DOMAIN = 'example.com';
const HOME_DOMAIN = 'example.org';

function assertCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be an integer >= 0`);
}

/** Unique logins across a workspace, also across churn (seeded from the names already in use). */
class LoginMinter {
  private readonly taken: Set<string>;

  constructor(existing: Iterable<string>) {
    this.taken = new Set(existing);
  }

  next(given: string, family: string): string {
    const base = `${given}.${family}`.toLowerCase();
    let login = base;
    for (let n = 2; this.taken.has(login); n++) login = `${base}${n}`;
    this.taken.add(login);
    return login;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The emails one user carries: the shapes of research B2's "primary, else work, else first" rule. */
function makeEmails(random: SeededRandom, login: string): ScimEmail[] | undefined {
  const work = `${login}@${WORK_DOMAIN}`;
  const home = `${login}@${HOME_DOMAIN}`;
  const roll = random.next();
  if (roll < NO_EMAIL_SHARE) return undefined;
  if (roll < NO_EMAIL_SHARE + SEVERAL_EMAILS_SHARE) {
    switch (random.int(3)) {
      case 0:
        return [{ value: home, type: 'home' }, { value: work, type: 'work', primary: true }];
      case 1:
        return [{ value: home, type: 'other' }, { value: work, type: 'work' }];
      default:
        return [{ value: work, type: 'home' }, { value: home, type: 'other' }];
    }
  }
  if (random.chance(UNFLAGGED_SINGLE_EMAIL_SHARE)) return [{ value: work }];
  return [{ value: work, type: 'work', primary: true }];
}

function makeUser(random: SeededRandom, logins: LoginMinter, createdMs: number, nowMs: number): ScimUserRecord {
  const givenName = random.pick(FIRST_NAMES);
  const familyName = random.pick(LAST_NAMES);
  const login = logins.next(givenName, familyName);
  const emails = makeEmails(random, login);
  // With an email, the userName is often that email (as Okta and Entra provision it); without one,
  // half the time still an email-shaped userName, so both "no identity" and "identity from
  // userName" accounts exist.
  const emailUserName = random.chance(emails === undefined ? 0.5 : EMAIL_USERNAME_SHARE);
  const displayName = `${givenName} ${familyName}`;
  const modifiedMs = createdMs + Math.floor(random.next() * (nowMs - createdMs));
  return {
    id: random.uuid(),
    userName: emailUserName ? `${login}@${WORK_DOMAIN}` : login,
    ...(emails === undefined ? {} : { emails }),
    name: { ...(random.chance(FORMATTED_NAME_SHARE) ? { formatted: displayName } : {}), givenName, familyName },
    displayName,
    active: !random.chance(INACTIVE_SHARE),
    ...(random.chance(EXTERNAL_ID_SHARE) ? { externalId: `00u${random.uuid().replaceAll('-', '').slice(0, 17)}` } : {}),
    meta: { resourceType: 'User', created: iso(createdMs), lastModified: iso(modifiedMs) },
  };
}

function pickDistinct<T>(random: SeededRandom, items: readonly T[], count: number): T[] {
  // A partial Fisher-Yates over a copy: `count` distinct items, in random order.
  const pool = [...items];
  const wanted = Math.min(count, pool.length);
  for (let i = 0; i < wanted; i++) {
    const j = i + random.int(pool.length - i);
    [pool[i], pool[j]] = [pool[j] as T, pool[i] as T];
  }
  return pool.slice(0, wanted);
}

function member(user: ScimUserRecord, random: SeededRandom): ScimGroupMember {
  // Some providers send `display`, some do not; a client must not need it.
  return random.chance(0.8) ? { value: user.id, display: user.displayName } : { value: user.id };
}

export function generateScimWorkspace(options: GenerateScimWorkspaceOptions): ScimSimWorkspace {
  assertCount(options.users, 'users');
  const groupCount = options.groups ?? 8;
  assertCount(groupCount, 'groups');
  const largeGroupMembers = options.largeGroupMembers ?? 350;
  assertCount(largeGroupMembers, 'largeGroupMembers');
  const random = createSeededRandom(options.seed ?? DEFAULT_SCIM_SEED);
  const logins = new LoginMinter([]);

  const users: ScimUserRecord[] = [];
  for (let i = 0; i < options.users; i++) {
    users.push(makeUser(random, logins, SCIM_GENERATED_AT - Math.floor(random.next() * HISTORY_MS), SCIM_GENERATED_AT));
  }
  // Listed in creation order, oldest first, as most providers list without a sortBy.
  users.sort((a, b) => (a.meta.created < b.meta.created ? -1 : a.meta.created > b.meta.created ? 1 : 0));

  const groups: ScimGroupRecord[] = [];
  for (let g = 0; g < groupCount; g++) {
    const base = GROUP_NAMES[g % GROUP_NAMES.length] as string;
    const displayName = g < GROUP_NAMES.length ? base : `${base} ${Math.floor(g / GROUP_NAMES.length) + 1}`;
    // The first group is the large one; the last (of at least three) is empty, as real ones are.
    const size =
      g === 0 ? Math.min(users.length, largeGroupMembers) : g === groupCount - 1 && groupCount >= 3 ? 0 : Math.floor(users.length * (0.02 + random.next() * 0.2));
    const createdMs = SCIM_GENERATED_AT - Math.floor(random.next() * HISTORY_MS);
    groups.push({
      id: random.uuid(),
      displayName,
      members: pickDistinct(random, users, size).map((user) => member(user, random)),
      meta: { resourceType: 'Group', created: iso(createdMs), lastModified: iso(createdMs + Math.floor(random.next() * (SCIM_GENERATED_AT - createdMs))) },
    });
  }
  return { users, groups };
}

export interface ScimChurnOptions {
  seed: number;
  /** New users for new people. */
  adds?: number;
  /** Users deleted (deprovisioned): they leave every group with them. */
  removals?: number;
  /** Active users turned `active: false`. */
  deactivations?: number;
  /** Users whose family name changes (`name`, `displayName`); `userName` and emails stay. */
  renames?: number;
  /** Memberships added: an existing user joins a group they were not in. */
  memberAdds?: number;
  /** Memberships removed; the user stays. */
  memberRemovals?: number;
}

export interface ScimChurnSummary {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly deactivated: readonly string[];
  readonly renamed: readonly string[];
  readonly membershipsAdded: readonly { readonly groupId: string; readonly userId: string }[];
  readonly membershipsRemoved: readonly { readonly groupId: string; readonly userId: string }[];
}

/**
 * Mutates `workspace`; the same workspace and options always give the same result. Removed,
 * deactivated and renamed users are distinct users that existed before, and membership changes
 * touch only users that stay, so the expected diff is exact. Changed records get a
 * `lastModified` one hour after the latest in the workspace.
 */
export function applyScimChurn(workspace: ScimSimWorkspace, options: ScimChurnOptions): ScimChurnSummary {
  const counts = {
    adds: options.adds ?? 0,
    removals: options.removals ?? 0,
    deactivations: options.deactivations ?? 0,
    renames: options.renames ?? 0,
    memberAdds: options.memberAdds ?? 0,
    memberRemovals: options.memberRemovals ?? 0,
  };
  for (const [name, value] of Object.entries(counts)) assertCount(value, name);
  const random = createSeededRandom(options.seed);
  const latest = [...workspace.users, ...workspace.groups].reduce((max, record) => Math.max(max, Date.parse(record.meta.lastModified)), SCIM_GENERATED_AT);
  const changedMs = latest + 3_600_000;
  const changed = iso(changedMs);

  const removedUsers = pickDistinct(random, workspace.users, counts.removals);
  const removed = new Set(removedUsers.map((user) => user.id));
  workspace.users = workspace.users.filter((user) => !removed.has(user.id));
  const groupsTouched = new Set<ScimGroupRecord>();
  for (const group of workspace.groups) {
    const before = group.members.length;
    group.members = group.members.filter((entry) => !removed.has(entry.value));
    if (group.members.length !== before) groupsTouched.add(group);
  }

  const deactivatedUsers = pickDistinct(random, workspace.users.filter((user) => user.active), counts.deactivations);
  for (const user of deactivatedUsers) {
    user.active = false;
    user.meta = { ...user.meta, lastModified: changed };
  }
  const deactivatedIds = new Set(deactivatedUsers.map((user) => user.id));
  const renamedUsers = pickDistinct(random, workspace.users.filter((user) => !deactivatedIds.has(user.id)), counts.renames);
  for (const user of renamedUsers) {
    const familyName = random.pick(LAST_NAMES.filter((name) => name !== user.name.familyName));
    user.name = { ...user.name, familyName, ...(user.name.formatted === undefined ? {} : { formatted: `${user.name.givenName} ${familyName}` }) };
    user.displayName = `${user.name.givenName} ${familyName}`;
    user.meta = { ...user.meta, lastModified: changed };
    for (const group of workspace.groups) {
      for (const entry of group.members) if (entry.value === user.id && entry.display !== undefined) entry.display = user.displayName;
    }
  }
  const deactivated = deactivatedUsers.map((user) => user.id);
  const renamed = renamedUsers.map((user) => user.id);

  const logins = new LoginMinter(workspace.users.map((user) => user.userName.replace(/@.*$/, '')));
  const added: string[] = [];
  for (let i = 0; i < counts.adds; i++) {
    const user = makeUser(random, logins, changedMs, changedMs);
    workspace.users.push(user);
    added.push(user.id);
  }

  const stayers = workspace.users.filter((user) => !added.includes(user.id));
  const membershipsAdded: { groupId: string; userId: string }[] = [];
  const membershipsRemoved: { groupId: string; userId: string }[] = [];
  for (let attempt = 0; membershipsAdded.length < counts.memberAdds && workspace.groups.length > 0 && attempt < counts.memberAdds * 20; attempt++) {
    const group = random.pick(workspace.groups);
    const user = stayers.length > 0 ? random.pick(stayers) : undefined;
    if (user === undefined || group.members.some((entry) => entry.value === user.id)) continue;
    group.members.push(member(user, random));
    groupsTouched.add(group);
    membershipsAdded.push({ groupId: group.id, userId: user.id });
  }
  const justAdded = new Set(membershipsAdded.map((entry) => `${entry.groupId}/${entry.userId}`));
  for (let attempt = 0; membershipsRemoved.length < counts.memberRemovals && attempt < counts.memberRemovals * 20; attempt++) {
    const candidates = workspace.groups.filter((group) => group.members.some((entry) => !justAdded.has(`${group.id}/${entry.value}`)));
    if (candidates.length === 0) break;
    const group = random.pick(candidates);
    const removable = group.members.filter((entry) => !justAdded.has(`${group.id}/${entry.value}`));
    const entry = random.pick(removable);
    group.members = group.members.filter((other) => other !== entry);
    groupsTouched.add(group);
    membershipsRemoved.push({ groupId: group.id, userId: entry.value });
  }
  for (const group of groupsTouched) group.meta = { ...group.meta, lastModified: changed };

  return { added, removed: [...removed], deactivated, renamed, membershipsAdded, membershipsRemoved };
}
