/**
 * A listing that spans invocations (a Lambda's time budget): what a checkpoint carries from one to
 * the next, so that removals and revocations wait for the invocation that completes the listing
 * and then consider everything any invocation of it listed.
 */
import type { CollectedListing } from './listing.ts';
import type { ListingCheckpoint } from './ports.ts';
import type { SyncCounts } from './types.ts';

/** A checkpoint older than `maxAgeMs` is dropped and the listing starts over (page tokens do not live forever). */
export function usableCheckpoint(checkpoint: ListingCheckpoint | null, nowMs: number, maxAgeMs: number): ListingCheckpoint | null {
  if (checkpoint === null) return null;
  return nowMs - Date.parse(checkpoint.startedAt) > maxAgeMs ? null : checkpoint;
}

/** What earlier invocations of the listing saw. */
export interface EarlierListing {
  /** Account ids (valid or invalid): never removal candidates. */
  readonly seenIds: ReadonlySet<string>;
  /** Group ids: never removal candidates. */
  readonly seenGroupIds: ReadonlySet<string>;
  /** Per group, member account ids: never revocation candidates, and granted once their account is listed. */
  readonly seenMembers: ReadonlyMap<string, ReadonlySet<string>>;
  readonly unidentified: number;
}

export function earlierListing(checkpoint: ListingCheckpoint | null): EarlierListing {
  const seenMembers = new Map<string, ReadonlySet<string>>();
  for (const [groupId, accountIds] of Object.entries(checkpoint?.seenMembers ?? {})) seenMembers.set(groupId, new Set(accountIds));
  return {
    seenIds: new Set(checkpoint?.seenIds ?? []),
    seenGroupIds: new Set(checkpoint?.seenGroupIds ?? []),
    seenMembers,
    unidentified: checkpoint?.unidentified ?? 0,
  };
}

/** The checkpoint after an invocation that did not complete the listing. */
export function nextCheckpoint(input: {
  readonly connectorId: string;
  readonly runId: string;
  readonly startedAt: string;
  readonly previous: ListingCheckpoint | null;
  readonly earlier: EarlierListing;
  readonly listing: CollectedListing;
  readonly counts: SyncCounts;
  /** Records without a usable id in this invocation. */
  readonly unidentified: number;
  /** The connector lists groups: their ids and members are carried too. */
  readonly listsGroups: boolean;
}): ListingCheckpoint {
  const { earlier, listing, previous } = input;
  const checkpoint: ListingCheckpoint = {
    connectorId: input.connectorId,
    listingId: previous?.listingId ?? input.runId,
    startedAt: previous?.startedAt ?? input.startedAt,
    streams: listing.streams,
    seenIds: [...earlier.seenIds, ...listing.accounts.map((a) => a.id), ...listing.invalid.flatMap((r) => (r.id === null ? [] : [r.id]))],
    counts: input.counts,
    unidentified: earlier.unidentified + input.unidentified,
    invocations: (previous?.invocations ?? 0) + 1,
  };
  if (!input.listsGroups) return checkpoint;
  const seenGroupIds = new Set(earlier.seenGroupIds);
  for (const group of listing.groups) seenGroupIds.add(group.id);
  for (const record of listing.invalidGroups) if (record.id !== null) seenGroupIds.add(record.id);
  const seenMembers: Record<string, string[]> = {};
  for (const groupId of new Set([...earlier.seenMembers.keys(), ...listing.members.keys()])) {
    const ids = new Set(earlier.seenMembers.get(groupId));
    for (const accountId of listing.members.get(groupId) ?? []) ids.add(accountId);
    seenMembers[groupId] = [...ids];
  }
  return { ...checkpoint, seenGroupIds: [...seenGroupIds], seenMembers };
}

/** Changes add up across the invocations of one listing; `total` is always the latest. */
export function addCounts(earlier: SyncCounts, latest: SyncCounts): SyncCounts {
  return {
    total: latest.total,
    new: earlier.new + latest.new,
    changed: earlier.changed + latest.changed,
    removed: earlier.removed + latest.removed,
    restored: earlier.restored + latest.restored,
    newUsers: earlier.newUsers + latest.newUsers,
    associations: earlier.associations + latest.associations,
    invalid: earlier.invalid + latest.invalid,
    accessGranted: earlier.accessGranted + latest.accessGranted,
    accessRevoked: earlier.accessRevoked + latest.accessRevoked,
  };
}
