/**
 * `npm run bench`: the "Scale and cost" benchmark (design.md section 10, README, "Performance").
 *
 *   npm run bench -- [--users 1000,10000 --users 100000] [--pacing 50000,100000 | --no-pacing] [--latency 25]
 *                    [--json | --markdown] [--no-handler] [--no-startup]
 *                    [--twingate-users 10000] [--twingate-groups 50 | --no-twingate]
 *                    [--console-accounts 100000 | --no-console]
 *                    [--fleet 1000 [--fleet-concurrency 8]]
 *
 * `--pacing` alone (without `--users`) runs only the pacing measurement, e.g.
 * `npm run bench -- --pacing 50000 --no-handler` for a quick look at it; `--twingate-users` or
 * `--twingate-groups` alone likewise only the Twingate requests measurement (with `--pacing`, both);
 * `--console-accounts` alone only the console pages measurement.
 * `--fleet N` alone runs only the fleet measurement: N connectors polled through `rollcall watch`'s
 * scheduling path (bench/lib/fleet.ts); with other measurements named, it runs after them.
 *
 * Exit code 0 when every target holds, 1 when one fails, 2 on bad usage.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_LATENCY_MS, DEFAULT_SIZES, runBenchmark } from './lib/benchmark.ts';
import { DEFAULT_PACING_SIZES } from './lib/pacing.ts';
import { DEFAULT_CONSOLE_ACCOUNTS } from './lib/console-pages.ts';
import { DEFAULT_TWINGATE_GROUPS, DEFAULT_TWINGATE_USERS } from './lib/twingate-requests.ts';
import { renderMarkdown, renderTables } from './lib/report.ts';
import { runAsMain } from './lib/run-as-main.ts';
import { DEFAULT_FLEET_CONCURRENCY, measureFleet, renderFleet, type FleetResult } from './lib/fleet.ts';

function sizes(value: string, previous: number[] = []): number[] {
  const parsed = value.split(',').map((part) => Number(part.trim().replaceAll('_', '')));
  if (parsed.some((users) => !Number.isSafeInteger(users) || users < 1)) {
    throw new InvalidArgumentError('expected positive whole numbers, e.g. 1000,10000');
  }
  return [...previous, ...parsed];
}

function positive(value: string): number {
  const parsed = Number(value.trim().replaceAll('_', ''));
  if (!Number.isSafeInteger(parsed) || parsed < 1) throw new InvalidArgumentError('expected a positive whole number');
  return parsed;
}

function milliseconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new InvalidArgumentError('expected a non-negative whole number');
  return parsed;
}

interface Flags {
  users?: number[];
  /** `false` with --no-pacing. */
  pacing?: number[] | false;
  latency: number;
  json?: boolean;
  markdown?: boolean;
  handler: boolean;
  startup: boolean;
  /** `false` with --no-twingate. */
  twingate: boolean;
  twingateUsers: number;
  twingateGroups: number;
  /** `false` with --no-console. */
  console: boolean;
  consoleAccounts: number;
  fleet?: number;
  fleetConcurrency: number;
}

runAsMain(async () => {
  const command = new Command('bench')
    .description('measure polls against the Torq simulator and dynalite, count Twingate requests against the minimum, check the targets, estimate the AWS cost')
    .option('--users <list>', `workspace sizes, repeatable or comma-separated (default ${DEFAULT_SIZES.join(',')})`, sizes)
    .option(
      '--pacing <list>',
      `sizes of the pacing measurement against a 50/s limit, repeatable or comma-separated (default ${DEFAULT_PACING_SIZES.join(',')}); alone, without --users, only these run`,
      sizes,
    )
    .option('--no-pacing', 'skip the pacing measurement')
    .option('--latency <ms>', 'simulator delay per data call', milliseconds, DEFAULT_LATENCY_MS)
    .addOption(new Option('--json', 'print one JSON document').conflicts('markdown'))
    .option('--markdown', 'print the tables as Markdown')
    .option('--no-handler', 'skip bundling the poller Lambda and timing its module init')
    .option('--no-startup', 'skip timing the CLI start-up (bundled and through tsx)')
    .option(
      '--twingate-users <n>',
      'users of the simulated Twingate network whose requests are counted; alone, without --users, only that measurement runs',
      positive,
      DEFAULT_TWINGATE_USERS,
    )
    .option('--twingate-groups <n>', 'groups of that network, besides Everyone', positive, DEFAULT_TWINGATE_GROUPS)
    .option('--no-twingate', 'skip counting Twingate requests against the minimum')
    .option(
      '--console-accounts <n>',
      "accounts of the console pages' inventory (a Twingate-like connector of a fifth of it besides); alone, without --users, only that measurement runs",
      positive,
      DEFAULT_CONSOLE_ACCOUNTS,
    )
    .option('--no-console', 'skip timing the console pages')
    .option('--fleet <n>', 'connectors of the fleet measurement (e.g. 1000); alone, only that measurement runs', positive)
    .option('--fleet-concurrency <n>', 'polls at once in the fleet measurement', positive, DEFAULT_FLEET_CONCURRENCY)
    .exitOverride((error) => {
      process.exit(error.exitCode === 0 ? 0 : 2);
    })
    .parse();
  const flags = command.opts<Flags>();

  const twingateGiven = ['twingateUsers', 'twingateGroups'].some((name) => command.getOptionValueSource(name) === 'cli');
  const consoleGiven = command.getOptionValueSource('consoleAccounts') === 'cli';
  const onProgress = (message: string) => process.stderr.write(`${message}\n`);
  // --fleet alone runs only the fleet measurement.
  const fleetOnly = flags.fleet !== undefined && flags.users === undefined && !Array.isArray(flags.pacing) && !twingateGiven && !consoleGiven;
  let output = '';
  let passed = true;
  let report: Awaited<ReturnType<typeof runBenchmark>> | null = null;
  if (!fleetOnly) {
    // --pacing, --twingate-* or --console-accounts without --users run only the measurements they name.
    const selective = flags.users === undefined && (Array.isArray(flags.pacing) || twingateGiven || consoleGiven);
    report = await runBenchmark({
      users: selective ? [] : flags.users === undefined ? DEFAULT_SIZES : [...new Set(flags.users)],
      pacing: Array.isArray(flags.pacing) ? [...new Set(flags.pacing)] : flags.pacing === false || selective ? [] : DEFAULT_PACING_SIZES,
      latencyMs: flags.latency,
      measureHandler: flags.handler,
      measureStartup: flags.startup,
      ...(flags.twingate && (!selective || twingateGiven) ? { twingate: { users: flags.twingateUsers, groups: flags.twingateGroups } } : {}),
      ...(flags.console && (!selective || consoleGiven) ? { consoleAccounts: flags.consoleAccounts } : {}),
      onProgress,
    });
    passed = report.passed;
    if (!flags.json) output += flags.markdown ? renderMarkdown(report) : renderTables(report);
  }
  let fleet: FleetResult | null = null;
  if (flags.fleet !== undefined) {
    fleet = await measureFleet({ connectors: flags.fleet, concurrency: flags.fleetConcurrency, latencyMs: flags.latency, onProgress });
    passed = passed && fleet.passed;
    if (!flags.json) output += `${output === '' ? '' : '\n'}${renderFleet(fleet, flags.markdown === true)}`;
  }
  if (flags.json) output = `${JSON.stringify(fleet === null ? report : { ...(report ?? {}), fleet }, null, 2)}\n`;
  process.stdout.write(output);
  process.exitCode = passed ? 0 : 1;
});
