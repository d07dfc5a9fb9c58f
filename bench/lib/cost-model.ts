/**
 * What a poll costs on AWS, derived from the benchmark's measurements: request units from the
 * measured item sizes and request counts, Lambda GB-seconds from the measured poll durations.
 * Prices are assumptions (public us-east-1 list prices, on-demand), stated in `PRICES` with the
 * date they were written down; README, "Performance" shows them next to the results.
 */
import type { WorkspaceMeasurement } from './workspace-runner.ts';

export const PRICES = {
  /** When these were written down: the list prices in force since DynamoDB's November 2024 on-demand cut, not re-checked since. */
  asOf: '2026-11-22',
  region: 'us-east-1',
  /** DynamoDB on-demand, per million request units (since the November 2024 price cut). */
  dynamoWriteUnitPerMillion: 0.625,
  dynamoReadUnitPerMillion: 0.125,
  /** DynamoDB Standard table class, per GB-month (items plus 100 bytes of overhead each, indexes included). */
  dynamoStoragePerGbMonth: 0.25,
  /** Point-in-time recovery (the stack turns it on), per GB-month of table size. */
  dynamoPitrPerGbMonth: 0.2,
  /** Lambda on arm64, per GB-second, and per million requests. */
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  /** EventBridge custom events, per million (one per 64 KB chunk of an entry; ours are far smaller). */
  eventBridgePerMillionEvents: 1.0,
  /** Secrets Manager: per secret per month, and per 10,000 API calls. */
  secretPerMonth: 0.4,
  secretsPer10kCalls: 0.05,
  /** SQS standard queue, per million requests (a batch of up to 10 messages is one request). */
  sqsPerMillionRequests: 0.4,
  /** CloudWatch: per standard alarm per month, per custom metric per month (first 10,000 metrics). */
  alarmPerMonth: 0.1,
  customMetricPerMonth: 0.3,
  /** EventBridge Scheduler, per million invocations beyond the 14 million free each month. */
  schedulerPerMillionInvocations: 1.0,
} as const;

/** The poller's memory size (lib/poller.ts default). */
export const LAMBDA_MEMORY_MB = 1024;
/** An hourly schedule: polls per month (365 × 24 / 12). */
export const POLLS_PER_MONTH = 730;
/** DynamoDB's per-item storage overhead, in every index an item appears in. */
const ITEM_OVERHEAD_BYTES = 100;
const GB = 1024 ** 3;

export interface PollCost {
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly dynamoUsd: number;
  readonly lambdaGbSeconds: number;
  readonly lambdaUsd: number;
  readonly events: number;
  readonly eventBridgeUsd: number;
  /** One GetSecretValue per poll. */
  readonly secretsApiUsd: number;
  readonly totalUsd: number;
}

export interface SizeCost {
  readonly users: number;
  readonly firstPoll: PollCost;
  readonly unchangedPoll: PollCost;
  /** Table and index storage of the inventory (PITR is priced on the table part). */
  readonly storageGb: number;
  readonly storageUsdPerMonth: number;
  /** An hourly schedule of unchanged polls, plus storage and the connector's secret. */
  readonly monthlyUsd: number;
}

export interface CostModel {
  readonly prices: typeof PRICES;
  readonly lambdaMemoryMb: number;
  readonly pollsPerMonth: number;
  readonly sizes: readonly SizeCost[];
}

function readUnitsStrong(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 4096));
}

