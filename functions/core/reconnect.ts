/**
 * Lifting RECONNECT_REQUIRED (design.md section 5): the rejected credentials' fingerprint is
 * forgotten, so the next poll calls the API again. Never under a running poll: writing the row then
 * would drop that poll's lease, and that poll decides the status anyway.
 */
import { ConfigError, LeaseBusyError } from './errors.ts';
import { holderIsGone, leaseBusyMessage, liveLease, withoutLease } from './lease.ts';
import { systemClock, type Clock, type InventoryStore, type LeaseHolderProbe } from './ports.ts';
import { requestReconnect } from './status.ts';

export interface ReconnectOptions {
  /** Proves a lease's holder gone (the CLI: a dead pid on this host); without one, a live lease always waits. */
  readonly probe?: LeaseHolderProbe;
  readonly clock?: Clock;
  /** Where the inventory is, for the message about an unknown connector. */
  readonly storeDescription?: string;
}

/** Returns what happened, for a person; throws `ConfigError` for an unknown connector, `LeaseBusyError` under a running poll. */
export async function reconnectConnector(
  store: Pick<InventoryStore, 'getConnector' | 'putConnector'>,
  connectorId: string,
  options: ReconnectOptions = {},
): Promise<string> {
  const clock = options.clock ?? systemClock;
  const found = await store.getConnector(connectorId);
  if (found === null) {
    throw new ConfigError(`no connector '${connectorId}'${options.storeDescription === undefined ? '' : ` in the ${options.storeDescription}`}`);
  }
  // A lease whose holder is provably gone (a killed poll on this host) is no running poll: it is broken.
  const lease = liveLease(found, clock.now().getTime());
  const gone = lease !== null && holderIsGone(lease, options.probe);
  if (lease !== null && !gone) {
    throw new LeaseBusyError(`${leaseBusyMessage(connectorId, lease)}; run reconnect again when it has finished`, { lease });
  }
  const state = gone ? withoutLease(found) : found;
  // Conditional: a poll that took the lease since the check above keeps it.
  await store.putConnector(
    requestReconnect(state, clock.now().toISOString()),
    gone && lease !== null ? { ifLeaseOwner: lease.owner } : { unlessLeasedAtMs: clock.now().getTime() },
  );
  return state.status === 'RECONNECT_REQUIRED'
    ? `${connectorId}: the next poll will try the credentials again.`
    : `${connectorId}: status is ${state.status}; nothing was blocked, the next poll runs as usual.`;
}
