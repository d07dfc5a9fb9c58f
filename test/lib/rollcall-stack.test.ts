import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  GLOBAL_SECONDARY_INDEXES,
  KEY_ATTRIBUTE_TYPE,
  TABLE_KEYS,
  TTL_ATTRIBUTE,
} from '../../functions/adapters/dynamodb/table-definition.ts';
import { createTableInput } from '../../functions/adapters/dynamodb/create-table.ts';
import { EVENT_SOURCE } from '../../functions/core/events.ts';
import { DEFAULT_POLL_SETTINGS } from '../../functions/core/poll.ts';
import { METRICS_NAMESPACE, POLLER_ENV } from '../../functions/contract/poller-contract.ts';
import {
  DECLARED_PROPERTY,
  decodeDeclaredConnectors,
  DISPATCHER_ENV,
  DISPATCHER_SERVICE_NAME,
  FLEET_METRICS,
} from '../../functions/contract/fleet-contract.ts';
import { RollcallEventBus } from '../../lib/event-bus.ts';
import { RollcallStack } from '../../lib/rollcall-stack.ts';
import { EXISTING_SECRET_ARN, flatten, logicalIdOf, synthesizeStack, TEST_CONFIG, type SynthesizedStack } from './stack-fixture.ts';
import { expectedGlobalSecondaryIndexes } from '../support/table-shape.ts';

let synthesized: SynthesizedStack;
let template: Template;
let ids: {
  table: string;
  function: string;
  dispatcher: string;
  reconciler: string;
  queue: string;
  deadLetterQueue: string;
  bus: string;
  topic: string;
  role: string;
  dispatcherRole: string;
  reconcilerRole: string;
};

beforeAll(() => {
  synthesized = synthesizeStack();
  template = synthesized.template;
  const fn = (fragment: string) => logicalIdOf(template, 'AWS::Lambda::Function', (properties) => String(properties.Description).includes(fragment));
  const roleOf = (functionId: string) => ((resourceOf(functionId).Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] as string);
  const queues = Object.entries(template.findResources('AWS::SQS::Queue'));
  const poller = fn('Rollcall poller');
  const dispatcher = fn('Rollcall dispatcher');
  const reconciler = fn('declared in cdk.json');
  ids = {
    table: logicalIdOf(template, 'AWS::DynamoDB::Table'),
    function: poller,
    dispatcher,
    reconciler,
    queue: (queues.find(([, queue]) => queue.Properties.RedrivePolicy !== undefined) ?? [''])[0],
    deadLetterQueue: (queues.find(([, queue]) => queue.Properties.RedrivePolicy === undefined) ?? [''])[0],
    bus: logicalIdOf(template, 'AWS::Events::EventBus'),
    topic: logicalIdOf(template, 'AWS::SNS::Topic'),
    role: roleOf(poller),
    dispatcherRole: roleOf(dispatcher),
    reconcilerRole: roleOf(reconciler),
  };
  // Synthesizing takes seconds, tens of them on a loaded machine.
}, 120_000);

function resourceOf(logicalId: string): { Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string } {
  return template.toJSON().Resources[logicalId];
}

