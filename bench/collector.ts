/**
 * One phase of one workspace size, in a process of its own so that its peak RSS is the
 * collector's alone. The benchmark bundles this file like the poller Lambda and runs the bundle:
 *
 *   node collector.mjs --phase first-poll|floor|unchanged-poll --endpoints '<JSON>' --work-dir DIR
 *
 * (`--endpoints` is what bench/servers.ts printed.) Prints the phase's result as one JSON line.
 */
import { Command, Option } from 'commander';
import type { BenchEndpoints } from './lib/bench-servers.ts';
import { PHASES, runPhase, type PhaseName } from './lib/measure-phases.ts';
import { runAsMain } from './lib/run-as-main.ts';

runAsMain(async () => {
  const flags = new Command()
    .addOption(new Option('--phase <phase>', 'what to measure').choices(PHASES).makeOptionMandatory())
    .requiredOption('--endpoints <json>', 'the endpoints bench/servers.ts printed')
    .requiredOption('--work-dir <dir>', 'where the polls write their events')
    .parse()
    .opts<{ phase: PhaseName; endpoints: string; workDir: string }>();
  const endpoints = JSON.parse(flags.endpoints) as BenchEndpoints;
  const result = await runPhase(flags.phase, { endpoints, workDir: flags.workDir });
  process.stdout.write(`${JSON.stringify(result)}\n`);
});
