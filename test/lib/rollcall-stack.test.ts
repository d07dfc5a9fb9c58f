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
import {
  CONNECTOR_DIMENSION,
  METRICS_NAMESPACE,
  POLL_METRICS,
  POLLER_ENV,
  pollerConnectorsSchema,
  SERVICE_NAME,
} from '../../functions/contract/poller-contract.ts';
import { RollcallEventBus } from '../../lib/event-bus.ts';
import { RollcallStack } from '../../lib/rollcall-stack.ts';
import { EXISTING_SECRET_ARN, flatten, logicalIdOf, synthesizeStack, TEST_CONFIG, type SynthesizedStack } from './stack-fixture.ts';
import { expectedGlobalSecondaryIndexes } from '../support/table-shape.ts';

let synthesized: SynthesizedStack;
let template: Template;
let ids: { table: string; function: string; queue: string; bus: string; createdSecret: string; topic: string; role: string };

beforeAll(() => {
  synthesized = synthesizeStack();
  template = synthesized.template;
  ids = {
    table: logicalIdOf(template, 'AWS::DynamoDB::Table'),
    function: logicalIdOf(template, 'AWS::Lambda::Function'),
    queue: logicalIdOf(template, 'AWS::SQS::Queue'),
    bus: logicalIdOf(template, 'AWS::Events::EventBus'),
    createdSecret: logicalIdOf(template, 'AWS::SecretsManager::Secret'),
    topic: logicalIdOf(template, 'AWS::SNS::Topic'),
    role: logicalIdOf(template, 'AWS::IAM::Role', (properties) =>
      JSON.stringify(properties.AssumeRolePolicyDocument).includes('lambda.amazonaws.com'),
    ),
  };
});

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
  it('creates a secret only for the connector without one, with no value in the template', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    const secret = resourceOf(ids.createdSecret).Properties;
    expect(secret).not.toHaveProperty('SecretString');
    expect(secret).not.toHaveProperty('GenerateSecretString');
    expect(secret.Description).toMatch(/connector torq-prod/);
  });

  it('schedules each connector with its expression, its id as input, a retry policy and the dead-letter queue', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', TEST_CONFIG.connectors.length);
    for (const connector of TEST_CONFIG.connectors) {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: connector.schedule,
        State: 'ENABLED',
        Target: {
          Arn: { 'Fn::GetAtt': [ids.function, 'Arn'] },
          Input: JSON.stringify({ connectorId: connector.id }),
          RetryPolicy: { MaximumRetryAttempts: Match.anyValue(), MaximumEventAgeInSeconds: Match.anyValue() },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [ids.queue, 'Arn'] } },
        },
      });
    }
  });

  it('hands the poller one connector list that the poller itself accepts', () => {
    const variables = resourceOf(ids.function).Properties.Environment as { Variables: Record<string, unknown> };
    const list = JSON.parse(flatten(variables.Variables[POLLER_ENV.connectors]));

    // The created secret's ARN is a Ref; give it a real ARN's shape to run the poller's own validation.
    const withArns = JSON.parse(
      JSON.stringify(list).replace(`<${ids.createdSecret}>`, 'arn:aws:secretsmanager:us-east-1:123456789012:secret:Secret-Abc123'),
    );
    expect(pollerConnectorsSchema.parse(withArns)).toEqual([
      { id: 'torq-prod', app: 'torq', secretArn: expect.stringMatching(/^arn:aws:secretsmanager:/), config: { region: 'us' } },
      {
        id: 'torq-eu',
        app: 'torq',
        secretArn: EXISTING_SECRET_ARN,
        config: { region: 'eu', apiUrl: 'https://api.eu.torq.io/v1alpha' },
      },
    ]);
    expect(list[0].secretArn).toBe(`<${ids.createdSecret}>`);
  });

  it('outputs each connector secret ARN, the table name and the bus name', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown } | undefined>;
    expect(flatten(outputs.SecretArnTorqProd?.Value)).toBe(`<${ids.createdSecret}>`);
    expect(flatten(outputs.SecretArnTorqEu?.Value)).toBe(EXISTING_SECRET_ARN);
    expect(flatten(outputs.InventoryTableName?.Value)).toBe(`<${ids.table}>`);
    expect(flatten(outputs.EventBusName?.Value)).toBe(`<${ids.bus}>`);
    template.hasOutput('AlarmTopicArn', { Value: { Ref: ids.topic } });
  });
});