/** Every statement of the IAM policies attached to the role with logical id `roleId`. */
function statementsOf(roleId: string): { Action: string | string[]; Resource: unknown; Effect: string }[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

const actionsOf = (statement: { Action: string | string[] }) => [statement.Action].flat();
const resourcesOf = (statement: { Resource: unknown }) => [statement.Resource].flat().map((value) => flatten(value));

describe('synthesis', () => {
  it('needs no account, region or lookup: the stack stays environment-agnostic', () => {
    const { stack } = synthesized;
    expect(stack.resolve(stack.account)).toEqual({ Ref: 'AWS::AccountId' });
    expect(stack.resolve(stack.region)).toEqual({ Ref: 'AWS::Region' });
    expect(JSON.stringify(template.toJSON())).not.toMatch(/\d{12}:(?!secret:rollcall\/torq-eu)/);
  });
});

describe('inventory table', () => {
  it('has the key schema, attributes and indexes of table-definition.ts, as the local table does', () => {
    const table = resourceOf(ids.table).Properties;
    const local = createTableInput('inventory');

    expect(table.KeySchema).toEqual([
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ]);
    expect(table.KeySchema).toEqual(local.KeySchema);
    const sortByName = (list: { AttributeName?: string }[]) => [...list].sort((a, b) => String(a.AttributeName).localeCompare(String(b.AttributeName)));
    expect(sortByName(table.AttributeDefinitions as { AttributeName: string }[])).toEqual(sortByName(local.AttributeDefinitions ?? []));
    expect(table.AttributeDefinitions).toHaveLength(2 + 2 * GLOBAL_SECONDARY_INDEXES.length);
    for (const definition of table.AttributeDefinitions as { AttributeType: string }[]) {
      expect(definition.AttributeType).toBe(KEY_ATTRIBUTE_TYPE);
    }
    expect(table.GlobalSecondaryIndexes).toEqual(
      expectedGlobalSecondaryIndexes(),
    );
    expect(table.GlobalSecondaryIndexes).toEqual(local.GlobalSecondaryIndexes);
  });

  it('is on-demand, point-in-time recoverable, KMS-encrypted, expires runs by TTL and has no physical name', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      // SSEEnabled without a key id: KMS with the AWS managed key aws/dynamodb.
      SSESpecification: { SSEEnabled: true, KMSMasterKeyId: Match.absent() },
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      DeletionProtectionEnabled: true,
      TableName: Match.absent(),
    });
  });

  it('is retained when the stack is deleted or the table replaced', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('connectors', () => {
  it('creates no secret and no schedule per connector: secrets are rollcall/<id>, created empty at deploy time', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
  });

  it('reconciles the declared connectors through one custom resource carrying the whole list', () => {
    template.resourceCountIs('Custom::RollcallDeclaredConnectors', 1);
    const [resource] = Object.values(template.findResources('Custom::RollcallDeclaredConnectors'));
    expect(resource?.Properties.ServiceToken).toEqual({ 'Fn::GetAtt': [ids.reconciler, 'Arn'] });
    expect(decodeDeclaredConnectors(resource?.Properties[DECLARED_PROPERTY])).toEqual([
      { id: 'torq-prod', app: 'torq', schedule: 'rate(1 hour)', config: { region: 'us' }, secretArn: null },
      {
        id: 'torq-eu',
        app: 'torq',
        schedule: 'cron(15 6 * * ? *)',
        config: { region: 'eu', apiUrl: 'https://api.eu.torq.io/v1alpha' },
        secretArn: EXISTING_SECRET_ARN,
      },
    ]);
  });

  it('outputs the secret prefix, the table name, the bus name and the poll queue', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown } | undefined>;
    expect(outputs.ConnectorSecretPrefix?.Value).toBe('rollcall/');
    expect(flatten(outputs.InventoryTableName?.Value)).toBe(`<${ids.table}>`);
    expect(flatten(outputs.EventBusName?.Value)).toBe(`<${ids.bus}>`);
    expect(flatten(outputs.PollQueueUrl?.Value)).toBe(`<${ids.queue}>`);
    template.hasOutput('AlarmTopicArn', { Value: { Ref: ids.topic } });
  });
});

