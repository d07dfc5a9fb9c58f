/**
 * The fleet benchmark's servers in a process of their own: the simulated workspaces and dynalite.
 *
 *   node bin/run-ts.mjs bench/fleet-servers.ts --data-dir DIR [--latency 25]
 *
 * Prints its endpoints as one JSON line on stdout, then serves until its stdin closes or it
 * receives SIGINT/SIGTERM.
 */
import { Command, InvalidArgumentError } from 'commander';
import { startFleetServers } from './lib/fleet-servers.ts';
import { runAsMain } from './lib/run-as-main.ts';

function nonNegativeInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return parsed;
}

runAsMain(async () => {
  const flags = new Command()
    .requiredOption('--data-dir <dir>', "dynalite's LevelDB directory")
    .option('--latency <ms>', 'delay of each answer of the simulators', nonNegativeInteger, 25)
    .parse()
    .opts<{ dataDir: string; latency: number }>();
  const servers = await startFleetServers({ latencyMs: flags.latency, dataDir: flags.dataDir });
  process.stdout.write(`${JSON.stringify(servers.endpoints)}\n`);
  await new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    process.stdin.resume();
  });
  await servers.close();
});
