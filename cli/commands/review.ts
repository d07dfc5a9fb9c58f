/** `rollcall review`: a connector's access review (every present account with role, groups, state, last login), for sign-off. */
import type { Command } from 'commander';
import type { ExitCodeSink } from '../command.ts';
import { addStoreOptions, formatOption, parseConnectorId, type StoreOptions } from '../options.ts';
import { stdout, terminalWidth, writeRows, type Format } from '../output.ts';
import { REVIEW_COLUMNS } from '../read-model-views.ts';
import { withInventory } from '../runtime.ts';

interface ReviewFlags extends StoreOptions {
  connector: string;
  format: Format;
}

export function registerReviewCommand(program: Command, exit: ExitCodeSink): void {
  addStoreOptions(
    program
      .command('review')
      .description("a connector's access review: every account with role, groups, state, last login and first seen")
      .requiredOption('--connector <id>', '(required) connector id', parseConnectorId)
      .addOption(formatOption(['csv', 'json', 'table'])),
  ).action(async (flags: ReviewFlags) => {
    const rows = await withInventory(flags, (inventory) => inventory.reader.review(flags.connector));
    const maxWidth = terminalWidth();
    writeRows(stdout, flags.format, rows, REVIEW_COLUMNS, (row) => row, maxWidth === undefined ? {} : { maxWidth });
    exit.code = 0;
  });
}
