/**
 * The poller Lambda (design.md section 2): it polls one connector per message of the poll queue
 * (`{ "connectorId": "<id>" }`, queued by the dispatcher or by a poll continuing its listing), or
 * per direct invocation with that event (`aws lambda invoke`). It reads the connector's definition
 * from the table, runs the same `pollConnector` as `rollcall poll`, and reports through
 * Powertools. It parses the event, calls the poll, maps the result and throws; the composition
 * root is `poller-runtime.ts`, the metrics `poll-metrics.ts`, the continuation rule
 * `continuation.ts`.
 *
 * What a poll's outcome means:
 * - completed, partial (time ran out; the continuation is queued), busy (another poll holds the
 *   lease), interrupted (the time budget ended during the writes: the lease is released and the
 *   next due poll finds what is left), RECONNECT_REQUIRED (a person must act; the fleet's alarm):
 *   done, the message is deleted;
 * - a connector that is not defined, or disabled, or whose stored definition its app refuses: a
 *   refusal, logged by id; the message is deleted (sending it again would change nothing);
 * - a poll that ended in ERROR (transient API failure, unexpected payload) or that could not
 *   record its outcome (store, bus or Secrets Manager failing): the message is reported as a batch
 *   item failure, so SQS delivers it again after its visibility timeout, and after the last
 *   receive parks it in the dead-letter queue. A direct invocation throws instead.
 */
import { inSubsegment } from '../adapters/powertools.ts';
import { connectorSecretName } from '../adapters/connector-secrets.ts';
import { classifyError, ConfigError, PollFailedError, RollcallError, safeMessage, TransientError } from '../core/errors.ts';
import { pollConnector, type PollResult } from '../core/poll.ts';
import type { ConnectorFactory } from '../connectors/index.ts';
import type { AppName, ConnectorStatus, SyncCounts, SyncOutcome } from '../core/types.ts';
import {
  checked,
  CONNECTOR_PROPERTY,
  pollEventSchema,
  sqsEventSchema,
  type SqsBatchResponse,
  type SqsEvent,
} from '../contract/poller-contract.ts';
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

/**
 * A poll-queue batch answers which messages to deliver again; a direct invocation answers the
 * poll's summary (and throws when the poll failed).
 */
export interface PollHandler {
  (event: SqsEvent, context?: LambdaContext): Promise<SqsBatchResponse>;
  (event: unknown, context?: LambdaContext): Promise<PollSummary>;
}

/** A connector this deployment will not poll: not defined, disabled, or its definition refused by its app. */
export class ConnectorRefusedError extends ConfigError {}

interface PollTarget {
  readonly app: AppName;
  readonly createConnector: ConnectorFactory;
}

function isSqsEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && 'Records' in event;
}

export function createPollHandler(runtime: PollerRuntime): PollHandler {
  const { logger, metrics: poller } = runtime;

  /** The connector's definition, checked: its app's factory, and where its secret is. */
  async function targetOf(connectorId: string): Promise<PollTarget> {
    const definition = await runtime.definitions.getDefinition(connectorId);
    if (definition === null) {
      throw new ConnectorRefusedError(`connector ${connectorId} is not defined in this deployment: see "rollcall connectors --table <name>"`);
    }
    if (!definition.enabled) throw new ConnectorRefusedError(`connector ${connectorId} is disabled: not polled`);
    try {
      const app = runtime.registry.get(definition.app);
      const createConnector = app.createFactory(definition.config, { logger: runtime.dependencies.logger });
      runtime.secrets.set(connectorId, {
        secretId: definition.secretArn ?? connectorSecretName(connectorId),
        fields: app.credentialFields,
      });
      return { app: app.name, createConnector };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw new ConnectorRefusedError(`connector ${connectorId}: ${error.message}`, { cause: error });
    }
  }

  async function pollOne(connectorId: string, context: LambdaContext | undefined): Promise<PollSummary> {
    logger.appendKeys({ connectorId });
    try {
      let target: PollTarget;
      try {
        target = await targetOf(connectorId);
      } catch (error) {
        logger.warn('poll refused', { reason: safeMessage(error) });
        throw error;
      }
      poller.addMetadata(CONNECTOR_PROPERTY, connectorId);
      let result: PollResult;
      try {
        result = await inSubsegment('## pollConnector', { connectorId }, () =>
          pollConnector(
            {
              ...runtime.dependencies,
              createConnector: target.createConnector,
              // The lease then lasts no longer than this invocation can (plus a margin), and names it.
              ...(context !== undefined
                ? {
                    remainingTimeMs: () => context.getRemainingTimeInMillis(),
                    holder: { kind: 'lambda', requestId: context.awsRequestId, functionName: context.functionName },
                  }
                : {}),
            },
            { connectorId, app: target.app },
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
        logger.info('listing continues in a new poll, queued', { pages: result.pages });
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
      // Publishing clears this poll's metadata; a busy or refused poll has nothing to publish.
      if (poller.hasStoredMetrics()) poller.publishStoredMetrics();
      else poller.clearMetadata();
      logger.removeKeys(['connectorId']);
    }
  }

  /** Each message is one poll; a failed poll is delivered again, a refused or unreadable one is not. */
  async function pollBatch(event: unknown, context: LambdaContext | undefined): Promise<SqsBatchResponse> {
    const { Records: records } = checked('poll queue batch', sqsEventSchema, event);
    const batchItemFailures: { itemIdentifier: string }[] = [];
    for (const record of records) {
      let connectorId: string;
      try {
        ({ connectorId } = checked('poll message', pollEventSchema, JSON.parse(record.body)));
      } catch (error) {
        logger.warn('poll message dropped: not a poll request', {
          messageId: record.messageId,
          reason: error instanceof ConfigError ? error.message : 'not JSON',
        });
        continue;
      }
      try {
        await pollOne(connectorId, context);
      } catch (error) {
        if (error instanceof ConnectorRefusedError) continue;
        logger.warn('poll failed: its message will be delivered again', { connectorId, messageId: record.messageId, reason: safeMessage(error) });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  }

  const handler = async (event: unknown, context?: LambdaContext): Promise<PollSummary | SqsBatchResponse> => {
    if (context !== undefined) logger.addContext(context);
    if (isSqsEvent(event)) return pollBatch(event, context);
    const { connectorId } = checked('poll event', pollEventSchema, event);
    return pollOne(connectorId, context);
  };
  return handler as PollHandler;
}

export const handler: PollHandler = createPollHandler(createPollerRuntime(process.env));
