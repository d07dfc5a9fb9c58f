/**
 * What the collector talks to during a benchmark: the Torq simulator over a seeded workspace and
 * an embedded dynalite, both on loopback. Two simulators serve the same workspace: one answers each
 * data call after the benchmark's latency (design.md section 10), the other at once, for the CPU
 * measurement that must not hide behind network waits.
 */
import { generateWorkspace, startTorqSimulator } from '../../simulators/torq/index.ts';
import { startEmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
import { BENCH_CREDENTIALS } from './bench-credentials.ts';

export interface BenchServersOptions {
  readonly users: number;
  readonly latencyMs: number;
  /** LevelDB directory of dynalite; in memory when undefined. */
  readonly dataDir?: string;
}

/** Where the collector finds everything; printed by `bench/servers.ts` as one JSON line. */
export interface BenchEndpoints {
  readonly users: number;
  readonly latencyMs: number;
  /** The simulator answering after `latencyMs`. */
  readonly apiUrl: string;
  readonly authUrl: string;
  /** The same workspace, answered without delay. */
  readonly instantApiUrl: string;
  readonly instantAuthUrl: string;
  readonly dynamoEndpoint: string;
}

export interface BenchServers {
  readonly endpoints: BenchEndpoints;
  close(): Promise<void>;
}

export async function startBenchServers(options: BenchServersOptions): Promise<BenchServers> {
  const workspace = generateWorkspace({ users: options.users });
  const delayed = await startTorqSimulator({ workspace, credentials: { ...BENCH_CREDENTIALS }, latencyMs: options.latencyMs });
  const instant = await startTorqSimulator({ workspace, credentials: { ...BENCH_CREDENTIALS } });
  const dynamo = await startEmbeddedDynamo(options.dataDir !== undefined ? { dataDir: options.dataDir } : {});
  return {
    endpoints: {
      users: options.users,
      latencyMs: options.latencyMs,
      apiUrl: delayed.apiUrl,
      authUrl: delayed.authUrl,
      instantApiUrl: instant.apiUrl,
      instantAuthUrl: instant.authUrl,
      dynamoEndpoint: dynamo.endpoint,
    },
    async close() {
      await Promise.all([delayed.close(), instant.close(), dynamo.close()]);
    },
  };
}
