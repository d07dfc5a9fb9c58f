/** `rollcall runs`: the history of a connector's sync runs (kept 90 days), newest first. */
import type { Command } from 'commander';
import { ConfigError } from '../../functions/core/errors.ts';
import type { SyncRun } from '../../functions/core/types.ts';
import type { ExitCodeSink } from '../main.ts';
import { addStoreOptions, formatOption, parseConnectorId, parsePositiveInt, type StoreOptions } from '../options.ts';
import { stdout, terminalWidth, writeRows, type Column, type Format } from '../output.ts';
import { withInventory } from '../runtime.ts';

interface RunsFlags extends StoreOptions {
  connector: string;
  limit: number;
  format: Format;
}

const RUN_COLUMNS: readonly Column<SyncRun>[] = [
  { header: 'started', value: (r) => r.startedAt },
  { header: 'outcome', value: (r) => r.outcome },
  { header: 'status', value: (r) => r.status },
  { header: 'seconds', value: (r) => (r.durationMs / 1000).toFixed(1) },
  { header: 'active', value: (r) => r.counts.total },
  { header: 'new', value: (r) => r.counts.new },
  { header: 'changed', value: (r) => r.counts.changed },
  { header: 'removed', value: (r) => r.counts.removed },
  { header: 'anomalies', value: (r) => r.anomalies.join(' ') },
  { header: 'error', value: (r) => r.error },
];

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
