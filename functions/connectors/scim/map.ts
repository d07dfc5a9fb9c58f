/**
 * SCIM User and Group resources -> the collector's `Account`, `Group` and memberships. Pure: tested
 * without HTTP.
 *
 * What the inventory keeps of a user: `id`; the email (primary, else `type` work, else the first;
 * research-twingate-scim.md B2) as its identity; `userName` as its login; the person's name
 * (`name.formatted`, else `name.givenName` and `name.familyName` joined, else `displayName`);
 * `externalId`; `active` as its status and state; `meta.created` and `meta.lastModified`.
 * `displayName` is a fallback of the name rather than a field of its own: RFC 7643 section 4.1.1
 * defines it as the name "suitable for display to end-users", the same person's name as `name`,
 * and the other apps have one name only.
 *
 * `active` is the only thing SCIM says about whether an account can be used: `false` is
 * `disabled`, anything else (`true`, or no `active` at all) is `active`. Quali Torque's
 * documentation leaves open how its "pending" users (provisioned over SCIM, never signed in)
 * appear over SCIM (research B3). The identity provider creates them with `active: true` and
 * Torque must echo that back (a provider answering otherwise would have the identity provider
 * "reactivate" them on every sync), and SCIM has no attribute for "never signed in". So they are
 * `active` here, which is also what they are for access: the first SSO sign-in of that person
 * uses the account as it stands.
 */
import { joinNames, normaliseEmail, textOrNull } from '../../core/normalise.ts';
import { unpooled, type StringPool } from '../../core/string-pool.ts';
import type { Account, AccountState, Group } from '../../core/types.ts';
import { readEmails, type ScimEmail, type ScimGroup, type ScimUser } from './schema.ts';

/** `true` for `true` and `"true"` in any case; `false` for `false` and `"false"`; `null` for anything else. */
export function readFlag(value: boolean | string | null | undefined): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return null;
  const text = value.trim().toLowerCase();
  return text === 'true' ? true : text === 'false' ? false : null;
}

/** The email a person is known by: `primary`, else `type` work, else the first with a value. */
export function pickEmail(emails: readonly ScimEmail[]): string | null {
  const usable = emails.filter((email) => typeof email.value === 'string' && normaliseEmail(email.value) !== null);
  const chosen =
    usable.find((email) => readFlag(email.primary) === true) ??
    usable.find((email) => email.type?.trim().toLowerCase() === 'work') ??
    usable[0];
  return chosen?.value ?? null;
}

/** Loose on purpose: whether a `userName` is meant as an email address, not whether it delivers. */
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function scimState(active: boolean | string | null | undefined): AccountState {
  return readFlag(active) === false ? 'disabled' : 'active';
}

/**
 * Every account keeps its `userName` as its login. An account without an email has an email (and
 * an identity, `emailKey`) only when that `userName` is an email address, since another app's
 * account can only be the same person through an email; otherwise readers show it by its login.
 */
export function toAccount(user: ScimUser, pool: StringPool = unpooled): Account {
  const login = textOrNull(user.userName);
  const email = pickEmail(readEmails(user.emails)) ?? (login !== null && EMAIL_SHAPE.test(login) ? login : null);
  const emailKey = email === null ? null : normaliseEmail(email);
  const active = readFlag(user.active);
  return {
    id: String(user.id),
    email,
    emailKey,
    name: textOrNull(user.name?.formatted) ?? joinNames(user.name?.givenName, user.name?.familyName) ?? textOrNull(user.displayName),
    login,
    externalId: textOrNull(user.externalId),
    roleId: null,
    roleName: null,
    status: active === null ? null : pool(active ? 'active' : 'inactive'),
    state: scimState(user.active),
    ssoProvisioned: null,
    createdAt: user.meta?.created ?? null,
    updatedAt: user.meta?.lastModified ?? null,
    lastLoginAt: null,
  };
}

/**
 * A group and the account ids of its members. Members of `type` Group (nested groups, RFC 7643
 * section 4.2) are not accounts and are left out; so is any member whose `$ref` points at a group.
 * `memberCount` counts the member entries that are not groups, readable or not: a member without a
 * usable id, or one listed twice, leaves fewer distinct members than that, so the core takes the
 * group's member listing as incomplete and revokes nothing of it.
 *
 * A group without `members` is a group without members: RFC 7643 section 2.5 lets a provider leave
 * out an attribute with no value.
 */
export function toGroup(group: ScimGroup): { group: Group; accountIds: string[] } {
  const accountIds: string[] = [];
  let entries = 0;
  for (const member of group.members ?? []) {
    if (isGroupMember(member.type, member.$ref)) continue;
    entries += 1;
    const id = member.value;
    if ((typeof id === 'string' && id !== '') || (typeof id === 'number' && Number.isSafeInteger(id))) accountIds.push(String(id));
  }
  return {
    group: {
      id: String(group.id),
      name: group.displayName ?? null,
      type: null,
      active: null,
      memberCount: entries,
      implicit: false,
    },
    accountIds,
  };
}

function isGroupMember(type: string | null | undefined, ref: string | null | undefined): boolean {
  if (type != null && type.trim() !== '') return type.trim().toLowerCase() === 'group';
  return ref != null && /\/Groups\//i.test(ref);
}
