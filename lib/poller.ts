/**
 * The poller Lambda (design.md section 8), its log group, role and dead-letter queue. Connectors
 * are added one by one (`addConnector`): each grants read access to its own secret and joins the
 * connector list the function receives in one environment variable.
 */
import { Duration, Lazy, Stack, Validations } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing, type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ConfigError } from '../functions/core/errors.ts';
import { DEFAULT_POLL_SETTINGS } from '../functions/core/poll.ts';
import type { AppName } from '../functions/core/types.ts';
import { POLLER_ENV, type PollerConnector } from '../functions/contract/poller-contract.ts';
import type { InventoryTable } from './inventory-table.ts';
import { ENVIRONMENT_LIMIT_BYTES, worstCaseEnvironment } from './lambda-environment-size.ts';
import { LOCK_FILE, POLLER_BUNDLE, POLLER_ENTRY, PROJECT_ROOT } from './poller-bundling.ts';

/**
 * Listing time an invocation must have beyond the core's reserve (`reserveMs`, kept to write what
 * was listed and a checkpoint). With less, every poll would end partial having fetched nothing.
 */
export const MIN_LISTING_TIME = Duration.minutes(1);
/** The shortest timeout the poller accepts: the core's reserve plus the listing time above. */
export const MIN_POLLER_TIMEOUT = Duration.millis(DEFAULT_POLL_SETTINGS.reserveMs + MIN_LISTING_TIME.toMilliseconds());

export interface PollerProps {
  readonly inventory: InventoryTable;
  readonly eventBus: IEventBus;
  /** @default DEFAULT_POLL_SETTINGS.maxRemovalShare */
  readonly maxRemovalShare?: number;
  /** Invocations that may run at once. @default 2 */
  readonly reservedConcurrency?: number;
  /**
   * Long enough to list a large workspace. Must stay below the core's lease duration, so a lease
   * outlives the invocation that holds it, and at least `MIN_POLLER_TIMEOUT` (the core's write
   * reserve plus a minute of listing). @default Duration.minutes(15)
   */
  readonly timeout?: Duration;
  /** CPU scales with memory, and the diff of a large workspace is CPU-bound. @default 1024 */
  readonly memorySize?: number;
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: RetentionDays;
}

export interface PollerConnectorProps {
  readonly id: string;
  readonly app: AppName;
  /** Holds the app's credential JSON (its `credentialFields`). */
  readonly secret: ISecret;
  /** The app's connector config: the fields its registry entry declares. */
  readonly config: Record<string, unknown>;
}

