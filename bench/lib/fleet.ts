/**
 * The fleet benchmark (`npm run bench -- --fleet 1000`): a thousand connectors of mixed apps and
 * sizes registered as definitions and polled through `rollcall watch`'s scheduling path
 * (fleet-phases.ts), against simulators and dynalite on loopback. It measures:
 * - polls completed per minute at the concurrency cap, against the floor-bound ideal: the sum of
 *   the connectors' floors (each workspace listed alone, with no store) divided by the cap;
 * - DynamoDB requests per unchanged connector-poll, the loop's claims and queries included
 *   (target: at most 5 writes, as for one connector);
 * - the watcher's memory with 100, 500 and 1,000 connectors enabled: its peak RSS, and the heap it
 *   retains after each round (after a full GC), which must not grow with their number.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RequestCounts } from '../../functions/adapters/dynamodb/client.ts';
import type { SyncOutcome } from '../../functions/core/types.ts';
import { bundleEntry } from './esbuild-bundle.ts';
import { runJsonChild, startJsonChild } from './json-child.ts';
import { fleetConnectorId, workspaceOf } from './fleet-plan.ts';
import type { FleetFloorsResult, FleetPhaseName, FleetRoundResult } from './fleet-phases.ts';
import type { FleetEndpoints } from './fleet-servers.ts';

export const DEFAULT_FLEET_CONCURRENCY = 8;
/** Fleet sizes of the memory measurement besides the whole fleet (those below it). */
export const FLEET_MEMORY_POINTS: readonly number[] = [100, 500];

export const FLEET_LIMITS = {
  /** Write requests per unchanged connector-poll: the poll's bookkeeping plus the claim. */
  writesPerPoll: 5,
  /**
   * Heap the watcher retains after a round (after a full GC), per 1,000 connectors more: what it
   * would hold per connector. 1 MB per 1,000 is 1 KB a connector.
   */
  retainedMbPer1kConnectors: 1,
} as const;

export interface FleetOptions {
  readonly connectors: number;
  readonly concurrency: number;
  readonly latencyMs: number;
  readonly onProgress?: (message: string) => void;
}

export interface FleetRound {
  readonly connectors: number;
  readonly polls: number;
  readonly outcomes: Partial<Record<SyncOutcome, number>>;
  readonly accounts: number;
  readonly wallMs: number;
  readonly pollsPerMinute: number;
  /** Sum of the polled connectors' floors. */
  readonly floorSumMs: number;
  /** Polls per minute if every poll took its floor and the cap were always full: connectors / (floor sum / cap). */
  readonly idealPollsPerMinute: number;
  /** Wall time / (floor sum / cap): 1.0 is the floor-bound ideal. */
  readonly ratio: number;
  readonly dynamo: RequestCounts;
  readonly readsPerPoll: number;
  readonly writesPerPoll: number;
  readonly baselineRssMb: number;
  readonly peakRssMb: number;
  readonly retainedHeapMb: number;
}

export interface FleetTarget {
  readonly description: string;
  readonly value: number;
  readonly limit: number;
  readonly unit: string;
  readonly passed: boolean;
}

export interface FleetResult {
  readonly connectors: number;
  readonly concurrency: number;
  readonly latencyMs: number;
  readonly workspaces: readonly { readonly app: string; readonly users: number; readonly floorMs: number }[];
  readonly registerMs: number;
  readonly populate: { readonly wallMs: number; readonly polls: number; readonly accounts: number; readonly outcomes: Partial<Record<SyncOutcome, number>> };
  readonly rounds: readonly FleetRound[];
  readonly targets: readonly FleetTarget[];
  readonly passed: boolean;
  readonly durationMs: number;
}

const WATCHER_ENTRY = fileURLToPath(new URL('../fleet-watcher.ts', import.meta.url));
const SERVERS_ENTRY = fileURLToPath(new URL('../fleet-servers.ts', import.meta.url));
const RUN_TS = fileURLToPath(new URL('../../bin/run-ts.mjs', import.meta.url));
const HOUR_MS = 3_600_000;

