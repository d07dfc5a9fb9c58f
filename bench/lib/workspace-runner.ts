/**
 * Measures one workspace size: starts the servers (simulator and dynalite) in a child process,
 * runs each phase (first poll, floor, unchanged poll) in a fresh child process running the
 * collector bundled like the poller Lambda, and assembles what they measured. So RSS and CPU are
 * the collector's own, no phase inherits another's heap, and no TypeScript loader sits in the
 * collector's memory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchEndpoints } from './bench-servers.ts';
import { bundleEntry } from './esbuild-bundle.ts';
import { startJsonChild, runJsonChild } from './json-child.ts';
import type {
  CpuMeasurement,
  FirstPollPhase,
  FloorMeasurement,
  FloorPhase,
  ItemMeasurement,
  PhaseName,
  PhaseResult,
  PollMeasurement,
  UnchangedPollPhase,
} from './measure-phases.ts';

export interface WorkspaceMemory {
  /** RSS of a collector process with its code loaded and clients open, before any work. */
  readonly baselineRssMb: number;
  readonly firstPollPeakRssMb: number;
  readonly floorPeakRssMb: number;
  readonly secondPollPeakRssMb: number;
  /** The unchanged poll's process including the CPU runs after it: a warm process, like a reused Lambda environment. */
  readonly unchangedProcessPeakRssMb: number;
  /** The higher of the two polls' peaks. */
  readonly peakRssMb: number;
}

export interface WorkspaceMeasurement {
  readonly users: number;
  readonly latencyMs: number;
  readonly firstPoll: PollMeasurement;
  readonly floor: FloorMeasurement;
  readonly secondPoll: PollMeasurement;
  /** Second poll wall time / floor wall time. */
  readonly ratio: number;
  readonly cpu: CpuMeasurement;
  readonly items: ItemMeasurement;
  readonly memory: WorkspaceMemory;
  readonly elapsedMs: number;
}

export interface WorkspaceRunner {
  measure(users: number, latencyMs: number): Promise<WorkspaceMeasurement>;
  close(): Promise<void>;
}

const SERVERS_ENTRY = fileURLToPath(new URL('../servers.ts', import.meta.url));
const COLLECTOR_ENTRY = fileURLToPath(new URL('../collector.ts', import.meta.url));
const RUN_TS = fileURLToPath(new URL('../../bin/run-ts.mjs', import.meta.url));

type RunPhase = (phase: PhaseName, endpoints: BenchEndpoints, workDir: string) => Promise<PhaseResult>;

export async function createWorkspaceRunner(): Promise<WorkspaceRunner> {
  const root = await mkdtemp(join(tmpdir(), 'rollcall-bench-'));
  const collector = join(root, 'collector.mjs');
  try {
    await bundleEntry(COLLECTOR_ENTRY, collector);
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  const phase: RunPhase = async (name, endpoints, workDir) =>
    (await runJsonChild(`collector (${name})`, [
      collector,
      '--phase',
      name,
      '--endpoints',
      JSON.stringify(endpoints),
      '--work-dir',
      workDir,
    ])) as PhaseResult;
  return {
    async measure(users, latencyMs) {
      return withWorkDir(root, async (workDir) => {
        const servers = startJsonChild('servers', [
          RUN_TS,
          SERVERS_ENTRY,
          '--users',
          String(users),
          '--latency',
          String(latencyMs),
          // dynalite keeps the table in LevelDB on disk: a large table sits in no process's heap.
          '--data-dir',
          join(workDir, 'dynamodb'),
        ]);
        try {
          const endpoints = (await servers.firstJson) as BenchEndpoints;
          return await measurePhases(endpoints, workDir, phase);
        } finally {
          await servers.stop();
        }
      });
    },
    close: () => rm(root, { recursive: true, force: true }),
  };
}

async function withWorkDir<T>(root: string, work: (workDir: string) => Promise<T>): Promise<T> {
  const workDir = await mkdtemp(join(root, 'size-'));
  try {
    return await work(workDir);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

async function measurePhases(endpoints: BenchEndpoints, workDir: string, phase: RunPhase): Promise<WorkspaceMeasurement> {
  const started = Date.now();
  const first = (await phase('first-poll', endpoints, workDir)) as FirstPollPhase;
  const floor = (await phase('floor', endpoints, workDir)) as FloorPhase;
  const unchanged = (await phase('unchanged-poll', endpoints, workDir)) as UnchangedPollPhase;
  return {
    users: endpoints.users,
    latencyMs: endpoints.latencyMs,
    firstPoll: first.poll,
    floor: floor.floor,
    secondPoll: unchanged.poll,
    ratio: Math.round((unchanged.poll.wallMs / floor.floor.wallMs) * 1000) / 1000,
    cpu: unchanged.cpu,
    items: unchanged.items,
    memory: {
      baselineRssMb: unchanged.memory.baselineRssMb,
      firstPollPeakRssMb: first.memory.peakRssMb,
      floorPeakRssMb: floor.memory.peakRssMb,
      secondPollPeakRssMb: unchanged.memory.peakRssMb,
      unchangedProcessPeakRssMb: unchanged.memory.processPeakRssMb,
      peakRssMb: Math.max(first.memory.peakRssMb, unchanged.memory.peakRssMb),
    },
    elapsedMs: Date.now() - started,
  };
}
