/**
 * `rollcall reindex`: the one-off backfill of the people index, for an inventory written before the
 * console existed (its people page lists people from that index). Reads each connector's accounts
 * and their people's identity items (Queries and BatchGets, never a Scan) and writes only the items
 * that lack the index; running it again writes nothing.
 */
import type { Command } from 'commander';
import type { ExitCodeSink } from '../command.ts';
import { addStoreOptions, type StoreOptions } from '../options.ts';
import { stdout } from '../output.ts';
import { withInventory } from '../runtime.ts';

export function registerReindexCommand(program: Command, exit: ExitCodeSink): void {
  addStoreOptions(
    program.command('reindex').description("add people recorded before the console's people index to it (once, after an upgrade)"),
  ).action(async (flags: StoreOptions) => {
    const report = await withInventory(flags, (inventory) => inventory.reindexPeople());
    stdout.write(
      `People index: ${report.people} people in the inventory, ${report.indexed} added to the index` +
        (report.withoutIdentity === 0 ? '' : `, ${report.withoutIdentity} without an identity record (the next poll of their connector adds it)`) +
        '\n',
    );
    exit.code = 0;
  });
}
