/**
 * Provisioning a group membership on request (design.md section 6): the rules live here, the app's
 * `Provisioner` only executes. The CLI (`rollcall grant`/`revoke`) calls `provisionMembership`
 * today; a Lambda handler calls the same function with its own adapters.
 *
 * The rules, in the order they apply:
 * 1. the account (by email or id) and the group (by name or id) are in the inventory, active, and
 *    each names exactly one; an unknown or ambiguous one is refused;
 * 2. only groups of a type the app lets change (e.g. `MANUAL`): `SYNCED` membership belongs
 *    to the identity provider and `SYSTEM` membership is implicit, so both are refused;
 * 3. idempotent: the group's members are read from the app; a grant of a membership that exists,
 *    or a revocation of one that does not, calls no mutation and writes nothing;
 * 4. the change is made under the connector's lease (a poll and a change never interleave), read
 *    back from the app, then published (`AccessGranted`/`AccessRevoked` with `initiatedBy` and the
 *    request id) and written to the inventory so that the next sync finds nothing to change.
 *
 * The audit event is published before the inventory write: when the write then fails, the next
 * sync records the membership (a second, sync-found event), whereas the other order could lose
 * the record of a change Rollcall made.
 */
import { ConfigError, ContractError, LeaseBusyError } from './errors.ts';
import { makeEvent, type AccessDetail, type AccountRef, type RollcallEvent } from './events.ts';
import { holderIsGone, withoutLease } from './lease.ts';
import { normaliseEmail } from './normalise.ts';
import type { Clock, EventSink, InventoryReader, LeaseHolderProbe, Logger, Provisioner, SyncStore } from './ports.ts';
import { ChangeRejectedError, ProvisioningRefusedError } from './provision-errors.ts';
import type { AppName, ConnectorState, LeaseHolder, StoredAccount, StoredGroup } from './types.ts';

export type ProvisionAction = 'grant' | 'revoke';

/** Which group: by name or id (refused when it names several), or by id alone (never ambiguous). */
export type GroupTarget = { readonly nameOrId: string } | { readonly groupId: string };

/** Which account: by email (normalised as everywhere) or by the app's account id. */
export type AccountTarget = { readonly email: string } | { readonly accountId: string };

export interface ProvisionRequest {
  readonly connectorId: string;
  readonly action: ProvisionAction;
  readonly group: GroupTarget;
  readonly account: AccountTarget;
  /** Unique per request; part of the events' ids. */
  readonly requestId: string;
  /** Who asked: the CLI's OS user name, a Lambda caller's id. Never a secret. */
  readonly initiatedBy: string;
  /** `false`: resolve, check and read the app, but change nothing (the CLI without `--yes`). */
  readonly execute: boolean;
}

export interface ProvisionDependencies {
  readonly store: Pick<SyncStore, 'getConnector' | 'acquireLease' | 'finishSync' | 'applyWrites'> &
    Pick<InventoryReader, 'queryAccounts' | 'queryGroups' | 'queryMemberships'>;
  readonly events: EventSink;
  readonly provisioner: Provisioner;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Stored with the lease (who holds it). */
  readonly holder?: LeaseHolder | null;
  /** Frees at once a lease whose holder is provably gone. */
  readonly leaseProbe?: LeaseHolderProbe;
  /** @default PROVISION_LEASE_MS */
  readonly leaseMs?: number;
  /** The most member pages the read-back fetches. @default MAX_MEMBER_PAGES */
  readonly maxMemberPages?: number;
}

/**
 * - `changed`: the app made the change, the read-back shows it, the event is published and the
 *   inventory written;
 * - `unchanged`: the app already holds the requested state: nothing called, nothing written;
 * - `planned`: a dry run (`execute: false`) that would change it.
 */
export type ProvisionOutcome = 'changed' | 'unchanged' | 'planned';

export interface ProvisionResult {
  readonly requestId: string;
  readonly connectorId: string;
  readonly app: AppName;
  readonly action: ProvisionAction;
  readonly outcome: ProvisionOutcome;
  readonly group: { readonly id: string; readonly name: string | null; readonly type: string | null };
  readonly account: { readonly id: string; readonly email: string | null };
  /** Whether the inventory held the membership before the request (current, not revoked). */
  readonly inventoryHeld: boolean;
  /** Ids of the events published (none unless `changed`). */
  readonly eventIds: readonly string[];
}

/** A provisioning request is one mutation and a read-back: minutes are plenty, and a dead CLI frees it soon. */
export const PROVISION_LEASE_MS = 5 * 60 * 1000;
/** Read-back pages; a group larger than this many pages is read by a poll, not here. */
export const MAX_MEMBER_PAGES = 10_000;

