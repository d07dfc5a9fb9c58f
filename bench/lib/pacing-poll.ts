/**
 * One step of the pacing measurement, meant to run in a collector process of its own:
 * - `setup`: a first poll through the simulator without a rate limit, to fill the table;
 * - `listing`: the same connector and paging driver through the rate-limited simulator, and nothing
 *   else (no diff, no events): the stored accounts are read before the clock starts and handed to
 *   the connector up front (a poll hands them over once loaded, while its listing runs);
 * - `measure`: an unchanged poll through the simulator that enforces the vendor's limit, with the
 *   connector's default pacing, counting every data call and every 429 as the client saw them;
 * - `former`: the same unchanged poll at the former fixed budget of 40 requests per second, for a
 *   before/after comparison under the same machine load.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.ts';
import { createDynamoClients } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import { JsonLinesEventSink } from '../../functions/adapters/jsonl-event-sink.ts';
import { createConnectorFactory } from '../../functions/connectors/index.ts';
import { TORQ_API_BASE_PATH } from '../../simulators/torq/server.ts';
import { collectListing } from '../../functions/core/listing.ts';
import { DEFAULT_POLL_SETTINGS, pollConnector } from '../../functions/core/poll.ts';
import { silentLogger, systemClock, type CredentialSource } from '../../functions/core/ports.ts';
import type { SyncOutcome } from '../../functions/core/types.ts';
import { BENCH_CREDENTIALS } from './bench-credentials.ts';
import type { BenchEndpoints } from './bench-servers.ts';

export const PACING_STEPS = ['setup', 'listing', 'measure', 'former'] as const;
/** The client budget before adaptive pacing: a fifth below Torq's limit. */
export const FORMER_REQUESTS_PER_SECOND = 40;
export type PacingStep = (typeof PACING_STEPS)[number];

const CONNECTOR_ID = 'pacing';
const TABLE = 'rollcall-bench-pacing';

/** Data calls (not the token exchange) as the client sent them and the answers it got. */
export interface DataCallTally {
  /** Every attempt on the wire, retries included. */
  readonly requests: number;
  /** 2xx answers: the pages the listing needed, each fetched once. */
  readonly ok: number;
  /** 429 answers. */
  readonly throttled: number;
  /** Any other answer or a network failure. */
  readonly failed: number;
}

export interface PacingStepResult {
  readonly step: PacingStep;
  readonly wallMs: number;
  readonly outcome: SyncOutcome;
  /** The poll's own classified reason when it did not complete; `null` when it did. */
  readonly error: string | null;
  readonly accounts: number;
  readonly pages: number;
  readonly dataCalls: DataCallTally;
}

const credentials: CredentialSource = {
  get: async () => ({ credentials: { ...BENCH_CREDENTIALS }, fingerprint: 'bench' }),
};

export async function runPacingStep(step: PacingStep, endpoints: BenchEndpoints, workDir: string): Promise<PacingStepResult> {
  const clients = createDynamoClients({ endpoint: endpoints.dynamoEndpoint });
  try {
    await ensureTable(clients.client, TABLE);
    const tally = { requests: 0, ok: 0, throttled: 0, failed: 0 };
    const counting: typeof globalThis.fetch = async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      const isData = new URL(url).pathname.startsWith(`${TORQ_API_BASE_PATH}/`);
      if (isData) tally.requests += 1;
      try {
        const response = await globalThis.fetch(input, init);
        if (isData) {
          if (response.status === 429) tally.throttled += 1;
          else if (response.ok) tally.ok += 1;
          else tally.failed += 1;
        }
        return response;
      } catch (error) {
        if (isData) tally.failed += 1;
        throw error;
      }
    };
    const api =
      step === 'setup'
        ? { apiUrl: endpoints.instantApiUrl, authUrl: endpoints.instantAuthUrl }
        : { apiUrl: endpoints.apiUrl, authUrl: endpoints.authUrl };
    // The connector's defaults (its pacing included); only the fetch is wrapped, to count.
    const createConnector = createConnectorFactory('torq', api, {
      fetch: counting,
      ...(step === 'former' ? { requestsPerSecond: FORMER_REQUESTS_PER_SECOND } : {}),
    });
    if (step === 'listing') {
      const connector = createConnector({ ...BENCH_CREDENTIALS });
      connector.expectListing?.(await new DynamoInventoryStore(clients.documentClient, TABLE).loadAccounts(CONNECTOR_ID));
      const started = performance.now();
      const listing = await collectListing(connector, {
        maxPagesPerStream: DEFAULT_POLL_SETTINGS.maxPagesPerStream,
      });
      const wallMs = round(performance.now() - started);
      return { step, wallMs, outcome: 'completed', error: null, accounts: listing.accounts.length, pages: listing.pages, dataCalls: { ...tally } };
    }
    const started = performance.now();
    const result = await pollConnector(
      {
        store: new DynamoInventoryStore(clients.documentClient, TABLE),
        events: new JsonLinesEventSink(join(workDir, 'pacing-events.jsonl')),
        credentials,
        createConnector,
        clock: systemClock,
        logger: silentLogger,
      },
      { connectorId: CONNECTOR_ID, app: 'torq' },
    );
    const wallMs = round(performance.now() - started);
    return {
      step,
      wallMs,
      outcome: result.outcome,
      error: result.outcome === 'completed' ? null : result.error,
      accounts: result.counts.total,
      pages: result.pages,
      dataCalls: { ...tally },
    };
  } finally {
    clients.client.destroy();
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
