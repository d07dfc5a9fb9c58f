/**
 * The diff of groups and memberships (design.md section 4, extended to entitlements): what one
 * listing changes in a connector's groups and in who belongs to them. Pure, as the account diff.
 *
 * Rules:
 * - groups are stored with id, name, type, active flag, member count and whether membership is
 *   implicit; a group is written only when one of those changed, or when it is new or back;
 * - a group absent from a complete, trusted listing (every stream done, no count mismatch) is
 *   removed; more than one removal above the safety share of the active groups is held
 *   (`MASS_GROUP_REMOVAL_HELD`), with the revocations it would bring;
 * - a membership listed and not held is granted (`AccessGranted`, counted): a new account's
 *   memberships are grants too, and so is one back after a revocation;
 * - a membership held and no longer listed is revoked (`AccessRevoked`, counted) only when its
 *   group's member listing is complete: the listing is complete and trusted, the group is listed
 *   and not implicit, and the distinct members listed equal the group's member count when it
 *   gives one (else `MEMBERS_INCOMPLETE`, and the group revokes nothing);
 * - more than one revocation of one group above the safety share of its current members is held
 *   (`MASS_REVOCATION_HELD`, naming the group). One revocation is never held: a group of one whose
 *   only member leaves would otherwise be held forever, and the member count already vouches for it;
 * - a removed group's memberships are revoked with `AccessRevoked` (reason `group-removed`): the
 *   people did lose that access, and no other event tells them so;
 * - a removed account's memberships close with its `AccountRemoved`: stored as revoked, no
 *   `AccessRevoked`, not counted. An account whose removal is held keeps its memberships;
 * - implicit groups (Twingate's SYSTEM groups) keep their member count only: their memberships are
 *   neither stored nor diffed;
 * - a membership naming an account the inventory will not hold (the listing never listed it) or a
 *   group it does not hold is not stored; once the listing is complete they are reported together
 *   (`UNKNOWN_MEMBERS`, by count and capped ids). Before that, a later invocation may still list
 *   the account: the member ids are carried in the checkpoint and granted once it does.
 *
 * Closing memberships is self-healing: a current membership of an account stored as removed, or of
 * a group stored as removed, is closed whenever a poll finds it (a crash between an account's or a
 * group's removal and the closing of its memberships leaves nothing open for good).
 */
import { makeEvent, MAX_ANOMALY_ACCOUNT_IDS, type AccessDetail, type AccountRef, type AnomalyKind, type EventDetails, type RollcallEvent } from './events.ts';
import type { AppName, Group, InvalidRecord, StoredGroup, StoredMembership } from './types.ts';

/** A connector's groups and memberships as the inventory holds them (active and removed, current and revoked). */
export interface GroupInventory {
  readonly groups: readonly StoredGroup[];
  readonly memberships: readonly StoredMembership[];
}

/** What one invocation listed of groups (see `CollectedListing`). */
export interface GroupListing {
  readonly groups: readonly Group[];
  /** Per group, distinct member account ids (implicit groups left out). */
  readonly members: ReadonlyMap<string, ReadonlySet<string>>;
  readonly invalidGroups: readonly InvalidRecord[];
}

/** What the group diff needs to know of accounts, from the account diff of the same listing. */
export interface AccountView {
  /** The account as listed now, or as stored: named in events. `null` when neither. */
  ref(accountId: string): AccountRef | null;
  /** The inventory holds the account as active once this sync is written: its memberships may be stored. */
  held(accountId: string): boolean;
  /** Some invocation of this listing listed the account (valid or not): its absence from a group is meaningful. */
  listed(accountId: string): boolean;
  /** The account is removed (now, or already and not back): its memberships close without an event. */
  closing(accountId: string): boolean;
}

export interface GroupDiffInput {
  readonly connectorId: string;
  readonly app: AppName;
  readonly runId: string;
  readonly now: string;
  readonly previous: GroupInventory;
  readonly listing: GroupListing;
  /** Every stream reached its last page. */
  readonly complete: boolean;
  /** No stream's count disagreed with its total: absences prove something. */
  readonly trusted: boolean;
  readonly seenGroupIdsEarlier: ReadonlySet<string>;
  readonly seenMembersEarlier: ReadonlyMap<string, ReadonlySet<string>>;
  readonly maxRemovalShare: number;
  readonly accounts: AccountView;
}

export interface MembershipRevocation {
  readonly groupId: string;
  readonly accountId: string;
  readonly revokedAt: string;
}

/**
 * One change of access, with what its event needs. Events are made slice by slice (`eventOf`), not
 * all at once: a first sync of a large workspace grants hundreds of thousands of memberships.
 */
