/**
 * `rollcall unlock`: the operator's way to free a connector's lease left behind by a poll that
 * died (kill -9, a crashed laptop, a lost container). Without `--force` it frees only a lease
 * that has expired or whose holder is provably gone (a dead process on this host); with
 * `--force`, any lease, saying whose it was. The write is conditional on that very lease, so a
 * poll that takes the lease meanwhile keeps it.
 */
import type { Command } from 'commander';
import { ConfigError, LeaseBusyError } from '../../functions/core/errors.ts';
import { describeLease, holderIsGone, withoutLease } from '../../functions/core/lease.ts';
import { systemClock, type LeaseHolderProbe } from '../../functions/core/ports.ts';
import { localHolderProbe } from '../lease-holder.ts';
import type { ExitCodeSink } from '../command.ts';
import { addStoreOptions, parseConnectorId, type StoreOptions } from '../options.ts';
import { withInventory, type Inventory } from '../runtime.ts';

async function unlockConnector(
  inventory: Inventory,
  connectorId: string,
  options: { readonly force: boolean; readonly probe: LeaseHolderProbe },
): Promise<string> {
  const state = await inventory.store.getConnector(connectorId);
  if (state === null) throw new ConfigError(`no connector '${connectorId}' in the ${inventory.description}`);
  if (state.leaseOwner === null) return `${connectorId}: no lease is held; nothing to unlock.`;
  const lease = { owner: state.leaseOwner, holder: state.leaseHolder, expiresAtMs: state.leaseExpiresAt ?? 0 };
  const reason =
    lease.expiresAtMs < systemClock.now().getTime()
      ? 'it had expired'
      : holderIsGone(lease, options.probe)
        ? 'its process is gone'
        : options.force
          ? 'forced'
          : null;
  if (reason === null) {
    throw new LeaseBusyError(
      `connector '${connectorId}' is held by ${describeLease(lease)}, which may still be running. ` +
        `unlock frees without --force only a lease whose holder is provably gone (a dead process on this host); ` +
        `if you are sure that poll is gone, run \`rollcall unlock --connector ${connectorId} --force\``,
      { lease },
    );
  }
  await inventory.store.putConnector(withoutLease(state), { ifLeaseOwner: lease.owner });
  return `${connectorId}: lease broken (${reason}): ${describeLease(lease)}. The next poll checks the inventory's identity records again.`;
}

export function registerUnlockCommand(program: Command, exit: ExitCodeSink): void {
  addStoreOptions(
    program
      .command('unlock')
      .description("free a connector's lease left by a poll that died (only if its holder is provably gone, unless --force)")
      .requiredOption('--connector <id>', 'connector id', parseConnectorId)
      .option('--force', 'break the lease even if its holder cannot be proved gone (another host, a Lambda invocation)'),
  ).action(async (flags: StoreOptions & { connector: string; force?: boolean }) => {
    const message = await withInventory(flags, (inventory) =>
      unlockConnector(inventory, flags.connector, { force: flags.force === true, probe: localHolderProbe() }),
    );
    process.stdout.write(`${message}\n`);
    exit.code = 0;
  });
}
