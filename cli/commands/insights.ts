/**
 * `rollcall insights`: accounts with no login for N days (where the app reports logins),
 * invitations pending for more than N days, offboarding gaps, admins per app and accounts without
 * email, over the whole inventory or one connector.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { ExitCodeSink } from '../command.ts';
import { addStoreOptions, formatOption, parseConnectorId, type StoreOptions } from '../options.ts';
import { jsonText, stdout, terminalWidth, writeRows, type Format } from '../output.ts';
import { INSIGHT_COLUMNS, insightRows, insightSummary } from '../read-model-views.ts';
import { withInventory } from '../runtime.ts';

interface InsightsFlags extends StoreOptions {
  connector?: string;
  days: number;
  pendingDays?: number;
  format: Format;
}

/** A whole number of days, 0 to 36,500. */
function parseDays(value: string): number {
  const days = Number(value);
  if (!/^\d+$/.test(value) || days > 36_500) throw new InvalidArgumentError('expected a whole number of days (0 to 36500)');
  return days;
}

export function registerInsightsCommand(program: Command, exit: ExitCodeSink): void {
  addStoreOptions(
    program
      .command('insights')
      .description('dormant accounts, old invitations, offboarding gaps, admins per app and accounts without email')
      .option('--days <n>', 'no login for more than this many days', parseDays, 90)
      .option('--pending-days <n>', 'invitations pending for more than this many days (default: --days)', parseDays)
      .option('--connector <id>', 'only this connector (offboarding gaps still look at every connector)', parseConnectorId)
      .addOption(formatOption(['table', 'json', 'csv'])),
  ).action(async (flags: InsightsFlags) => {
    const insights = await withInventory(flags, (inventory) =>
      inventory.reader.insights({
        days: flags.days,
        ...(flags.pendingDays !== undefined ? { pendingDays: flags.pendingDays } : {}),
        ...(flags.connector !== undefined ? { connectorId: flags.connector } : {}),
      }),
    );
    if (flags.format === 'json') {
      stdout.write(`${jsonText(insights, 2)}\n`);
    } else {
      if (flags.format === 'table') stdout.write(`${insightSummary(insights)}\n\n`);
      const maxWidth = terminalWidth();
      writeRows(stdout, flags.format, insightRows(insights), INSIGHT_COLUMNS, (row) => row, maxWidth === undefined ? {} : { maxWidth });
    }
    exit.code = 0;
  });
}
