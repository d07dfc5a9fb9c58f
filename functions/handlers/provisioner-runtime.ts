/**
 * The provisioning function's composition root: its environment is read and validated, and the
 * provisioner factories, store, bus and secrets client are built once per execution environment,
 * so a bad configuration fails the cold start with a message naming the variable and field.
 *
 * It serves only the connectors the stack listed (those with `"provisioning": true`), and reads
 * only their secrets: the role it runs under may read no other (lib/provisioning.ts).
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createDynamoClients } from '../adapters/dynamodb/client.ts';
import { DynamoInventoryStore } from '../adapters/dynamodb/store.ts';
import { EventBridgeEventSink, type EventBridgeSinkOptions } from '../adapters/eventbridge-sink.ts';
import { toLoggerPort } from '../adapters/powertools-logger-port.ts';
import { SecretsManagerCredentialSource } from '../adapters/secrets-manager-credentials.ts';
import { appRegistry, type AppRegistry, type ConnectorRuntimeOptions, type ProvisionerFactory } from '../connectors/index.ts';
import { ConfigError } from '../core/errors.ts';
import { systemClock, type Clock, type CredentialSource, type EventSink, type Logger } from '../core/ports.ts';
import type { ProvisionDependencies } from '../core/provision.ts';
import type { AppName } from '../core/types.ts';
import { parseProvisionerEnvironment, PROVISIONER_SERVICE_NAME } from '../contract/provision-contract.ts';

export interface ProvisionedConnector {
  readonly app: AppName;
  readonly createProvisioner: ProvisionerFactory;
}

export interface ProvisionerRuntime {
  /** The connectors that enable provisioning, by id; any other is refused. */
  readonly connectors: ReadonlyMap<string, ProvisionedConnector>;
  readonly store: ProvisionDependencies['store'];
  readonly events: EventSink;
  readonly credentials: CredentialSource;
  readonly clock: Clock;
  readonly logger: PowertoolsLogger;
  /** The core's logger port over `logger`. */
  readonly log: Logger;
}

export interface ProvisionerRuntimeOptions {
  /** Retry and concurrency of PutEvents (tests pass a `sleep` that does not wait). */
  readonly eventBridge?: EventBridgeSinkOptions;
  /** @default appRegistry */
  readonly registry?: AppRegistry;
  /** Passed to each app's provisioner factory (tests lift the write budget and retry waits). */
  readonly connectorOptions?: Omit<ConnectorRuntimeOptions, 'logger'>;
  /** @default systemClock */
  readonly clock?: Clock;
}

export function createProvisionerRuntime(env: NodeJS.ProcessEnv, options: ProvisionerRuntimeOptions = {}): ProvisionerRuntime {
  const environment = parseProvisionerEnvironment(env);
  const registry = options.registry ?? appRegistry;
  const logger = new PowertoolsLogger({ serviceName: PROVISIONER_SERVICE_NAME });
  const log = toLoggerPort(logger);

  const connectors = new Map<string, ProvisionedConnector>(
    environment.connectors.map((connector) => {
      try {
        const app = registry.get(connector.app);
        if (app.createProvisionerFactory === undefined) {
          throw new ConfigError(`${app.title} connectors are read-only: Rollcall cannot grant or revoke there`);
        }
        const createProvisioner = app.createProvisionerFactory(connector.config, { ...options.connectorOptions, logger: log });
        return [connector.id, { app: app.name, createProvisioner }];
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        throw new ConfigError(`connector ${connector.id}: ${error.message}`, { cause: error });
      }
    }),
  );

  const { documentClient } = createDynamoClients();
  return {
    connectors,
    store: new DynamoInventoryStore(documentClient, environment.tableName),
    events: new EventBridgeEventSink(new EventBridgeClient({}), environment.eventBusName, options.eventBridge),
    // Read on every request (no cache): a request is rare, and a key just replaced must be the one used.
    credentials: new SecretsManagerCredentialSource(new SecretsManagerClient({}), {
      secrets: new Map(
        environment.connectors.map((connector) => [connector.id, { secretId: connector.secretArn, fields: registry.get(connector.app).credentialFields }]),
      ),
      cacheTtlMs: 0,
    }),
    clock: options.clock ?? systemClock,
    logger,
    log,
  };
}