export type AccessChange =
  | {
      readonly kind: 'grant';
      readonly membership: StoredMembership;
      /** When the membership was revoked before this grant (`null`: never held). */
      readonly after: string | null;
    }
  | {
      readonly kind: 'revoke';
      readonly revocation: MembershipRevocation;
      /** When the membership this revocation ends was granted. */
      readonly grantedAt: string;
      readonly reason: 'not-a-member' | 'group-removed';
    };

export interface GroupDiffResult {
  readonly putGroups: StoredGroup[];
  readonly removeGroups: { id: string; removedAt: string }[];
  /** Grants and revocations in a deterministic order (group id, then account id). */
  readonly access: AccessChange[];
  /** The `AccessGranted` or `AccessRevoked` announcing a change. */
  readonly eventOf: (change: AccessChange) => RollcallEvent;
  /** Memberships closed by their account's removal (no event, uncounted). */
  readonly closed: MembershipRevocation[];
  readonly events: RollcallEvent[];
  readonly anomalies: AnomalyKind[];
  readonly granted: number;
  readonly revoked: number;
}

/** What a group anomaly adds to the common detail. */
type AnomalyExtra = Pick<EventDetails['SyncAnomaly'], 'heldRemovals' | 'accountIds' | 'groupId' | 'groupIds'>;

/** Group fields whose change rewrites the group (a member count moves with every membership change). */
function groupDiffers(before: StoredGroup, after: Group): boolean {
  return (
    before.name !== after.name ||
    before.type !== after.type ||
    before.active !== after.active ||
    before.memberCount !== after.memberCount ||
    before.implicit !== after.implicit
  );
}

function storedGroup(group: Group, connectorId: string, firstSeenAt: string, lastChangedAt: string): StoredGroup {
  return {
    id: group.id,
    name: group.name,
    type: group.type,
    active: group.active,
    memberCount: group.memberCount,
    implicit: group.implicit,
    connectorId,
    firstSeenAt,
    lastChangedAt,
    removedAt: null,
  };
}

/** Held when more than one would go and they are above the share; see the module comment. */
function aboveValve(going: number, of: number, maxShare: number): boolean {
  return going > 1 && of > 0 && going / of > maxShare;
}

