/** `rollcall groups`: the inventory's groups of every app that has them, with type, active flag and member count. */
import type { Command } from 'commander';
import type { ExitCodeSink } from '../command.ts';
import { compareText, groupLabel } from '../entitlements.ts';
import { addStoreOptions, formatOption, parseConnectorId, type StoreOptions } from '../options.ts';
import { stdout, terminalWidth, writeRows, type Format } from '../output.ts';
import { withInventory } from '../runtime.ts';
import { GROUP_COLUMNS, groupJson } from '../views.ts';

interface GroupsFlags extends StoreOptions {
  connector?: string;
  format: Format;
}

export function registerGroupsCommand(program: Command, exit: ExitCodeSink): void {
  addStoreOptions(
    program
      .command('groups')
      .description('list inventoried groups (id, name, type, active, members); apps without groups have none')
      .option('--connector <id>', 'only this connector', parseConnectorId)
      .addOption(formatOption(['table', 'json', 'csv'])),
  ).action(async (flags: GroupsFlags) => {
    const groups = await withInventory(flags, (inventory) =>
      inventory.store.queryGroups(flags.connector !== undefined ? { connectorId: flags.connector } : {}),
    );
    const rows = groups
      .filter((group) => group.removedAt === null && (flags.connector === undefined || group.connectorId === flags.connector))
      .sort((a, b) => compareText(a.connectorId, b.connectorId) || compareText(groupLabel(a), groupLabel(b)) || compareText(a.id, b.id));
    const maxWidth = terminalWidth();
    writeRows(stdout, flags.format, rows, GROUP_COLUMNS, groupJson, maxWidth === undefined ? {} : { maxWidth });
    exit.code = 0;
  });
}
