/**
 * The poller Lambda's bundle: its size, and its module-init time (what a cold start spends
 * loading and evaluating it), measured by importing it in fresh Node.js processes with the
 * environment the stack gives the function. Nothing is sent anywhere: module init only builds
 * clients and validates configuration.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { bundleEntry } from './esbuild-bundle.ts';

export const HANDLER_ENTRY = fileURLToPath(new URL('../../functions/handlers/poll.ts', import.meta.url));
const INIT_RUNS = 5;

export type HandlerMeasurement =
  | {
      readonly status: 'measured';
      readonly entry: string;
      readonly bundleBytes: number;
      /** Median over the runs, each in a fresh process. */
      readonly initMs: number;
      readonly initRunsMs: readonly number[];
    }
  | { readonly status: 'n/a'; readonly entry: string; readonly reason: string };

/** The poller's environment as the stack sets it, with placeholder (syntactically valid) resources. */
const HANDLER_ENVIRONMENT: Readonly<Record<string, string>> = {
  ROLLCALL_TABLE_NAME: 'rollcall-bench',
  ROLLCALL_EVENT_BUS_NAME: 'rollcall-bench',
  ROLLCALL_MAX_REMOVAL_SHARE: '0.5',
  ROLLCALL_POLL_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/rollcall-bench',
  AWS_REGION: 'us-east-1',
  POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
  POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
};

const PROBE = `
const started = performance.now();
await import(process.argv[2]);
process.stdout.write(JSON.stringify({ initMs: performance.now() - started }) + '\\n');
`;

export async function measureHandler(workDir: string): Promise<HandlerMeasurement> {
  const entry = 'functions/handlers/poll.ts';
  if (!existsSync(HANDLER_ENTRY)) return { status: 'n/a', entry, reason: 'the handler does not exist yet' };
  const bundle = join(workDir, 'poll.mjs');
  let bundleBytes: number;
  try {
    bundleBytes = await bundleEntry(HANDLER_ENTRY, bundle);
  } catch (error) {
    return { status: 'n/a', entry, reason: `esbuild could not bundle it: ${firstLine(error)}` };
  }
  const probe = join(workDir, 'init-probe.mjs');
  await writeFile(probe, PROBE, 'utf8');
  const runs: number[] = [];
  try {
    for (let run = 0; run < INIT_RUNS; run++) runs.push(await initOnce(probe, bundle));
  } catch (error) {
    return { status: 'n/a', entry, reason: `the bundle failed to initialise: ${firstLine(error)}` };
  }
  return { status: 'measured', entry, bundleBytes, initMs: median(runs), initRunsMs: runs };
}

async function initOnce(probe: string, bundle: string): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, [probe, pathToFileURL(bundle).href], {
    // Only what the function gets: no AWS profile or credentials of this machine.
    env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...HANDLER_ENVIRONMENT },
    timeout: 30_000,
  });
  const { initMs } = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { initMs?: number };
  if (typeof initMs !== 'number') throw new Error('the init probe printed no timing');
  return Math.round(initMs * 10) / 10;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? 'unknown failure';
}