export function diffGroups(input: GroupDiffInput): GroupDiffResult {
  const { connectorId, app, now, listing, accounts } = input;
  const base = { connectorId, app, time: now };
  const events: RollcallEvent[] = [];
  const anomalies: AnomalyKind[] = [];
  const anomaly = (kind: AnomalyKind, idParts: readonly string[], message: string, extra: AnomalyExtra = {}) => {
    anomalies.push(kind);
    events.push(makeEvent('SyncAnomaly', base, [kind, ...idParts], { runId: input.runId, anomaly: kind, message, ...extra }));
  };
  const absencesCount = input.complete && input.trusted;

  const previousGroups = new Map<string, StoredGroup>();
  for (const group of input.previous.groups) previousGroups.set(group.id, group);
  const listedGroups = new Map<string, Group>();
  for (const group of listing.groups) listedGroups.set(group.id, group);
  const invalidGroupIds = new Set(listing.invalidGroups.flatMap((record) => (record.id === null ? [] : [record.id])));

  // Groups: new, changed, back.
  const putGroups: StoredGroup[] = [];
  for (const group of [...listedGroups.values()].sort(byId)) {
    const before = previousGroups.get(group.id);
    if (before === undefined) putGroups.push(storedGroup(group, connectorId, now, now));
    else if (before.removedAt !== null || groupDiffers(before, group)) putGroups.push(storedGroup(group, connectorId, before.firstSeenAt, now));
  }

  // Groups: gone from a complete listing.
  const activeGroups = input.previous.groups.filter((group) => group.removedAt === null);
  const goneGroups = absencesCount
    ? activeGroups.filter((group) => !listedGroups.has(group.id) && !input.seenGroupIdsEarlier.has(group.id) && !invalidGroupIds.has(group.id))
    : [];
  let removeGroups: { id: string; removedAt: string }[] = [];
  const goneIds = goneGroups.map((group) => group.id).sort();
  if (aboveValve(goneGroups.length, activeGroups.length, input.maxRemovalShare)) {
    anomaly(
      'MASS_GROUP_REMOVAL_HELD',
      goneIds,
      `${goneGroups.length} of ${activeGroups.length} active groups (${Math.round((goneGroups.length / activeGroups.length) * 100)} %) would be removed, above the ${Math.round(input.maxRemovalShare * 100)} % safety share: group removals and their revocations held`,
      { heldRemovals: goneGroups.length, groupIds: goneIds.slice(0, MAX_ANOMALY_ACCOUNT_IDS) },
    );
  } else {
    removeGroups = goneIds.map((id) => ({ id, removedAt: now }));
  }
  const removedGroupIds = new Set(removeGroups.map((removal) => removal.id));

  /** The group's record as this sync leaves it: listed now, or stored (by an earlier invocation, or before). */
  const groupRecord = (groupId: string): Group | undefined => listedGroups.get(groupId) ?? previousGroups.get(groupId);
  const groupHeld = (groupId: string): boolean => {
    if (listedGroups.has(groupId)) return true;
    const stored = previousGroups.get(groupId);
    return stored !== undefined && stored.removedAt === null && !removedGroupIds.has(groupId);
  };
  const groupName = (groupId: string): string | null => groupRecord(groupId)?.name ?? null;
  const listedMembers = (groupId: string): ReadonlySet<string> => {
    const listedNow = listing.members.get(groupId);
    const earlier = input.seenMembersEarlier.get(groupId);
    if (earlier === undefined) return listedNow ?? new Set();
    if (listedNow === undefined) return earlier;
    return new Set([...earlier, ...listedNow]);
  };
  const access = (groupId: string, accountId: string): AccessDetail => ({
    connectorId,
    app,
    accountId,
    account: accounts.ref(accountId) ?? { accountId, email: null, roleName: null, status: null, state: null },
    groupId,
    groupName: groupName(groupId),
  });

  // Per group, by account id: one look-up of the group, then one per member.
  const previousMemberships = new Map<string, Map<string, StoredMembership>>();
  const currentByGroup = new Map<string, StoredMembership[]>();
  for (const membership of input.previous.memberships) {
    let ofGroup = previousMemberships.get(membership.groupId);
    if (ofGroup === undefined) previousMemberships.set(membership.groupId, (ofGroup = new Map()));
    ofGroup.set(membership.accountId, membership);
    if (membership.revokedAt !== null) continue;
    let list = currentByGroup.get(membership.groupId);
    if (list === undefined) currentByGroup.set(membership.groupId, (list = []));
    list.push(membership);
  }

  const changes: AccessChange[] = [];
  let granted = 0;
  let revoked = 0;

  // Grants: every member listed by any invocation of this listing, of a group the inventory holds.
  const unknownMembers: string[] = [];
  const unknownGroups: string[] = [];
  const memberGroups = new Set([...listing.members.keys(), ...input.seenMembersEarlier.keys()]);
  for (const groupId of [...memberGroups].sort()) {
    if (invalidGroupIds.has(groupId)) continue;
    if (!groupHeld(groupId)) {
      if (input.complete && !removedGroupIds.has(groupId)) unknownGroups.push(groupId);
      continue;
    }
    if (groupRecord(groupId)?.implicit === true) continue;
    const held = previousMemberships.get(groupId);
    // Only what changes is sorted (an unchanged listing sorts nothing).
    const grants: string[] = [];
    for (const accountId of listedMembers(groupId)) {
      if (!accounts.held(accountId)) {
        if (input.complete && !accounts.listed(accountId)) unknownMembers.push(accountId);
        continue;
      }
      if (held?.get(accountId)?.revokedAt !== null) grants.push(accountId);
    }
    for (const accountId of grants.sort()) {
      granted += 1;
      changes.push({
        kind: 'grant',
        membership: { connectorId, groupId, accountId, grantedAt: now, revokedAt: null },
        after: held?.get(accountId)?.revokedAt ?? null,
      });
    }
  }

  // Member listings that did not complete: the listing's groups whose members listed differ from their count.
  /** The group as this listing gave it: listed now, or by an earlier invocation (stored since). */
  const listingGroup = (groupId: string): Group | undefined =>
    listedGroups.get(groupId) ?? (input.seenGroupIdsEarlier.has(groupId) ? previousGroups.get(groupId) : undefined);
  const incompleteGroups = new Set<string>();
  if (absencesCount) {
    for (const groupId of new Set([...listedGroups.keys(), ...input.seenGroupIdsEarlier])) {
      const group = listingGroup(groupId);
      if (group === undefined || group.implicit || group.memberCount === null) continue;
      if (listedMembers(groupId).size !== group.memberCount) incompleteGroups.add(groupId);
    }
  }

  // Revocations and closings, group by group.
  const closed: MembershipRevocation[] = [];
  const revoke = (membership: StoredMembership, reason: 'not-a-member' | 'group-removed') => {
    revoked += 1;
    const { groupId, accountId } = membership;
    changes.push({ kind: 'revoke', revocation: { groupId, accountId, revokedAt: now }, grantedAt: membership.grantedAt, reason });
  };
  for (const groupId of [...currentByGroup.keys()].sort()) {
    const current = (currentByGroup.get(groupId) ?? []).sort((a, b) => compare(a.accountId, b.accountId));
    const stored = previousGroups.get(groupId);
    // A group stored as removed and not back: what is still open was left by a crash (see the module comment).
    const groupGone =
      removedGroupIds.has(groupId) ||
      (absencesCount && stored !== undefined && stored.removedAt !== null && listingGroup(groupId) === undefined && !invalidGroupIds.has(groupId));
    const open: StoredMembership[] = [];
    for (const membership of current) {
      if (accounts.closing(membership.accountId)) closed.push({ groupId, accountId: membership.accountId, revokedAt: now });
      else if (groupGone) revoke(membership, 'group-removed');
      else open.push(membership);
    }
    const group = listingGroup(groupId);
    if (groupGone || open.length === 0 || !absencesCount || group === undefined || group.implicit) continue;
    if (invalidGroupIds.has(groupId) || incompleteGroups.has(groupId)) continue;
    const members = listedMembers(groupId);
    const going = open.filter((membership) => accounts.listed(membership.accountId) && !members.has(membership.accountId));
    if (going.length === 0) continue;
    if (aboveValve(going.length, current.length, input.maxRemovalShare)) {
      const ids = going.map((membership) => membership.accountId);
      anomaly(
        'MASS_REVOCATION_HELD',
        [groupId, ...ids],
        `${going.length} of ${current.length} members of group ${groupId} (${Math.round((going.length / current.length) * 100)} %) would lose it, above the ${Math.round(input.maxRemovalShare * 100)} % safety share: revocations held`,
        { heldRemovals: going.length, groupId, accountIds: ids.slice(0, MAX_ANOMALY_ACCOUNT_IDS) },
      );
      continue;
    }
    for (const membership of going) revoke(membership, 'not-a-member');
  }

  if (incompleteGroups.size > 0) {
    const ids = [...incompleteGroups].sort();
    anomaly(
      'MEMBERS_INCOMPLETE',
      ids,
      `${ids.length} group(s) listed a number of members other than their member count: they revoke nothing`,
      { groupIds: ids.slice(0, MAX_ANOMALY_ACCOUNT_IDS) },
    );
  }
  if (unknownMembers.length > 0 || unknownGroups.length > 0) {
    const accountIds = [...new Set(unknownMembers)].sort();
    anomaly(
      'UNKNOWN_MEMBERS',
      [...unknownGroups, '|', ...accountIds],
      `${unknownMembers.length} membership(s) name an account the listing does not hold` +
        (unknownGroups.length > 0 ? `, and ${unknownGroups.length} group(s) with members are not listed` : '') +
        ': not stored',
      {
        ...(accountIds.length > 0 ? { accountIds: accountIds.slice(0, MAX_ANOMALY_ACCOUNT_IDS) } : {}),
        ...(unknownGroups.length > 0 ? { groupIds: unknownGroups.slice(0, MAX_ANOMALY_ACCOUNT_IDS) } : {}),
      },
    );
  }
  const invalidIds = listing.invalidGroups.map((record) => record.id ?? record.reason).sort();
  if (invalidIds.length > 0) {
    anomaly('INVALID_GROUPS', invalidIds, `${invalidIds.length} group(s) could not be stored and were left as they were`, {
      groupIds: listing.invalidGroups.flatMap((record) => (record.id === null ? [] : [record.id])).sort().slice(0, MAX_ANOMALY_ACCOUNT_IDS),
    });
  }

  const eventOf = (change: AccessChange): RollcallEvent => {
    if (change.kind === 'grant') {
      const { groupId, accountId } = change.membership;
      // The revocation it follows makes the id unique to this grant: a grant after a later revocation is a new event.
      return makeEvent('AccessGranted', base, [groupId, accountId, change.after], access(groupId, accountId));
    }
    const { groupId, accountId } = change.revocation;
    // The grant it ends makes the id unique to this revocation.
    return makeEvent('AccessRevoked', base, [groupId, accountId, change.grantedAt], { ...access(groupId, accountId), reason: change.reason });
  };
  return { putGroups, removeGroups, access: changes, eventOf, closed, events, anomalies, granted, revoked };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byId(a: { id: string }, b: { id: string }): number {
  return compare(a.id, b.id);
}
