/**
 * Twingate user and group records -> the collector's `Account` and `Group`. Pure: tested without HTTP.
 */
import { joinNames, normaliseEmail } from '../../core/normalise.ts';
import { unpooled, type StringPool } from '../../core/string-pool.ts';
import type { Account, AccountState, Group } from '../../core/types.ts';
import type { TwingateGroup, TwingateUser } from './schema.ts';

/** Twingate's user states in Rollcall's words; a state Twingate adds later stays `null` until mapped here. */
const STATES: Readonly<Record<string, AccountState>> = {
  ACTIVE: 'active',
  PENDING: 'pending',
  DISABLED: 'disabled',
};

export function twingateState(state: string | null | undefined): AccountState | null {
  return state == null || !Object.hasOwn(STATES, state) ? null : (STATES[state] ?? null);
}

/**
 * The role is Twingate's `role` enum (ADMIN, DEVOPS, SUPPORT, ACCESS_REVIEWER, MEMBER): it is both
 * the role's id and its name. `type` SYNCED (from an identity provider) is Rollcall's SSO flag.
 * Twingate records no last sign-in on users. The name is the first and last names joined (either
 * alone when the other is blank); Twingate has no login besides the email and no external id.
 */
export function toAccount(user: TwingateUser, pool: StringPool = unpooled): Account {
  const emailKey = user.email == null ? null : normaliseEmail(user.email);
  const role = user.role == null || user.role === '' ? null : pool(user.role);
  return {
    id: user.id,
    // A blank email is no email: it identifies nobody.
    email: emailKey === null ? null : (user.email ?? null),
    emailKey,
    name: joinNames(user.firstName, user.lastName),
    login: null,
    externalId: null,
    roleId: role,
    roleName: role,
    status: user.state == null ? null : pool(user.state),
    state: twingateState(user.state),
    ssoProvisioned: user.type === 'SYNCED' ? true : user.type === 'MANUAL' ? false : null,
    createdAt: user.createdAt ?? null,
    updatedAt: user.updatedAt ?? null,
    lastLoginAt: null,
  };
}

/** SYSTEM groups ("Everyone") hold every user implicitly: counted, never listed per member. */
export function isImplicit(group: Pick<TwingateGroup, 'type'>): boolean {
  return group.type === 'SYSTEM';
}

export function toGroup(group: TwingateGroup, pool: StringPool = unpooled): Group {
  return {
    id: group.id,
    name: group.name ?? null,
    type: group.type == null ? null : pool(group.type),
    active: group.isActive ?? null,
    memberCount: group.users.totalCount,
    implicit: isImplicit(group),
  };
}