export class Poller extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  /** Receives invocations that failed after Lambda's retries, and schedule deliveries that failed. */
  readonly deadLetterQueue: Queue;
  /** Assumed by EventBridge Scheduler to invoke the poller; every connector's schedule shares it. */
  readonly schedulerRole: Role;
  private readonly connectors: PollerConnector[] = [];

  constructor(scope: Construct, id: string, props: PollerProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.minutes(15);
    if (timeout.toMilliseconds() >= DEFAULT_POLL_SETTINGS.leaseMs) {
      throw new ConfigError(`Poller timeout must be below the poll lease (${DEFAULT_POLL_SETTINGS.leaseMs / 60_000} minutes)`);
    }
    if (timeout.toMilliseconds() < MIN_POLLER_TIMEOUT.toMilliseconds()) {
      throw new ConfigError(
        `Poller timeout of ${timeout.toSeconds()} s leaves no time to list: a poll keeps the last ${DEFAULT_POLL_SETTINGS.reserveMs / 1000} s ` +
          `to write what it listed, so the timeout must be at least ${MIN_POLLER_TIMEOUT.toSeconds()} s`,
      );
    }

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the poller and of the schedules.',
    });

    this.logGroup = new LogGroup(this, 'LogGroup', { retention: props.logRetention ?? RetentionDays.THREE_MONTHS });
    // An explicit role instead of the managed AWSLambdaBasicExecutionRole, which allows writing to every log group.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Rollcall poller: its log group, the inventory table, its connectors secrets, the event bus',
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      description: 'Rollcall poller: lists one connector, diffs it into the inventory, publishes changes',
      entry: POLLER_ENTRY,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: LOCK_FILE,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout,
      reservedConcurrentExecutions: props.reservedConcurrency ?? 2,
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      // Failed invocations (transient errors) are retried twice by Lambda, then parked in the DLQ.
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.deadLetterQueue),
      bundling: {
        minify: POLLER_BUNDLE.minify,
        sourceMap: POLLER_BUNDLE.sourceMap,
        sourcesContent: POLLER_BUNDLE.sourcesContent,
        target: POLLER_BUNDLE.target,
        format: OutputFormat.ESM,
        mainFields: [...POLLER_BUNDLE.mainFields],
        banner: POLLER_BUNDLE.banner,
        externalModules: [...POLLER_BUNDLE.externalModules],
        bundleAwsSDK: true,
        forceDockerBundling: false,
      },
      environment: {
        [POLLER_ENV.connectors]: Lazy.string({ produce: () => this.connectorsJson() }),
        [POLLER_ENV.tableName]: props.inventory.table.tableName,
        [POLLER_ENV.eventBusName]: props.eventBus.eventBusName,
        [POLLER_ENV.maxRemovalShare]: String(props.maxRemovalShare ?? DEFAULT_POLL_SETTINGS.maxRemovalShare),
        // Stack traces point into the TypeScript sources (the bundle ships its source map).
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_LOGGER_LOG_EVENT: 'false',
        // Second guard for style.md section 6: nothing a traced call returns (users) reaches X-Ray.
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
      },
    });

    this.schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'EventBridge Scheduler: invokes the Rollcall poller, parks undeliverable invocations in its dead-letter queue',
    });
    const functionLogicalId = Stack.of(this).getLogicalId(this.function.node.defaultChild as CfnFunction);
    Validations.of(this.schedulerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${functionLogicalId}.Arn>:*]`,
      reason: "Invoke on the poller's own versions and aliases (the ':*' that Function.grantInvoke always adds); no other function.",
    });

    props.inventory.grantInventoryAccess(this.role);
    props.eventBus.grantPutEventsTo(this.role);
    // A listing that outlasts one invocation continues in the next (asynchronous self-invoke).
    // A policy of its own, not the role's default one: the function waits for its default policy,
    // and a statement naming the function's own ARN there would be a dependency cycle.
    new Policy(this, 'ContinuationPolicy', {
      roles: [this.role],
      statements: [new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.function.functionArn] })],
    });

    this.node.addValidation({
      validate: () => {
        try {
          this.checkEnvironmentSize();
          return [];
        } catch (error) {
          return [error instanceof Error ? error.message : String(error)];
        }
      },
    });

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions; nothing else in this role uses a wildcard.',
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the runtime Rollcall is built and tested for (design.md section 8); newer runtimes are adopted deliberately.',
    });
  }

  /** Lets the poller serve `connector`: read access to its secret only, and a place in the connector list. */
  addConnector(connector: PollerConnectorProps): void {
    if (this.connectors.some((existing) => existing.id === connector.id)) {
      throw new Error(`Poller already serves connector ${connector.id}`);
    }
    connector.secret.grantRead(this.role);
    this.connectors.push({ id: connector.id, app: connector.app, secretArn: connector.secret.secretArn, config: connector.config });
    this.checkEnvironmentSize();
  }

  /**
   * Refuses, at synth, an environment Lambda would refuse at deploy: measured as Lambda measures
   * it, with every reference at its longest (lib/lambda-environment-size.ts). Checked as each
   * connector joins (the error names the count) and again on the final environment at synth.
   */
  private checkEnvironmentSize(): void {
    const { bytes } = worstCaseEnvironment(this.function.node.defaultChild as CfnFunction);
    if (bytes > ENVIRONMENT_LIMIT_BYTES) {
      throw new ConfigError(
        `Poller: the environment of ${this.connectors.length} connectors can reach ${bytes} bytes, above Lambda's limit of ` +
          `${ENVIRONMENT_LIMIT_BYTES} bytes for all variables together; split the connectors over two deployments (stackName)`,
      );
    }
  }

  private connectorsJson(): string {
    if (this.connectors.length === 0) throw new Error('Poller has no connectors: add at least one with addConnector()');
    return Stack.of(this).toJsonString(this.connectors);
  }
}
