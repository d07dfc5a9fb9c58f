/**
 * A simulated Torq workspace: the raw records the Torq API serves (design.md section 3), a seeded
 * generator and a churn step that mutates a workspace the way a real tenant changes between polls.
 */
import { createSeededRandom, type SeededRandom } from '../shared/random.ts';
import { pickDistinctIndexes } from '../shared/people.ts';

export type TorqUserStatus = 'STATUS_UNSPECIFIED' | 'INVITATION_SENT' | 'VERIFIED';

/** A user exactly as Torq's JSON spells it. `last_login_time` is absent for users who never logged in. */
export interface TorqUserRecord {
  id: string;
  email: string;
  role_id: string;
  status: TorqUserStatus;
  sso_provision: boolean;
  created_time: string;
  last_login_time?: string;
}

/** A role exactly as Torq's JSON spells it. */
export interface TorqRoleRecord {
  id: string;
  name: string;
  description: string;
  scope_names: string[];
}

/**
 * A live, mutable workspace. The simulator reads it on every call, so changes show up in the
 * next answer. The simulator keeps the users sorted per listing and re-sorts only when `users` is
 * replaced, changes length or `revision` moves: after adding or removing users, changing an id or
 * flipping `sso_provision` by hand, increment `revision` (`applyChurn` does it for you).
 */
export interface SimWorkspace {
  roles: TorqRoleRecord[];
  users: TorqUserRecord[];
  revision: number;
  /** The reference time the records were generated against (ISO-8601). */
  now: string;
}

export interface GenerateWorkspaceOptions {
  users: number;
  /** @default DEFAULT_SEED */
  seed?: number;
  /**
   * Reference time for `created_time` / `last_login_time`.
   * @default DEFAULT_NOW (fixed, so that one seed always yields the same workspace)
   */
  now?: Date;
}

export const DEFAULT_SEED = 1;
export const DEFAULT_NOW = new Date('2026-01-01T00:00:00.000Z');

/** Share of users provisioned through SSO. */
const SSO_SHARE = 0.6;
/** Share of locally provisioned users still holding an unanswered invitation. */
const INVITED_SHARE_OF_LOCAL = 0.2;
const UNSPECIFIED_STATUS_SHARE = 0.02;
const DAY_MS = 86_400_000;
const HISTORY_MS = 3 * 365 * DAY_MS;

interface RoleTemplate {
  readonly name: string;
  readonly description: string;
  readonly scopeNames: readonly string[];
  /** Relative share of users holding the role. */
  readonly weight: number;
}

const ROLE_TEMPLATES: readonly RoleTemplate[] = [
  {
    name: 'Viewer',
    description: 'Read-only access to workflows and cases',
    scopeNames: ['workflow.read', 'case.read'],
    weight: 35,
  },
  {
    name: 'Operator',
    description: 'Runs workflows and works cases',
    scopeNames: ['workflow.read', 'workflow.execute', 'case.read', 'case.write'],
    weight: 25,
  },
  {
    name: 'Contributor',
    description: 'Builds workflows and integrations',
    scopeNames: [
      'workflow.read',
      'workflow.write',
      'workflow.execute',
      'case.read',
      'case.write',
      'integration.read',
      'integration.write',
      'user.read',
    ],
    weight: 22,
  },
  {
    name: 'Owner',
    description: 'Full control of the workspace',
    scopeNames: [
      'workflow.read',
      'workflow.write',
      'workflow.execute',
      'case.read',
      'case.write',
      'integration.read',
      'integration.write',
      'user.read',
      'user.write',
      'workspace.admin',
      'audit.read',
    ],
    weight: 5,
  },
  {
    name: 'SOC Analyst',
    description: 'Custom role: triages cases, reads workflows',
    scopeNames: ['case.read', 'case.write', 'workflow.read'],
    weight: 8,
  },
  {
    name: 'Identity Auditor',
    description: 'Custom role: reviews users and the audit log',
    scopeNames: ['user.read', 'audit.read'],
    weight: 5,
  },
];

