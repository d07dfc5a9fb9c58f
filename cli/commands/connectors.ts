/** `rollcall connectors`: every connector with its status, last sync, last error and counts. */
import type { Command } from 'commander';
import type { ExitCodeSink } from '../command.ts';
import { addStoreOptions, formatOption, type StoreOptions } from '../options.ts';
import { renderRows, type Format } from '../output.ts';
import { withInventory } from '../runtime.ts';
import { CONNECTOR_COLUMNS, connectorJson } from '../views.ts';

interface ConnectorsFlags extends StoreOptions {
  format: Format;
}

export function registerConnectorsCommand(program: Command, exit: ExitCodeSink): void {
  addStoreOptions(
    program
      .command('connectors')
      .description('list connectors with their status, last sync and counts')
      .addOption(formatOption(['table', 'json'])),
  ).action(async (flags: ConnectorsFlags) => {
    const connectors = await withInventory(flags, (inventory) => inventory.store.listConnectors());
    connectors.sort((a, b) => a.connectorId.localeCompare(b.connectorId));
    process.stdout.write(renderRows(flags.format, connectors, CONNECTOR_COLUMNS, connectorJson));
    exit.code = 0;
  });
}
