/** `rollcall roles`: each connector's roles and how many of its active accounts hold each. */
import type { Command } from 'commander';
import type { ExitCodeSink } from '../command.ts';
import { countRoles } from '../entitlements.ts';
import { addStoreOptions, formatOption, parseConnectorId, type StoreOptions } from '../options.ts';
import { stdout, terminalWidth, writeRows, type Format } from '../output.ts';
import { withInventory } from '../runtime.ts';
import { ROLE_COLUMNS, roleJson } from '../views.ts';

interface RolesFlags extends StoreOptions {
  connector?: string;
  format: Format;
}

export function registerRolesCommand(program: Command, exit: ExitCodeSink): void {
  addStoreOptions(
    program
      .command('roles')
      .description('list the roles of each connector with how many active accounts hold each')
      .option('--connector <id>', 'only this connector', parseConnectorId)
      .addOption(formatOption(['table', 'json', 'csv'])),
  ).action(async (flags: RolesFlags) => {
    const accounts = await withInventory(flags, (inventory) =>
      inventory.store.queryAccounts({ ...(flags.connector !== undefined ? { connectorId: flags.connector } : {}), includeRemoved: false }),
    );
    const rows = countRoles(flags.connector === undefined ? accounts : accounts.filter((account) => account.connectorId === flags.connector));
    const maxWidth = terminalWidth();
    writeRows(stdout, flags.format, rows, ROLE_COLUMNS, roleJson, maxWidth === undefined ? {} : { maxWidth });
    exit.code = 0;
  });
}
