/**
 * Alarms (design.md section 8) on an encrypted SNS topic, the same few for one connector or ten
 * thousand: the functions failing, messages parked in the dead-letter queue, the dispatcher not
 * running, and the fleet's health as the dispatcher counts it every minute (connectors in
 * RECONNECT_REQUIRED, failing, stale). Which connectors: the dispatcher's `ConnectorHealthDigest`
 * event on the bus names them (README, "Alarms").
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData, type IAlarmAction, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../functions/contract/poller-contract.ts';
import { DISPATCHER_SERVICE_NAME, FLEET_METRICS, HEALTH_DIGEST_DETAIL_TYPE } from '../functions/contract/fleet-contract.ts';
import type { Dispatcher } from './dispatcher.ts';
import type { Poller } from './poller.ts';

export interface RollcallAlarmsProps {
  readonly poller: Poller;
  readonly dispatcher: Dispatcher;
  /** Subscribed to the topic when given (AWS mails a confirmation link first). */
  readonly email?: string;
}

const PERIOD = Duration.minutes(5);

/** Where an alarm's reader finds the connector ids (README, "Alarms"). */
const WHICH = `The ids: the latest ${HEALTH_DIGEST_DETAIL_TYPE} event on the Rollcall bus, or npx rollcall connectors --table <InventoryTableName>.`;

/** A count the dispatcher publishes every minute for the whole fleet (no connector dimension). */
export function fleetMetric(metricName: string): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    // Powertools Metrics adds `service` to every metric; CloudWatch matches all dimensions exactly.
    dimensionsMap: { service: DISPATCHER_SERVICE_NAME },
    statistic: 'Maximum',
    period: PERIOD,
  });
}

export class RollcallAlarms extends Construct {
  readonly topic: Topic;
  readonly topicKey: Key;
  readonly pollerErrors: Alarm;
  readonly deadLetters: Alarm;
  readonly dispatcherErrors: Alarm;
  readonly dispatcherNotRunning: Alarm;
  readonly reconnectRequired: Alarm;
  readonly failing: Alarm;
  readonly stale: Alarm;

  constructor(scope: Construct, id: string, props: RollcallAlarmsProps) {
    super(scope, id);

    // CloudWatch cannot publish to a topic encrypted with the AWS managed SNS key; a customer
    // managed key lets its key policy admit CloudWatch.
    this.topicKey = new Key(this, 'TopicKey', {
      description: 'Rollcall alarm topic',
      enableKeyRotation: true,
      // The topic holds no data at rest worth keeping once the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    this.topicKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        // Only this account's alarms may use the key (a confused-deputy guard).
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    this.topic = new Topic(this, 'Topic', { displayName: 'Rollcall alarms', masterKey: this.topicKey, enforceSSL: true });
    if (props.email !== undefined) this.topic.addSubscription(new EmailSubscription(props.email));
    const action = new SnsAction(this.topic);

    this.pollerErrors = this.alarm('PollerErrors', action, {
      description: 'The Rollcall poller failed outside a poll (a crash, a timeout): the poll message is delivered again, then parked in the dead-letter queue.',
      metric: props.poller.function.metricErrors({ period: PERIOD, statistic: 'Sum' }),
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.deadLetters = this.alarm('DeadLetters', action, {
      description: 'Rollcall polls failed for good (after the last receive) and wait in the dead-letter queue; each message names its connector.',
      metric: props.poller.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.dispatcherErrors = this.alarm('DispatcherErrors', action, {
      description: 'The Rollcall dispatcher failed: due connectors stay due until a run succeeds (its log says why).',
      metric: props.dispatcher.function.metricErrors({ period: PERIOD, statistic: 'Sum' }),
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.dispatcherNotRunning = this.alarm('DispatcherNotRunning', action, {
      description: 'The Rollcall dispatcher has not run for 5 minutes (its schedule disabled or deleted): nothing is polled.',
      metric: props.dispatcher.function.metricInvocations({ period: PERIOD, statistic: 'Sum' }),
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.BREACHING,
    });
    // The fleet's counts hold their state between runs; a silent dispatcher is the alarm above.
    this.reconnectRequired = this.alarm('ReconnectRequired', action, {
      description: `Rollcall connectors are RECONNECT_REQUIRED: put valid credentials into their secrets (README, "Deploying to AWS"). ${WHICH}`,
      metric: fleetMetric(FLEET_METRICS.reconnectRequired),
      treatMissingData: TreatMissingData.IGNORE,
    });
    this.failing = this.alarm('Failing', action, {
      description: `Rollcall connectors' last polls ended in ERROR (the API or AWS failing for them). ${WHICH}`,
      metric: fleetMetric(FLEET_METRICS.failing),
      treatMissingData: TreatMissingData.IGNORE,
    });
    this.stale = this.alarm('Stale', action, {
      description: `Rollcall connectors have had no successful sync for several schedule periods (polls not dispatched, waiting in a backlog, or never finishing). ${WHICH}`,
      metric: fleetMetric(FLEET_METRICS.stale),
      treatMissingData: TreatMissingData.IGNORE,
    });
  }

  private alarm(
    id: string,
    action: IAlarmAction,
    options: { description: string; metric: IMetric; treatMissingData: TreatMissingData; comparisonOperator?: ComparisonOperator },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: options.description,
      metric: options.metric,
      threshold: 1,
      comparisonOperator: options.comparisonOperator ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: options.treatMissingData,
    });
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    return alarm;
  }
}
