/** `rollcall reconnect`: forget the rejected credentials so the next poll calls the API again. */
import type { Command } from 'commander';
import { reconnectConnector } from '../../functions/core/reconnect.ts';
import type { ExitCodeSink } from '../command.ts';
import { localHolderProbe } from '../lease-holder.ts';
import { addStoreOptions, parseConnectorId, type StoreOptions } from '../options.ts';
import { withInventory } from '../runtime.ts';

export function registerReconnectCommand(program: Command, exit: ExitCodeSink): void {
  addStoreOptions(
    program
      .command('reconnect')
      .description('lift RECONNECT_REQUIRED: the next poll tries the credentials again')
      .requiredOption('--connector <id>', '(required) connector id', parseConnectorId),
  ).action(async (flags: StoreOptions & { connector: string }) => {
    const message = await withInventory(flags, (inventory) =>
      reconnectConnector(inventory.store, flags.connector, { probe: localHolderProbe(), storeDescription: inventory.description }),
    );
    process.stdout.write(`${message}\n`);
    exit.code = 0;
  });
}
