/**
 * `rollcall connectors remove`: a connector stops being polled (its definition is deleted); with
 * `--purge` its inventory goes too (`ConnectorPurge`), after a confirmation.
 *
 * Order of a purge, so that one killed part-way (Ctrl-C, a lost laptop) is finished by running the
 * same command again:
 * 1. the purge takes the connector's lease, as a poll would, so no poll writes while it deletes
 *    (a running poll makes it wait: exit 4); a lease left by an earlier purge whose process is
 *    gone is taken over;
 * 2. the definition is deleted: nothing schedules the connector any more;
 * 3. the inventory is deleted kind by kind, the state row last (`ConnectorPurge.purgeConnector`):
 *    until then `rollcall connectors` still lists the connector, which is how a purge that did
 *    not finish shows;
 * 4. in a deployment, the secret `rollcall/<id>` is scheduled for deletion (last: a re-run finds
 *    it still there, or already scheduled, which is no error).
 */
import { randomUUID } from 'node:crypto';
import { ConnectorNotFoundError } from '../functions/core/definition-errors.ts';
import { ConfigError, LeaseBusyError } from '../functions/core/errors.ts';
import { holderIsGone } from '../functions/core/lease.ts';
import { systemClock, type FleetStore, type LeaseHolderProbe, type PurgeCounts } from '../functions/core/ports.ts';
import type { ConnectorDefinition, ConnectorState } from '../functions/core/types.ts';
import { localHolderProbe, thisProcess } from './lease-holder.ts';

/**
 * How long a purge holds the lease: a large connector's purge takes minutes. A purge that dies
 * keeps others out until then, unless it is run again on the same host (its pid is gone, so the
 * lease is taken over) or freed with `rollcall unlock`.
 */
export const PURGE_LEASE_MS = 60 * 60_000;

export interface RemoveTarget {
  readonly connectorId: string;
  readonly definition: ConnectorDefinition | null;
  readonly state: ConnectorState | null;
}

/** What the connector is, refusing a declared one (cdk.json owns it) and an unknown id. */
export async function removeTarget(store: FleetStore, connectorId: string, purge: boolean): Promise<RemoveTarget> {
  const [definition, state] = await Promise.all([store.getDefinition(connectorId), store.getConnector(connectorId)]);
  if (definition?.origin === 'declared') {
    throw new ConfigError(
      `connector ${connectorId} is declared in cdk.json, which owns it: delete it there and deploy ` +
        `(the deployment then hands it over, disabled, and "rollcall connectors remove" can remove it); ` +
        `"rollcall connectors disable --connector ${connectorId}" stops its polling meanwhile`,
    );
  }
  if (definition === null && state === null) {
    // A purge killed after the state row went has nothing left but stray items; look before refusing.
    if (!purge || isEmpty(await store.planPurge(connectorId))) throw new ConnectorNotFoundError(connectorId);
  }
  return { connectorId, definition, state };
}

export function isEmpty(counts: PurgeCounts): boolean {
  return Object.values(counts).every((count) => count === 0);
}

/** Deletes the definition only: the inventory stays as removed history. */
export async function removeDefinition(store: FleetStore, target: RemoveTarget): Promise<string> {
  const { connectorId } = target;
  if (target.definition === null) {
    return `${connectorId} was removed already: nothing polls it. Its inventory stays; --purge deletes it.\n`;
  }
  await store.deleteDefinition(connectorId);
  return (
    `removed ${connectorId}: it is no longer polled. Its inventory stays, as history ` +
    `(rollcall users --connector ${connectorId} --include-removed); --purge deletes it.\n`
  );
}

export interface PurgeOptions {
  readonly probe?: LeaseHolderProbe;
}

/** Steps 1 to 3 of the module comment; the caller deletes the secret (step 4). */
export async function purgeConnector(store: FleetStore, target: RemoveTarget, options: PurgeOptions = {}): Promise<PurgeCounts> {
  const { connectorId } = target;
  const owner = `purge-${randomUUID()}`;
  await takeLease(store, target, owner, options.probe ?? localHolderProbe());
  await store.deleteDefinition(connectorId);
  const counts = await store.purgeConnector(connectorId, owner);
  // A connector never polled had no status row but the one its purge's lease made.
  return target.state === null ? { ...counts, states: 0 } : counts;
}

async function takeLease(store: FleetStore, target: RemoveTarget, owner: string, probe: LeaseHolderProbe): Promise<void> {
  const nowMs = systemClock.now().getTime();
  const request = {
    connectorId: target.connectorId,
    app: target.definition?.app ?? target.state?.app ?? 'unknown',
    owner,
    holder: thisProcess(),
    now: new Date(nowMs).toISOString(),
    nowMs,
    leaseMs: PURGE_LEASE_MS,
  };
  try {
    await store.acquireLease(request);
  } catch (error) {
    if (!(error instanceof LeaseBusyError) || error.lease === null || !holderIsGone(error.lease, probe)) throw error;
    await store.acquireLease({ ...request, takeOverFrom: error.lease.owner });
  }
}

/** "5 accounts, 2 groups, ..." (kinds with none left out), for the prompt and the summary. */
export function describeCounts(counts: PurgeCounts): string {
  const parts = [
    plural(counts.accounts, 'account'),
    plural(counts.memberships, 'membership'),
    plural(counts.groups, 'group'),
    plural(counts.runs, 'sync run'),
    plural(counts.checkpoints, 'checkpoint item'),
    plural(counts.other, 'other item'),
    counts.identities === 0 ? '' : `${plural(counts.identities, 'person', 'people')} known only through it`,
    counts.states === 0 ? '' : 'its status row',
  ].filter((part) => part !== '');
  return parts.length === 0 ? 'no inventory' : parts.join(', ');
}

function plural(count: number, one: string, many = `${one}s`): string {
  if (count === 0) return '';
  return `${count} ${count === 1 ? one : many}`;
}
