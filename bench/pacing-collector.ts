/**
 * One step of the pacing measurement in a process of its own (bundled like the poller, as the
 * collector is):
 *
 *   node pacing-collector.mjs --step setup|measure --endpoints '<JSON>' --work-dir DIR
 *
 * Prints the step's result as one JSON line.
 */
import { Command, Option } from 'commander';
import type { BenchEndpoints } from './lib/bench-servers.ts';
import { PACING_STEPS, runPacingStep, type PacingStep } from './lib/pacing-poll.ts';
import { runAsMain } from './lib/run-as-main.ts';

runAsMain(async () => {
  const flags = new Command()
    .addOption(new Option('--step <step>', 'what to run').choices(PACING_STEPS).makeOptionMandatory())
    .requiredOption('--endpoints <json>', 'the endpoints bench/servers.ts printed')
    .requiredOption('--work-dir <dir>', 'where the polls write their events')
    .parse()
    .opts<{ step: PacingStep; endpoints: string; workDir: string }>();
  const endpoints = JSON.parse(flags.endpoints) as BenchEndpoints;
  const result = await runPacingStep(flags.step, endpoints, flags.workDir);
  process.stdout.write(`${JSON.stringify(result)}\n`);
});
