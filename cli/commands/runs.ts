/** `rollcall runs`: the history of a connector's sync runs (kept 90 days), newest first. */
import type { Command } from 'commander';
import { ConfigError } from '../../functions/core/errors.ts';
import type { ExitCodeSink } from '../command.ts';
import { addStoreOptions, formatOption, parseConnectorId, parsePositiveInt, type StoreOptions } from '../options.ts';
import { stdout, terminalWidth, writeRows, type Format } from '../output.ts';
import { withInventory } from '../runtime.ts';
import { RUN_COLUMNS } from '../views.ts';

interface RunsFlags extends StoreOptions {
  connector: string;
  limit: number;
  format: Format;
}

export function registerRunsCommand(program: Command, exit: ExitCodeSink): void {
  addStoreOptions(
    program
      .command('runs')
      .description("a connector's sync runs, newest first (kept for 90 days)")
      .requiredOption('--connector <id>', '(required) connector id', parseConnectorId)
      .option('--limit <n>', 'how many runs', parsePositiveInt, 20)
      .addOption(formatOption(['table', 'json'])),
  ).action(async (flags: RunsFlags) => {
    const runs = await withInventory(flags, async (inventory) => {
      // As `reconnect` does: a mistyped connector id is a usage error, not an empty history.
      if ((await inventory.store.getConnector(flags.connector)) === null) {
        throw new ConfigError(`no connector '${flags.connector}' in the ${inventory.description}`);
      }
      return inventory.store.listRuns(flags.connector, flags.limit);
    });
    const maxWidth = terminalWidth();
    writeRows(stdout, flags.format, runs, RUN_COLUMNS, (run) => run, maxWidth === undefined ? {} : { maxWidth });
    exit.code = 0;
  });
}