export async function measureFleet(options: FleetOptions): Promise<FleetResult> {
  const started = Date.now();
  const progress = options.onProgress ?? (() => {});
  const root = await mkdtemp(join(tmpdir(), 'rollcall-bench-fleet-'));
  try {
    const watcher = join(root, 'fleet-watcher.mjs');
    await bundleEntry(WATCHER_ENTRY, watcher);
    const servers = startJsonChild('fleet servers', [RUN_TS, SERVERS_ENTRY, '--data-dir', join(root, 'dynamodb'), '--latency', String(options.latencyMs)]);
    try {
      const endpoints = (await servers.firstJson) as FleetEndpoints;
      const credentialsFile = await writeFleetCredentials(root, endpoints, options.connectors);
      const start = Math.ceil(Date.now() / 60_000) * 60_000;
      const phase = async (name: FleetPhaseName, enabled: number, nowMs: number) =>
        runJsonChild(`fleet watcher (${name})`, [
          '--expose-gc',
          watcher,
          '--phase',
          name,
          '--endpoints',
          JSON.stringify(endpoints),
          '--connectors',
          String(options.connectors),
          '--enabled',
          String(enabled),
          '--concurrency',
          String(options.concurrency),
          '--now',
          new Date(nowMs).toISOString(),
          '--work-dir',
          root,
          '--credentials',
          credentialsFile,
        ]);

      progress(`fleet: registering ${options.connectors} connectors over ${endpoints.workspaces.length} simulated workspaces...`);
      const registered = (await phase('register', options.connectors, start)) as { wallMs: number };
      progress('fleet: first poll of every connector (not measured: it fills the inventory)...');
      const populated = (await phase('populate', options.connectors, start)) as FleetRoundResult;
      progress(`    done in ${(populated.wallMs / 1000).toFixed(0)} s`);
      progress('fleet: floors (each workspace listed alone, no store)...');
      const floors = (await phase('floors', 0, start)) as FleetFloorsResult;

      const sizes = [...FLEET_MEMORY_POINTS.filter((size) => size < options.connectors), options.connectors];
      const rounds: FleetRound[] = [];
      for (const [index, size] of sizes.entries()) {
        // Two hours on: past every due time the previous round left (at most one period ahead).
        const nowMs = start + (index + 1) * 2 * HOUR_MS;
        await phase('configure', size, nowMs);
        progress(`fleet: unchanged round of ${size} connectors at concurrency ${options.concurrency}...`);
        const round = (await phase('round', size, nowMs)) as FleetRoundResult;
        rounds.push(roundOf(round, size, floors.floorsMs, options.concurrency));
        progress(`    ${round.polls} polls in ${(round.wallMs / 1000).toFixed(1)} s, peak RSS ${round.peakRssMb} MB`);
      }
      const targets = fleetTargets(rounds, options.connectors);
      return {
        connectors: options.connectors,
        concurrency: options.concurrency,
        latencyMs: options.latencyMs,
        workspaces: endpoints.workspaces.map((workspace, index) => ({ app: workspace.app, users: workspace.users, floorMs: floors.floorsMs[index] ?? 0 })),
        registerMs: registered.wallMs,
        populate: { wallMs: populated.wallMs, polls: populated.polls, accounts: populated.accounts, outcomes: populated.outcomes },
        rounds,
        targets,
        passed: targets.every((target) => target.passed),
        durationMs: Date.now() - started,
      };
    } finally {
      await servers.stop();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Every connector's entry, as a person would keep them for `rollcall watch`: one file, mode 0600. */
async function writeFleetCredentials(root: string, endpoints: FleetEndpoints, connectors: number): Promise<string> {
  const entries: Record<string, Readonly<Record<string, string>>> = {};
  for (let index = 0; index < connectors; index += 1) entries[fleetConnectorId(index)] = workspaceOf(endpoints.workspaces, index).credentials;
  const path = join(root, 'credentials.json');
  await writeFile(path, JSON.stringify(entries), { mode: 0o600 });
  await chmod(path, 0o600);
  return path;
}

function roundOf(round: FleetRoundResult, connectors: number, floorsMs: readonly number[], concurrency: number): FleetRound {
  let floorSumMs = 0;
  for (let index = 0; index < connectors; index += 1) floorSumMs += workspaceOf(floorsMs, index);
  const minutes = round.wallMs / 60_000;
  const idealMinutes = floorSumMs / concurrency / 60_000;
  return {
    connectors,
    polls: round.polls,
    outcomes: round.outcomes,
    accounts: round.accounts,
    wallMs: round.wallMs,
    pollsPerMinute: rounded(round.polls / minutes),
    floorSumMs: rounded(floorSumMs),
    idealPollsPerMinute: rounded(connectors / idealMinutes),
    ratio: Math.round((minutes / idealMinutes) * 1000) / 1000,
    dynamo: round.dynamo,
    readsPerPoll: Math.round((round.dynamo.reads / round.polls) * 100) / 100,
    writesPerPoll: Math.round((round.dynamo.writes / round.polls) * 100) / 100,
    baselineRssMb: round.baselineRssMb,
    peakRssMb: round.peakRssMb,
    retainedHeapMb: round.retainedHeapMb,
  };
}

function fleetTargets(rounds: readonly FleetRound[], connectors: number): FleetTarget[] {
  const whole = rounds.at(-1);
  const smallest = rounds[0];
  if (whole === undefined || smallest === undefined) return [];
  const completed = rounds.reduce((sum, round) => sum + (round.outcomes.completed ?? 0), 0);
  const polls = rounds.reduce((sum, round) => sum + round.polls, 0);
  const targets: FleetTarget[] = [
    {
      description: `unchanged connector-poll through the watch loop: DynamoDB write requests per poll (${connectors} connectors)`,
      value: whole.writesPerPoll,
      limit: FLEET_LIMITS.writesPerPoll,
      unit: 'requests',
      passed: whole.writesPerPoll <= FLEET_LIMITS.writesPerPoll,
    },
    {
      description: 'every poll of the unchanged rounds completed',
      value: completed,
      limit: polls,
      unit: 'polls',
      passed: completed === polls,
    },
  ];
  if (rounds.length > 1) {
    const slope = Math.round(((whole.retainedHeapMb - smallest.retainedHeapMb) / (whole.connectors - smallest.connectors)) * 1000 * 100) / 100;
    targets.push({
      description: `watcher memory flat in the connectors: heap retained after a round, ${smallest.connectors} -> ${whole.connectors} connectors, per 1,000 connectors`,
      value: slope,
      limit: FLEET_LIMITS.retainedMbPer1kConnectors,
      unit: 'MB',
      passed: slope <= FLEET_LIMITS.retainedMbPer1kConnectors,
    });
  }
  return targets;
}

function rounded(value: number): number {
  return Math.round(value * 10) / 10;
}

const number = (value: number) => value.toLocaleString('en-US');

/** The fleet's tables as Markdown (`markdown`) or aligned text. */
export function renderFleet(result: FleetResult, markdown: boolean): string {
  const table = (title: string, header: readonly string[], rows: readonly (readonly string[])[]) => {
    if (markdown) {
      return [`**${title}**`, '', `| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`), ''].join('\n');
    }
    const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
    const line = (row: readonly string[]) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
    return [title, line(header), ...rows.map(line), ''].join('\n');
  };
  const apps = [...new Set(result.workspaces.map((workspace) => workspace.app))];
  const workspaceRows = apps.map((app) => {
    const of = result.workspaces.filter((workspace) => workspace.app === app);
    const users = of.map((workspace) => workspace.users);
    const floors = of.map((workspace) => workspace.floorMs);
    return [app, String(of.length), `${number(Math.min(...users))}-${number(Math.max(...users))}`, `${number(Math.min(...floors))}-${number(Math.max(...floors))}`];
  });
  const rounds = result.rounds.map((round) => [
    number(round.connectors),
    number(round.accounts),
    (round.wallMs / 1000).toFixed(1),
    round.pollsPerMinute.toFixed(0),
    (round.floorSumMs / 1000).toFixed(1),
    round.idealPollsPerMinute.toFixed(0),
    round.ratio.toFixed(2),
    `${number(round.dynamo.reads)} / ${number(round.dynamo.writes)}`,
    `${round.readsPerPoll.toFixed(2)} / ${round.writesPerPoll.toFixed(2)}`,
    Object.entries(round.dynamo.byCommand)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([command, count]) => `${command} ${number(count)}`)
      .join(', '),
    `${round.baselineRssMb} / ${round.peakRssMb}`,
    String(round.retainedHeapMb),
  ]);
  const targets = result.targets.map((target) => [target.description, `${target.value} ${target.unit}`, `${target.limit} ${target.unit}`, target.passed ? 'PASS' : 'FAIL']);
  return [
    table(
      `Fleet: ${number(result.connectors)} connectors over ${result.workspaces.length} simulated workspaces (latency ${result.latencyMs} ms per answer); first polls of all ${number(result.populate.polls)} in ${(result.populate.wallMs / 1000).toFixed(0)} s (${number(result.populate.accounts)} accounts)`,
      ['app', 'workspaces', 'users', 'floor ms'],
      workspaceRows,
    ),
    table(
      `Fleet: unchanged rounds through the watch loop at concurrency ${result.concurrency} (every enabled connector due at once)`,
      ['connectors', 'accounts', 'wall s', 'polls/min', 'floor sum s', `ideal polls/min (floors / ${result.concurrency})`, 'wall / ideal', 'DDB reads / writes', 'per poll', 'requests', 'RSS MB baseline / peak', 'heap MB retained'],
      rounds,
    ),
    table('Fleet targets', ['target', 'measured', 'limit', 'result'], targets),
    `fleet: ${result.passed ? 'every target held' : 'a target FAILED'} (${(result.durationMs / 1000).toFixed(0)} s)\n`,
  ].join('\n');
}
