/**
 * The users listings the simulator pages through: split by provisioning, sorted by id once per
 * workspace revision, so serving a page is a slice (the benchmark lists 100,000 users).
 */
import type { SimFaults } from './faults.ts';
import type { SimWorkspace, TorqUserRecord } from './workspace.ts';

export interface UserListings {
  readonly local: readonly TorqUserRecord[];
  readonly sso: readonly TorqUserRecord[];
}

const byId = (a: TorqUserRecord, b: TorqUserRecord): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Rebuilds the sorted listings only when the workspace's membership (or the duplicate fault) changed. */
export class UserListingIndex {
  private key: { users: readonly TorqUserRecord[]; length: number; revision: number; duplicates: number } | null =
    null;
  private listings: UserListings = { local: [], sso: [] };

  get(workspace: SimWorkspace, duplicatesAcrossListings: number): UserListings {
    const key = this.key;
    if (
      key === null ||
      key.users !== workspace.users ||
      key.length !== workspace.users.length ||
      key.revision !== workspace.revision ||
      key.duplicates !== duplicatesAcrossListings
    ) {
      this.listings = buildListings(workspace.users, duplicatesAcrossListings);
      this.key = {
        users: workspace.users,
        length: workspace.users.length,
        revision: workspace.revision,
        duplicates: duplicatesAcrossListings,
      };
    }
    return this.listings;
  }
}

function buildListings(users: readonly TorqUserRecord[], duplicates: number): UserListings {
  const local: TorqUserRecord[] = [];
  const sso: TorqUserRecord[] = [];
  for (const user of users) (user.sso_provision ? sso : local).push(user);
  sso.sort(byId);
  if (duplicates > 0) local.push(...sso.slice(0, duplicates));
  local.sort(byId);
  return { local, sso };
}

/**
 * The records of one users answer as the wire carries them, with the record-level faults applied
 * to the first users of the answer. Untouched records are passed through as they are.
 */
export function usersForAnswer(records: readonly TorqUserRecord[], faults: SimFaults): readonly unknown[] {
  const wrongTypes = faults.wrongTypes?.count ?? 0;
  const missing = faults.missingFields;
  const touched = Math.max(wrongTypes, missing?.count ?? 0);
  if (touched === 0) return records;
  return records.map((record, index) => {
    if (index >= touched) return record;
    const copy: Record<string, unknown> = { ...record };
    if (index < wrongTypes) {
      copy.email = 42;
      copy.sso_provision = 'yes';
    }
    if (missing && index < missing.count) for (const field of missing.fields) delete copy[field];
    return copy;
  });
}

