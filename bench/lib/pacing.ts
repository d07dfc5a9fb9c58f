/**
 * Pacing at the vendor's limit (README, "Performance"): an unchanged poll against a simulator that
 * enforces Torq's documented 50 requests per second per API key with 429s, compared with the floor
 * of an ideal client that fetches the same pages at exactly that rate.
 *
 * The floor is computed, not measured: the pages the poll needed (its 2xx data answers, each page
 * fetched once), the first sent at 0 s and each next one 1/50 s later, plus one latency for the last
 * answer. No client can list faster without exceeding the limit, so the ratio charges the poll with
 * everything it does besides fetching at the limit: its pacing (429s, holds, ramp), the two
 * listings' page chains (a listing's next page can only be asked for once its previous page has
 * answered), the store's reads and the diff. A `listing` step (the same connector and paging, no
 * store) shows how much of that is the listing alone, and a `former` step the same unchanged poll
 * at the former fixed budget of 40/s, so the change is seen under the same machine load.
 *
 * The rate-limited simulator runs in this (otherwise idle) process, apart from dynalite: the
 * vendor's API does not share a CPU with DynamoDB, and the store's reads must not slow the API's
 * answers. The table is filled beforehand through an unlimited simulator in the servers process.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateWorkspace, startTorqSimulator } from '../../simulators/torq/index.ts';
import { BENCH_CREDENTIALS } from './bench-credentials.ts';
import type { BenchEndpoints } from './bench-servers.ts';
import { bundleEntry } from './esbuild-bundle.ts';
import { runJsonChild, startJsonChild } from './json-child.ts';
import { FORMER_REQUESTS_PER_SECOND, type DataCallTally, type PacingStep, type PacingStepResult } from './pacing-poll.ts';
import type { TargetResult } from './targets.ts';

/** Torq's documented limit per API key, enforced by the simulator and the connector's default ceiling alike. */
export const PACING_LIMIT_PER_SECOND = 50;
export const DEFAULT_PACING_SIZES: readonly number[] = [50_000, 100_000];
/** The unchanged poll may take at most this multiple of the floor. */
export const PACING_TARGET_RATIO = 1.15;

export interface PacingMeasurement {
  readonly users: number;
  readonly latencyMs: number;
  readonly limitPerSecond: number;
  /** The unchanged poll through the rate-limited simulator. */
  readonly wallMs: number;
  /** The same connector and paging through the same simulator, without store, diff or events. */
  readonly listingMs: number;
  /** The same unchanged poll at the former fixed budget of 40 requests per second (the same load, for comparison). */
  readonly formerWallMs: number;
  readonly outcome: PacingStepResult['outcome'];
  readonly error: string | null;
  readonly accounts: number;
  readonly dataCalls: DataCallTally;
  /** (pages - 1) / limit + latency. */
  readonly floorMs: number;
  /** wallMs / floorMs. */
  readonly ratio: number;
  /** The first poll that filled the table (not rate-limited; not part of the measurement). */
  readonly setupMs: number;
}

const SERVERS_ENTRY = fileURLToPath(new URL('../servers.ts', import.meta.url));
const COLLECTOR_ENTRY = fileURLToPath(new URL('../pacing-collector.ts', import.meta.url));
const RUN_TS = fileURLToPath(new URL('../../bin/run-ts.mjs', import.meta.url));

export function pacingFloorMs(pages: number, limitPerSecond: number, latencyMs: number): number {
  return (Math.max(0, pages - 1) * 1000) / limitPerSecond + latencyMs;
}