describe('scheduling', () => {
  it('runs the dispatcher every minute from one schedule, retrying nothing (the next run comes a minute later)', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [ids.dispatcher, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 0 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [ids.deadLetterQueue, 'Arn'] } },
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('Rollcall dispatcher'),
      Environment: {
        Variables: Match.objectLike({
          [DISPATCHER_ENV.tableName]: { Ref: ids.table },
          [DISPATCHER_ENV.pollQueueUrl]: { Ref: ids.queue },
          [DISPATCHER_ENV.claimLimit]: '500',
          [DISPATCHER_ENV.stalePeriods]: '3',
        }),
      },
    });
  });

  it('feeds the poller from the poll queue: one poll per message, at most pollerConcurrency at once, failures reported per message', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: ids.function },
      EventSourceArn: { 'Fn::GetAtt': [ids.queue, 'Arn'] },
      BatchSize: 1,
      ScalingConfig: { MaximumConcurrency: TEST_CONFIG.pollerConcurrency },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('hides a message while its poll may run, and parks it in the dead-letter queue after three receives', () => {
    const queue = resourceOf(ids.queue).Properties;
    const timeout = resourceOf(ids.function).Properties.Timeout as number;
    expect(queue.VisibilityTimeout as number).toBeGreaterThanOrEqual(timeout);
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [ids.deadLetterQueue, 'Arn'] }, maxReceiveCount: 3 });
    expect(queue.SqsManagedSseEnabled).toBe(true);
  });
});

describe('poller', () => {
  it('runs Node.js 22 on arm64 with tracing, no reserved concurrency and a timeout below the poll lease', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      ReservedConcurrentExecutions: Match.absent(),
      Timeout: 900,
    });
    expect((resourceOf(ids.function).Properties.Timeout as number) * 1000).toBeLessThan(DEFAULT_POLL_SETTINGS.leaseMs);
  });

  it('is configured through its environment, with Powertools never capturing responses', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [POLLER_ENV.tableName]: { Ref: ids.table },
          [POLLER_ENV.eventBusName]: { Ref: ids.bus },
          [POLLER_ENV.maxRemovalShare]: '0.3',
          [POLLER_ENV.pollQueueUrl]: { Ref: ids.queue },
          POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
          POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
          POWERTOOLS_LOGGER_LOG_EVENT: 'false',
          NODE_OPTIONS: '--enable-source-maps',
        }),
      },
    });
  });

  it('retries a failed direct invocation twice, then parks it in the encrypted, TLS-only dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: ids.function },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [ids.deadLetterQueue, 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('writes to its own log group, with a retention, as the dispatcher and the reconciler do', () => {
    const logGroups = Object.keys(template.findResources('AWS::Logs::LogGroup'));
    expect(logGroups).toHaveLength(3);
    const used = [ids.function, ids.dispatcher, ids.reconciler].map(
      (id) => (resourceOf(id).Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref,
    );
    expect(used.sort()).toEqual(logGroups.sort());
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.anyValue() });
  });
});

