/**
 * The poller Lambda (design.md section 2): a schedule invokes it with `{ "connectorId": "<id>" }`,
 * it runs the same `pollConnector` as `rollcall poll`, and reports through Powertools.
 *
 * The module scope is the composition root: configuration is read and validated, clients and
 * connector factories are built once per execution environment, so a bad configuration fails
 * the cold start with a message naming the variable and field.
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
import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LambdaSelfContinuation, type ContinuationRequester } from '../adapters/lambda-continuation.ts';
import { createDynamoClients } from '../adapters/dynamodb/client.ts';
import { DynamoInventoryStore } from '../adapters/dynamodb/store.ts';
import { EventBridgeEventSink, type EventBridgeSinkOptions } from '../adapters/eventbridge-sink.ts';
import { inSubsegment, metrics, powertoolsLogger, toLoggerPort, tracer } from '../adapters/powertools.ts';
import { SecretsManagerCredentialSource } from '../adapters/secrets-manager-credentials.ts';
import { createConnectorFactory, type ConnectorFactory } from '../connectors/index.ts';
import { classifyError, ConfigError, RollcallError, safeMessage, TransientError } from '../core/errors.ts';
import { pollConnector, type PollDependencies, type PollResult } from '../core/poll.ts';
import { systemClock } from '../core/ports.ts';
import type { AppName, ConnectorStatus, SyncCounts, SyncOutcome } from '../core/types.ts';
import {
  checked,
  CONNECTOR_DIMENSION,
  parsePollerEnvironment,
  pollEventSchema,
  POLL_METRICS,
  type PollerEnvironment,
} from './poller-contract.ts';

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

/** A poll that ended in ERROR or could not record its outcome; Lambda retries the invocation. */
export class PollFailedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PollFailedError';
  }
}

interface ServedConnector {
  readonly app: AppName;
  readonly createConnector: ConnectorFactory;
}

export interface PollerRuntime {
  readonly connectors: ReadonlyMap<string, ServedConnector>;
  readonly dependencies: Omit<PollDependencies, 'createConnector'>;
  readonly logger: PowertoolsLogger;
  readonly metrics: Metrics;
  /** Re-invokes the poller for a listing that ran out of time; absent outside Lambda. */
  readonly continuation: ContinuationRequester | null;
}

export interface PollerRuntimeOptions {
  /** Retry and concurrency of PutEvents (tests pass a `sleep` that does not wait). */
  readonly eventBridge?: EventBridgeSinkOptions;
}

/** Builds everything an invocation needs from the environment (the composition root). */
export function createPollerRuntime(env: NodeJS.ProcessEnv, options: PollerRuntimeOptions = {}): PollerRuntime {
  const environment: PollerEnvironment = parsePollerEnvironment(env);
  const logger = toLoggerPort(powertoolsLogger);

  const connectors = new Map<string, ServedConnector>(
    environment.connectors.map((connector) => {
      try {
        const createConnector = createConnectorFactory(connector.app, connector.config, { logger });
        return [connector.id, { app: connector.app, createConnector }];
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        throw new ConfigError(`connector ${connector.id}: ${error.message}`, { cause: error });
      }
    }),
  );

  const { client: dynamoClient, documentClient } = createDynamoClients();
  tracer.captureAWSv3Client(dynamoClient);
  const secretsClient = tracer.captureAWSv3Client(new SecretsManagerClient({}));
  const eventsClient = tracer.captureAWSv3Client(new EventBridgeClient({}));
  // Lambda sets AWS_LAMBDA_FUNCTION_NAME: the poller continues a long listing by invoking itself.
  const functionName = env.AWS_LAMBDA_FUNCTION_NAME;
  const continuation =
    functionName === undefined || functionName === ''
      ? null
      : new LambdaSelfContinuation(tracer.captureAWSv3Client(new LambdaClient({})), functionName);

  return {
    connectors,
    dependencies: {
      store: new DynamoInventoryStore(documentClient, environment.tableName),
      events: new EventBridgeEventSink(eventsClient, environment.eventBusName, options.eventBridge),
      credentials: new SecretsManagerCredentialSource(secretsClient, {
        secretIds: new Map(environment.connectors.map((connector) => [connector.id, connector.secretArn])),
      }),
      clock: systemClock,
      logger,
      settings: { maxRemovalShare: environment.maxRemovalShare },
    },
    logger: powertoolsLogger,
    metrics,
    continuation,
  };
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
        poller.addMetric(POLL_METRICS.syncFailed, MetricUnit.Count, 1);
        throw error instanceof RollcallError
          ? error
          : new PollFailedError(`poll of connector ${connectorId} aborted: ${safeMessage(error)}`, { cause: error });
      }

      recordMetrics(poller, result);
      // Continue at once only when this invocation made progress, so a listing can never chain forever.
      if (result.outcome === 'partial' && result.pages > 0 && runtime.continuation !== null) {
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

/**
 * ReconnectRequired and SyncFailed on every poll that ran, so their alarms follow each poll.
 * Counts only when a listing completed: a failed poll's are the last good sync's, and a partial
 * poll's accumulate into the completing poll's (they would be counted twice).
 * A `busy` poll did nothing: the poll holding the lease reports.
 */
function recordMetrics(poller: Metrics, result: PollResult): void {
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

export const handler: PollHandler = createPollHandler(createPollerRuntime(process.env));
