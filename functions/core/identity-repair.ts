/**
 * Repair of missing identity records (design.md section 4: a "new user" is an email never seen in
 * any connector, answered from identity records). Versions that wrote a slice's account items
 * before its identity items left people without an identity record when a poll died between the
 * two, and no later poll wrote it: the stored account made the person look known already.
 *
 * The store now writes identities first, so such damage cannot arise again; this check finds what
 * is already there. It runs only when the connector row does not vouch for its identities (see
 * `ConnectorState.identitiesVerified`): on the first poll of a store that predates the check, and
 * after a poll that died holding the lease. An unchanged poll of a healthy store reads nothing more.
 */
import { makeEvent, type RollcallEvent } from './events.ts';
import { accountRef } from './diff.ts';
import type { InventoryWrites } from './ports.ts';
import type { AppName, StoredAccount, StoredIdentity } from './types.ts';

/** Every person (normalised email) the stored accounts of a connector name, active or removed. */
export function heldEmails(previous: readonly StoredAccount[]): string[] {
  const emails = new Set<string>();
  for (const account of previous) if (account.emailKey !== null) emails.add(account.emailKey);
  return [...emails];
}

export interface IdentityRepair {
  readonly writes: InventoryWrites;
  readonly events: RollcallEvent[];
  /** People whose identity record was missing. */
  readonly repaired: number;
}

/**
 * Identity records for the people this connector holds who have none. Each gets the earliest
 * first-seen time of their accounts here, and a `UserDiscovered`: its id depends only on the
 * email, so a consumer that already has it from the poll that died drops it as a duplicate, and
 * one that never got it (that poll died before publishing it) learns of the person now.
 */
export function repairIdentities(input: {
  readonly connectorId: string;
  readonly app: AppName;
  readonly now: string;
  readonly previous: readonly StoredAccount[];
  /** Emails of `heldEmails(previous)` that have an identity record. */
  readonly known: ReadonlySet<string>;
}): IdentityRepair {
  const { connectorId, app, now } = input;
  /** Per missing person: the earliest first-seen time, and the account that speaks for them (smallest id, active first). */
  const missing = new Map<string, { firstSeenAt: string; account: StoredAccount }>();
  for (const account of input.previous) {
    const emailKey = account.emailKey;
    if (emailKey === null || input.known.has(emailKey)) continue;
    const current = missing.get(emailKey);
    if (current === undefined) {
      missing.set(emailKey, { firstSeenAt: account.firstSeenAt, account });
      continue;
    }
    if (account.firstSeenAt < current.firstSeenAt) current.firstSeenAt = account.firstSeenAt;
    if (speaksBefore(account, current.account)) current.account = account;
  }
  const putIdentities: StoredIdentity[] = [];
  const events: RollcallEvent[] = [];
  const base = { connectorId, app, time: now };
  for (const emailKey of [...missing.keys()].sort()) {
    const { firstSeenAt, account } = missing.get(emailKey) as { firstSeenAt: string; account: StoredAccount };
    putIdentities.push({ emailKey, firstSeenAt, firstConnectorId: connectorId, ...(account.name === null ? {} : { name: account.name }) });
    events.push(makeEvent('UserDiscovered', base, [emailKey], { emailKey, account: accountRef(account) }, 'global'));
  }
  return { writes: { putAccounts: [], putIdentities, removeAccounts: [] }, events, repaired: putIdentities.length };
}

function speaksBefore(a: StoredAccount, b: StoredAccount): boolean {
  const aActive = a.removedAt === null;
  const bActive = b.removedAt === null;
  if (aActive !== bActive) return aActive;
  return a.id < b.id;
}
