/**
 * The dispatcher Lambda: EventBridge Scheduler runs it once a minute (one schedule for the whole
 * fleet). Each run
 * 1. claims the connectors due now (`claimDueConnectors`, at most `claimLimit`, earliest first:
 *    the rest stay due for the next run) and queues one poll message per claimed connector; a
 *    message SQS refuses has its claim undone (due again now), so the next run retries it;
 * 2. assesses the fleet's health (`core/fleet-health.ts`) and publishes its counts as metrics
 *    without a connector dimension (one alarm each, whatever the fleet's size), and, when one of
 *    the three lists of ids changed since this execution environment last published it, a
 *    `ConnectorHealthDigest` event naming them. A new execution environment publishes the current
 *    digest once more (its id is deterministic: a consumer de-duplicates by it).
 * It logs one line per run, with counts and the ids only of what went wrong.
 */
import { claimDueConnectors } from '../core/dispatch.ts';
import { assessFleetHealth, healthDigest, healthKey, type FleetHealth } from '../core/fleet-health.ts';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { FLEET_METRICS } from '../contract/fleet-contract.ts';
import { createDispatcherRuntime, type DispatcherRuntime } from './dispatcher-runtime.ts';

export interface DispatchSummary {
  /** Polls queued. */
  readonly queued: number;
  /** Claimed but refused by SQS (claims undone). */
  readonly notQueued: readonly string[];
  /** Due but claimed by another dispatcher or watcher first. */
  readonly lost: number;
  /** Due with a schedule that no longer parses. */
  readonly invalid: readonly string[];
  readonly health: FleetHealth;
  /** A digest was published by this run. */
  readonly digestPublished: boolean;
}

export type DispatchHandler = (event?: unknown) => Promise<DispatchSummary>;

export function createDispatchHandler(runtime: DispatcherRuntime): DispatchHandler {
  const { logger, metrics } = runtime;
  let publishedKey: string | null = null;

  return async () => {
    const now = runtime.clock.now();
    const claim = await claimDueConnectors(runtime.definitions, now, runtime.claimLimit);
    const refused = new Set(await runtime.queue.enqueue(claim.claimed.map((definition) => definition.connectorId)));
    for (const definition of claim.claimed) {
      if (!refused.has(definition.connectorId) || definition.nextDueAt === null) continue;
      // Due again now: the next run claims it (unless a person changed it meanwhile).
      await runtime.definitions.claimDue(definition.connectorId, definition.nextDueAt, now.toISOString());
    }

    const [definitions, states] = await Promise.all([runtime.definitions.listDefinitions(), runtime.states.listConnectors()]);
    const health = assessFleetHealth(definitions, states, now, { stalePeriods: runtime.stalePeriods });
    const key = healthKey(health);
    let digestPublished = false;
    if (key !== publishedKey) {
      await runtime.digests.publish(healthDigest(health, now));
      publishedKey = key;
      digestPublished = true;
    }

    const queued = claim.claimed.length - refused.size;
    metrics.addMetric(FLEET_METRICS.enabled, MetricUnit.Count, health.enabled);
    metrics.addMetric(FLEET_METRICS.reconnectRequired, MetricUnit.Count, health.reconnectRequired.length);
    metrics.addMetric(FLEET_METRICS.failing, MetricUnit.Count, health.failing.length);
    metrics.addMetric(FLEET_METRICS.stale, MetricUnit.Count, health.stale.length);
    metrics.addMetric(FLEET_METRICS.dispatched, MetricUnit.Count, queued);
    metrics.addMetric(FLEET_METRICS.notQueued, MetricUnit.Count, refused.size);
    metrics.addMetric(FLEET_METRICS.invalidSchedules, MetricUnit.Count, claim.invalid.length);
    metrics.publishStoredMetrics();

    const summary: DispatchSummary = {
      queued,
      notQueued: [...refused].sort(),
      lost: claim.lost,
      invalid: claim.invalid.map((entry) => entry.connectorId),
      health,
      digestPublished,
    };
    const troubled = refused.size > 0 || claim.invalid.length > 0;
    logger[troubled ? 'warn' : 'info']('dispatched', {
      queued,
      lost: claim.lost,
      notQueued: summary.notQueued,
      invalidSchedules: claim.invalid,
      enabled: health.enabled,
      reconnectRequired: health.reconnectRequired.length,
      failing: health.failing.length,
      stale: health.stale.length,
      ...(digestPublished ? { digest: healthDigest(health, now).id } : {}),
    });
    return summary;
  };
}

export const handler: DispatchHandler = createDispatchHandler(createDispatcherRuntime(process.env));
