/**
 * The bundled poller as Lambda runs it, against AWS-compatible services: moto_server on loopback
 * for DynamoDB, Secrets Manager, EventBridge and SQS, the Torq simulator for the API.
 *
 * The resources are created from the synthesized template's own properties (moto's CloudFormation
 * cannot create this template, so the harness makes each resource through the SDK). The poller is
 * the bundle `NodejsFunction` ships (same esbuild options), imported and called with an event and
 * a context object, with the environment the stack sets and `AWS_ENDPOINT_URL` pointing at a
 * recording proxy in front of moto: every AWS call it makes is then checked against the
 * template's IAM policy. Time between polls (an hour, as scheduled) passes on a faked `Date`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  CreateTableCommand,
  DynamoDBClient,
  ScanCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { keys } from '../../functions/adapters/dynamodb/table-definition.ts';
import { applyChurn, generateWorkspace, startTorqSimulator, type TorqSimulator } from '../../simulators/torq/index.ts';
import { EVENT_SOURCE } from '../../functions/core/events.ts';
import type { LambdaContext, PollHandler, PollSummary } from '../../functions/handlers/poll.ts';
import { parseDeploymentConfig } from '../../lib/deployment-config.ts';
import { buildPollerBundle } from '../../lib/poller-bundling.ts';
import { RollcallStack } from '../../lib/rollcall-stack.ts';
import { isAllowed, permissionsOf, resolveValue, statementsOfRole } from './iam-policy.ts';
import { startRecordingProxy, type RecordedCall, type RecordingProxy } from './recording-proxy.ts';
import { startMoto, type MotoServer } from './tools.ts';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const CONNECTOR = 'torq-aws';
const CREDENTIALS = { clientId: 'moto-client', clientSecret: 'moto-secret' };
/** Small: moto is slow with batches, and the paths are the same for 40 users as for 40,000. */
const USERS = 40;
const AWS_CLIENT = { region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let moto: MotoServer;
let proxy: RecordingProxy;
let simulator: TorqSimulator;
let bundleDir: string;
let template: { Resources: Resources };
let references: Record<string, string>;
let handler: PollHandler;
let secretArn: string;
let tableName: string;
let queueUrl: string;
let secrets: SecretsManagerClient;
let dynamo: DynamoDBClient;
let sqs: SQSClient;
let roleId: string;
const savedEnv = { ...process.env };

function resourceOfType(type: string): [string, Resources[string]] {
  const matches = Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
  if (matches.length !== 1) throw new Error(`expected one ${type}, found ${matches.length}`);
  return matches[0] as [string, Resources[string]];
}

/** Why the harness could not be set up (moto_server missing, say): every test then fails with it. */
let setupError: unknown = null;

beforeAll(async () => {
  try {
    await setUp();
  } catch (error) {
    setupError = error;
  }
}, 180_000);

function requireHarness(): void {
  if (setupError !== null) throw setupError;
}

async function setUp(): Promise<void> {
  moto = await startMoto();
  proxy = await startRecordingProxy(moto.endpoint);
  simulator = await startTorqSimulator({ workspace: generateWorkspace({ users: USERS, seed: 11 }), credentials: CREDENTIALS });

  const config = parseDeploymentConfig({
    connectors: [{ id: CONNECTOR, app: 'torq', apiUrl: simulator.apiUrl, authUrl: simulator.authUrl }],
  });
  const stack = new RollcallStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'RollcallMoto', { config });
  template = Template.fromStack(stack).toJSON() as { Resources: Resources };

  const endpoint = { ...AWS_CLIENT, endpoint: moto.endpoint };
  dynamo = new DynamoDBClient(endpoint);
  secrets = new SecretsManagerClient(endpoint);
  sqs = new SQSClient(endpoint);
  const events = new EventBridgeClient(endpoint);

  // The table, as CloudFormation would create it from the template (a generated name).
  const [tableId, table] = resourceOfType('AWS::DynamoDB::Table');
  tableName = `RollcallMoto-${tableId}-ABCDEFGHIJKL`;
  const created = await dynamo.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: table.Properties.AttributeDefinitions as AttributeDefinition[],
      KeySchema: table.Properties.KeySchema as KeySchemaElement[],
      GlobalSecondaryIndexes: table.Properties.GlobalSecondaryIndexes as GlobalSecondaryIndex[],
      BillingMode: table.Properties.BillingMode as 'PAY_PER_REQUEST',
      SSESpecification: { Enabled: (table.Properties.SSESpecification as { SSEEnabled: boolean }).SSEEnabled },
      DeletionProtectionEnabled: table.Properties.DeletionProtectionEnabled as boolean,
    }),
  );
  const ttl = table.Properties.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean };
  await dynamo.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: ttl }));

  // The secret: created empty, as the template does (no SecretString, no GenerateSecretString).
  const [secretId, secret] = resourceOfType('AWS::SecretsManager::Secret');
  expect(secret.Properties).not.toHaveProperty('SecretString');
  expect(secret.Properties).not.toHaveProperty('GenerateSecretString');
  const createdSecret = await secrets.send(
    new CreateSecretCommand({ Name: `${secretId}-abcdefghijkl`, Description: secret.Properties.Description as string }),
  );
  secretArn = createdSecret.ARN ?? '';

  // The bus, and an SQS-targeted rule like the README's, to receive what the poller publishes.
  const [busId, bus] = resourceOfType('AWS::Events::EventBus');
  const busName = bus.Properties.Name as string;
  const createdBus = await events.send(new CreateEventBusCommand({ Name: busName }));
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'rollcall-events' }));
  queueUrl = queue.QueueUrl ?? '';
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
  await events.send(
    new PutRuleCommand({ Name: 'rollcall-all', EventBusName: busName, EventPattern: JSON.stringify({ source: [EVENT_SOURCE] }) }),
  );
  await events.send(new PutTargetsCommand({ Rule: 'rollcall-all', EventBusName: busName, Targets: [{ Id: 'queue', Arn: queueArn }] }));

  references = {
    'AWS::Partition': 'aws',
    'AWS::Region': REGION,
    'AWS::AccountId': ACCOUNT,
    'AWS::URLSuffix': 'amazonaws.com',
    [tableId]: tableName,
    [`${tableId}.Arn`]: created.TableDescription?.TableArn ?? '',
    [secretId]: secretArn,
    [busId]: busName,
    [`${busId}.Arn`]: createdBus.EventBusArn ?? '',
  };

  // The function's environment from the template, references resolved to the created resources.
  const [, fn] = resourceOfType('AWS::Lambda::Function');
  const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
  roleId = ((fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'] as string[])[0] as string;
  for (const [key, value] of Object.entries(variables)) process.env[key] = resolveValue(value, references);
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_ENDPOINT_URL: proxy.endpoint,
    AWS_LAMBDA_FUNCTION_NAME: 'RollcallMoto-PollerFunction',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });

  bundleDir = await mkdtemp(join(tmpdir(), 'rollcall-moto-bundle-'));
  const bundle = await buildPollerBundle(bundleDir);
  handler = ((await import(pathToFileURL(bundle.file).href)) as { handler: PollHandler }).handler;
  // Only Date is faked: the hour between scheduled polls passes at once (the secret cache's TTL).
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
}