/** Measures each size with fresh servers (simulator enforcing the limit, dynalite) and fresh collector processes. */
export async function measurePacing(
  sizes: readonly number[],
  latencyMs: number,
  progress: (message: string) => void = () => {},
): Promise<PacingMeasurement[]> {
  if (sizes.length === 0) return [];
  const root = await mkdtemp(join(tmpdir(), 'rollcall-bench-pacing-'));
  try {
    const collector = join(root, 'pacing-collector.mjs');
    await bundleEntry(COLLECTOR_ENTRY, collector);
    const results: PacingMeasurement[] = [];
    for (const [index, users] of sizes.entries()) {
      progress(`[pacing ${index + 1}/${sizes.length}] ${users.toLocaleString('en-US')} users at ${PACING_LIMIT_PER_SECOND}/s: first poll, unchanged poll...`);
      const workDir = await mkdtemp(join(root, 'size-'));
      const servers = startJsonChild('pacing servers', [
        RUN_TS,
        SERVERS_ENTRY,
        '--users',
        String(users),
        '--latency',
        '0',
        '--data-dir',
        join(workDir, 'dynamodb'),
      ]);
      const api = await startTorqSimulator({
        workspace: generateWorkspace({ users }),
        credentials: { ...BENCH_CREDENTIALS },
        latencyMs,
        rateLimitPerSecond: PACING_LIMIT_PER_SECOND,
      });
      try {
        const started = (await servers.firstJson) as BenchEndpoints;
        const endpoints: BenchEndpoints = { ...started, latencyMs, apiUrl: api.apiUrl, authUrl: api.authUrl };
        const step = async (name: PacingStep) =>
          (await runJsonChild(`pacing collector (${name})`, [
            collector,
            '--step',
            name,
            '--endpoints',
            JSON.stringify(endpoints),
            '--work-dir',
            workDir,
          ])) as PacingStepResult;
        const setup = await step('setup');
        if (setup.outcome !== 'completed') throw new Error(`pacing setup poll ended ${setup.outcome}: ${setup.error ?? 'no reason given'}`);
        const listing = await step('listing');
        const measured = await step('measure');
        const former = await step('former');
        const floorMs = pacingFloorMs(measured.dataCalls.ok, PACING_LIMIT_PER_SECOND, latencyMs);
        const result: PacingMeasurement = {
          users,
          latencyMs,
          limitPerSecond: PACING_LIMIT_PER_SECOND,
          wallMs: measured.wallMs,
          listingMs: listing.wallMs,
          formerWallMs: former.wallMs,
          outcome: measured.outcome,
          error: measured.error,
          accounts: measured.accounts,
          dataCalls: measured.dataCalls,
          floorMs: Math.round(floorMs * 10) / 10,
          ratio: Math.round((measured.wallMs / floorMs) * 1000) / 1000,
          setupMs: setup.wallMs,
        };
        progress(
          `    unchanged poll ${(result.wallMs / 1000).toFixed(2)} s / floor ${(floorMs / 1000).toFixed(2)} s = ${result.ratio.toFixed(3)}, ${result.dataCalls.throttled} x 429 (at the former ${FORMER_REQUESTS_PER_SECOND}/s: ${(former.wallMs / 1000).toFixed(2)} s)`,
        );
        results.push(result);
      } finally {
        await Promise.all([servers.stop(), api.close()]);
        await rm(workDir, { recursive: true, force: true });
      }
    }
    return results;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** One target per measured size: completed, and within `PACING_TARGET_RATIO` of the floor. */
export function pacingTargets(measurements: readonly PacingMeasurement[]): TargetResult[] {
  return measurements.map((size) => {
    const completed = size.outcome === 'completed';
    return {
      id: 'pacing-to-floor-ratio',
      description: `unchanged poll against a ${size.limitPerSecond}/s limit / ideal client at exactly ${size.limitPerSecond}/s`,
      users: size.users,
      value: size.ratio,
      limit: PACING_TARGET_RATIO,
      unit: 'x',
      status: completed && size.ratio <= PACING_TARGET_RATIO ? 'PASS' : 'FAIL',
      detail: `poll ${seconds(size.wallMs)} (${size.outcome}${size.error === null ? '' : `: ${size.error}`}) / floor ${seconds(size.floorMs)}; listing alone ${seconds(size.listingMs)}; at the former ${FORMER_REQUESTS_PER_SECOND}/s ${seconds(size.formerWallMs)}; ${describeCalls(size.dataCalls)}`,
    };
  });
}

/** The report's table of the pacing runs. */
export function pacingSection(measurements: readonly PacingMeasurement[]): { title: string; head: string[]; rows: string[][] } | null {
  const [first] = measurements;
  if (first === undefined) return null;
  return {
    title: `Pacing: simulator enforcing ${first.limitPerSecond} requests/s per API key (fixed one-second windows, 429 + Retry-After), latency ${first.latencyMs} ms, default connector pacing`,
    head: [
      'users',
      'unchanged poll s',
      'outcome',
      'pages',
      'data calls',
      '429s',
      'listing only s',
      `at the former ${FORMER_REQUESTS_PER_SECOND}/s s`,
      'floor s',
      'poll / floor',
      `former ${FORMER_REQUESTS_PER_SECOND}/s / floor`,
    ],
    rows: measurements.map((size) => [
      size.users.toLocaleString('en-US'),
      (size.wallMs / 1000).toFixed(2),
      size.outcome,
      size.dataCalls.ok.toLocaleString('en-US'),
      size.dataCalls.requests.toLocaleString('en-US'),
      String(size.dataCalls.throttled),
      (size.listingMs / 1000).toFixed(2),
      (size.formerWallMs / 1000).toFixed(2),
      (size.floorMs / 1000).toFixed(2),
      size.ratio.toFixed(3),
      (size.formerWallMs / size.floorMs).toFixed(3),
    ]),
  };
}

function describeCalls(calls: DataCallTally): string {
  return `${calls.requests} data calls: ${calls.ok} pages, ${calls.throttled} answered 429, ${calls.failed} failed`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
