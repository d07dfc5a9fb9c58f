/**
 * The benchmark's output: one JSON document for machines (`--json`), tables for a terminal, or
 * the same tables in Markdown (`--markdown`, what README, "Performance" shows).
 */
import Table from 'cli-table3';
import type { StartupMeasurement } from './cli-startup.ts';
import { consoleSection, type ConsolePagesResult } from './console-pages.ts';
import type { CostModel } from './cost-model.ts';
import type { HandlerMeasurement } from './handler-bundle.ts';
import { TERMINAL_COLUMNS, type TableRenderMeasurement } from './table-render.ts';
import { pacingSection, type PacingMeasurement } from './pacing.ts';
import type { TargetResult } from './targets.ts';
import { twingateSections, type TwingateRequestsResult } from './twingate-requests.ts';
import type { WorkspaceMeasurement } from './workspace-runner.ts';

export interface BenchmarkReport {
  readonly schema: 'rollcall-bench/1';
  readonly startedAt: string;
  readonly durationMs: number;
  readonly environment: {
    readonly node: string;
    readonly platform: string;
    readonly arch: string;
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryMb: number;
  };
  readonly settings: {
    readonly users: readonly number[];
    readonly latencyMs: number;
    /** The Torq connector's client-side budget, the same in polls and floor. */
    readonly requestsPerSecond: number;
    readonly pageSize: number;
  };
  readonly sizes: readonly WorkspaceMeasurement[];
  /** Unchanged polls against a simulator enforcing the vendor's rate limit (`--pacing`). */
  readonly pacing: readonly PacingMeasurement[];
  /** Twingate requests against the fewest its API allows, and an unchanged poll's writes. */
  readonly twingate: TwingateRequestsResult;
  /** The console's pages on a large inventory (`--console-accounts`). */
  readonly console: ConsolePagesResult;
  readonly memorySlopes: readonly {
    readonly fromUsers: number;
    readonly toUsers: number;
    readonly firstPollMbPer1kUsers: number;
    readonly unchangedPollMbPer1kUsers: number;
  }[];
  readonly handler: HandlerMeasurement;
  readonly tableRender: readonly TableRenderMeasurement[];
  readonly startup: StartupMeasurement;
  readonly cost: CostModel;
  readonly targets: readonly TargetResult[];
  /** No target FAILed. */
  readonly passed: boolean;
}

