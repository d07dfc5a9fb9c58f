/**
 * Connector leases as people see them: who holds one and until when, and whether its holder is
 * provably gone (design.md section 2: two polls of one connector never overlap, and a poll that
 * died must not block the next one for long).
 */
import type { LeaseHolderProbe } from './ports.ts';
import type { ConnectorState, LeaseHolder, LeaseInfo } from './types.ts';

/** "pid 4242 on host build-7" or "Lambda request 8f1c... of rollcall-poller". */
export function describeLeaseHolder(holder: LeaseHolder | null): string {
  if (holder === null) return 'an unrecorded holder';
  if (holder.kind === 'lambda') return `Lambda request ${holder.requestId} of ${holder.functionName}`;
  return `pid ${holder.pid} on host ${holder.host}`;
}

export function describeLease(lease: LeaseInfo): string {
  return `run ${lease.owner}, ${describeLeaseHolder(lease.holder)}, lease until ${new Date(lease.expiresAtMs).toISOString()}`;
}

/** The message of a poll (or reconnect) refused by a live lease: it names the holder and the expiry. */
export function leaseBusyMessage(connectorId: string, lease: LeaseInfo | null): string {
  if (lease === null) return `connector ${connectorId} is being synced by another poll`;
  return `connector ${connectorId} is being synced by another poll (${describeLease(lease)}); if that poll is gone, \`rollcall unlock --connector ${connectorId}\` frees it`;
}

/** The live lease of a connector row at `nowMs`, or null when none holds it. */
export function liveLease(state: ConnectorState | null, nowMs: number): LeaseInfo | null {
  if (state === null || state.leaseOwner === null) return null;
  const expiresAtMs = state.leaseExpiresAt ?? 0;
  if (expiresAtMs < nowMs) return null;
  return { owner: state.leaseOwner, holder: state.leaseHolder, expiresAtMs };
}

/** Whether the lease's holder is provably gone; without a probe, or with an unknown holder, it is not. */
export function holderIsGone(lease: LeaseInfo, probe: LeaseHolderProbe | undefined): boolean {
  return probe !== undefined && lease.holder !== null && probe.isGone(lease.holder);
}

/**
 * The row once a lease is broken: a row left SYNCING by a poll that died counts as the status it
 * had before. That poll may have died between writes, so the next poll checks identities again.
 */
export function withoutLease(state: ConnectorState): ConnectorState {
  const status = state.status === 'SYNCING' ? (state.previousStatus ?? 'ERROR') : state.status;
  return {
    ...state,
    status,
    previousStatus: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    leaseHolder: null,
    identitiesVerified: false,
  };
}
