/**
 * The benchmark's servers in a process of their own: the Torq simulator and dynalite.
 *
 *   node bin/run-ts.mjs bench/servers.ts --users 10000 [--latency 25] [--data-dir DIR]
 *
 * Prints its endpoints as one JSON line on stdout, then serves until its stdin closes (the
 * benchmark ends, or dies) or it receives SIGINT/SIGTERM.
 */
import { Command, InvalidArgumentError } from 'commander';
import { startBenchServers } from './lib/bench-servers.ts';
import { runAsMain } from './lib/run-as-main.ts';

function nonNegativeInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return parsed;
}

runAsMain(async () => {
  const flags = new Command()
    .requiredOption('--users <n>', 'users in the simulated workspace', nonNegativeInteger)
    .option('--latency <ms>', 'delay of each data call of the delayed simulator', nonNegativeInteger, 25)
    .option('--data-dir <dir>', "dynalite's LevelDB directory (in memory when absent)")
    .parse()
    .opts<{ users: number; latency: number; dataDir?: string }>();

  const servers = await startBenchServers({
    users: flags.users,
    latencyMs: flags.latency,
    ...(flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}),
  });
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
