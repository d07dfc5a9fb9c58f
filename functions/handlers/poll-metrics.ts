/** How a poll's result becomes the poller's CloudWatch metrics (the alarms in lib/alarms.ts watch them). */
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { PollResult } from '../core/poll.ts';
import { POLL_METRICS } from '../contract/poller-contract.ts';

/**
 * ReconnectRequired and SyncFailed on every poll that ran, so their alarms follow each poll.
 * Counts only when a listing completed: a failed poll's are the last good sync's, and a partial
 * poll's accumulate into the completing poll's (they would be counted twice).
 * A `busy` poll did nothing: the poll holding the lease reports.
 */
export function recordPollMetrics(poller: Metrics, result: PollResult): void {
  if (result.outcome === 'busy') return;
  poller.addMetric(POLL_METRICS.reconnectRequired, MetricUnit.Count, result.status === 'RECONNECT_REQUIRED' ? 1 : 0);
  poller.addMetric(POLL_METRICS.syncFailed, MetricUnit.Count, result.status === 'ERROR' ? 1 : 0);
  poller.addMetric(POLL_METRICS.partialSyncs, MetricUnit.Count, result.outcome === 'partial' ? 1 : 0);
  if (result.outcome !== 'completed') return;
  const { counts } = result;
  poller.addMetric(POLL_METRICS.accounts, MetricUnit.Count, counts.total);
  poller.addMetric(POLL_METRICS.newAccounts, MetricUnit.Count, counts.new);
  poller.addMetric(POLL_METRICS.newUsers, MetricUnit.Count, counts.newUsers);
  poller.addMetric(POLL_METRICS.associations, MetricUnit.Count, counts.associations);
  poller.addMetric(POLL_METRICS.changedAccounts, MetricUnit.Count, counts.changed);
  poller.addMetric(POLL_METRICS.removals, MetricUnit.Count, counts.removed);
  poller.addMetric(POLL_METRICS.invalidRecords, MetricUnit.Count, counts.invalid);
  poller.addMetric(POLL_METRICS.anomalies, MetricUnit.Count, result.anomalies.length);
  poller.addMetric(POLL_METRICS.syncDuration, MetricUnit.Milliseconds, result.durationMs);
}

/** A poll that could not record its outcome: its alarm fires although no result exists. */
export function recordPollAborted(poller: Metrics): void {
  poller.addMetric(POLL_METRICS.syncFailed, MetricUnit.Count, 1);
}
