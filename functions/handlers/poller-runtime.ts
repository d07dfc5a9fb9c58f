/**
 * The poller's composition root: configuration is read and validated, clients are built once per
 * execution environment (the module scope of `poll.ts` calls this), so a bad configuration fails
 * the cold start with a message naming the variable. Connectors are not part of it: each poll
 * reads its connector's definition from the table (`definitions`), so connectors are added,
 * changed and disabled without a redeploy.
 */
import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDynamoClients } from '../adapters/dynamodb/client.ts';
import { DynamoInventoryStore } from '../adapters/dynamodb/store.ts';
import { EventBridgeEventSink, type EventBridgeSinkOptions } from '../adapters/eventbridge-sink.ts';
import { metrics, powertoolsLogger, toLoggerPort, tracer } from '../adapters/powertools.ts';
import { SecretsManagerCredentialSource, type ConnectorSecret } from '../adapters/secrets-manager-credentials.ts';
import { SqsPollQueue, type ContinuationRequester } from '../adapters/sqs-poll-queue.ts';
import { appRegistry, type AppRegistry } from '../connectors/index.ts';
import type { PollDependencies } from '../core/poll.ts';
import { systemClock, type Clock, type ConnectorDefinitionStore } from '../core/ports.ts';
import { parsePollerEnvironment, type PollerEnvironment } from '../contract/poller-contract.ts';

export interface PollerRuntime {
  /** Where each poll reads its connector's definition. */
  readonly definitions: ConnectorDefinitionStore;
  /** The apps this poller serves. */
  readonly registry: AppRegistry;
  /** Each poll's secret, set from its connector's definition before the poll reads credentials. */
  readonly secrets: Map<string, ConnectorSecret>;
  readonly dependencies: Omit<PollDependencies, 'createConnector'>;
  readonly logger: PowertoolsLogger;
  readonly metrics: Metrics;
  /** Queues the continuation of a listing that ran out of time; absent without a poll queue. */
  readonly continuation: ContinuationRequester | null;
}

export interface PollerRuntimeOptions {
  /** Retry and concurrency of PutEvents (tests pass a `sleep` that does not wait). */
  readonly eventBridge?: EventBridgeSinkOptions;
  /** The apps this poller serves. @default appRegistry */
  readonly registry?: AppRegistry;
  /** @default the inventory table's definitions */
  readonly definitions?: ConnectorDefinitionStore;
  /** @default systemClock */
  readonly clock?: Clock;
}

/** Builds everything an invocation needs from the environment (the composition root). */
export function createPollerRuntime(env: NodeJS.ProcessEnv, options: PollerRuntimeOptions = {}): PollerRuntime {
  const environment: PollerEnvironment = parsePollerEnvironment(env);
  const logger = toLoggerPort(powertoolsLogger);
  const registry = options.registry ?? appRegistry;
  const clock = options.clock ?? systemClock;

  const { client: dynamoClient, documentClient } = createDynamoClients();
  tracer.captureAWSv3Client(dynamoClient);
  const secretsClient = tracer.captureAWSv3Client(new SecretsManagerClient({}));
  const eventsClient = tracer.captureAWSv3Client(new EventBridgeClient({}));
  const continuation =
    environment.pollQueueUrl === null ? null : new SqsPollQueue(tracer.captureAWSv3Client(new SQSClient({})), environment.pollQueueUrl);
  const store = new DynamoInventoryStore(documentClient, environment.tableName);
  const secrets = new Map<string, ConnectorSecret>();

  return {
    definitions: options.definitions ?? store,
    registry,
    secrets,
    dependencies: {
      store,
      events: new EventBridgeEventSink(eventsClient, environment.eventBusName, options.eventBridge),
      credentials: new SecretsManagerCredentialSource(secretsClient, { secrets, clock }),
      clock,
      logger,
      settings: { maxRemovalShare: environment.maxRemovalShare },
    },
    logger: powertoolsLogger,
    metrics,
    continuation,
  };
}
