/**
 * `rollcall simulate --app NAME`: an app's simulator on its own, for trying `rollcall poll` and for
 * tests. The simulators and their own flags come from `simulators/index.ts`; a flag of another
 * app's simulator is a usage error.
 */
import { Option, type Command } from 'commander';
import { SIMULATE_COMMANDS, type SimulatorEntry } from '../../simulators/index.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import type { ExitCodeSink } from '../command.ts';
import { parsePort, parsePositiveInt } from '../options.ts';

interface SimulateFlags {
  app: string;
  port: number;
  users: number;
  seed: number;
  latency: number;
}

/** A port someone else holds, or one this user may not bind, is a usage error (exit 2) that says which. */
function listenError(error: unknown, port: number): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE') return new ConfigError(`port ${port} is in use: choose another --port, or --port 0 for any free one`, { cause: error });
  if (code === 'EACCES') return new ConfigError(`port ${port} needs privileges: choose a port above 1023, or --port 0`, { cause: error });
  return error;
}

/** The flags of `entry` the user gave; a flag only another simulator declares is a `ConfigError`. */
function ownFlags(command: Command, entries: readonly SimulatorEntry[], entry: SimulatorEntry, optionsOf: ReadonlyMap<SimulatorEntry, readonly Option[]>): Record<string, unknown> {
  const own: Record<string, unknown> = {};
  const mine = new Set((optionsOf.get(entry) ?? []).map((option) => option.long));
  for (const other of entries) {
    for (const option of optionsOf.get(other) ?? []) {
      const attribute = option.attributeName();
      if (command.getOptionValueSource(attribute) !== 'cli') continue;
      if (!mine.has(option.long)) {
        throw new ConfigError(`${option.long ?? option.flags} is an option of simulate --app ${other.app}, not of --app ${entry.app}`);
      }
      own[attribute] = command.getOptionValue(attribute);
    }
  }
  return own;
}

export function registerSimulateCommand(program: Command, _exit: ExitCodeSink, simulators: ReadonlyMap<string, SimulatorEntry> = SIMULATE_COMMANDS): void {
  const entries = [...simulators.values()];
  const command = program
    .command('simulate')
    .description(`serve a simulated workspace of an app (${entries.map((entry) => entry.title).join(', ')}) on loopback until interrupted`)
    .addOption(new Option('--app <app>', 'the app to simulate').choices(entries.map((entry) => entry.app)).default(entries[0]?.app))
    .option('--port <port>', 'port to listen on (0: any free port)', parsePort, 0)
    .option('--users <n>', 'users in the generated workspace', parsePositiveInt, 250)
    .option('--seed <n>', 'seed of the generated workspace', parsePositiveInt, 1)
    .option('--latency <ms>', 'delay before each data answer', parsePositiveInt, 0);
  // Each simulator's own flags, once per flag name (two simulators may share one: the first one's
  // parser reads it, and its help carries each simulator's description, as each means its own app).
  const optionsOf = new Map(entries.map((entry) => [entry, entry.options()] as const));
  const added = new Map<string, Option>();
  for (const options of optionsOf.values()) {
    for (const option of options) {
      const first = added.get(option.flags);
      if (first === undefined) {
        added.set(option.flags, option);
        command.addOption(option);
      } else if (!first.description.split('; ').includes(option.description)) {
        first.description = `${first.description}; ${option.description}`;
      }
    }
  }
  command.action(async (flags: SimulateFlags) => {
    const entry = simulators.get(flags.app);
    if (entry === undefined) throw new ConfigError(`simulate --app: expected one of ${[...simulators.keys()].join(', ')}`);
    const own = ownFlags(command, entries, entry, optionsOf);
    const simulator = await entry
      .start({ port: flags.port, users: flags.users, seed: flags.seed, latencyMs: flags.latency, env: process.env, flags: own })
      .catch((error: unknown) => {
        throw listenError(error, flags.port);
      });
    process.stdout.write([...simulator.banner, '', 'Ctrl-C stops it.', ''].join('\n'));
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await simulator.close();
  });
}