export async function provisionMembership(deps: ProvisionDependencies, request: ProvisionRequest): Promise<ProvisionResult> {
  const { store, provisioner, logger } = deps;
  const { connectorId, action, requestId } = request;
  if (request.initiatedBy.trim() === '') throw new ConfigError('a provisioning request needs initiatedBy (who asked)');
  if (request.requestId.trim() === '') throw new ConfigError('a provisioning request needs a request id');
  const connector = await store.getConnector(connectorId);
  if (connector === null) {
    throw new ProvisioningRefusedError(`no connector '${connectorId}' in the inventory: poll it first, so its groups and accounts are known`);
  }
  if (connector.app !== provisioner.app) {
    throw new ConfigError(`connector '${connectorId}' is a ${connector.app} connector, not ${provisioner.app}`);
  }
  const group = await resolveGroup(deps, connectorId, request.group);
  checkChangeable(group, provisioner);
  const account = await resolveAccount(deps, connectorId, request.account);
  const held = await store.queryMemberships({ connectorId, groupId: group.id, accountId: account.id });
  const inventoryHeld = held.some((membership) => membership.revokedAt === null);
  const base = {
    requestId,
    connectorId,
    app: connector.app,
    action,
    group: { id: group.id, name: group.name, type: group.type },
    account: { id: account.id, email: account.email },
    inventoryHeld,
  };
  const wanted = action === 'grant';

  if (!request.execute) {
    const member = await isMember(deps, group.id, account.id);
    return { ...base, outcome: member === wanted ? 'unchanged' : 'planned', eventIds: [] };
  }

  const owner = `provision-${requestId}`;
  const before = await takeLease(deps, connector, owner);
  try {
    // Read under the lease: the state a poll could have changed a moment ago.
    if ((await isMember(deps, group.id, account.id)) === wanted) {
      logger.info('membership already as requested; nothing changed', { connectorId, requestId, groupId: group.id, action });
      return { ...base, outcome: 'unchanged', eventIds: [] };
    }
    if (wanted) await provisioner.addMember(group.id, account.id);
    else await provisioner.removeMember(group.id, account.id);
    if ((await isMember(deps, group.id, account.id)) !== wanted) {
      throw new ChangeRejectedError(
        `${provisioner.app} accepted the change to group ${group.id}, but reading the group's members back does not show it: the inventory is unchanged`,
      );
    }
    const now = deps.clock.now().toISOString();
    const event = accessEvent(request, connector.app, group, account, now);
    await deps.events.publish([event]);
    await store.applyWrites(connectorId, {
      putAccounts: [],
      removeAccounts: [],
      putIdentities: [],
      ...(wanted
        ? { putMemberships: [{ connectorId, groupId: group.id, accountId: account.id, grantedAt: now, revokedAt: null }] }
        : { revokeMemberships: [{ groupId: group.id, accountId: account.id, revokedAt: now }] }),
    });
    logger.info('membership changed on request', { connectorId, requestId, groupId: group.id, action });
    return { ...base, outcome: 'changed', eventIds: [event.id] };
  } finally {
    await store.finishSync(before, owner);
  }
}

/** The event of a requested change: its id includes the request, so no sync-found change (whose id does not) can share it. */
function accessEvent(request: ProvisionRequest, app: AppName, group: StoredGroup, account: StoredAccount, time: string): RollcallEvent {
  const access: AccessDetail = {
    connectorId: request.connectorId,
    app,
    accountId: account.id,
    account: accountRef(account),
    groupId: group.id,
    groupName: group.name,
    initiatedBy: request.initiatedBy,
    requestId: request.requestId,
  };
  const base = { connectorId: request.connectorId, app, time };
  const idParts = ['requested', request.requestId, group.id, account.id];
  return request.action === 'grant'
    ? makeEvent('AccessGranted', base, idParts, access)
    : makeEvent('AccessRevoked', base, idParts, { ...access, reason: 'requested' });
}

function accountRef(account: StoredAccount): AccountRef {
  return { accountId: account.id, email: account.email, roleName: account.roleName, status: account.status, state: account.state };
}

