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
 * - implicit groups (a SYSTEM group such as "Everyone") keep their member count only: their memberships are
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
  return new GroupDiff(input).run();
}

/** One diff of groups and memberships; each step below is one rule of the module comment. */
class GroupDiff {
  private readonly base: { connectorId: string; app: AppName; time: string };
  /** Absences prove something: the listing is complete and no stream's count disagreed. */
  private readonly absencesCount: boolean;
  private readonly previousGroups = new Map<string, StoredGroup>();
  private readonly listedGroups = new Map<string, Group>();
  private readonly invalidGroupIds: ReadonlySet<string>;
  /** Per group, by account id: one look-up of the group, then one per member. */
  private readonly previousMemberships = new Map<string, Map<string, StoredMembership>>();
  private readonly currentByGroup = new Map<string, StoredMembership[]>();
  private readonly events: RollcallEvent[] = [];
  private readonly anomalies: AnomalyKind[] = [];
  private readonly changes: AccessChange[] = [];
  private readonly closed: MembershipRevocation[] = [];
  private removedGroupIds: ReadonlySet<string> = new Set();
  private granted = 0;
  private revoked = 0;

  constructor(private readonly input: GroupDiffInput) {
    this.base = { connectorId: input.connectorId, app: input.app, time: input.now };
    this.absencesCount = input.complete && input.trusted;
    for (const group of input.previous.groups) this.previousGroups.set(group.id, group);
    for (const group of input.listing.groups) this.listedGroups.set(group.id, group);
    this.invalidGroupIds = new Set(input.listing.invalidGroups.flatMap((record) => (record.id === null ? [] : [record.id])));
    for (const membership of input.previous.memberships) {
      let ofGroup = this.previousMemberships.get(membership.groupId);
      if (ofGroup === undefined) this.previousMemberships.set(membership.groupId, (ofGroup = new Map()));
      ofGroup.set(membership.accountId, membership);
      if (membership.revokedAt !== null) continue;
      let list = this.currentByGroup.get(membership.groupId);
      if (list === undefined) this.currentByGroup.set(membership.groupId, (list = []));
      list.push(membership);
    }
  }

  run(): GroupDiffResult {
    const putGroups = this.putGroups();
    const removeGroups = this.removeGroups();
    this.removedGroupIds = new Set(removeGroups.map((removal) => removal.id));
    this.grant();
    const incomplete = this.incompleteMemberListings();
    this.revokeAndClose(incomplete);
    this.reportInvalidGroups();
    const { changes, closed, events, anomalies, granted, revoked } = this;
    return { putGroups, removeGroups, access: changes, eventOf: (change) => this.eventOf(change), closed, events, anomalies, granted, revoked };
  }

  private anomaly(kind: AnomalyKind, idParts: readonly string[], message: string, extra: AnomalyExtra = {}): void {
    this.anomalies.push(kind);
    this.events.push(makeEvent('SyncAnomaly', this.base, [kind, ...idParts], { runId: this.input.runId, anomaly: kind, message, ...extra }));
  }

  /** New, changed and restored groups. */
  private putGroups(): StoredGroup[] {
    const { connectorId, now } = this.input;
    const puts: StoredGroup[] = [];
    for (const group of [...this.listedGroups.values()].sort(byId)) {
      const before = this.previousGroups.get(group.id);
      if (before === undefined) puts.push(storedGroup(group, connectorId, now, now));
      else if (before.removedAt !== null || groupDiffers(before, group)) puts.push(storedGroup(group, connectorId, before.firstSeenAt, now));
    }
    return puts;
  }

  /** Groups gone from a complete, trusted listing, unless the valve holds them. */
  private removeGroups(): { id: string; removedAt: string }[] {
    const { input } = this;
    if (!this.absencesCount) return [];
    const active = input.previous.groups.filter((group) => group.removedAt === null);
    const gone = active
      .filter((group) => !this.listedGroups.has(group.id) && !input.seenGroupIdsEarlier.has(group.id) && !this.invalidGroupIds.has(group.id))
      .map((group) => group.id)
      .sort();
    if (!aboveValve(gone.length, active.length, input.maxRemovalShare)) return gone.map((id) => ({ id, removedAt: input.now }));
    this.anomaly(
      'MASS_GROUP_REMOVAL_HELD',
      gone,
      `${gone.length} of ${active.length} active groups (${Math.round((gone.length / active.length) * 100)} %) would be removed, above the ${Math.round(input.maxRemovalShare * 100)} % safety share: group removals and their revocations held`,
      { heldRemovals: gone.length, groupIds: gone.slice(0, MAX_ANOMALY_ACCOUNT_IDS) },
    );
    return [];
  }