interface Section {
  readonly title: string;
  readonly head: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

const int = (value: number) => Math.round(value).toLocaleString('en-US');
const secs = (ms: number) => (ms / 1000).toFixed(2);
/** Whole numbers with thousands separators; fractions as measured. */
const num = (value: number) => (Number.isInteger(value) ? int(value) : String(value));
const usd = (value: number) => (value >= 0.01 ? `$${value.toFixed(2)}` : `$${value.toFixed(5)}`);

function sections(report: BenchmarkReport): Section[] {
  const { settings } = report;
  const result: Section[] = [
    {
      title: `Polls: simulator latency ${settings.latencyMs} ms per data call, rate budget ${settings.requestsPerSecond} requests/s, ${settings.pageSize} users per page`,
      head: ['users', 'first poll s', 'first: DDB reads / writes', 'unchanged poll s', 'unchanged: DDB reads / writes', 'floor s', 'pages', 'poll / floor'],
      rows: report.sizes.map((size) => [
        int(size.users),
        secs(size.firstPoll.wallMs),
        `${int(size.firstPoll.dynamo.reads)} / ${int(size.firstPoll.dynamo.writes)}`,
        secs(size.secondPoll.wallMs),
        `${int(size.secondPoll.dynamo.reads)} / ${int(size.secondPoll.dynamo.writes)}`,
        secs(size.floor.wallMs),
        int(size.floor.pages),
        size.ratio.toFixed(2),
      ]),
    },
    {
      title: 'Collector CPU (0 ms latency) and peak RSS (a fresh collector process per poll)',
      head: ['users', 'CPU ms / 1k accounts: poll', 'floor', 'RSS MB: baseline', 'first poll', 'unchanged poll', 'floor'],
      rows: report.sizes.map((size) => [
        int(size.users),
        size.cpu.pollMsPer1kAccounts.toFixed(1),
        size.cpu.floorMsPer1kAccounts.toFixed(1),
        size.memory.baselineRssMb.toFixed(0),
        size.memory.firstPollPeakRssMb.toFixed(0),
        size.memory.secondPollPeakRssMb.toFixed(0),
        size.memory.floorPeakRssMb.toFixed(0),
      ]),
    },
  ];
  if (report.memorySlopes.length > 0) {
    result.push({
      title: 'Peak RSS growth between sizes',
      head: ['users', 'first poll MB per 1k users', 'unchanged poll MB per 1k users'],
      rows: report.memorySlopes.map((slope) => [
        `${int(slope.fromUsers)} -> ${int(slope.toUsers)}`,
        slope.firstPollMbPer1kUsers.toFixed(2),
        slope.unchangedPollMbPer1kUsers.toFixed(2),
      ]),
    });
  }
  const pacing = pacingSection(report.pacing);
  if (pacing !== null) result.push(pacing);
  result.push(...twingateSections(report.twingate));
  const consolePages = consoleSection(report.console);
  if (consolePages !== null) result.push(consolePages);
  const { handler } = report;
  result.push({
    title: 'Poller bundle (esbuild: node22, ESM, minified)',
    head: ['entry', 'bundle', 'module init (median of 5 cold processes)'],
    rows: [
      handler.status === 'measured'
        ? [handler.entry, `${(handler.bundleBytes / 1024).toFixed(0)} KiB`, `${handler.initMs.toFixed(0)} ms`]
        : [handler.entry, 'n/a', handler.reason],
    ],
  });
  if (report.tableRender.length > 0) {
    result.push({
      title: `rollcall users: table render (median of 3, output discarded; fitted = truncated to ${TERMINAL_COLUMNS} columns)`,
      head: ['accounts', 'render ms', 'render CPU ms', 'fitted ms', 'output MB', 'ms per 1k accounts'],
      rows: report.tableRender.map((render) => [
        int(render.rows),
        render.plainMs.toFixed(0),
        render.plainCpuMs.toFixed(0),
        render.fittedMs.toFixed(0),
        (render.bytes / 1024 / 1024).toFixed(1),
        ((1000 * render.plainMs) / render.rows).toFixed(1),
      ]),
    });
  }
  const { startup } = report;
  result.push(
    startup.status === 'measured'
      ? {
          title: `CLI start-up (bin/rollcall.mjs, median of ${startup.runs} fresh processes; Node.js alone starts in ${startup.nodeMs.toFixed(0)} ms; the bundle's freshness check takes ${startup.checkMs} ms)`,
          head: ['command', 'bundle ms', 'tsx ms', 'tsx / bundle'],
          rows: [startup.help, startup.poll].map((row) => [row.command, row.bundleMs.toFixed(0), row.sourceMs.toFixed(0), row.ratio.toFixed(2)]),
        }
      : { title: 'CLI start-up', head: ['command', 'result'], rows: [['rollcall --help', startup.reason]] },
  );
  const { cost } = report;
  result.push({
    title: `Cost (${cost.prices.region} list prices assumed on ${cost.prices.asOf}; Lambda arm64 ${cost.lambdaMemoryMb} MB; hourly = ${cost.pollsPerMonth} polls/month)`,
    head: ['users', 'unchanged poll RRU / WRU', 'per unchanged poll', 'per month', 'first poll RRU / WRU', 'first poll', 'storage GB'],
    rows: cost.sizes.map((size) => [
      int(size.users),
      `${int(size.unchangedPoll.readUnits)} / ${int(size.unchangedPoll.writeUnits)}`,
      usd(size.unchangedPoll.totalUsd),
      usd(size.monthlyUsd),
      `${int(size.firstPoll.readUnits)} / ${int(size.firstPoll.writeUnits)}`,
      usd(size.firstPoll.totalUsd),
      size.storageGb.toFixed(3),
    ]),
  });
  result.push({
    title: 'Targets',
    head: ['target', 'users', 'measured', 'limit', 'result'],
    rows: report.targets.map((target) => [
      target.description,
      target.users === null ? '' : int(target.users),
      target.value === null ? target.detail : `${num(target.value)} ${target.unit}`,
      target.limit === null ? '' : `${num(target.limit)} ${target.unit}`,
      target.status,
    ]),
  });
  return result;
}

export function renderTables(report: BenchmarkReport): string {
  const parts = sections(report).map((section) => {
    const table = new Table({ head: [...section.head], style: { head: [], border: [], compact: true } });
    for (const row of section.rows) table.push([...row]);
    return `${section.title}\n${table.toString()}`;
  });
  parts.push(verdict(report));
  return `${parts.join('\n\n')}\n`;
}

export function renderMarkdown(report: BenchmarkReport): string {
  const escape = (cell: string) => cell.replaceAll('|', '\\|');
  const parts = sections(report).map((section) =>
    [
      `**${section.title}**`,
      '',
      `| ${section.head.map(escape).join(' | ')} |`,
      `| ${section.head.map(() => '---').join(' | ')} |`,
      ...section.rows.map((row) => `| ${row.map(escape).join(' | ')} |`),
    ].join('\n'),
  );
  parts.push(verdict(report));
  return `${parts.join('\n\n')}\n`;
}

function verdict(report: BenchmarkReport): string {
  const failed = report.targets.filter((target) => target.status === 'FAIL');
  const environment = `${report.environment.cpus} x ${report.environment.cpuModel}, Node.js ${report.environment.node}, ${(report.durationMs / 1000).toFixed(0)} s`;
  if (failed.length === 0) return `All targets met (${environment}).`;
  const lines = failed.map((target) => `- ${target.description}: ${target.value ?? ''} ${target.unit} (limit ${target.limit ?? ''}); ${target.detail}`);
  return `${failed.length} target(s) FAILED (${environment}):\n${lines.join('\n')}`;
}