describe('least privilege', () => {
  const SECRETS_BY_PREFIX = 'arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:rollcall/*';

  it('lets the poller read the secrets named rollcall/* in its account and region, and the ones declared connectors bring', () => {
    const secretStatements = statementsOf(ids.role).filter((statement) => actionsOf(statement).some((action) => action.startsWith('secretsmanager:')));
    expect(secretStatements.flatMap(actionsOf)).toEqual(['secretsmanager:GetSecretValue']);
    expect(secretStatements.flatMap(resourcesOf).sort()).toEqual([SECRETS_BY_PREFIX, EXISTING_SECRET_ARN].sort());
  });

  it('lets the reconciler create secrets under rollcall/ only, and read none', () => {
    const secretStatements = statementsOf(ids.reconcilerRole).filter((statement) => actionsOf(statement).some((action) => action.startsWith('secretsmanager:')));
    expect(secretStatements.flatMap(actionsOf)).toEqual(['secretsmanager:CreateSecret']);
    expect(secretStatements.flatMap(resourcesOf)).toEqual([SECRETS_BY_PREFIX]);
    expect(statementsOf(ids.dispatcherRole).flatMap(actionsOf).some((action) => action.startsWith('secretsmanager:'))).toBe(false);
  });

  it('lets the dispatcher send to the poll queue and put events on the bus, and the poller send its continuations', () => {
    const sends = (roleId: string) =>
      statementsOf(roleId)
        .filter((statement) => actionsOf(statement).includes('sqs:SendMessage'))
        .flatMap(resourcesOf);
    expect(sends(ids.dispatcherRole)).toEqual([`<${ids.queue}.Arn>`]);
    // The poller: its continuations, and direct invocations that failed for good (the on-failure destination).
    expect(sends(ids.role).sort()).toEqual([`<${ids.queue}.Arn>`, `<${ids.deadLetterQueue}.Arn>`].sort());
    expect(statementsOf(ids.dispatcherRole).filter((statement) => actionsOf(statement).includes('events:PutEvents')).flatMap(resourcesOf)).toEqual([
      `<${ids.bus}.Arn>`,
    ]);
  });

  it('lets the poller use only the inventory table and its named indexes, without Scan', () => {
    const statements = statementsOf(ids.role).filter((statement) => actionsOf(statement).some((action) => action.startsWith('dynamodb:')));
    expect(statements.flatMap(resourcesOf).sort()).toEqual(
      [`<${ids.table}.Arn>`, ...GLOBAL_SECONDARY_INDEXES.map((index) => `<${ids.table}.Arn>/index/${index.indexName}`)].sort(),
    );
    expect(statements.flatMap(actionsOf)).not.toContain('dynamodb:Scan');
  });

  it('lets the poller put events on its bus only', () => {
    const statements = statementsOf(ids.role).filter((statement) => actionsOf(statement).some((action) => action.startsWith('events:')));
    expect(statements.flatMap(actionsOf)).toEqual(['events:PutEvents']);
    expect(statements.flatMap(resourcesOf)).toEqual([`<${ids.bus}.Arn>`]);
  });

  it('lets every role publish on the bus as source rollcall only, so none can send a provisioning request', () => {
    const putEvents = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Condition?: unknown }[])
      .filter((statement) => actionsOf(statement).includes('events:PutEvents'));
    expect(putEvents.length).toBeGreaterThanOrEqual(2);
    for (const statement of putEvents) expect(statement.Condition).toEqual({ StringEquals: { 'events:source': EVENT_SOURCE } });
  });

  it('grants no DynamoDB, Secrets Manager, EventBridge or SQS action on a wildcard resource anywhere, but the rollcall/ secret prefix', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const scoped = statements.filter((statement) => actionsOf(statement).some((action) => /^(dynamodb|secretsmanager|events|sqs):/.test(action)));
    expect(scoped.length).toBeGreaterThan(0);
    for (const statement of scoped) {
      for (const resource of resourcesOf(statement)) if (resource !== SECRETS_BY_PREFIX) expect(resource).not.toContain('*');
      for (const action of actionsOf(statement)) expect(action).not.toContain('*');
    }
  });

  it('gives the poller no lambda:InvokeFunction: a long listing continues through the poll queue', () => {
    expect(statementsOf(ids.role).flatMap(actionsOf)).not.toContain('lambda:InvokeFunction');
  });

  it('does not attach the managed basic execution role (which writes to every log group)', () => {
    for (const role of [ids.role, ids.dispatcherRole, ids.reconcilerRole]) expect(resourceOf(role).Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('lets only EventBridge Scheduler of this account invoke the dispatcher through the schedule role', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ],
      },
    });
  });
});

describe('event bus', () => {
  it('is dedicated to Rollcall and archives its events for replay', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::EventBus', { Name: Match.stringLikeRegexp('Events') });
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [ids.bus, 'Arn'] },
      EventPattern: { source: [EVENT_SOURCE] },
      RetentionDays: 90,
    });
  });
});

