/**
 * Alarms (design.md section 8) on an encrypted SNS topic: the poller failing, messages parked in
 * the dead-letter queue, and each connector in RECONNECT_REQUIRED (the poller's own metric).
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData, type IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import {
  CONNECTOR_DIMENSION,
  METRICS_NAMESPACE,
  POLL_METRICS,
  SERVICE_NAME,
} from '../functions/contract/poller-contract.ts';
import type { Poller } from './poller.ts';

export interface RollcallAlarmsProps {
  readonly poller: Poller;
  /** One RECONNECT_REQUIRED alarm each. */
  readonly connectorIds: readonly string[];
  /** Subscribed to the topic when given (AWS mails a confirmation link first). */
  readonly email?: string;
}

const PERIOD = Duration.minutes(5);

/** The metric the poller emits on every poll of `connectorId`: 1 when it needs a person, 0 otherwise. */
export function reconnectRequiredMetric(connectorId: string): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: POLL_METRICS.reconnectRequired,
    // Powertools Metrics adds `service` to every metric; CloudWatch matches all dimensions exactly.
    dimensionsMap: { service: SERVICE_NAME, [CONNECTOR_DIMENSION]: connectorId },
    statistic: 'Maximum',
    period: PERIOD,
  });
}

export class RollcallAlarms extends Construct {
  readonly topic: Topic;
  readonly topicKey: Key;
  readonly pollerErrors: Alarm;
  readonly deadLetters: Alarm;
  readonly reconnectRequired: ReadonlyMap<string, Alarm>;

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

    this.pollerErrors = this.alarm('PollerErrors', {
      description: 'A Rollcall poll failed (transient API or AWS failure, or an unexpected error); Lambda retries it, then parks it in the dead-letter queue.',
      metric: props.poller.function.metricErrors({ period: PERIOD, statistic: 'Sum' }),
      treatMissingData: TreatMissingData.NOT_BREACHING,
      action,
    });
    this.deadLetters = this.alarm('DeadLetters', {
      description: 'Rollcall poll invocations failed for good and wait in the dead-letter queue.',
      metric: props.poller.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
      treatMissingData: TreatMissingData.NOT_BREACHING,
      action,
    });
    this.reconnectRequired = new Map(
      props.connectorIds.map((connectorId) => [
        connectorId,
        this.alarm(`ReconnectRequired-${connectorId}`, {
          description: `Rollcall connector ${connectorId} is RECONNECT_REQUIRED: put valid credentials into its secret (README, "Deploying to AWS").`,
          metric: reconnectRequiredMetric(connectorId),
          // Polls may be hours apart; between them the alarm keeps the state the last poll set.
          treatMissingData: TreatMissingData.IGNORE,
          action,
        }),
      ]),
    );
  }

  private alarm(
    id: string,
    options: { description: string; metric: Metric; treatMissingData: TreatMissingData; action: IAlarmAction },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: options.description,
      metric: options.metric,
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: options.treatMissingData,
    });
    alarm.addAlarmAction(options.action);
    alarm.addOkAction(options.action);
    return alarm;
  }
}
