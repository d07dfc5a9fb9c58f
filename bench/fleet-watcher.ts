/**
 * One phase of the fleet benchmark, in a process of its own so that a round's peak RSS is the
 * watcher's alone. The benchmark bundles this file like the poller Lambda and runs the bundle:
 *
 *   node fleet-watcher.mjs --phase register|populate|configure|round|floors --endpoints '<JSON>'
 *     --connectors N --enabled N --concurrency 8 --now ISO --work-dir DIR --credentials FILE
 *
 * Prints the phase's result as one JSON line.
 */
import { Command, Option } from 'commander';
import { FLEET_PHASES, runFleetPhase, type FleetPhaseName } from './lib/fleet-phases.ts';
import type { FleetEndpoints } from './lib/fleet-servers.ts';
import { runAsMain } from './lib/run-as-main.ts';

runAsMain(async () => {
  const flags = new Command()
    .addOption(new Option('--phase <phase>', 'what to run').choices(FLEET_PHASES).makeOptionMandatory())
    .requiredOption('--endpoints <json>', 'what bench/fleet-servers.ts printed')
    .requiredOption('--connectors <n>', 'connectors registered', Number)
    .requiredOption('--enabled <n>', 'connectors enabled (configure, round)', Number)
    .requiredOption('--concurrency <n>', 'polls at once', Number)
    .requiredOption('--now <iso>', "the watch loop's time")
    .requiredOption('--work-dir <dir>', 'where the polls write their events')
    .requiredOption('--credentials <file>', 'the credentials file')
    .parse()
    .opts<{ phase: FleetPhaseName; endpoints: string; connectors: number; enabled: number; concurrency: number; now: string; workDir: string; credentials: string }>();
  const result = await runFleetPhase(flags.phase, {
    endpoints: JSON.parse(flags.endpoints) as FleetEndpoints,
    connectors: flags.connectors,
    enabled: flags.enabled,
    concurrency: flags.concurrency,
    now: flags.now,
    workDir: flags.workDir,
    credentialsFile: flags.credentials,
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
});
