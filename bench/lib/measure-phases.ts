/**
 * The phases of one workspace size, each meant to run in a fresh collector process (so each
 * poll's peak RSS is its own, as in a Lambda cold start):
 * - `first-poll`: a poll into an empty table;
 * - `floor`: the same pages through the same connector and paging driver, with no store;
 * - `unchanged-poll`: a second poll of the unchanged workspace, then the CPU of an unchanged poll
 *   and of the floor at zero latency, then the sizes of the stored items.
 * DynamoDB requests are counted by the SDK client's own middleware (`countRequests`), HTTP
 * requests below the HTTP client's rate limiter (`createHttpTracker`).
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.ts';
import { countRequests, createDynamoClients, type RequestCounter, type RequestCounts } from '../../functions/adapters/dynamodb/client.ts';
import { accountToItem, connectorToItem, identityToItem, runToItem } from '../../functions/adapters/dynamodb/items.ts';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import { JsonLinesEventSink } from '../../functions/adapters/jsonl-event-sink.ts';
import { createConnectorFactory, type ConnectorFactory } from '../../functions/connectors/index.ts';
import { collectListing } from '../../functions/core/listing.ts';
import { DEFAULT_POLL_SETTINGS, pollConnector, type PollDependencies } from '../../functions/core/poll.ts';
import { silentLogger, systemClock, type CredentialSource } from '../../functions/core/ports.ts';
import type { SyncCounts } from '../../functions/core/types.ts';
import { BENCH_CREDENTIALS } from './bench-credentials.ts';
import type { BenchEndpoints } from './bench-servers.ts';
import { createHttpTracker, type HttpTally, type HttpTracker } from './http-tally.ts';
import { itemSizeBytes, writeUnits } from './item-size.ts';
import { currentRssMb, startMemorySampler } from './memory-sampler.ts';

export const BENCH_CONNECTOR_ID = 'bench';
export const BENCH_TABLE = 'rollcall-bench';

export const PHASES = ['first-poll', 'floor', 'unchanged-poll'] as const;
export type PhaseName = (typeof PHASES)[number];

export interface PollMeasurement {
  readonly wallMs: number;
  readonly counts: SyncCounts;
  readonly events: number;
  /** Requests as the DynamoDB SDK client sent them. */
  readonly dynamo: RequestCounts;
  readonly http: HttpTally;
}

export interface FloorMeasurement {
  readonly wallMs: number;
  readonly pages: number;
  readonly accounts: number;
  readonly http: HttpTally;
}

export interface CpuMeasurement {
  /** CPU (user + system) of the collector process during an unchanged poll at zero latency. */
  readonly pollMs: number;
  /** The same for the floor: what listing alone costs (HTTP, JSON, validation). */
  readonly floorMs: number;
  readonly pollMsPer1kAccounts: number;
  readonly floorMsPer1kAccounts: number;
}

/** Sizes of the items as stored (key attributes included), for the cost model. */
export interface ItemStats {
  readonly count: number;
  readonly totalBytes: number;
  readonly meanBytes: number;
  readonly maxBytes: number;
  /** Sum over the items of one write each: one unit per started kilobyte. */
  readonly writeUnits: number;
}

export interface ItemMeasurement {
  readonly accounts: ItemStats;
  /** Accounts carrying an email, hence an entry in GSI1 too. */
  readonly accountsWithEmail: number;
  readonly identities: ItemStats;
  readonly connectorBytes: number;
  readonly runBytes: number;
  /** Query requests (pages) that loading every account of the connector takes. */
  readonly accountQueryPages: number;
}

export interface PhaseMemory {
  /** RSS once the code is loaded and the clients are open, before the phase's work. */
  readonly baselineRssMb: number;
  /** Highest RSS of the process up to the end of the phase's measured step. */
  readonly peakRssMb: number;
}

export interface FirstPollPhase {
  readonly phase: 'first-poll';
  readonly poll: PollMeasurement;
  readonly memory: PhaseMemory;
}

export interface FloorPhase {
  readonly phase: 'floor';
  readonly floor: FloorMeasurement;
  readonly memory: PhaseMemory;
}

export interface UnchangedPollPhase {
  readonly phase: 'unchanged-poll';
  readonly poll: PollMeasurement;
  readonly cpu: CpuMeasurement;
  readonly items: ItemMeasurement;
  /** `peakRssMb` covers the unchanged poll; `processPeakRssMb` also the two CPU runs after it in the same process. */
  readonly memory: PhaseMemory & { readonly processPeakRssMb: number };
}

export type PhaseResult = FirstPollPhase | FloorPhase | UnchangedPollPhase;

export interface PhaseOptions {
  readonly endpoints: BenchEndpoints;
  /** Where the polls write their JSON-lines events. */
  readonly workDir: string;
}

/** The credentials the simulator accepts, with a fixed fingerprint. */
const benchCredentials: CredentialSource = {
  get: async () => ({ credentials: { ...BENCH_CREDENTIALS }, fingerprint: 'bench' }),
};

