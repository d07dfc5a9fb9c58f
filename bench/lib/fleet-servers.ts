/**
 * What the fleet benchmark's watcher talks to: one simulator per planned workspace (Torq and
 * Twingate, each answering after the benchmark's latency, design.md section 10) and dynalite with
 * its table on disk, all on loopback, in a process of their own.
 */
import { startEmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
import { generateWorkspace, startTorqSimulator } from '../../simulators/torq/index.ts';
import { generateTwingateWorkspace, startTwingateSimulator } from '../../simulators/twingate/index.ts';
import { BENCH_CREDENTIALS } from './bench-credentials.ts';
import { fleetWorkspaces, type FleetApp } from './fleet-plan.ts';

/** The Twingate API key the fleet's simulated networks accept: a fixed benchmark value, not a secret. */
export const FLEET_TWINGATE_KEY = 'rollcall-bench-twingate-key';

export interface FleetWorkspaceEndpoint {
  readonly index: number;
  readonly app: FleetApp;
  readonly users: number;
  /** The connector config (a definition's `config`) that reaches this workspace. */
  readonly config: Readonly<Record<string, string>>;
  /** The credentials it accepts, as the app's credential fields. */
  readonly credentials: Readonly<Record<string, string>>;
}

export interface FleetEndpoints {
  readonly latencyMs: number;
  readonly dynamoEndpoint: string;
  readonly workspaces: readonly FleetWorkspaceEndpoint[];
}

export interface FleetServers {
  readonly endpoints: FleetEndpoints;
  close(): Promise<void>;
}

export async function startFleetServers(options: { readonly latencyMs: number; readonly dataDir: string }): Promise<FleetServers> {
  const closers: (() => Promise<void>)[] = [];
  try {
    const workspaces: FleetWorkspaceEndpoint[] = [];
    for (const plan of fleetWorkspaces()) {
      if (plan.app === 'torq') {
        const simulator = await startTorqSimulator({
          workspace: generateWorkspace({ users: plan.users, seed: plan.seed }),
          credentials: { ...BENCH_CREDENTIALS },
          latencyMs: options.latencyMs,
        });
        closers.push(() => simulator.close());
        workspaces.push({
          ...plan,
          config: { apiUrl: simulator.apiUrl, authUrl: simulator.authUrl },
          credentials: { ...BENCH_CREDENTIALS },
        });
      } else {
        const simulator = await startTwingateSimulator({
          workspace: generateTwingateWorkspace({ users: plan.users, seed: plan.seed }),
          apiKey: FLEET_TWINGATE_KEY,
          latencyMs: options.latencyMs,
        });
        closers.push(() => simulator.close());
        workspaces.push({ ...plan, config: { network: 'acme', apiUrl: simulator.apiUrl }, credentials: { apiKey: FLEET_TWINGATE_KEY } });
      }
    }
    const dynamo = await startEmbeddedDynamo({ dataDir: options.dataDir });
    closers.push(() => dynamo.close());
    return {
      endpoints: { latencyMs: options.latencyMs, dynamoEndpoint: dynamo.endpoint, workspaces },
      close: async () => {
        await Promise.all(closers.map((close) => close()));
      },
    };
  } catch (error) {
    await Promise.all(closers.map((close) => close()));
    throw error;
  }
}
