/**
 * The dispatcher's composition root: configuration read and validated, clients built once per
 * execution environment (the module scope of `dispatch.ts` calls this).
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDynamoClients } from '../adapters/dynamodb/client.ts';
import { DynamoInventoryStore } from '../adapters/dynamodb/store.ts';
import { EventBridgeDigestSink, type HealthDigestSink } from '../adapters/eventbridge-digest.ts';
import { SqsPollQueue, type PollQueue } from '../adapters/sqs-poll-queue.ts';
import { systemClock, type Clock, type ConnectorDefinitionStore, type InventoryReader } from '../core/ports.ts';
import { METRICS_NAMESPACE } from '../contract/poller-contract.ts';
import { DISPATCHER_SERVICE_NAME, parseDispatcherEnvironment } from '../contract/fleet-contract.ts';

export interface DispatcherRuntime {
  readonly definitions: ConnectorDefinitionStore;
  /** The connector states, for the fleet's health. */
  readonly states: Pick<InventoryReader, 'listConnectors'>;
  readonly queue: PollQueue;
  readonly digests: HealthDigestSink;
  readonly clock: Clock;
  readonly logger: PowertoolsLogger;
  readonly metrics: Metrics;
  readonly claimLimit: number;
  readonly stalePeriods: number;
}

export interface DispatcherRuntimeOptions {
  /** @default the inventory table's definitions */
  readonly definitions?: ConnectorDefinitionStore;
  /** @default systemClock */
  readonly clock?: Clock;
}

export function createDispatcherRuntime(env: NodeJS.ProcessEnv, options: DispatcherRuntimeOptions = {}): DispatcherRuntime {
  const environment = parseDispatcherEnvironment(env);
  const { documentClient } = createDynamoClients();
  const store = new DynamoInventoryStore(documentClient, environment.tableName);
  return {
    definitions: options.definitions ?? store,
    states: store,
    queue: new SqsPollQueue(new SQSClient({}), environment.pollQueueUrl),
    digests: new EventBridgeDigestSink(new EventBridgeClient({}), environment.eventBusName),
    clock: options.clock ?? systemClock,
    logger: new PowertoolsLogger({ serviceName: DISPATCHER_SERVICE_NAME }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: DISPATCHER_SERVICE_NAME }),
    claimLimit: environment.claimLimit,
    stalePeriods: environment.stalePeriods,
  };
}
