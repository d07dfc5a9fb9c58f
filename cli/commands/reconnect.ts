/** `rollcall reconnect`: forget the rejected credentials so the next poll calls the API again. */
import type { Command } from 'commander';
import { ConfigError, LeaseBusyError } from '../../functions/core/errors.ts';
import { holderIsGone, leaseBusyMessage, liveLease, withoutLease } from '../../functions/core/lease.ts';
import { systemClock, type LeaseHolderProbe } from '../../functions/core/ports.ts';
import { localHolderProbe } from '../lease-holder.ts';
import { requestReconnect } from '../../functions/core/status.ts';
import type { ExitCodeSink } from '../main.ts';
import { addStoreOptions, parseConnectorId, type StoreOptions } from '../options.ts';
import { withInventory, type Inventory } from '../runtime.ts';

export async function reconnectConnector(
  inventory: Inventory,
  connectorId: string,
  probe: LeaseHolderProbe = localHolderProbe(),
): Promise<string> {
  const found = await inventory.store.getConnector(connectorId);
  if (found === null) throw new ConfigError(`no connector '${connectorId}' in the ${inventory.description}`);
  // Writing the row now would drop the running poll's lease; and that poll decides the status anyway.
  // A lease whose holder is provably gone (a killed poll on this host) is no running poll: it is broken.
  const lease = liveLease(found, systemClock.now().getTime());
  const gone = lease !== null && holderIsGone(lease, probe);
  if (lease !== null && !gone) {
    throw new LeaseBusyError(`${leaseBusyMessage(connectorId, lease)}; run reconnect again when it has finished`, { lease });
  }
  const state = gone ? withoutLease(found) : found;
  // Conditional: a poll that took the lease since the check above keeps it.
  await inventory.store.putConnector(
    requestReconnect(state, systemClock.now().toISOString()),
    gone && lease !== null ? { ifLeaseOwner: lease.owner } : { unlessLeasedAtMs: systemClock.now().getTime() },
  );
  return state.status === 'RECONNECT_REQUIRED'
    ? `${connectorId}: the next poll will try the credentials again.`
    : `${connectorId}: status is ${state.status}; nothing was blocked, the next poll runs as usual.`;
}

export function registerReconnectCommand(program: Command, exit: ExitCodeSink): void {
  addStoreOptions(
    program
      .command('reconnect')
      .description('lift RECONNECT_REQUIRED: the next poll tries the credentials again')
      .requiredOption('--connector <id>', '(required) connector id', parseConnectorId),
  ).action(async (flags: StoreOptions & { connector: string }) => {
    const message = await withInventory(flags, (inventory) => reconnectConnector(inventory, flags.connector));
    process.stdout.write(`${message}\n`);
    exit.code = 0;
  });
}