export async function runPhase(phase: PhaseName, options: PhaseOptions): Promise<PhaseResult> {
  const { endpoints } = options;
  const memory = startMemorySampler();
  const clients = createDynamoClients({ endpoint: endpoints.dynamoEndpoint });
  try {
    await ensureTable(clients.client, BENCH_TABLE);
    const counter = countRequests(clients.client);
    const store = new DynamoInventoryStore(clients.documentClient, BENCH_TABLE);
    const http = createHttpTracker();
    // The default runtime options (the rate budget included) everywhere, so poll and floor compare.
    const delayed = createConnectorFactory('torq', { apiUrl: endpoints.apiUrl, authUrl: endpoints.authUrl }, { fetch: http.fetch });
    const instant = createConnectorFactory(
      'torq',
      { apiUrl: endpoints.instantApiUrl, authUrl: endpoints.instantAuthUrl },
      { fetch: http.fetch },
    );
    const dependencies: Omit<PollDependencies, 'createConnector'> = {
      store,
      events: new JsonLinesEventSink(join(options.workDir, 'events.jsonl')),
      credentials: benchCredentials,
      clock: systemClock,
      logger: silentLogger,
    };
    const poll = async (createConnector: ConnectorFactory): Promise<PollMeasurement> => {
      counter.reset();
      http.reset();
      const started = performance.now();
      const result = await pollConnector({ ...dependencies, createConnector }, { connectorId: BENCH_CONNECTOR_ID, app: 'torq' });
      const wallMs = performance.now() - started;
      if (result.outcome !== 'completed') {
        throw new Error(`benchmark poll ended ${result.outcome}: ${result.error ?? 'no reason given'}`);
      }
      return { wallMs: round(wallMs), counts: result.counts, events: result.events, dynamo: counter.counts(), http: http.tally() };
    };

    const baselineRssMb = currentRssMb();
    switch (phase) {
      case 'first-poll': {
        const measured = await poll(delayed);
        return { phase, poll: measured, memory: { baselineRssMb, peakRssMb: memory.peakMb() } };
      }
      case 'floor': {
        const floor = await measureFloor(delayed, http);
        return { phase, floor, memory: { baselineRssMb, peakRssMb: memory.peakMb() } };
      }
      case 'unchanged-poll': {
        const measured = await poll(delayed);
        const peakRssMb = memory.peakMb();
        const cpu = await measureCpu(instant, http, poll);
        counter.detach();
        const items = await measureItems(store, countRequests(clients.client));
        return { phase, poll: measured, cpu, items, memory: { baselineRssMb, peakRssMb, processPeakRssMb: memory.peakMb() } };
      }
    }
  } finally {
    memory.stop();
    clients.client.destroy();
  }
}

/** The floor: the same connector and paging driver, and nothing else (no store, no diff, no events). */
async function measureFloor(createConnector: ConnectorFactory, http: HttpTracker): Promise<FloorMeasurement> {
  http.reset();
  const started = performance.now();
  const listing = await collectListing(createConnector(BENCH_CREDENTIALS), {
    maxPagesPerStream: DEFAULT_POLL_SETTINGS.maxPagesPerStream,
  });
  const wallMs = performance.now() - started;
  return { wallMs: round(wallMs), pages: listing.pages, accounts: listing.accounts.length, http: http.tally() };
}

async function measureCpu(
  instant: ConnectorFactory,
  http: HttpTracker,
  poll: (createConnector: ConnectorFactory) => Promise<PollMeasurement>,
): Promise<CpuMeasurement> {
  const pollStart = process.cpuUsage();
  const unchanged = await poll(instant);
  const pollMs = cpuMs(process.cpuUsage(pollStart));
  const floorStart = process.cpuUsage();
  const floor = await measureFloor(instant, http);
  const floorMs = cpuMs(process.cpuUsage(floorStart));
  return {
    pollMs: round(pollMs),
    floorMs: round(floorMs),
    pollMsPer1kAccounts: round((pollMs * 1000) / Math.max(1, unchanged.counts.total)),
    floorMsPer1kAccounts: round((floorMs * 1000) / Math.max(1, floor.accounts)),
  };
}

/** Reads back what the polls stored and sizes each item as DynamoDB bills it. */
async function measureItems(store: DynamoInventoryStore, counter: RequestCounter): Promise<ItemMeasurement> {
  const accounts = await store.loadAccounts(BENCH_CONNECTOR_ID);
  const accountQueryPages = counter.counts().byCommand.Query ?? 0;
  counter.detach();
  const connector = await store.getConnector(BENCH_CONNECTOR_ID);
  const [run] = await store.listRuns(BENCH_CONNECTOR_ID, 1);
  if (connector === null || run === undefined) throw new Error('the benchmark store lost its connector state or runs');
  const accountSizes = accounts.map((account) => itemSizeBytes(accountToItem(account)));
  const identitySizes = accounts.flatMap((account) =>
    account.emailKey === null
      ? []
      : [
          itemSizeBytes(
            identityToItem({ emailKey: account.emailKey, firstSeenAt: account.firstSeenAt, firstConnectorId: BENCH_CONNECTOR_ID }),
          ),
        ],
  );
  return {
    accounts: itemStats(accountSizes),
    accountsWithEmail: identitySizes.length,
    identities: itemStats(identitySizes),
    connectorBytes: itemSizeBytes(connectorToItem(connector)),
    runBytes: itemSizeBytes(runToItem(run)),
    accountQueryPages,
  };
}

function itemStats(sizes: readonly number[]): ItemStats {
  let totalBytes = 0;
  let maxBytes = 0;
  let units = 0;
  for (const size of sizes) {
    totalBytes += size;
    maxBytes = Math.max(maxBytes, size);
    units += writeUnits(size);
  }
  return { count: sizes.length, totalBytes, meanBytes: sizes.length === 0 ? 0 : round(totalBytes / sizes.length), maxBytes, writeUnits: units };
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
