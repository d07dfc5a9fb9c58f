/**
 * Events to Amazon EventBridge (design.md section 6): PutEvents to Rollcall's own bus, source
 * `rollcall`, DetailType the event's type, Detail the whole event as JSON (its deterministic `id`
 * included, so consumers can de-duplicate).
 *
 * PutEvents can accept some entries of a request and fail others (`FailedEntryCount`, per-entry
 * `ErrorCode`); the SDK retries whole requests only. Failed entries are sent again, alone, with a
 * bounded backoff, and if any is still failing the publish throws `TransientError`: a partial
 * success is never reported as success. Entries that went through are not re-sent.
 */
import {
  PutEventsCommand,
  type EventBridgeClient,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { ConfigError, ContractError, TransientError } from '../core/errors.ts';
import type { RollcallEvent } from '../core/events.ts';
import type { EventSink } from '../core/ports.ts';

/** PutEvents limits: entries per request, and bytes per request (and so per entry). */
export const MAX_ENTRIES_PER_REQUEST = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;

export interface EventBridgeSinkOptions {
  /** Attempts per entry, the first included. @default 4 */
  readonly maxAttempts?: number;
  /** Backoff before retry n is min(maxDelayMs, baseDelayMs * 2^(n-1)). @default 200 */
  readonly baseDelayMs?: number;
  /** @default 2_000 */
  readonly maxDelayMs?: number;
  /** Requests in flight at once; a first sync of a large workspace publishes thousands of events. @default 4 */
  readonly concurrency?: number;
  /** Injectable so tests never wait for real time. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Whole-request failures a person has to fix; anything else is retried by the next poll. */
const CONFIG_ERROR_NAMES: Readonly<Record<string, string>> = {
  AccessDeniedException: 'access denied',
  ResourceNotFoundException: 'the event bus does not exist',
  CredentialsProviderError: 'no AWS credentials found',
};

export class EventBridgeEventSink implements EventSink {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly concurrency: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
    options: EventBridgeSinkOptions = {},
  ) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 2_000;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async publish(events: readonly RollcallEvent[]): Promise<void> {
    if (events.length === 0) return;
    const entries = events.map((event) => {
      const entry = toEntry(event, this.eventBusName);
      const bytes = entrySize(entry);
      if (bytes > MAX_REQUEST_BYTES) {
        throw new ContractError(
          `event ${event.id} (${event.detailType}) is ${bytes} bytes, above EventBridge's ${MAX_REQUEST_BYTES}-byte limit`,
        );
      }
      return entry;
    });
    const batches = batchEntries(entries);
    await runPool(batches, this.concurrency, (batch) => this.sendBatch(batch));
  }

  /** Sends one batch; failed entries are re-sent alone until they pass or attempts run out. */
  private async sendBatch(batch: readonly PutEventsRequestEntry[]): Promise<void> {
    let pending = batch;
    let failureCodes: string[] = [];
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) await this.sleep(Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 2)));
      const results = await this.put(pending);
      const failed: PutEventsRequestEntry[] = [];
      failureCodes = [];
      pending.forEach((entry, index) => {
        const result = results[index];
        if (result === undefined || result.ErrorCode !== undefined) {
          failed.push(entry);
          failureCodes.push(result?.ErrorCode ?? 'NoResult');
        }
      });
      if (failed.length === 0) return;
      pending = failed;
    }
    throw new TransientError(
      `EventBridge did not accept ${pending.length} of ${batch.length} events after ${this.maxAttempts} attempts (${summarise(failureCodes)})`,
    );
  }

  private async put(entries: readonly PutEventsRequestEntry[]): Promise<readonly (PutEventsResultEntry | undefined)[]> {
    try {
      const answer = await this.client.send(new PutEventsCommand({ Entries: [...entries] }));
      // PutEvents answers one result per entry, in order; a short answer counts the rest as failed.
      return entries.map((_, index) => answer.Entries?.[index]);
    } catch (error) {
      const name = error instanceof Error ? error.name : 'unknown';
      const reason = CONFIG_ERROR_NAMES[name];
      if (reason !== undefined) throw new ConfigError(`EventBridge PutEvents failed: ${reason}`, { cause: error });
      throw new TransientError(`EventBridge PutEvents failed (${name})`, { cause: error });
    }
  }
}

export function toEntry(event: RollcallEvent, eventBusName: string): PutEventsRequestEntry {
  return {
    EventBusName: eventBusName,
    Source: event.source,
    DetailType: event.detailType,
    Detail: JSON.stringify(event),
    Time: new Date(event.time),
  };
}

/**
 * An entry's size as EventBridge counts it: 14 bytes for `Time`, plus the UTF-8 bytes of
 * `Source`, `DetailType`, `Detail` and each of `Resources`.
 */
export function entrySize(entry: PutEventsRequestEntry): number {
  let bytes = entry.Time === undefined ? 0 : 14;
  for (const part of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (part !== undefined) bytes += Buffer.byteLength(part, 'utf8');
  }
  return bytes;
}

/** Groups entries, in order, into requests of at most 10 entries and 256 KB (each entry is at most 256 KB). */
export function batchEntries(entries: readonly PutEventsRequestEntry[]): PutEventsRequestEntry[][] {
  const batches: PutEventsRequestEntry[][] = [];
  let current: PutEventsRequestEntry[] = [];
  let currentBytes = 0;
  for (const entry of entries) {
    const bytes = entrySize(entry);
    if (current.length === MAX_ENTRIES_PER_REQUEST || currentBytes + bytes > MAX_REQUEST_BYTES) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(entry);
    currentBytes += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function summarise(codes: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const code of codes) counts.set(code, (counts.get(code) ?? 0) + 1);
  return [...counts].map(([code, count]) => `${code} x${count}`).join(', ');
}

/**
 * Runs `work` over `items` with at most `concurrency` in flight; after the first failure no new
 * item starts, the ones in flight settle, and the first failure is thrown. Hand-written: ten
 * lines do not justify a dependency.
 */
async function runPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const worker = async () => {
    while (failures.length === 0 && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failures.length > 0) throw failures[0];
}