function writeUnitsOf(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

function pollCost(readUnits: number, writeUnits: number, wallMs: number, events: number): PollCost {
  const dynamoUsd = (readUnits * PRICES.dynamoReadUnitPerMillion + writeUnits * PRICES.dynamoWriteUnitPerMillion) / 1e6;
  const lambdaGbSeconds = (wallMs / 1000) * (LAMBDA_MEMORY_MB / 1024);
  const lambdaUsd = lambdaGbSeconds * PRICES.lambdaArmPerGbSecond + PRICES.lambdaPerMillionRequests / 1e6;
  const eventBridgeUsd = (events * PRICES.eventBridgePerMillionEvents) / 1e6;
  const secretsApiUsd = PRICES.secretsPer10kCalls / 10_000;
  return {
    readUnits,
    writeUnits,
    dynamoUsd,
    lambdaGbSeconds,
    lambdaUsd,
    events,
    eventBridgeUsd,
    secretsApiUsd,
    totalUsd: dynamoUsd + lambdaUsd + eventBridgeUsd + secretsApiUsd,
  };
}

/**
 * Request units per item kind (table-definition.ts): an account is written to the table, GSI2
 * (first seen) and, with an email, GSI1; an identity to the table and GSI2; the connector state
 * to the table and GSI1; a sync run to the table only. Every index projects all attributes, so
 * each index write costs what the table write costs. Strongly consistent reads cost one unit per
 * 4 KB returned (a Query sums its items), and a key read that finds nothing still costs one.
 */
export function sizeCost(size: WorkspaceMeasurement): SizeCost {
  const { items } = size;
  const connectorWrite = writeUnitsOf(items.connectorBytes);
  // Lease (UpdateItem) and final state (PutItem) each write the connector item and its GSI1 entry; the run is one item.
  const bookkeepingWriteUnits = 2 * (2 * connectorWrite) + writeUnitsOf(items.runBytes);
  const emailShare = items.accounts.count === 0 ? 0 : items.accountsWithEmail / items.accounts.count;
  const accountWriteUnits = items.accounts.writeUnits * (2 + emailShare);
  const identityWriteUnits = items.identities.writeUnits * 2;
  const stateRead = readUnitsStrong(items.connectorBytes);

  // First poll: the state, then Queries that find nothing yet (at most one unit each), then each
  // distinct email looked up once (one unit each, found or not); every account and identity is written.
  const firstReadUnits = stateRead + (size.firstPoll.dynamo.byCommand.Query ?? 0) + size.firstPoll.counts.associations;
  const firstWriteUnits = Math.round(accountWriteUnits + identityWriteUnits) + bookkeepingWriteUnits;
  // Unchanged poll: the state and every account; any other read (the checkpoint look-up) one unit each.
  const otherReads = Math.max(0, size.secondPoll.dynamo.reads - (size.secondPoll.dynamo.byCommand.GetItem ?? 0) - items.accountQueryPages);
  const unchangedReadUnits = stateRead + readUnitsStrong(items.accounts.totalBytes) + otherReads;

  const accountBytes = items.accounts.totalBytes + ITEM_OVERHEAD_BYTES * items.accounts.count;
  const identityBytes = items.identities.totalBytes + ITEM_OVERHEAD_BYTES * items.identities.count;
  const tableBytes = accountBytes + identityBytes;
  // GSI2 holds every account and identity, GSI1 the accounts with an email.
  const indexBytes = accountBytes * (1 + emailShare) + identityBytes;
  const storageGb = (tableBytes + indexBytes) / GB;
  // PITR is billed on the table's size, not its global secondary indexes'.
  const storageUsdPerMonth = storageGb * PRICES.dynamoStoragePerGbMonth + (tableBytes / GB) * PRICES.dynamoPitrPerGbMonth;

  const unchangedPoll = pollCost(unchangedReadUnits, bookkeepingWriteUnits, size.secondPoll.wallMs, size.secondPoll.events);
  return {
    users: size.users,
    firstPoll: pollCost(firstReadUnits, firstWriteUnits, size.firstPoll.wallMs, size.firstPoll.events),
    unchangedPoll,
    storageGb,
    storageUsdPerMonth,
    monthlyUsd: unchangedPoll.totalUsd * POLLS_PER_MONTH + storageUsdPerMonth + PRICES.secretPerMonth,
  };
}

export function costModel(sizes: readonly WorkspaceMeasurement[]): CostModel {
  return { prices: PRICES, lambdaMemoryMb: LAMBDA_MEMORY_MB, pollsPerMonth: POLLS_PER_MONTH, sizes: sizes.map(sizeCost) };
}