afterAll(async () => {
  vi.useRealTimers();
  process.env = savedEnv;
  dynamo?.destroy();
  secrets?.destroy();
  sqs?.destroy();
  await simulator?.close();
  await proxy?.close();
  await moto?.close();
  if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
});

let invocation = 0;
/** One scheduled invocation, an hour after the previous one. */
async function invoke(): Promise<PollSummary> {
  vi.setSystemTime(Date.now() + 60 * 60_000);
  invocation += 1;
  const context: LambdaContext & Record<string, unknown> = {
    awsRequestId: `request-${invocation}`,
    functionName: 'RollcallMoto-PollerFunction',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:RollcallMoto-PollerFunction`,
    memoryLimitInMB: '1024',
    getRemainingTimeInMillis: () => 15 * 60_000,
  };
  return handler({ connectorId: CONNECTOR }, context);
}

/** Every Rollcall event the rule delivered to the queue since the last call, by detail-type. */
async function receivedEvents(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (;;) {
    const answer = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    const messages = answer.Messages ?? [];
    if (messages.length === 0) return counts;
    for (const message of messages) {
      const event = JSON.parse(message.Body ?? '{}') as { 'detail-type': string; source: string };
      expect(event.source).toBe(EVENT_SOURCE);
      counts.set(event['detail-type'], (counts.get(event['detail-type']) ?? 0) + 1);
    }
    // Deleted once read: a message left in the queue would come back after its visibility timeout.
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle ?? '' })),
      }),
    );
  }
}

const putSecret = (value: unknown) => secrets.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: JSON.stringify(value) }));

/** Account items written by the recorded DynamoDB calls (batch puts and deletes, single writes). */
function accountWrites(calls: readonly RecordedCall[]): number {
  const isAccount = (key: unknown) => {
    const sk = (key as { SK?: { S?: string } } | undefined)?.SK?.S;
    return sk?.startsWith(keys.accountSkPrefix) === true;
  };
  let writes = 0;
  for (const call of calls) {
    const body = call.body as Record<string, unknown>;
    if (call.target === 'DynamoDB_20120810.BatchWriteItem') {
      for (const requests of Object.values(body.RequestItems as Record<string, { PutRequest?: { Item: unknown }; DeleteRequest?: { Key: unknown } }[]>)) {
        writes += requests.filter((request) => isAccount(request.PutRequest?.Item ?? request.DeleteRequest?.Key)).length;
      }
    } else if (['DynamoDB_20120810.PutItem', 'DynamoDB_20120810.UpdateItem', 'DynamoDB_20120810.DeleteItem'].includes(call.target)) {
      if (isAccount(body.Item ?? body.Key)) writes += 1;
    }
  }
  return writes;
}

async function accountsInTable(): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start as never }));
    count += (page.Items ?? []).filter((item) => item.PK?.S === keys.connectorPk(CONNECTOR) && item.SK?.S?.startsWith(keys.accountSkPrefix)).length;
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return count;
}

describe('the bundled poller against moto_server', { timeout: 120_000 }, () => {
  it('with the secret still empty: RECONNECT_REQUIRED, and no call to Torq', async () => {
    requireHarness();
    const summary = await invoke();

    expect(summary).toMatchObject({ connectorId: CONNECTOR, status: 'RECONNECT_REQUIRED', outcome: 'reconnect-required' });
    expect(simulator.stats().tokenRequests).toBe(0);
    expect(simulator.stats().dataRequests).toBe(0);
    expect((await receivedEvents()).get('ConnectorReconnectRequired')).toBe(1);
  });

  it('first poll once the credentials are in: every account inventoried and announced', async () => {
    requireHarness();
    await putSecret(CREDENTIALS);
    const summary = await invoke();

    expect(summary).toMatchObject({ status: 'CONNECTED', outcome: 'completed' });
    expect(summary.counts.new).toBe(USERS);
    expect(await accountsInTable()).toBe(USERS);
    const events = await receivedEvents();
    expect(events.get('ConnectorRecovered')).toBe(1);
    expect(events.get('SyncCompleted')).toBe(1);
    expect(events.get('UserDiscovered')).toBe(USERS);
    expect([...events.values()].reduce((a, b) => a + b, 0)).toBe(summary.events);
  });

  it('churn: additions and removals arrive as events, unchanged accounts cost nothing', async () => {
    requireHarness();
    const churn = applyChurn(simulator.workspace, { seed: 5, adds: 3, removals: 4 });
    const callsBefore = proxy.calls.length;
    const summary = await invoke();

    expect(summary).toMatchObject({ status: 'CONNECTED', outcome: 'completed' });
    expect(summary.counts).toMatchObject({ new: churn.added.length, removed: churn.removed.length, total: USERS - 4 + 3 });
    const events = await receivedEvents();
    expect(events.get('UserDiscovered')).toBe(3);
    expect(events.get('AccountRemoved')).toBe(4);
    expect(accountWrites(proxy.calls.slice(callsBefore))).toBe(3 + 4);
  });

  it('rejected credentials: RECONNECT_REQUIRED after one token call, and no second token call with the same secret version', async () => {
    requireHarness();
    await putSecret({ clientId: CREDENTIALS.clientId, clientSecret: 'revoked' });
    simulator.resetStats();

    const rejected = await invoke();
    expect(rejected).toMatchObject({ status: 'RECONNECT_REQUIRED', outcome: 'reconnect-required' });
    expect(simulator.stats().tokenRequests).toBe(1);
    expect(simulator.stats().dataRequests).toBe(0);
    expect((await receivedEvents()).get('ConnectorReconnectRequired')).toBe(1);

    const skipped = await invoke();
    expect(skipped).toMatchObject({ status: 'RECONNECT_REQUIRED', outcome: 'skipped' });
    expect(simulator.stats().tokenRequests).toBe(1);
    expect(await receivedEvents()).toEqual(new Map());
  });

  it('recovery: a new secret version with working credentials', async () => {
    requireHarness();
    await putSecret(CREDENTIALS);
    const summary = await invoke();

    expect(summary).toMatchObject({ status: 'CONNECTED', outcome: 'completed' });
    const events = await receivedEvents();
    expect(events.get('ConnectorRecovered')).toBe(1);
    expect(events.get('SyncCompleted')).toBe(1);
  });

  it("made only AWS calls that the template's IAM policy allows", () => {
    requireHarness();
    const statements = statementsOfRole(template, roleId);
    expect(statements.filter((statement) => statement.Condition !== undefined)).toEqual([]);
    const context = { partition: 'aws', region: REGION, account: ACCOUNT };
    const needed = proxy.calls.flatMap((call) => permissionsOf(call, context));
    const denied = needed.filter((permission) => !isAllowed(statements, permission, references));

    expect(denied).toEqual([]);
    const actions = new Set(needed.map((permission) => permission.action));
    for (const action of ['secretsmanager:GetSecretValue', 'events:PutEvents', 'dynamodb:Query', 'dynamodb:BatchWriteItem', 'dynamodb:UpdateItem']) {
      expect(actions).toContain(action);
    }
    // The check itself is live: a call outside the policy is denied.
    const tableArn = needed.find((permission) => permission.action === 'dynamodb:Query')?.resource.split('/index/')[0] ?? '';
    expect(isAllowed(statements, { action: 'dynamodb:Scan', resource: tableArn }, references)).toBe(false);
    expect(isAllowed(statements, { action: 'dynamodb:Query', resource: tableArn }, references)).toBe(true);
  });
});