describe('poller', () => {
  it('runs Node.js 22 on arm64 with tracing, reserved concurrency and a timeout below the poll lease', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      ReservedConcurrentExecutions: TEST_CONFIG.pollerConcurrency,
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
          POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
          POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
          POWERTOOLS_LOGGER_LOG_EVENT: 'false',
          NODE_OPTIONS: '--enable-source-maps',
        }),
      },
    });
  });

  it('retries a failed invocation twice, then parks it in the encrypted, TLS-only dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: ids.function },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [ids.queue, 'Arn'] } } },
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

  it('writes to its own log group, with a retention', () => {
    const logGroup = logicalIdOf(template, 'AWS::Logs::LogGroup');
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: logGroup } } });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.anyValue() });
  });
});

describe('least privilege', () => {
  it('lets the poller read only its connectors secrets', () => {
    const secretStatements = statementsOf(ids.role).filter((statement) => actionsOf(statement).some((action) => action.startsWith('secretsmanager:')));
    expect(secretStatements.flatMap(actionsOf).every((action) => ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'].includes(action))).toBe(true);
    expect(secretStatements.flatMap(resourcesOf).sort()).toEqual([`<${ids.createdSecret}>`, EXISTING_SECRET_ARN].sort());
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

  it('grants no DynamoDB, Secrets Manager or EventBridge action on a wildcard resource anywhere in the stack', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const scoped = statements.filter((statement) => actionsOf(statement).some((action) => /^(dynamodb|secretsmanager|events):/.test(action)));
    expect(scoped.length).toBeGreaterThan(0);
    for (const statement of scoped) {
      for (const resource of resourcesOf(statement)) expect(resource).not.toContain('*');
      for (const action of actionsOf(statement)) expect(action).not.toContain('*');
    }
  });

  it('lets the poller invoke only itself (to continue a long listing), through a policy the function does not wait for', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [ids.function, 'Arn'] } }),
        ],
      },
      Roles: [{ Ref: ids.role }],
    });
  });

  it('does not attach the managed basic execution role (which writes to every log group)', () => {
    expect(resourceOf(ids.role).Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('lets only EventBridge Scheduler of this account invoke the poller through the schedules role', () => {
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

  it('alarm on poller errors and on messages in the dead-letter queue, notifying the topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids.function } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: topicAction(),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.queue, 'QueueName'] } }],
      AlarmActions: topicAction(),
    });
  });

  it('alarm on each connector in RECONNECT_REQUIRED, from the metric the poller emits, holding state between polls', () => {
    const alarms = Object.values(
      template.findResources('AWS::CloudWatch::Alarm', {
        Properties: { Namespace: METRICS_NAMESPACE, MetricName: POLL_METRICS.reconnectRequired },
      }),
    ).map((alarm) => alarm.Properties as { Dimensions: { Name: string; Value: string }[] } & Record<string, unknown>);

    const byConnector = new Map(
      alarms.map((alarm) => [alarm.Dimensions.find((dimension) => dimension.Name === CONNECTOR_DIMENSION)?.Value, alarm]),
    );
    expect([...byConnector.keys()].sort()).toEqual(TEST_CONFIG.connectors.map((connector) => connector.id).sort());
    for (const [connectorId, alarm] of byConnector) {
      // CloudWatch matches a metric's dimensions exactly: Powertools adds `service` to each metric.
      expect([...alarm.Dimensions].sort((a, b) => a.Name.localeCompare(b.Name))).toEqual([
        { Name: CONNECTOR_DIMENSION, Value: connectorId },
        { Name: 'service', Value: SERVICE_NAME },
      ]);
      expect(alarm).toMatchObject({
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'ignore',
        AlarmActions: topicAction(),
        OKActions: topicAction(),
      });
      expect(alarm.AlarmDescription).toContain(`connector ${connectorId} is RECONNECT_REQUIRED`);
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
        'Rollcall/Connector-torq-prod/Secret AwsSolutions-SMG4',
        'Rollcall/Poller/DeadLetterQueue AwsSolutions-SQS3',
        'Rollcall/Poller/Function AwsSolutions-L1',
        'Rollcall/Poller/Role AwsSolutions-IAM5[Resource::*]',
        `Rollcall/Poller/SchedulerRole AwsSolutions-IAM5[Resource::<${ids.function}.Arn>:*]`,
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