const FIRST_NAMES = [
  'ada', 'alan', 'amara', 'anika', 'aria', 'ben', 'carlos', 'chen', 'chloe', 'dana',
  'david', 'elena', 'emeka', 'eva', 'farah', 'felix', 'grace', 'hana', 'hugo', 'ines',
  'ivan', 'jamal', 'jin', 'julia', 'kai', 'kenji', 'lara', 'leo', 'lina', 'luca',
  'maya', 'mateo', 'mei', 'nadia', 'noah', 'nora', 'omar', 'olga', 'priya', 'rafael',
  'rosa', 'sam', 'sara', 'sofia', 'tariq', 'tess', 'uma', 'victor', 'wei', 'yara',
  'yusuf', 'zara', 'zoe', 'ahmed', 'bianca', 'diego', 'erik', 'ingrid', 'kofi', 'lucia',
] as const;

const LAST_NAMES = [
  'adams', 'alvarez', 'bauer', 'becker', 'brown', 'castro', 'chowdhury', 'cohen', 'costa', 'dubois',
  'eriksson', 'fischer', 'garcia', 'gonzalez', 'haddad', 'hansen', 'hoang', 'ibrahim', 'ito', 'jansen',
  'kim', 'kowalski', 'kumar', 'larsen', 'lee', 'levi', 'lopez', 'martin', 'meyer', 'mendes',
  'moreau', 'murphy', 'nakamura', 'nguyen', 'novak', 'okafor', 'olsen', 'patel', 'perez', 'petrov',
  'ricci', 'rossi', 'santos', 'schmidt', 'silva', 'singh', 'smith', 'suzuki', 'tanaka', 'torres',
  'walsh', 'wang', 'weber', 'williams', 'wong', 'yamada', 'yilmaz', 'young', 'zhang', 'zimmermann',
] as const;

/** Reserved documentation domains only (RFC 2606), so no generated address can reach anyone. */
const EMAIL_DOMAINS = ['example.com', 'example.org'] as const;

export function generateWorkspace(options: GenerateWorkspaceOptions): SimWorkspace {
  assertCount(options.users, 'users');
  const seed = options.seed ?? DEFAULT_SEED;
  const now = options.now ?? DEFAULT_NOW;
  const nowMs = now.getTime();
  if (!Number.isFinite(nowMs)) throw new RangeError('now must be a valid date');
  const random = createSeededRandom(seed);

  const roles: TorqRoleRecord[] = ROLE_TEMPLATES.map((template) => ({
    id: random.uuid(),
    name: template.name,
    description: template.description,
    scope_names: [...template.scopeNames],
  }));
  const roleIds = new RoleIdPicker(roles);
  const ids = new UniqueIds(random, []);
  const emails = new EmailMinter(random, []);

  const users = new Array<TorqUserRecord>(options.users);
  for (let i = 0; i < options.users; i++) {
    const createdMs = nowMs - Math.floor(random.next() * HISTORY_MS);
    users[i] = makeUser(random, ids.next(), emails.next(), roleIds.pick(random), createdMs, nowMs);
  }
  return { roles, users, revision: 0, now: now.toISOString() };
}

export interface ChurnOptions {
  seed: number;
  /** New accounts for new people (fresh emails). */
  adds?: number;
  removals?: number;
  roleChanges?: number;
  /** Accounts whose email changes case only (same address: the normalised email stays equal). */
  emailCaseChanges?: number;
  /**
   * Emails to create new accounts with, one account each: a person known from another connector
   * shows up in this app ("new app association"). Each must be absent from this workspace.
   */
  reuseEmails?: readonly string[];
  /** New accounts get a `created_time` within the day before it. @default the workspace's `now` */
  now?: Date;
}

export interface ChurnAccount {
  readonly id: string;
  readonly email: string;
}

