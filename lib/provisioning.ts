/**
 * Provisioning in AWS (design.md section 6; README, "Provisioning in AWS"): a function that
 * changes group memberships when the user's automation asks, through an `AccessRequested` or
 * `AccessRevocationRequested` event on Rollcall's bus, and a rule that feeds it those events only.
 *
 * It exists only when a connector sets `"provisioning": true` (`addProvisioning` returns nothing
 * otherwise), so a default deployment has no write path at all. Its role reads exactly the secrets
 * of those connectors, uses the inventory table as the poller does, and may publish on the bus
 * only with source `rollcall`: it can answer a request, never make one.
 */
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, Lazy, Stack, Validations } from 'aws-cdk-lib';
import { Rule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { appRegistry, type AppRegistry } from '../functions/connectors/index.ts';
import { ConfigError } from '../functions/core/errors.ts';
import { PROVISION_LEASE_MS } from '../functions/core/provision.ts';
import type { AppName } from '../functions/core/types.ts';
import type { PollerConnector } from '../functions/contract/poller-contract.ts';
import { PROVISION_REQUEST_SOURCE, PROVISION_REQUEST_TYPES, PROVISIONER_ENV } from '../functions/contract/provision-contract.ts';
import { appConfigOf, type DeploymentConfig } from './deployment-config.ts';
import type { InventoryTable } from './inventory-table.ts';
import { LOCK_FILE, PROJECT_ROOT } from './poller-bundling.ts';
import { FUNCTION_BUNDLING } from './rollcall-function.ts';
import type { DeclaredConnectorRef } from './declared-connectors.ts';
import { grantPublishAsRollcall } from './event-bus.ts';

export const PROVISIONER_ENTRY = fileURLToPath(new URL('../functions/handlers/provision.ts', import.meta.url));

export interface ProvisioningConnectorProps {
  readonly id: string;
  readonly app: AppName;
  /** Holds the app's credential JSON; the function may read it. */
  readonly secret: ISecret;
  /** The app's connector config: the fields its registry entry declares. */
  readonly config: Record<string, unknown>;
}

export interface ProvisioningProps {
  readonly inventory: InventoryTable;
  readonly eventBus: IEventBus;
  /** The connectors that enable provisioning (at least one), each with its secret. */
  readonly connectors: readonly ProvisioningConnectorProps[];
  /**
   * Receives invocations that failed (an answer that could not be published, a timeout) and
   * events the rule could not deliver; the stack passes the poller's, which an alarm watches.
   */
  readonly deadLetterQueue: IQueue;
  /**
   * One mutation and its read-back, with the app's write limit and `Retry-After` waits. Below the
   * core's provisioning lease, so the lease outlives the invocation. @default Duration.minutes(4)
   */
  readonly timeout?: Duration;
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: RetentionDays;
}

export class Provisioning extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  /** Matches the requests on the bus (source `rollcall.provisioning`), never Rollcall's own events. */
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: ProvisioningProps) {
    super(scope, id);
    if (props.connectors.length === 0) throw new ConfigError('Provisioning needs at least one connector that enables it');
    const timeout = props.timeout ?? Duration.minutes(4);
    if (timeout.toMilliseconds() >= PROVISION_LEASE_MS) {
      throw new ConfigError(`Provisioning timeout must be below the provisioning lease (${PROVISION_LEASE_MS / 60_000} minutes)`);
    }

    this.logGroup = new LogGroup(this, 'LogGroup', { retention: props.logRetention ?? RetentionDays.THREE_MONTHS });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Rollcall provisioning: its log group, the inventory table, the secrets of the connectors that enable provisioning, answers on the bus',
    });
    this.logGroup.grantWrite(this.role);
    props.inventory.grantInventoryAccess(this.role);
    for (const connector of props.connectors) connector.secret.grantRead(this.role);
    // Answers and audit events only: a request (another source) published by this function would feed its own rule.
    grantPublishAsRollcall(props.eventBus, this.role);

    const connectors: PollerConnector[] = props.connectors.map((connector) => ({
      id: connector.id,
      app: connector.app,
      secretArn: connector.secret.secretArn,
      config: connector.config,
    }));
    this.function = new NodejsFunction(this, 'Function', {
      description: 'Rollcall provisioning: changes group memberships on request (AccessRequested, AccessRevocationRequested)',
      entry: PROVISIONER_ENTRY,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: LOCK_FILE,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout,
      // Requests run one at a time: they share the app's write budget and the connector's lease,
      // and a request throttled here waits in Lambda's queue instead of failing busy.
      reservedConcurrentExecutions: 1,
      role: this.role,
      logGroup: this.logGroup,
      // A request is answered, never retried by Lambda: a repeated change is the automation's decision.
      retryAttempts: 0,
      maxEventAge: Duration.hours(1),
      onFailure: new SqsDestination(props.deadLetterQueue),
      bundling: FUNCTION_BUNDLING,
      environment: {
        [PROVISIONER_ENV.connectors]: Lazy.string({ produce: () => Stack.of(this).toJsonString(connectors) }),
        [PROVISIONER_ENV.tableName]: props.inventory.table.tableName,
        [PROVISIONER_ENV.eventBusName]: props.eventBus.eventBusName,
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_LOGGER_LOG_EVENT: 'false',
      },
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the runtime Rollcall is built and tested for (design.md section 8); newer runtimes are adopted deliberately.',
    });

    this.rule = new Rule(this, 'RequestRule', {
      description: `Provisioning requests (source ${PROVISION_REQUEST_SOURCE}) to the Rollcall provisioning function`,
      eventBus: props.eventBus,
      eventPattern: { source: [PROVISION_REQUEST_SOURCE], detailType: Object.values(PROVISION_REQUEST_TYPES) },
      targets: [new LambdaFunction(this.function, { deadLetterQueue: props.deadLetterQueue, retryAttempts: 3, maxEventAge: Duration.hours(1) })],
    });
  }
}

export interface AddProvisioningProps {
  readonly config: DeploymentConfig;
  /** The stack's connectors; those whose config sets `"provisioning": true` are provisioned. */
  readonly connectors: readonly DeclaredConnectorRef[];
  readonly inventory: InventoryTable;
  readonly eventBus: IEventBus;
  readonly deadLetterQueue: IQueue;
  /** @default appRegistry */
  readonly registry?: AppRegistry;
}

/** The stack's hook: the provisioning function and its rule when a connector enables it, and nothing otherwise. */
export function addProvisioning(scope: Construct, props: AddProvisioningProps): Provisioning | undefined {
  const registry = props.registry ?? appRegistry;
  const enabled = props.config.connectors.filter((connector) => connector.provisioning === true);
  if (enabled.length === 0) return undefined;
  const provisioning = new Provisioning(scope, 'Provisioning', {
    inventory: props.inventory,
    eventBus: props.eventBus,
    deadLetterQueue: props.deadLetterQueue,
    connectors: enabled.map((connector) => {
      const scheduled = props.connectors.find((candidate) => candidate.connectorId === connector.id);
      if (scheduled === undefined) throw new ConfigError(`Provisioning: connector ${connector.id} is not in the stack`);
      return { id: connector.id, app: connector.app, secret: scheduled.secret, config: appConfigOf(connector, registry) };
    }),
  });
  new CfnOutput(scope, 'ProvisioningFunctionName', {
    value: provisioning.function.functionName,
    description: `Provisioning: put events with source ${PROVISION_REQUEST_SOURCE} on the bus, or invoke this function`,
  });
  return provisioning;
}
