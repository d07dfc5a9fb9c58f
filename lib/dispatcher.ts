/**
 * The fleet's scheduling (README, "Scheduling"): ONE EventBridge Scheduler schedule runs the
 * dispatcher every minute; the dispatcher claims the connectors due (their due times spread by
 * core/schedule.ts), queues one poll message each on the poller's queue, and publishes the fleet's
 * health. Resources and environment are the same for one connector or ten thousand.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { DEFAULT_STALE_PERIODS } from '../functions/core/fleet-health.ts';
import { DISPATCHER_ENV } from '../functions/contract/fleet-contract.ts';
import type { InventoryTable } from './inventory-table.ts';
import { grantPublishAsRollcall } from './event-bus.ts';
import type { Poller } from './poller.ts';
import { DISPATCHER_ENTRY } from './poller-bundling.ts';
import { createRollcallFunction } from './rollcall-function.ts';

/**
 * Connectors claimed per run, at most: a claim is one conditional write, so a run stays within
 * seconds; 500 a minute is 30,000 polls an hour, beyond what any poller concurrency drains.
 */
export const DEFAULT_CLAIM_LIMIT = 500;

export interface DispatcherProps {
  readonly inventory: InventoryTable;
  readonly eventBus: IEventBus;
  readonly poller: Poller;
  /** @default DEFAULT_CLAIM_LIMIT */
  readonly claimLimit?: number;
  /** @default DEFAULT_STALE_PERIODS */
  readonly stalePeriods?: number;
}

export class Dispatcher extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly schedule: Schedule;
  /** Assumed by EventBridge Scheduler to invoke the dispatcher. */
  readonly schedulerRole: Role;

  constructor(scope: Construct, id: string, props: DispatcherProps) {
    super(scope, id);
    const created = createRollcallFunction(this, {
      entry: DISPATCHER_ENTRY,
      description: 'Rollcall dispatcher: queues the polls of the connectors due, publishes the fleet health',
      roleDescription: 'Rollcall dispatcher: its log group, the inventory table, the poll queue, the event bus',
      timeout: Duration.minutes(1),
      memorySize: 256,
      environment: {
        [DISPATCHER_ENV.tableName]: props.inventory.table.tableName,
        [DISPATCHER_ENV.pollQueueUrl]: props.poller.queue.queueUrl,
        [DISPATCHER_ENV.eventBusName]: props.eventBus.eventBusName,
        [DISPATCHER_ENV.claimLimit]: String(props.claimLimit ?? DEFAULT_CLAIM_LIMIT),
        [DISPATCHER_ENV.stalePeriods]: String(props.stalePeriods ?? DEFAULT_STALE_PERIODS),
      },
    });
    this.function = created.function;
    this.role = created.role;
    this.logGroup = created.logGroup;
    // A run that fails is not retried: the next one, a minute later, finds the same connectors due.
    this.function.configureAsyncInvoke({ retryAttempts: 0 });

    props.inventory.grantInventoryAccess(this.role);
    props.poller.queue.grantSendMessages(this.role);
    grantPublishAsRollcall(props.eventBus, this.role);

    this.schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'EventBridge Scheduler: invokes the Rollcall dispatcher, parks undeliverable invocations in the dead-letter queue',
    });
    const functionLogicalId = Stack.of(this).getLogicalId(this.function.node.defaultChild as CfnFunction);
    Validations.of(this.schedulerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${functionLogicalId}.Arn>:*]`,
      reason: "Invoke on the dispatcher's own versions and aliases (the ':*' that Function.grantInvoke always adds); no other function.",
    });
    this.schedule = new Schedule(this, 'Schedule', {
      description: 'Rollcall: queues the polls of the connectors due, every minute',
      schedule: ScheduleExpression.rate(Duration.minutes(1)),
      target: new LambdaInvoke(this.function, {
        role: this.schedulerRole,
        deadLetterQueue: props.poller.deadLetterQueue,
        retryAttempts: 0,
        maxEventAge: Duration.minutes(1),
      }),
    });
  }
}
