/**
 * Torq user record -> the collector's `Account`. Pure: tested without HTTP.
 */
import { normaliseEmail } from '../../core/normalise.ts';
import type { Account, AccountState } from '../../core/types.ts';
import type { TorqUser } from './schema.ts';
import { unpooled, type StringPool } from '../../core/string-pool.ts';

/** Role id -> role name, from `GET /users/roles`. */
export type RoleNames = ReadonlyMap<string, string>;


/** Torq's statuses in Rollcall's words; a status Torq adds later stays `null` until mapped here. */
const STATES: Readonly<Record<string, AccountState>> = {
  VERIFIED: 'active',
  INVITATION_SENT: 'pending',
};

export function torqState(status: string | null | undefined): AccountState | null {
  return status == null ? null : (Object.hasOwn(STATES, status) ? (STATES[status] ?? null) : null);
}

/**
 * @param ssoProvisionedDefault what an absent `sso_provision` means: protobuf-JSON leaves `false`
 *   out, and the listing a record came from already says how it was provisioned (`null` when unknown).
 */
export function toAccount(
  user: TorqUser,
  roleNames: RoleNames,
  ssoProvisionedDefault: boolean | null,
  pool: StringPool = unpooled,
): Account {
  const emailKey = user.email == null ? null : normaliseEmail(user.email);
  const roleId = user.role_id == null ? null : pool(user.role_id);
  return {
    id: user.id,
    // A blank email is no email: it identifies nobody.
    email: emailKey === null ? null : (user.email ?? null),
    emailKey,
    // Torq's user records carry no name, login or external id, nor a time of last change.
    name: null,
    login: null,
    externalId: null,
    roleId,
    roleName: roleId === null ? null : (roleNames.get(roleId) ?? null),
    status: user.status == null ? null : pool(user.status),
    state: torqState(user.status),
    ssoProvisioned: user.sso_provision ?? ssoProvisionedDefault,
    createdAt: user.created_time ?? null,
    updatedAt: null,
    lastLoginAt: user.last_login_time ?? null,
  };
}
