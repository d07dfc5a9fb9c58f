/**
 * `npm run bench`: the "Scale and cost" benchmark (design.md section 10, README, "Performance").
 *
 *   npm run bench -- [--users 1000,10000 --users 100000] [--pacing 50000,100000 | --no-pacing] [--latency 25]
 *                    [--json | --markdown] [--no-handler] [--no-startup]
 *
 * `--pacing` alone (without `--users`) runs only the pacing measurement, e.g.
 * `npm run bench -- --pacing 50000 --no-handler` for a quick look at it.
 *
 * Exit code 0 when every target holds, 1 when one fails, 2 on bad usage.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_LATENCY_MS, DEFAULT_SIZES, runBenchmark } from './lib/benchmark.ts';
import { DEFAULT_PACING_SIZES } from './lib/pacing.ts';
import { renderMarkdown, renderTables } from './lib/report.ts';
import { runAsMain } from './lib/run-as-main.ts';

function sizes(value: string, previous: number[] = []): number[] {
  const parsed = value.split(',').map((part) => Number(part.trim().replaceAll('_', '')));
  if (parsed.some((users) => !Number.isSafeInteger(users) || users < 1)) {
    throw new InvalidArgumentError('expected positive whole numbers, e.g. 1000,10000');
  }
  return [...previous, ...parsed];
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
}

runAsMain(async () => {
  const flags = new Command('bench')
    .description('measure polls against the Torq simulator and dynalite, check the targets, estimate the AWS cost')
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
    .exitOverride((error) => {
      process.exit(error.exitCode === 0 ? 0 : 2);
    })
    .parse()
    .opts<Flags>();

  const pacingOnly = Array.isArray(flags.pacing) && flags.users === undefined;
  const report = await runBenchmark({
    users: pacingOnly ? [] : flags.users === undefined ? DEFAULT_SIZES : [...new Set(flags.users)],
    pacing: flags.pacing === false ? [] : flags.pacing === undefined ? DEFAULT_PACING_SIZES : [...new Set(flags.pacing)],
    latencyMs: flags.latency,
    measureHandler: flags.handler,
    measureStartup: flags.startup,
    onProgress: (message) => process.stderr.write(`${message}\n`),
  });
  const output = flags.json ? `${JSON.stringify(report, null, 2)}\n` : flags.markdown ? renderMarkdown(report) : renderTables(report);
  process.stdout.write(output);
  process.exitCode = report.passed ? 0 : 1;
});