/** Active groups whose id or name is `ref`: exactly one, or refused (messages name ids, never the value given). */
async function resolveGroup(deps: ProvisionDependencies, connectorId: string, target: GroupTarget): Promise<StoredGroup> {
  const groups = await deps.store.queryGroups({ connectorId });
  const ref = 'groupId' in target ? target.groupId : target.nameOrId;
  const byId = groups.filter((group) => group.id === ref);
  const matches = byId.length > 0 || 'groupId' in target ? byId : groups.filter((group) => group.name === ref);
  const named = 'groupId' in target ? [] : groups.filter((group) => group.name === ref && group.id !== ref);
  if (matches.length === 0) {
    throw new ProvisioningRefusedError(`connector '${connectorId}' has no active group of that name or id in the inventory (\`rollcall groups\` lists them)`);
  }
  if (matches.length > 1 || (byId.length === 1 && named.length > 0)) {
    const ids = [...new Set([...matches, ...named].map((group) => group.id))].sort();
    throw new ProvisioningRefusedError(`that group name or id matches ${ids.length} groups (ids ${ids.join(', ')}): give the group's id alone (--group-id)`);
  }
  return matches[0] as StoredGroup;
}

function checkChangeable(group: StoredGroup, provisioner: Provisioner): void {
  if (group.type !== null && provisioner.changeableGroupTypes.includes(group.type)) return;
  const why =
    group.type === 'SYNCED'
      ? 'its membership belongs to the identity provider that syncs it; change it there'
      : group.type === 'SYSTEM' || group.implicit
        ? 'its membership is implicit (every user of the network)'
        : `only ${provisioner.changeableGroupTypes.join(', ')} groups can be changed`;
  throw new ProvisioningRefusedError(`group ${group.id} is of type ${group.type ?? 'unknown'}: refused, ${why}`);
}

async function resolveAccount(deps: ProvisionDependencies, connectorId: string, target: AccountTarget): Promise<StoredAccount> {
  let matches: StoredAccount[];
  let what: string;
  if ('email' in target) {
    const emailKey = normaliseEmail(target.email);
    if (emailKey === null) throw new ConfigError('the email is empty');
    matches = await deps.store.queryAccounts({ connectorId, emailKey });
    what = 'that email';
  } else {
    matches = (await deps.store.queryAccounts({ connectorId })).filter((account) => account.id === target.accountId);
    what = 'that account id';
  }
  if (matches.length === 0) {
    throw new ProvisioningRefusedError(`connector '${connectorId}' has no active account with ${what} in the inventory (\`rollcall users\` lists them)`);
  }
  if (matches.length > 1) {
    const ids = matches.map((account) => account.id).sort();
    throw new ProvisioningRefusedError(`${what} matches ${ids.length} accounts (ids ${ids.join(', ')}): give the account's id`);
  }
  return matches[0] as StoredAccount;
}

/** Whether the app lists the account among the group's members now, every page read (as a listing pages). */
async function isMember(deps: ProvisionDependencies, groupId: string, accountId: string): Promise<boolean> {
  const maxPages = deps.maxMemberPages ?? MAX_MEMBER_PAGES;
  const seen = new Set<string>();
  let cursor: string | null = null;
  let found = false;
  for (let pages = 0; ; pages += 1) {
    if (pages >= maxPages) throw new ContractError(`reading the members of group ${groupId} took more than ${maxPages} pages: stopped`);
    const page = await deps.provisioner.membersPage(groupId, cursor);
    if (!page.found) throw new ProvisioningRefusedError(`group ${groupId} no longer exists in ${deps.provisioner.app}: poll the connector again`);
    if (page.accountIds.includes(accountId)) found = true;
    if (page.nextCursor === null) return found;
    if (seen.has(page.nextCursor)) throw new ContractError(`reading the members of group ${groupId}: a cursor came back twice (a looping upstream)`);
    seen.add(page.nextCursor);
    cursor = page.nextCursor;
  }
}

/** Takes the connector's lease as a poll does; a lease whose holder is provably gone is taken over. */
async function takeLease(deps: ProvisionDependencies, connector: ConnectorState, owner: string): Promise<ConnectorState> {
  const now = deps.clock.now();
  const lease = {
    connectorId: connector.connectorId,
    app: connector.app,
    owner,
    holder: deps.holder ?? null,
    now: now.toISOString(),
    nowMs: now.getTime(),
    leaseMs: deps.leaseMs ?? PROVISION_LEASE_MS,
  };
  let previous: ConnectorState | null;
  try {
    previous = await deps.store.acquireLease(lease);
  } catch (error) {
    if (!(error instanceof LeaseBusyError) || error.lease === null || !holderIsGone(error.lease, deps.leaseProbe)) throw error;
    previous = await deps.store.acquireLease({ ...lease, takeOverFrom: error.lease.owner });
  }
  // The row as it goes back: its status untouched (a refused write says nothing of the credentials).
  const state = previous ?? connector;
  return state.leaseOwner !== null || state.status === 'SYNCING' ? withoutLease(state) : state;
}
