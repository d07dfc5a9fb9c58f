/**
 * CLI start-up (README, "Install the CLI"): `rollcall --help` and a small poll, each in a fresh
 * process through bin/rollcall.mjs as a user runs it, once through the bundle npm install builds
 * and once through the TypeScript sources and tsx (ROLLCALL_CLI_FROM picks the path). The two
 * paths alternate within each run so a busy machine weighs on both alike; the ratio is from one
 * run of the benchmark. The poll lists a simulated workspace on loopback at zero latency into a
 * new embedded store, so what it measures is start-up and the store, not the network.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkBundle } from '../../bin/cli-bundle.mjs';
import { generateWorkspace, startTorqSimulator } from '../../simulators/torq/index.ts';
import { ensureCliBundle } from '../../scripts/build-cli.ts';
import { BENCH_CREDENTIALS } from './bench-credentials.ts';
import type { TargetResult } from './targets.ts';

export const CLI_LAUNCHER = fileURLToPath(new URL('../../bin/rollcall.mjs', import.meta.url));
export const STARTUP_RUNS = 7;
export const STARTUP_POLL_USERS = 100;
/** `rollcall --help` through the bundle must start well under this. */
export const HELP_STARTUP_LIMIT_MS = 500;
/**
 * A wall-clock limit says something about the code only on a machine with time to spare: when
 * Node.js alone (`node -e 0`, about 70 ms on an idle 2-core machine) takes longer than this, the
 * machine is saturated and the target reads n/a, with the figures still in the table.
 */
export const BUSY_MACHINE_NODE_MS = 200;

export type CliPath = 'bundle' | 'source';

export interface StartupCase {
  /** What ran, as a user would type it. */
  readonly command: string;
  /** Medians over the runs, wall-clock from spawn to exit. */
  readonly bundleMs: number;
  readonly sourceMs: number;
  /** sourceMs / bundleMs. */
  readonly ratio: number;
  readonly bundleRunsMs: readonly number[];
  readonly sourceRunsMs: readonly number[];
}

export type StartupMeasurement =
  | {
      readonly status: 'measured';
      readonly runs: number;
      /** Whether the bundle was stale and rebuilt before measuring. */
      readonly rebuilt: boolean;
      /** The launcher's freshness check (hashing every input of the bundle), median, in this process. */
      readonly checkMs: number;
      /** `node -e 0`, median, timed alongside: what any Node.js program pays on this machine now. */
      readonly nodeMs: number;
      readonly help: StartupCase;
      readonly poll: StartupCase;
    }
  | { readonly status: 'n/a'; readonly reason: string };

export interface StartupOptions {
  readonly runs?: number;
  readonly users?: number;
}

export async function measureCliStartup(options: StartupOptions = {}): Promise<StartupMeasurement> {
  const runs = options.runs ?? STARTUP_RUNS;
  const users = options.users ?? STARTUP_POLL_USERS;
  let rebuilt: boolean;
  try {
    rebuilt = (await ensureCliBundle()).built;
  } catch (error) {
    return { status: 'n/a', reason: `the CLI did not bundle: ${firstLine(error)}` };
  }

  const checks: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    checkBundle();
    checks.push(performance.now() - started);
  }

  const simulator = await startTorqSimulator({ workspace: generateWorkspace({ users }), credentials: { ...BENCH_CREDENTIALS } });
  // Commands run from a directory outside the checkout, as after `npm install -g .`.
  const workDir = await mkdtemp(join(tmpdir(), 'rollcall-bench-startup-'));
  const samples = { help: { bundle: [] as number[], source: [] as number[] }, poll: { bundle: [] as number[], source: [] as number[] } };
  const node: number[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      node.push(await timeProcess(['-e', '0'], workDir, 'node -e 0'));
      for (const path of ['bundle', 'source'] as const) {
        samples.help[path].push(await timeCli(path, ['--help'], workDir));
        const dataDir = join(workDir, `store-${run}-${path}`);
        const args = ['poll', '--connector', 'bench', '--api-url', simulator.apiUrl, '--auth-url', simulator.authUrl, '--data-dir', dataDir, '--json'];
        samples.poll[path].push(await timeCli(path, args, workDir));
      }
    }
  } catch (error) {
    return { status: 'n/a', reason: firstLine(error) };
  } finally {
    await simulator.close();
    await rm(workDir, { recursive: true, force: true });
  }
  return {
    status: 'measured',
    runs,
    rebuilt,
    checkMs: round(median(checks), 10),
    nodeMs: round(median(node), 1),
    help: startupCase('rollcall --help', samples.help),
    poll: startupCase(`rollcall poll (${users} users, first poll, new embedded store)`, samples.poll),
  };
}

/** The start-up target: `rollcall --help` through the bundle. */
export function helpStartupTarget(startup: StartupMeasurement): TargetResult {
  const description = 'rollcall --help through the bundle: start to exit (median)';
  if (startup.status !== 'measured') {
    return { id: 'cli-help-startup', description, users: null, value: null, limit: null, unit: 'ms', status: 'n/a', detail: startup.reason };
  }
  const { help } = startup;
  const busy = startup.nodeMs > BUSY_MACHINE_NODE_MS;
  const detail = `median of ${startup.runs} fresh processes; through tsx ${help.sourceMs} ms (${help.ratio}x); Node.js alone (node -e 0) ${startup.nodeMs} ms`;
  return {
    id: 'cli-help-startup',
    description,
    users: null,
    value: help.bundleMs,
    limit: HELP_STARTUP_LIMIT_MS,
    unit: 'ms',
    status: busy ? 'n/a' : help.bundleMs < HELP_STARTUP_LIMIT_MS ? 'PASS' : 'FAIL',
    detail: busy ? `${detail}: the machine is too busy to judge start-up (Node.js alone over ${BUSY_MACHINE_NODE_MS} ms)` : detail,
  };
}

/** Milliseconds from spawning `rollcall <args>` to its exit. */
function timeCli(path: CliPath, args: readonly string[], cwd: string): Promise<number> {
  return timeProcess([CLI_LAUNCHER, ...args], cwd, `rollcall ${args[0] ?? ''} (${path})`, {
    ROLLCALL_CLI_FROM: path,
    // The poll starts a store server for its data dir; it stops once the poll is gone, not 5 minutes later.
    ROLLCALL_STORE_IDLE_MS: '0',
    TORQ_CLIENT_ID: BENCH_CREDENTIALS.clientId,
    TORQ_CLIENT_SECRET: BENCH_CREDENTIALS.clientSecret,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
}

/** Milliseconds from spawning `node <args>` to its exit; a non-zero exit is a failed measurement. */
function timeProcess(args: readonly string[], cwd: string, name: string, env: Readonly<Record<string, string>> = {}): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const elapsed = performance.now() - started;
      if (code === 0) resolve(round(elapsed, 1));
      else reject(new Error(`${name} exited ${code}: ${stderr.split('\n')[0] ?? ''}`));
    });
  });
}

function startupCase(command: string, samples: { readonly bundle: readonly number[]; readonly source: readonly number[] }): StartupCase {
  const bundleMs = round(median(samples.bundle), 1);
  const sourceMs = round(median(samples.source), 1);
  return { command, bundleMs, sourceMs, ratio: round(sourceMs / bundleMs, 100), bundleRunsMs: samples.bundle, sourceRunsMs: samples.source };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Rounded to 1/`per` (10: one decimal). */
function round(value: number, per: number): number {
  return Math.round(value * per) / per;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? 'unknown failure';
}
