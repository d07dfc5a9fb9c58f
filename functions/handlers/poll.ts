/**
 * The poller Lambda (design.md section 2): a schedule invokes it with `{ "connectorId": "<id>" }`,
 * it runs the same `pollConnector` as `rollcall poll`, and reports through Powertools. It parses
 * the event, calls the poll, maps the result and throws; the composition root is
 * `poller-runtime.ts`, the metrics `poll-metrics.ts`, the continuation rule `continuation.ts`.
 *
 * What the invocation's outcome means to Lambda:
 * - completed, partial (time ran out; a checkpoint lets the next poll resume), busy (another poll
 *   holds the lease), interrupted (the time budget ended during the writes: the lease is released
 *   and the next scheduled poll finds what is left), RECONNECT_REQUIRED (a person must act; its
 *   own metric and alarm): the invocation succeeds;
 * - a poll that ended in ERROR (transient API failure, unexpected payload) or that could not
 *   record its outcome (store, bus or Secrets Manager failing): the invocation fails, so Lambda
 *   retries it, then parks it in the dead-letter queue, and the errors alarm fires.
 */
import { inSubsegment } from '../adapters/powertools.ts';
import { classifyError, ConfigError, PollFailedError, RollcallError, safeMessage, TransientError } from '../core/errors.ts';
import { pollConnector, type PollResult } from '../core/poll.ts';
import type { ConnectorStatus, SyncCounts, SyncOutcome } from '../core/types.ts';
import { checked, CONNECTOR_DIMENSION, pollEventSchema } from '../contract/poller-contract.ts';
import { shouldContinue } from './continuation.ts';
import { recordPollAborted, recordPollMetrics } from './poll-metrics.ts';
import { createPollerRuntime, type PollerRuntime } from './poller-runtime.ts';

export { createPollerRuntime, type PollerRuntime, type PollerRuntimeOptions } from './poller-runtime.ts';

/** The fields of Lambda's context object the handler reads (Powertools' Logger reads more). */
export interface LambdaContext {
  readonly awsRequestId: string;
  readonly functionName: string;
  /** The poll stops listing in time to save a checkpoint before the invocation times out. */
  getRemainingTimeInMillis(): number;
}

/** What an invocation returns: ids, status and counts, never accounts. */
export interface PollSummary {
  readonly connectorId: string;
  readonly runId: string;
  readonly status: ConnectorStatus;
  readonly outcome: SyncOutcome;
  readonly durationMs: number;
  readonly counts: SyncCounts;
  readonly anomalies: number;
  readonly events: number;
}

export type PollHandler = (event: unknown, context?: LambdaContext) => Promise<PollSummary>;

export function createPollHandler(runtime: PollerRuntime): PollHandler {
  const { logger, metrics: poller } = runtime;
  return async (event, context) => {
    if (context !== undefined) logger.addContext(context);
    const { connectorId } = checked('poll event', pollEventSchema, event);
    const connector = runtime.connectors.get(connectorId);
    if (connector === undefined) {
      throw new ConfigError(`connector ${connectorId} is not configured in this deployment`);
    }

    logger.appendKeys({ connectorId });
    poller.addDimension(CONNECTOR_DIMENSION, connectorId);
    try {
      let result: PollResult;
      try {
        result = await inSubsegment('## pollConnector', { connectorId }, () =>
          pollConnector(
            {
              ...runtime.dependencies,
              createConnector: connector.createConnector,
              // The lease then lasts no longer than this invocation can (plus a margin), and names it.
              ...(context !== undefined
                ? {
                    remainingTimeMs: () => context.getRemainingTimeInMillis(),
                    holder: { kind: 'lambda', requestId: context.awsRequestId, functionName: context.functionName },
                  }
                : {}),
            },
            { connectorId, app: connector.app },
          ),
        );
      } catch (error) {
        const classification = classifyError(error);
        logger[classification.logLevel]('poll aborted: its outcome could not be recorded', {
          errorKind: classification.kind,
          reason: safeMessage(error),
        });
        recordPollAborted(poller);
        throw error instanceof RollcallError
          ? error
          : new PollFailedError(`poll of connector ${connectorId} aborted: ${safeMessage(error)}`, { cause: error });
      }

      recordPollMetrics(poller, result);
      if (shouldContinue(result) && runtime.continuation !== null) {
        await runtime.continuation.request(connectorId);
        logger.info('listing continues in a new invocation', { pages: result.pages });
      }
      if (result.status === 'ERROR') {
        const message = `poll of connector ${connectorId} ended in ERROR (${result.outcome}): ${result.error ?? 'unknown reason'}`;
        throw result.outcome === 'transient-error' ? new TransientError(message) : new PollFailedError(message);
      }
      return {
        connectorId,
        runId: result.runId,
        status: result.status,
        outcome: result.outcome,
        durationMs: result.durationMs,
        counts: result.counts,
        anomalies: result.anomalies.length,
        events: result.events,
      };
    } finally {
      // Publishing clears this invocation's dimensions; a busy poll has nothing to publish.
      if (poller.hasStoredMetrics()) poller.publishStoredMetrics();
      else poller.clearDimensions();
      logger.removeKeys(['connectorId']);
    }
  };
}

export const handler: PollHandler = createPollHandler(createPollerRuntime(process.env));
