/**
 * The poller's composition root: configuration is read and validated, clients and connector
 * factories are built once per execution environment (the module scope of `poll.ts` calls this),
 * so a bad configuration fails the cold start with a message naming the variable and field.
 */
import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LambdaSelfContinuation, type ContinuationRequester } from '../adapters/lambda-continuation.ts';
import { createDynamoClients } from '../adapters/dynamodb/client.ts';
import { DynamoInventoryStore } from '../adapters/dynamodb/store.ts';
import { EventBridgeEventSink, type EventBridgeSinkOptions } from '../adapters/eventbridge-sink.ts';
import { metrics, powertoolsLogger, toLoggerPort, tracer } from '../adapters/powertools.ts';
import { SecretsManagerCredentialSource } from '../adapters/secrets-manager-credentials.ts';
import { appRegistry, type AppRegistry, type ConnectorFactory, type CredentialField } from '../connectors/index.ts';
import { ConfigError } from '../core/errors.ts';
import type { PollDependencies } from '../core/poll.ts';
import { systemClock } from '../core/ports.ts';
import type { AppName } from '../core/types.ts';
import { parsePollerEnvironment, type PollerEnvironment } from '../contract/poller-contract.ts';

export interface ServedConnector {
  readonly app: AppName;
  readonly createConnector: ConnectorFactory;
  /** What the connector's secret holds, as its app declares it. */
  readonly credentialFields: readonly CredentialField[];
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
  /** The apps this poller serves. @default appRegistry */
  readonly registry?: AppRegistry;
}

/** Builds everything an invocation needs from the environment (the composition root). */
export function createPollerRuntime(env: NodeJS.ProcessEnv, options: PollerRuntimeOptions = {}): PollerRuntime {
  const environment: PollerEnvironment = parsePollerEnvironment(env);
  const logger = toLoggerPort(powertoolsLogger);
  const registry = options.registry ?? appRegistry;

  const connectors = new Map<string, ServedConnector>(
    environment.connectors.map((connector) => {
      try {
        const app = registry.get(connector.app);
        const createConnector = app.createFactory(connector.config, { logger });
        return [connector.id, { app: app.name, createConnector, credentialFields: app.credentialFields }];
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
        secrets: new Map(
          environment.connectors.map((connector) => [
            connector.id,
            { secretId: connector.secretArn, fields: registry.get(connector.app).credentialFields },
          ]),
        ),
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