describe('alarms', () => {
  const topicAction = () => [{ Ref: ids.topic }];

  it('alarm on poller and dispatcher errors, a dispatcher that stopped running, and messages in the dead-letter queue', () => {
    for (const functionId of [ids.function, ids.dispatcher]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: topicAction(),
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Invocations',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids.dispatcher } }],
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.deadLetterQueue, 'QueueName'] } }],
      AlarmActions: topicAction(),
    });
  });

  it('alarm once each on the fleet counts of RECONNECT_REQUIRED, failing and stale connectors, pointing at the ids', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 7);
    for (const metricName of [FLEET_METRICS.reconnectRequired, FLEET_METRICS.failing, FLEET_METRICS.stale]) {
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { Namespace: METRICS_NAMESPACE, MetricName: metricName } }));
      expect(alarms).toHaveLength(1);
      const alarm = alarms[0]?.Properties as Record<string, unknown>;
      // CloudWatch matches a metric's dimensions exactly: Powertools adds `service` to each metric, and nothing else.
      expect(alarm).toMatchObject({
        Dimensions: [{ Name: 'service', Value: DISPATCHER_SERVICE_NAME }],
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'ignore',
        AlarmActions: topicAction(),
        OKActions: topicAction(),
      });
      expect(alarm.AlarmDescription).toContain('ConnectorHealthDigest');
    }
  });

  it('notify an encrypted, TLS-only topic with the configured e-mail subscribed', () => {
    const key = new Capture();
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    expect(logicalIdOf(template, 'AWS::KMS::Key')).toBe(key.asString());
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: TEST_CONFIG.alarmEmail,
      TopicArn: { Ref: ids.topic },
    });
  });

  it('subscribe nobody when no e-mail is configured', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const { alarmEmail: _omitted, ...withoutEmail } = TEST_CONFIG;
    const stack = new RollcallStack(app, 'NoMail', { config: withoutEmail });
    Template.fromStack(stack).resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no finding that is not acknowledged', () => {
    const report = new AwsSolutionsChecks(synthesized.app).validateScope(synthesized.stack);

    expect(report.violations.map((violation) => `${violation.ruleName}: ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('acknowledges only these findings, each with its reason', () => {
    const acknowledged: Record<string, string> = {};
    for (const construct of synthesized.stack.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          acknowledged[`${construct.node.path} ${id.replace(/^Annotation::/i, '')}`] = reason;
        }
      }
    }

    expect(Object.keys(acknowledged).sort()).toEqual(
      [
        'Rollcall/Poller/DeadLetterQueue AwsSolutions-SQS3',
        'Rollcall/Poller/Function AwsSolutions-L1',
        'Rollcall/Poller/Role AwsSolutions-IAM5[Resource::*]',
        'Rollcall/Poller/Role AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:rollcall/*]',
        'Rollcall/Dispatcher/Function AwsSolutions-L1',
        'Rollcall/Dispatcher/Role AwsSolutions-IAM5[Resource::*]',
        `Rollcall/Dispatcher/SchedulerRole AwsSolutions-IAM5[Resource::<${ids.dispatcher}.Arn>:*]`,
        'Rollcall/DeclaredConnectors/Function AwsSolutions-L1',
        'Rollcall/DeclaredConnectors/Role AwsSolutions-IAM5[Resource::*]',
        'Rollcall/DeclaredConnectors/Role AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:rollcall/*]',
      ].sort(),
    );
    for (const reason of Object.values(acknowledged)) expect(reason.length).toBeGreaterThan(40);
  });

  it('is live: it reports a non-compliant resource', () => {
    const app = new App();
    const stack = new Stack(app, 'NonCompliant');
    new Queue(stack, 'PlainQueue', { retentionPeriod: Duration.days(1) });

    const report = new AwsSolutionsChecks(app).validateScope(stack);

    expect(report.violations.map((violation) => violation.ruleName)).toEqual(
      expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']),
    );
  });
});

describe('constructs on their own', () => {
  it('keep the event archive indefinitely when asked to (retention 0)', () => {
    const stack = new Stack(new App(), 'Archive');
    new RollcallEventBus(stack, 'Events', { archiveRetentionDays: 0 });

    // CloudFormation reads a retention of 0 days as "indefinitely".
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Archive', { RetentionDays: 0 });
  });
});
