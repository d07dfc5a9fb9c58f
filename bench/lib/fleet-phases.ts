/**
 * The fleet benchmark's phases, each in a fresh watcher process (so each round's peak RSS is its
 * own):
 * - `register`: the fleet's definitions, as `rollcall connectors add` writes them (rate(1 hour),
 *   enabled, due at the start);
 * - `populate`: the first poll of every connector, through the watch loop;
 * - `configure`: the first `enabled` connectors enabled and due at `now`, the others disabled;
 * - `round`: the watch loop at `now` until every enabled connector has been polled once: the
 *   measured round (polls per minute, DynamoDB requests, peak RSS);
 * - `floors`: each workspace listed by its app's connector with no store, diff or events.
 *
 * The polls are `rollcall watch`'s: `watchConnectors` claiming through `claimDueConnectors`, each
 * poll `pollLocally` with the connector's app and config from its definition and its credentials
 * from a credentials file (`LocalCredentialSource`), against the DynamoDB store. Only the loop's
 * clock is fake: it stands still at `now`, a moment when every enabled connector is due, so the
 * round is the backlog a watcher meets after a pause, drained at the concurrency cap without
 * waiting an hour of real time for the schedule. Polls, leases and runs use the real clock.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.ts';
import { countRequests, createDynamoClients, type RequestCounts } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import { JsonLinesEventSink } from '../../functions/adapters/jsonl-event-sink.ts';
import { LocalCredentialSource } from '../../functions/adapters/local-credentials.ts';
import { appRegistry, type ConnectorRuntimeOptions } from '../../functions/connectors/index.ts';
import { collectListing } from '../../functions/core/listing.ts';
import { DEFAULT_POLL_SETTINGS } from '../../functions/core/poll.ts';
import { silentLogger, type Clock, type EventSink } from '../../functions/core/ports.ts';
import type { ConnectorDefinition, SyncOutcome } from '../../functions/core/types.ts';
import { watchConnectors } from '../../functions/core/watch-loop.ts';
import { pollLocally, type PollInventory } from '../../cli/local-poll.ts';
import { fleetConnectorId, workspaceOf } from './fleet-plan.ts';
import type { FleetEndpoints, FleetWorkspaceEndpoint } from './fleet-servers.ts';
import { currentRssMb, startMemorySampler } from './memory-sampler.ts';

export const FLEET_TABLE = 'rollcall-fleet-bench';
export const FLEET_SCHEDULE = 'rate(1 hour)';
export const FLEET_PHASES = ['register', 'populate', 'configure', 'round', 'floors'] as const;
export type FleetPhaseName = (typeof FLEET_PHASES)[number];

/**
 * Twingate allows 60 requests a minute and the connector spends 50: a 2,000-user network takes
 * minutes per poll, and 500 of them hours. The budget is lifted through the runtime option every
 * app's factory takes (as the Twingate requests measurement does), for the polls and their floors
 * alike; Torq keeps its default 50 requests/s.
 */
export const FLEET_RUNTIME: Readonly<Record<string, ConnectorRuntimeOptions>> = { twingate: { requestsPerSecond: 1_000 } };

export interface FleetPhaseOptions {
  readonly endpoints: FleetEndpoints;
  /** Connectors registered. */
  readonly connectors: number;
  /** `configure`: how many of them are enabled. */
  readonly enabled: number;
  readonly concurrency: number;
  /** The loop's (fake) time: ISO. */
  readonly now: string;
  readonly workDir: string;
  /** The credentials file (mode 0600) holding every connector's entry. */
  readonly credentialsFile: string;
}

export interface FleetRoundResult {
  readonly phase: 'populate' | 'round';
  readonly polls: number;
  readonly outcomes: Partial<Record<SyncOutcome, number>>;
  readonly wallMs: number;
  /** Every request of the round: the loop's Query and claims, and the polls'. */
  readonly dynamo: RequestCounts;
  readonly accounts: number;
  readonly baselineRssMb: number;
  readonly peakRssMb: number;
  /**
   * Heap in use after a full garbage collection at the end of the round (the process runs with
   * --expose-gc): what the watcher still holds once its polls are done. Peak RSS also counts the
   * garbage a longer round lets V8 accumulate before it collects.
   */
  readonly retainedHeapMb: number;
}

export interface FleetFloorsResult {
  readonly phase: 'floors';
  /** Wall ms per workspace index. */
  readonly floorsMs: readonly number[];
  readonly accounts: readonly number[];
}

export interface FleetSetupResult {
  readonly phase: 'register' | 'configure';
  readonly connectors: number;
  readonly wallMs: number;
}

export type FleetPhaseResult = FleetRoundResult | FleetFloorsResult | FleetSetupResult;

/** Events of the first polls (two per new account) are not what is measured: counted, not written. */
const discardingSink: EventSink = { publish: async () => {} };

