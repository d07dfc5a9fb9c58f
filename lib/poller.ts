/**
 * The poller Lambda (design.md section 8), fed by the poll queue: its log group, role, the queue,
 * and the dead-letter queue. Its size does not depend on the connectors: each poll reads its
 * connector's definition from the table, and the role may read every secret named
 * `rollcall/<id>` (lib/connector-secrets.ts) plus the secrets declared connectors bring by ARN.
 *
 * The queue is consumed by an event source mapping whose `maxConcurrency` is the configured
 * `pollerConcurrency`: that many polls run at once, whatever the number of connectors due, and
 * the others wait in the queue (no throttling, no retries spent on waiting). One message is one
 * poll (batch size 1); a failed poll is reported as a batch item failure, delivered again after
 * the visibility timeout and, after `maxReceiveCount` receives, parked in the dead-letter queue.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ConfigError } from '../functions/core/errors.ts';
import { DEFAULT_POLL_SETTINGS } from '../functions/core/poll.ts';
import { POLLER_ENV } from '../functions/contract/poller-contract.ts';
import { connectorSecretsArn, connectorSecretsFinding } from './connector-secrets.ts';
import type { InventoryTable } from './inventory-table.ts';
import { grantPublishAsRollcall } from './event-bus.ts';
import { ENVIRONMENT_LIMIT_BYTES, worstCaseEnvironment } from './lambda-environment-size.ts';
import { POLLER_ENTRY } from './poller-bundling.ts';
import { createRollcallFunction } from './rollcall-function.ts';

/**
 * Listing time an invocation must have beyond the core's reserve (`reserveMs`, kept to write what
 * was listed and a checkpoint). With less, every poll would end partial having fetched nothing.
 */
export const MIN_LISTING_TIME = Duration.minutes(1);
/** The shortest timeout the poller accepts: the core's reserve plus the listing time above. */
export const MIN_POLLER_TIMEOUT = Duration.millis(DEFAULT_POLL_SETTINGS.reserveMs + MIN_LISTING_TIME.toMilliseconds());

/** Lambda's event source mapping runs at least two and at most 1,000 concurrent invocations. */
export const MIN_POLLER_CONCURRENCY = 2;
export const MAX_POLLER_CONCURRENCY = 1000;

export interface PollerProps {
  readonly inventory: InventoryTable;
  readonly eventBus: IEventBus;
  /** @default DEFAULT_POLL_SETTINGS.maxRemovalShare */
  readonly maxRemovalShare?: number;
  /** Polls that run at once (the event source mapping's `maxConcurrency`). @default 2 */
  readonly concurrency?: number;
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
  /** Receives of one poll message (the first and the redeliveries of a failed poll) before it is parked. @default 3 */
  readonly maxReceiveCount?: number;
  /** Secrets that declared connectors bring by ARN (`secretArn` in cdk.json): read access to each. @default [] */
  readonly declaredSecretArns?: readonly string[];
}

/**
 * Secrets brought by ARN are granted one by one, in one policy: IAM allows 10,240 characters of
 * inline policy per role, about 100 ARNs. More: name them `rollcall/<id>` instead (granted by prefix).
 */
export const MAX_DECLARED_SECRET_ARNS = 60;

export class Poller extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  /** One message per poll: `{ "connectorId": "<id>" }`. */
  readonly queue: Queue;
  /** Receives poll messages that failed `maxReceiveCount` times, direct invocations that failed, and schedule deliveries that failed. */
  readonly deadLetterQueue: Queue;
  readonly concurrency: number;

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
    this.concurrency = props.concurrency ?? MIN_POLLER_CONCURRENCY;
    if (this.concurrency < MIN_POLLER_CONCURRENCY || this.concurrency > MAX_POLLER_CONCURRENCY) {
      throw new ConfigError(`Poller concurrency must be ${MIN_POLLER_CONCURRENCY} to ${MAX_POLLER_CONCURRENCY} (Lambda's event source mapping limits)`);
    }
    const declaredSecretArns = props.declaredSecretArns ?? [];
    if (declaredSecretArns.length > MAX_DECLARED_SECRET_ARNS) {
      throw new ConfigError(
        `${declaredSecretArns.length} connectors bring a secretArn, more than the ${MAX_DECLARED_SECRET_ARNS} one role's policy can list: ` +
          'name their secrets rollcall/<connector id> instead and leave secretArn out',
      );
    }

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the poll queue, the poller and the schedule.',
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Lambda requires at least the function's timeout: a message must stay hidden while its poll runs.
      visibilityTimeout: timeout.plus(Duration.minutes(1)),
      // A poll that waited a day is overtaken by its next due time anyway.
      retentionPeriod: Duration.days(1),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 3 },
    });

    const { function: fn, role, logGroup } = createRollcallFunction(this, {
      entry: POLLER_ENTRY,
      description: 'Rollcall poller: lists one connector, diffs it into the inventory, publishes changes',
      roleDescription: 'Rollcall poller: its log group, the inventory table, the connector secrets, the event bus, the poll queue',
      timeout,
      memorySize: props.memorySize ?? 1024,
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
      environment: {
        [POLLER_ENV.tableName]: props.inventory.table.tableName,
        [POLLER_ENV.eventBusName]: props.eventBus.eventBusName,
        [POLLER_ENV.maxRemovalShare]: String(props.maxRemovalShare ?? DEFAULT_POLL_SETTINGS.maxRemovalShare),
        [POLLER_ENV.pollQueueUrl]: this.queue.queueUrl,
      },
    });
    this.function = fn;
    this.role = role;
    this.logGroup = logGroup;

    // A direct asynchronous invocation (`aws lambda invoke --invocation-type Event`) that fails is
    // retried twice by Lambda, then parked in the dead-letter queue.
    this.function.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(6), onFailure: new SqsDestination(this.deadLetterQueue) });
    this.function.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 1, reportBatchItemFailures: true, maxConcurrency: this.concurrency }),
    );

    props.inventory.grantInventoryAccess(this.role);
    grantPublishAsRollcall(props.eventBus, this.role);
    // A listing that ran out of time queues its own continuation.
    this.queue.grantSendMessages(this.role);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [connectorSecretsArn(this), ...declaredSecretArns] }),
    );
    Validations.of(this.role).acknowledge({
      id: connectorSecretsFinding(this),
      reason:
        'Connectors are data: one added with "rollcall connectors add" has its secret named rollcall/<id>, readable without a redeploy; the prefix holds only connector secrets, in this account and region.',
    });

    this.node.addValidation({
      validate: () => {
        const { bytes } = worstCaseEnvironment(this.function.node.defaultChild as CfnFunction);
        return bytes > ENVIRONMENT_LIMIT_BYTES
          ? [`Poller: the environment can reach ${bytes} bytes, above Lambda's limit of ${ENVIRONMENT_LIMIT_BYTES} bytes`]
          : [];
      },
    });
  }
}