/** What a churn step did, so tests and the demo can assert exact numbers. */
export interface ChurnSummary {
  /** Accounts for new people. */
  readonly added: ChurnAccount[];
  /** Accounts created for `reuseEmails`, in that order. */
  readonly reused: ChurnAccount[];
  readonly removed: ChurnAccount[];
  readonly roleChanged: { readonly id: string; readonly fromRoleId: string; readonly toRoleId: string }[];
  readonly emailCaseChanged: { readonly id: string; readonly from: string; readonly to: string }[];
}

/**
 * Mutates `workspace`. Removed, role-changed and case-changed accounts are distinct existing
 * accounts, so the expected diff is exact: `changed` = role changes (a case change keeps the
 * normalised email), `removed` = removals, `new` = adds + reused emails.
 */
export function applyChurn(workspace: SimWorkspace, options: ChurnOptions): ChurnSummary {
  const adds = options.adds ?? 0;
  const removals = options.removals ?? 0;
  const roleChanges = options.roleChanges ?? 0;
  const emailCaseChanges = options.emailCaseChanges ?? 0;
  const reuseEmails = options.reuseEmails ?? [];
  assertCount(adds, 'adds');
  assertCount(removals, 'removals');
  assertCount(roleChanges, 'roleChanges');
  assertCount(emailCaseChanges, 'emailCaseChanges');
  const touched = removals + roleChanges + emailCaseChanges;
  if (touched > workspace.users.length) {
    throw new RangeError(
      `removals + roleChanges + emailCaseChanges (${touched}) exceed the workspace's ${workspace.users.length} users`,
    );
  }
  if (roleChanges > 0 && workspace.roles.length < 2) {
    throw new RangeError('roleChanges needs at least two roles in the workspace');
  }
  const nowMs = (options.now ?? new Date(workspace.now)).getTime();
  if (!Number.isFinite(nowMs)) throw new RangeError('now must be a valid date');

  const random = createSeededRandom(options.seed);
  const knownEmails = new Set(workspace.users.map((user) => user.email.toLowerCase()));
  reuseEmails.forEach((email, index) => {
    if (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(email)) {
      throw new RangeError(`reuseEmails[${index}] is not an email address`);
    }
    const key = email.toLowerCase();
    if (knownEmails.has(key)) {
      throw new RangeError(`reuseEmails[${index}] already belongs to an account of this workspace`);
    }
    knownEmails.add(key);
  });

  const picked = pickDistinctIndexes(random, workspace.users.length, touched);
  const summary: ChurnSummary = { added: [], reused: [], removed: [], roleChanged: [], emailCaseChanged: [] };

  const removedIndexes = new Set(picked.slice(0, removals));
  for (const index of picked.slice(removals, removals + roleChanges)) {
    const user = workspace.users[index] as TorqUserRecord;
    const others = workspace.roles.filter((role) => role.id !== user.role_id);
    const toRoleId = random.pick(others).id;
    summary.roleChanged.push({ id: user.id, fromRoleId: user.role_id, toRoleId });
    user.role_id = toRoleId;
  }
  for (const index of picked.slice(removals + roleChanges)) {
    const user = workspace.users[index] as TorqUserRecord;
    const to = recaseEmail(random, user.email);
    summary.emailCaseChanged.push({ id: user.id, from: user.email, to });
    user.email = to;
  }

  const kept: TorqUserRecord[] = [];
  workspace.users.forEach((user, index) => {
    if (removedIndexes.has(index)) summary.removed.push({ id: user.id, email: user.email });
    else kept.push(user);
  });

  const ids = new UniqueIds(random, workspace.users.map((user) => user.id));
  const emails = new EmailMinter(random, [...knownEmails]);
  const roleIds = new RoleIdPicker(workspace.roles);
  const createdMs = (): number => nowMs - Math.floor(random.next() * DAY_MS);
  for (let i = 0; i < adds; i++) {
    const user = makeUser(random, ids.next(), emails.next(), roleIds.pick(random), createdMs(), nowMs);
    kept.push(user);
    summary.added.push({ id: user.id, email: user.email });
  }
  for (const email of reuseEmails) {
    const user = makeUser(random, ids.next(), email, roleIds.pick(random), createdMs(), nowMs);
    kept.push(user);
    summary.reused.push({ id: user.id, email: user.email });
  }

  workspace.users = kept;
  workspace.revision += 1;
  return summary;
}

function assertCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer`);
}

function makeUser(
  random: SeededRandom,
  id: string,
  email: string,
  roleId: string,
  createdMs: number,
  nowMs: number,
): TorqUserRecord {
  const sso = random.chance(SSO_SHARE);
  // SSO-provisioned accounts are created by the identity provider, never invited.
  const status: TorqUserStatus =
    !sso && random.chance(INVITED_SHARE_OF_LOCAL)
      ? 'INVITATION_SENT'
      : random.chance(UNSPECIFIED_STATUS_SHARE)
        ? 'STATUS_UNSPECIFIED'
        : 'VERIFIED';
  const user: TorqUserRecord = {
    id,
    email,
    role_id: roleId,
    status,
    sso_provision: sso,
    created_time: new Date(createdMs).toISOString(),
  };
  const hasLoggedIn = status === 'VERIFIED' || (status === 'STATUS_UNSPECIFIED' && random.chance(0.5));
  if (hasLoggedIn) {
    user.last_login_time = new Date(createdMs + Math.floor(random.next() * (nowMs - createdMs))).toISOString();
  }
  return user;
}

/** Draws role ids with each role's share; roles beyond the templates (added by hand) get weight 1. */
class RoleIdPicker {
  private readonly ids: string[];
  private readonly cumulative: number[];

  constructor(roles: readonly TorqRoleRecord[]) {
    if (roles.length === 0) throw new RangeError('the workspace has no roles');
    const weightByName = new Map(ROLE_TEMPLATES.map((template) => [template.name, template.weight]));
    this.ids = roles.map((role) => role.id);
    let total = 0;
    this.cumulative = roles.map((role) => (total += weightByName.get(role.name) ?? 1));
  }

  pick(random: SeededRandom): string {
    const target = random.next() * (this.cumulative[this.cumulative.length - 1] as number);
    const index = this.cumulative.findIndex((bound) => target < bound);
    return this.ids[index === -1 ? this.ids.length - 1 : index] as string;
  }
}

/** Draws ids from the seeded stream; a collision (astronomically rare) is simply drawn again. */
class UniqueIds {
  private readonly taken: Set<string>;

  constructor(
    private readonly random: SeededRandom,
    existing: readonly string[],
  ) {
    this.taken = new Set(existing);
  }

  next(): string {
    let id = this.random.uuid();
    while (this.taken.has(id)) id = this.random.uuid();
    this.taken.add(id);
    return id;
  }
}

/** Mints `first.last@domain`, then `first.last+N@domain` once that address is taken (compared lower-cased). */
class EmailMinter {
  private readonly taken: Set<string>;
  private readonly nextSuffix = new Map<string, number>();

  constructor(
    private readonly random: SeededRandom,
    existingLowerCased: readonly string[],
  ) {
    this.taken = new Set(existingLowerCased);
  }

  next(): string {
    const local = `${this.random.pick(FIRST_NAMES)}.${this.random.pick(LAST_NAMES)}`;
    const domain = this.random.pick(EMAIL_DOMAINS);
    let email = `${local}@${domain}`;
    if (this.taken.has(email)) {
      const base = email;
      let suffix = this.nextSuffix.get(base) ?? 2;
      while (this.taken.has((email = `${local}+${suffix}@${domain}`))) suffix++;
      this.nextSuffix.set(base, suffix + 1);
    }
    this.taken.add(email);
    return email;
  }
}


/** The same address in a different case: Title.Case, UPPER or lower, whichever differs from now. */
function recaseEmail(random: SeededRandom, email: string): string {
  const titleCase = email
    .toLowerCase()
    .replace(/(^|[.+@-])([a-z])/g, (_, boundary: string, letter: string) => boundary + letter.toUpperCase());
  const candidates = [titleCase, email.toUpperCase(), email.toLowerCase()].filter((variant) => variant !== email);
  return random.pick([...new Set(candidates)]);
}