export async function runFleetPhase(phase: FleetPhaseName, options: FleetPhaseOptions): Promise<FleetPhaseResult> {
  const memory = startMemorySampler();
  const clients = createDynamoClients({ endpoint: options.endpoints.dynamoEndpoint });
  try {
    await ensureTable(clients.client, FLEET_TABLE);
    const counter = countRequests(clients.client);
    const store = new DynamoInventoryStore(clients.documentClient, FLEET_TABLE);
    const started = performance.now();
    switch (phase) {
      case 'register': {
        for (let index = 0; index < options.connectors; index += 1) {
          await store.createDefinition(definitionOf(options, index, options.now, true));
        }
        return { phase, connectors: options.connectors, wallMs: round(performance.now() - started) };
      }
      case 'configure': {
        for (const definition of await store.listDefinitions()) {
          const index = Number(definition.connectorId.slice('fleet-'.length));
          const enabled = index < options.enabled;
          await store.updateDefinition({ ...definition, enabled, nextDueAt: enabled ? options.now : null, updatedAt: options.now }, definition.updatedAt);
        }
        return { phase, connectors: options.enabled, wallMs: round(performance.now() - started) };
      }
      case 'floors':
        return await measureFloors(options.endpoints.workspaces);
      case 'populate':
      case 'round': {
        const inventory: PollInventory = {
          store,
          events: phase === 'populate' ? discardingSink : new JsonLinesEventSink(join(options.workDir, 'events.jsonl')),
          eventsFile: join(options.workDir, 'events.jsonl'),
          description: `DynamoDB table ${FLEET_TABLE}`,
          close: async () => {},
        };
        const expected = phase === 'populate' ? options.connectors : options.enabled;
        const baselineRssMb = currentRssMb();
        counter.reset();
        const round = await runRound(inventory, options, expected);
        const peakRssMb = memory.peakMb();
        const dynamo = counter.counts();
        return { phase, ...round, dynamo, baselineRssMb, peakRssMb, retainedHeapMb: retainedHeapMb() };
      }
    }
  } finally {
    memory.stop();
    clients.client.destroy();
  }
}

function definitionOf(options: FleetPhaseOptions, index: number, now: string, enabled: boolean): ConnectorDefinition {
  const workspace = workspaceOf(options.endpoints.workspaces, index);
  return {
    connectorId: fleetConnectorId(index),
    app: workspace.app,
    config: workspace.config,
    schedule: FLEET_SCHEDULE,
    enabled,
    origin: 'added',
    secretArn: null,
    createdAt: now,
    updatedAt: now,
    nextDueAt: enabled ? now : null,
  };
}

/** The watch loop at a standing `now` until `expected` polls have ended; then it is stopped. */
async function runRound(
  inventory: PollInventory,
  options: FleetPhaseOptions,
  expected: number,
): Promise<Pick<FleetRoundResult, 'polls' | 'outcomes' | 'wallMs' | 'accounts'>> {
  const clock: Clock = { now: () => new Date(options.now) };
  const file = { path: options.credentialsFile, required: true };
  const stop = new AbortController();
  const outcomes: Partial<Record<SyncOutcome, number>> = {};
  let polls = 0;
  let accounts = 0;
  const started = performance.now();
  let wallMs = 0;
  await watchConnectors(
    {
      definitions: inventory.store,
      clock,
      logger: silentLogger,
      poll: (definition, signal) => {
        const app = appRegistry.get(definition.app);
        const createConnector = app.createFactory(definition.config, FLEET_RUNTIME[app.name] ?? {});
        return pollLocally(inventory, {
          connectorId: definition.connectorId,
          app: app.name,
          createConnector,
          env: {},
          credentials: new LocalCredentialSource(app.credentialFields, { env: {}, file, plainVariables: false }),
          showProgress: false,
          logger: silentLogger,
          signal,
        });
      },
      onPoll: (report) => {
        polls += 1;
        outcomes[report.outcome] = (outcomes[report.outcome] ?? 0) + 1;
        accounts += report.counts?.total ?? 0;
        if (polls >= expected) {
          wallMs = performance.now() - started;
          stop.abort();
        }
      },
    },
    { concurrency: options.concurrency },
    stop.signal,
  );
  return { polls, outcomes, wallMs: round(wallMs), accounts };
}

/** The floor of each workspace: the same connector (and runtime options) listing it, with no store, diff or events. */
async function measureFloors(workspaces: readonly FleetWorkspaceEndpoint[]): Promise<FleetFloorsResult> {
  const floorsMs: number[] = [];
  const accounts: number[] = [];
  for (const workspace of workspaces) {
    const factory = appRegistry.get(workspace.app).createFactory(workspace.config, FLEET_RUNTIME[workspace.app] ?? {});
    const started = performance.now();
    const listing = await collectListing(factory(workspace.credentials), { maxPagesPerStream: DEFAULT_POLL_SETTINGS.maxPagesPerStream });
    floorsMs.push(round(performance.now() - started));
    accounts.push(listing.accounts.length);
  }
  return { phase: 'floors', floorsMs, accounts };
}

/** Heap used after a full collection; `NaN` when the process was not started with --expose-gc. */
function retainedHeapMb(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return Number.NaN;
  gc();
  return round(process.memoryUsage().heapUsed / (1024 * 1024));
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
