/**
 * What the fleet's scheduling path costs and carries (README, "Scheduling"), from the prices of
 * cost-model.ts and the stack's own constants: per connector-poll (the dispatcher's claim, the
 * queue's requests, the poller's definition read) and per month (one dispatcher run a minute,
 * its fleet-health reads, alarms and metrics), and the polls an hour a poller concurrency drains.
 */
import { PRICES } from './cost-model.ts';

/** One dispatcher run a minute. */
export const DISPATCHER_RUNS_PER_MONTH = (365 * 24 * 60) / 12;
/** The dispatcher's memory (lib/dispatcher.ts) and a run's duration, assumed (a few queries and writes). */
export const DISPATCHER_MEMORY_MB = 256;
export const DISPATCHER_RUN_SECONDS = 0.5;
/** Item sizes, bytes: a definition (370: a Twingate connector with a 23-character id, through its item mapping, keys included) and a connector state (README, "Cost model"). */
export const DEFINITION_ITEM_BYTES = 370;
export const STATE_ITEM_BYTES = 311;
/** Alarms and custom metrics of the stack, whatever the number of connectors (lib/alarms.ts, the two contracts). */
export const ALARMS = 7;
export const CUSTOM_METRICS = 7 + 12;
/**
 * Lambda's SQS event source polls an idle queue too: about five pollers long-polling (20 s) at
 * all times, three requests a minute each.
 */
export const IDLE_RECEIVES_PER_MONTH = 5 * 3 * 60 * 24 * (365 / 12);

export interface SchedulingCost {
  /** The claim: the definition written to the table, GSI1 and GSI2, whose key (the due time) moves: 1 + 1 + 2 WRU. */
  readonly claimWriteUnits: number;
  /** SendMessageBatch (a tenth), the event source's ReceiveMessage and DeleteMessage. */
  readonly sqsRequests: number;
  /** The poller's strongly consistent GetItem of the definition. */
  readonly definitionReadUnits: number;
  readonly usdPer1000Polls: number;
}

export function schedulingCostPerPoll(): SchedulingCost {
  const claimWriteUnits = 4;
  const sqsRequests = 0.1 + 1 + 1;
  const definitionReadUnits = 1;
  const usd =
    (claimWriteUnits * PRICES.dynamoWriteUnitPerMillion + definitionReadUnits * PRICES.dynamoReadUnitPerMillion + sqsRequests * PRICES.sqsPerMillionRequests) /
    1e6;
  return { claimWriteUnits, sqsRequests, definitionReadUnits, usdPer1000Polls: usd * 1000 };
}

export interface FleetMonthlyCost {
  readonly connectors: number;
  /** Dispatcher invocations and GB-seconds. */
  readonly dispatcherUsd: number;
  /** Each run reads every definition and state (GSI1 Queries: eventually consistent, half a unit per 4 KB). */
  readonly healthReadUsd: number;
  readonly idleQueueUsd: number;
  readonly alarmsAndMetricsUsd: number;
  /** One secret per connector. */
  readonly secretsUsd: number;
  /** What the same fleet paid for per-connector alarms and metrics before (one alarm and 12 metrics each). */
  readonly perConnectorAlarmsBeforeUsd: number;
  readonly totalUsd: number;
}

export function fleetMonthlyCost(connectors: number): FleetMonthlyCost {
  const dispatcherUsd =
    DISPATCHER_RUNS_PER_MONTH *
    (PRICES.lambdaPerMillionRequests / 1e6 + DISPATCHER_RUN_SECONDS * (DISPATCHER_MEMORY_MB / 1024) * PRICES.lambdaArmPerGbSecond);
  const healthUnitsPerRun = Math.max(1, (connectors * (DEFINITION_ITEM_BYTES + STATE_ITEM_BYTES)) / 4096) * 0.5;
  const healthReadUsd = (DISPATCHER_RUNS_PER_MONTH * healthUnitsPerRun * PRICES.dynamoReadUnitPerMillion) / 1e6;
  const idleQueueUsd = (IDLE_RECEIVES_PER_MONTH * PRICES.sqsPerMillionRequests) / 1e6;
  const alarmsAndMetricsUsd = ALARMS * PRICES.alarmPerMonth + CUSTOM_METRICS * PRICES.customMetricPerMonth;
  const secretsUsd = connectors * PRICES.secretPerMonth;
  const perConnectorAlarmsBeforeUsd = connectors * (PRICES.alarmPerMonth + 12 * PRICES.customMetricPerMonth);
  return {
    connectors,
    dispatcherUsd,
    healthReadUsd,
    idleQueueUsd,
    alarmsAndMetricsUsd,
    secretsUsd,
    perConnectorAlarmsBeforeUsd,
    totalUsd: dispatcherUsd + healthReadUsd + idleQueueUsd + alarmsAndMetricsUsd + secretsUsd,
  };
}

/** Polls an hour `concurrency` pollers drain when a poll takes `pollSeconds` (each message waits for a free poller). */
export function pollsPerHour(concurrency: number, pollSeconds: number): number {
  return Math.floor((concurrency * 3600) / pollSeconds);
}
