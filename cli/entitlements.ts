/**
 * Roles and group memberships as the read commands show and filter them (design.md section 7).
 * Names match exactly but for case (and Unicode composition): `--group admins` finds "Admins",
 * never "Admins (EU)".
 */
import { ConfigError } from '../functions/core/errors.ts';
import type { GroupStore } from '../functions/core/ports.ts';
import type { StoredAccount, StoredGroup } from '../functions/core/types.ts';

/** The key two names match on: the same text but for case and Unicode composition. */
export function nameKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/** The role as people read it: its name when the app's role list gave one, else its id. */
export function roleOf(account: StoredAccount): string | null {
  return account.roleName ?? account.roleId;
}

/** A group as people read it: its name, else (an app that gave none) its id. */
export function groupLabel(group: StoredGroup): string {
  return group.name ?? group.id;
}

/** One role of one connector and how many of its active (not removed) accounts hold it. */
export interface RoleCount {
  readonly connectorId: string;
  readonly app: string;
  /** The role's name, else its id; `null` for accounts the app gave no role. */
  readonly role: string | null;
  readonly accounts: number;
}

/**
 * One row per (connector, role) held by an active (not removed) account, in one pass; accounts
 * without a role count under `null`, shown as an empty cell. Sorted by connector, then role.
 */
export function countRoles(accounts: readonly StoredAccount[]): RoleCount[] {
  const counts = new Map<string, { -readonly [K in keyof RoleCount]: RoleCount[K] }>();
  for (const account of accounts) {
    if (account.removedAt !== null) continue;
    const role = roleOf(account);
    const key = `${account.connectorId}\u0000${role === null ? '' : `=${role}`}`;
    const count = counts.get(key);
    if (count === undefined) counts.set(key, { connectorId: account.connectorId, app: account.app, role, accounts: 1 });
    else count.accounts++;
  }
  return [...counts.values()].sort(
    (a, b) =>
      compareText(a.connectorId, b.connectorId) ||
      (a.role === null ? 1 : 0) - (b.role === null ? 1 : 0) ||
      compareText(a.role ?? '', b.role ?? ''),
  );
}

export interface AccountGroups {
  /** Names of the groups the account is a current member of, sorted; none for a removed account or one of an app without groups. */
  namesOf(account: StoredAccount): readonly string[];
  /**
   * With a group name asked for: whether the account is a current member of a group of that name.
   * Without one: every account is.
   */
  isMember(account: StoredAccount): boolean;
}

export interface AccountGroupsQuery {
  readonly connectorId?: string;
  /** Keep only members of the groups of this name (exact, case-insensitive), in any connector. */
  readonly groupName?: string;
  /** Resolve every account's group names (JSON output); otherwise only what the filter needs is read. */
  readonly names: boolean;
}

/**
 * The current memberships (not revoked, of groups not removed) the query needs, read once: all of
 * the connector's (or every connector's) for names; only the named groups' for a filter alone.
 * Memory and time are linear in the memberships read.
 */
export async function loadAccountGroups(store: Pick<GroupStore, 'queryGroups' | 'queryMemberships'>, query: AccountGroupsQuery): Promise<AccountGroups> {
  const connector = query.connectorId !== undefined ? { connectorId: query.connectorId } : {};
  const groups = (await store.queryGroups(connector)).filter((group) => group.removedAt === null);
  const wantedKey = query.groupName === undefined ? null : nameKey(query.groupName);
  const wanted = wantedKey === null ? null : groups.filter((group) => group.name !== null && nameKey(group.name) === wantedKey);
  if (wanted !== null && wanted.length > 0 && wanted.every((group) => group.implicit)) {
    // Implicit groups (such as an "Everyone" group) have no stored members: an empty list would be a wrong answer.
    throw new ConfigError('--group names a group whose membership is implicit (every account of its connector): its members are not stored per account');
  }

  const byId = new Map<string, Map<string, StoredGroup>>();
  for (const group of groups) {
    let ofConnector = byId.get(group.connectorId);
    if (ofConnector === undefined) byId.set(group.connectorId, (ofConnector = new Map()));
    ofConnector.set(group.id, group);
  }
  const memberships =
    query.names || wanted === null
      ? await store.queryMemberships(connector)
      : (await Promise.all(wanted.map((group) => store.queryMemberships({ connectorId: group.connectorId, groupId: group.id })))).flat();

  const namesByAccount = new Map<string, string[]>();
  const members = new Set<string>();
  const wantedGroups = wanted === null ? null : new Set(wanted);
  for (const membership of memberships) {
    if (membership.revokedAt !== null) continue;
    const group = byId.get(membership.connectorId)?.get(membership.groupId);
    if (group === undefined) continue;
    const key = accountKey(membership.connectorId, membership.accountId);
    if (wantedGroups?.has(group) === true) members.add(key);
    if (!query.names) continue;
    const names = namesByAccount.get(key);
    if (names === undefined) namesByAccount.set(key, [groupLabel(group)]);
    else names.push(groupLabel(group));
  }
  for (const names of namesByAccount.values()) names.sort(compareText);

  // A removed account's memberships closed with it (design.md section 4), whatever their rows say.
  return {
    namesOf: (account) => (account.removedAt === null ? (namesByAccount.get(accountKey(account.connectorId, account.id)) ?? []) : []),
    isMember: (account) => wantedGroups === null || (account.removedAt === null && members.has(accountKey(account.connectorId, account.id))),
  };
}

/** Connector ids hold no NUL: the pair is one string without a nested map per connector. */
function accountKey(connectorId: string, accountId: string): string {
  return `${connectorId}\u0000${accountId}`;
}

/** Code-unit order: the same on every machine, whatever its locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