  /** The group as this listing gave it: listed now, or by an earlier invocation (stored since). */
  private listingGroup(groupId: string): Group | undefined {
    return this.listedGroups.get(groupId) ?? (this.input.seenGroupIdsEarlier.has(groupId) ? this.previousGroups.get(groupId) : undefined);
  }

  /** The inventory holds the group as active once this sync is written. */
  private groupHeld(groupId: string): boolean {
    if (this.listedGroups.has(groupId)) return true;
    const stored = this.previousGroups.get(groupId);
    return stored !== undefined && stored.removedAt === null && !this.removedGroupIds.has(groupId);
  }

  /** Members listed by any invocation of this listing. */
  private listedMembers(groupId: string): ReadonlySet<string> {
    const listedNow = this.input.listing.members.get(groupId);
    const earlier = this.input.seenMembersEarlier.get(groupId);
    if (earlier === undefined) return listedNow ?? new Set();
    if (listedNow === undefined) return earlier;
    return new Set([...earlier, ...listedNow]);
  }

  /** Every member listed, of a group the inventory holds, whose membership is not held: granted. */
  private grant(): void {
    const { input } = this;
    const unknownMembers: string[] = [];
    const unknownGroups: string[] = [];
    const memberGroups = new Set([...input.listing.members.keys(), ...input.seenMembersEarlier.keys()]);
    for (const groupId of [...memberGroups].sort()) {
      if (this.invalidGroupIds.has(groupId)) continue;
      if (!this.groupHeld(groupId)) {
        if (input.complete && !this.removedGroupIds.has(groupId)) unknownGroups.push(groupId);
        continue;
      }
      if ((this.listedGroups.get(groupId) ?? this.previousGroups.get(groupId))?.implicit === true) continue;
      const held = this.previousMemberships.get(groupId);
      // Only what changes is sorted (an unchanged listing sorts nothing).
      const grants: string[] = [];
      for (const accountId of this.listedMembers(groupId)) {
        if (!input.accounts.held(accountId)) {
          if (input.complete && !input.accounts.listed(accountId)) unknownMembers.push(accountId);
          continue;
        }
        if (held?.get(accountId)?.revokedAt !== null) grants.push(accountId);
      }
      for (const accountId of grants.sort()) {
        this.granted += 1;
        this.changes.push({
          kind: 'grant',
          membership: { connectorId: input.connectorId, groupId, accountId, grantedAt: input.now, revokedAt: null },
          after: held?.get(accountId)?.revokedAt ?? null,
        });
      }
    }
    if (unknownMembers.length === 0 && unknownGroups.length === 0) return;
    const accountIds = [...new Set(unknownMembers)].sort();
    this.anomaly(
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

  /** The listing's groups whose members listed differ from their member count: they revoke nothing. */
  private incompleteMemberListings(): ReadonlySet<string> {
    const incomplete = new Set<string>();
    if (!this.absencesCount) return incomplete;
    for (const groupId of new Set([...this.listedGroups.keys(), ...this.input.seenGroupIdsEarlier])) {
      const group = this.listingGroup(groupId);
      if (group === undefined || group.implicit || group.memberCount === null) continue;
      if (this.listedMembers(groupId).size !== group.memberCount) incomplete.add(groupId);
    }
    if (incomplete.size > 0) {
      const ids = [...incomplete].sort();
      this.anomaly(
        'MEMBERS_INCOMPLETE',
        ids,
        `${ids.length} group(s) listed a number of members other than their member count: they revoke nothing`,
        { groupIds: ids.slice(0, MAX_ANOMALY_ACCOUNT_IDS) },
      );
    }
    return incomplete;
  }

  /** Held memberships: closed with their account, revoked with their group, or revoked as no longer listed. */
  private revokeAndClose(incomplete: ReadonlySet<string>): void {
    const { input, absencesCount } = this;
    for (const groupId of [...this.currentByGroup.keys()].sort()) {
      const current = (this.currentByGroup.get(groupId) ?? []).sort((a, b) => compare(a.accountId, b.accountId));
      const stored = this.previousGroups.get(groupId);
      const group = this.listingGroup(groupId);
      // A group stored as removed and not back: what is still open was left by a crash (see the module comment).
      const groupGone =
        this.removedGroupIds.has(groupId) ||
        (absencesCount && stored !== undefined && stored.removedAt !== null && group === undefined && !this.invalidGroupIds.has(groupId));
      const open: StoredMembership[] = [];
      for (const membership of current) {
        if (input.accounts.closing(membership.accountId)) this.closed.push({ groupId, accountId: membership.accountId, revokedAt: input.now });
        else if (groupGone) this.revoke(membership, 'group-removed');
        else open.push(membership);
      }
      if (groupGone || open.length === 0 || !absencesCount || group === undefined || group.implicit) continue;
      if (this.invalidGroupIds.has(groupId) || incomplete.has(groupId)) continue;
      const members = this.listedMembers(groupId);
      const going = open.filter((membership) => input.accounts.listed(membership.accountId) && !members.has(membership.accountId));
      if (going.length === 0) continue;
      if (!aboveValve(going.length, current.length, input.maxRemovalShare)) {
        for (const membership of going) this.revoke(membership, 'not-a-member');
        continue;
      }
      const ids = going.map((membership) => membership.accountId);
      this.anomaly(
        'MASS_REVOCATION_HELD',
        [groupId, ...ids],
        `${going.length} of ${current.length} members of group ${groupId} (${Math.round((going.length / current.length) * 100)} %) would lose it, above the ${Math.round(input.maxRemovalShare * 100)} % safety share: revocations held`,
        { heldRemovals: going.length, groupId, accountIds: ids.slice(0, MAX_ANOMALY_ACCOUNT_IDS) },
      );
    }
  }

  private revoke(membership: StoredMembership, reason: 'not-a-member' | 'group-removed'): void {
    this.revoked += 1;
    const { groupId, accountId } = membership;
    this.changes.push({ kind: 'revoke', revocation: { groupId, accountId, revokedAt: this.input.now }, grantedAt: membership.grantedAt, reason });
  }

  private reportInvalidGroups(): void {
    const { invalidGroups } = this.input.listing;
    if (invalidGroups.length === 0) return;
    this.anomaly(
      'INVALID_GROUPS',
      invalidGroups.map((record) => record.id ?? record.reason).sort(),
      `${invalidGroups.length} group(s) could not be stored and were left as they were`,
      { groupIds: invalidGroups.flatMap((record) => (record.id === null ? [] : [record.id])).sort().slice(0, MAX_ANOMALY_ACCOUNT_IDS) },
    );
  }

  private access(groupId: string, accountId: string): AccessDetail {
    const { connectorId, app, accounts } = this.input;
    return {
      connectorId,
      app,
      accountId,
      account: accounts.ref(accountId) ?? { accountId, email: null, roleName: null, status: null, state: null },
      groupId,
      groupName: (this.listedGroups.get(groupId) ?? this.previousGroups.get(groupId))?.name ?? null,
    };
  }

  private eventOf(change: AccessChange): RollcallEvent {
    if (change.kind === 'grant') {
      const { groupId, accountId } = change.membership;
      // The revocation it follows makes the id unique to this grant: a grant after a later revocation is a new event.
      return makeEvent('AccessGranted', this.base, [groupId, accountId, change.after], this.access(groupId, accountId));
    }
    const { groupId, accountId } = change.revocation;
    // The grant it ends makes the id unique to this revocation.
    return makeEvent('AccessRevoked', this.base, [groupId, accountId, change.grantedAt], { ...this.access(groupId, accountId), reason: change.reason });
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byId(a: { id: string }, b: { id: string }): number {
  return compare(a.id, b.id);
}
