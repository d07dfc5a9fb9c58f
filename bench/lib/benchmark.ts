/**
 * The whole benchmark (issue "Scale and cost"): every requested size, the poller bundle, the
 * targets and the cost model, as one report.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { TORQ_PAGE_SIZE } from '../../functions/connectors/torq/index.ts';
import { DEFAULT_REQUESTS_PER_SECOND } from '../../functions/connectors/torq/torq-connector.ts';
import { helpStartupTarget, measureCliStartup, type StartupMeasurement } from './cli-startup.ts';
import { consoleTargets, measureConsolePages, type ConsolePagesResult } from './console-pages.ts';
import { costModel } from './cost-model.ts';
import { measureHandler, type HandlerMeasurement } from './handler-bundle.ts';
import { measureTableRender, tableRenderTarget, TABLE_RENDER_SIZES } from './table-render.ts';
import { measurePacing, pacingTargets } from './pacing.ts';
import { measureTwingateRequests, twingateTargets, type TwingateRequestsResult } from './twingate-requests.ts';
import type { BenchmarkReport } from './report.ts';
import { evaluateTargets, memorySlopes } from './targets.ts';
import { createWorkspaceRunner, type WorkspaceMeasurement } from './workspace-runner.ts';

export const DEFAULT_SIZES: readonly number[] = [1_000, 10_000, 100_000];
export const DEFAULT_LATENCY_MS = 25;

export interface BenchmarkOptions {
  readonly users: readonly number[];
  readonly latencyMs: number;
  /** `false` skips bundling the poller (reported as n/a). */
  readonly measureHandler: boolean;
  /** `true` times `rollcall --help` and a small poll, bundled and through tsx; default `false`. */
  readonly measureStartup?: boolean;
  /** Sizes of the pacing measurement (unchanged polls against the vendor's rate limit); none when empty. */
  readonly pacing?: readonly number[];
  /** One line per step, for a terminal. */
  readonly onProgress?: (message: string) => void;
  /** Account counts of the `users` table render; empty skips it. @default TABLE_RENDER_SIZES */
  readonly tableRows?: readonly number[];
  /** The Twingate requests measurement's network; skipped (n/a) when absent. */
  readonly twingate?: { readonly users: number; readonly groups: number };
  /** Accounts of the console pages measurement's inventory; skipped (n/a) when absent. */
  readonly consoleAccounts?: number;
}

export async function runBenchmark(options: BenchmarkOptions): Promise<BenchmarkReport> {
  const started = Date.now();
  const progress = options.onProgress ?? (() => {});
  const runner = await createWorkspaceRunner();
  const sizes: WorkspaceMeasurement[] = [];
  try {
    for (const [index, users] of options.users.entries()) {
      progress(`[${index + 1}/${options.users.length}] ${users.toLocaleString('en-US')} users: first poll, floor, unchanged poll...`);
      const size = await runner.measure(users, options.latencyMs);
      progress(`    done in ${(size.elapsedMs / 1000).toFixed(0)} s (poll / floor ${size.ratio.toFixed(2)})`);
      sizes.push(size);
    }
  } finally {
    await runner.close();
  }

  const pacing = await measurePacing(options.pacing ?? [], options.latencyMs, progress);

  let twingate: TwingateRequestsResult = { status: 'n/a', reason: 'skipped (--no-twingate)' };
  if (options.twingate !== undefined) twingate = await measureTwingateRequests({ ...options.twingate, onProgress: progress });

  let consolePages: ConsolePagesResult = { status: 'n/a', reason: 'skipped (--no-console)' };
  if (options.consoleAccounts !== undefined) consolePages = await measureConsolePages({ accounts: options.consoleAccounts, onProgress: progress });

  let handler: HandlerMeasurement = { status: 'n/a', entry: 'functions/handlers/poll.ts', reason: 'skipped (--no-handler)' };
  if (options.measureHandler) {
    progress('bundling the poller and timing its module init...');
    const workDir = await mkdtemp(join(tmpdir(), 'rollcall-bench-handler-'));
    try {
      handler = await measureHandler(workDir);
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  const tableRows = options.tableRows ?? TABLE_RENDER_SIZES;
  if (tableRows.length > 0) progress(`rendering the users table at ${tableRows.join(', ')} accounts...`);
  const tableRender = measureTableRender(tableRows);

  let startup: StartupMeasurement = { status: 'n/a', reason: 'skipped (--no-startup)' };
  if (options.measureStartup === true) {
    progress('timing CLI start-up: rollcall --help and a small poll, bundled and through tsx...');
    startup = await measureCliStartup();
  }

  const targets = [...evaluateTargets(sizes), tableRenderTarget(tableRender), helpStartupTarget(startup), ...pacingTargets(pacing), ...twingateTargets(twingate), ...consoleTargets(consolePages)];
  const firstSlopes = memorySlopes(sizes, (size) => size.memory.firstPollPeakRssMb);
  const unchangedSlopes = memorySlopes(sizes, (size) => size.memory.secondPollPeakRssMb);
  const processors = cpus();
  return {
    schema: 'rollcall-bench/1',
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    environment: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cpus: processors.length,
      cpuModel: processors[0]?.model.trim() ?? 'unknown',
      memoryMb: Math.round(totalmem() / 1024 / 1024),
    },
    settings: {
      users: options.users,
      latencyMs: options.latencyMs,
      requestsPerSecond: DEFAULT_REQUESTS_PER_SECOND,
      pageSize: TORQ_PAGE_SIZE,
    },
    sizes,
    pacing,
    twingate,
    console: consolePages,
    memorySlopes: firstSlopes.map((slope, index) => ({
      fromUsers: slope.fromUsers,
      toUsers: slope.toUsers,
      firstPollMbPer1kUsers: slope.mbPer1kUsers,
      unchangedPollMbPer1kUsers: unchangedSlopes[index]?.mbPer1kUsers ?? 0,
    })),
    handler,
    tableRender,
    startup,
    cost: costModel(sizes),
    targets,
    passed: targets.every((target) => target.status !== 'FAIL'),
  };
}
