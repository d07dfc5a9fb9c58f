/**
 * The deployment's three functions as Lambda runs them, against AWS-compatible services:
 * moto_server on loopback for DynamoDB, Secrets Manager, EventBridge and SQS, the Torq simulator
 * for the API. The reconciler (the custom resource) writes the declared connector into the table
 * and creates its empty secret `rollcall/<id>`; the dispatcher, run as its schedule would every
 * minute, claims the connector when due and queues a poll on the poll queue; the poller takes the
 * queued message as the event source mapping delivers it.
 *
 * The resources are created from the synthesized template's own properties (moto's CloudFormation
 * cannot create this template, so the harness makes each resource through the SDK). Each function
 * is the bundle `NodejsFunction` ships (same esbuild options), imported and called with an event,
 * with the environment the stack sets and `AWS_ENDPOINT_URL` pointing at a recording proxy in
 * front of moto: every AWS call each makes is then checked against its role's policy in the
 * template. Time between runs passes on a faked `Date`.
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
import { DescribeSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { keys } from '../../functions/adapters/dynamodb/table-definition.ts';
import { applyChurn, generateWorkspace, startTorqSimulator, type TorqSimulator } from '../../simulators/torq/index.ts';
import { EVENT_SOURCE } from '../../functions/core/events.ts';
import type { LambdaContext, PollHandler } from '../../functions/handlers/poll.ts';
import type { DispatchHandler, DispatchSummary } from '../../functions/handlers/dispatch.ts';
import type { ReconcileHandler } from '../../functions/handlers/reconcile.ts';
import type { CustomResourceResponse } from '../../functions/adapters/cloudformation-response.ts';
import { createDynamoClients } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import type { SyncRun } from '../../functions/core/types.ts';
import { parseDeploymentConfig } from '../../lib/deployment-config.ts';
import { buildPollerBundle, DISPATCHER_ENTRY, POLLER_ENTRY, RECONCILER_ENTRY } from '../../lib/poller-bundling.ts';
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
let dispatch: DispatchHandler;
let reconcile: ReconcileHandler;
let tableName: string;
let queueUrl: string;
let pollQueueUrl: string;
let store: DynamoInventoryStore;
let responseServer: Server;
const responses: CustomResourceResponse[] = [];
let secrets: SecretsManagerClient;
let dynamo: DynamoDBClient;
let sqs: SQSClient;
/** The logical ids of each function's role. */
let roles: { poller: string; dispatcher: string; reconciler: string };
let declaredProperties: Record<string, unknown>;
const savedEnv = { ...process.env };
const SECRET_NAME = `rollcall/${CONNECTOR}`;

function resourceOfType(type: string, predicate: (resource: Resources[string]) => boolean = () => true): [string, Resources[string]] {
  const matches = Object.entries(template.Resources).filter(([, resource]) => resource.Type === type && predicate(resource));
  if (matches.length !== 1) throw new Error(`expected one ${type}, found ${matches.length}`);
  return matches[0] as [string, Resources[string]];
}

type Caller = 'poller' | 'dispatcher' | 'reconciler';
/** Which function made which of the proxy's recorded calls: index ranges, in order. */
const spans: { caller: Caller; from: number; to: number }[] = [];
async function as<T>(caller: Caller, work: () => Promise<T>): Promise<T> {
  const from = proxy.calls.length;
  try {
    return await work();
  } finally {
    spans.push({ caller, from, to: proxy.calls.length });
  }
}
const callsOf = (caller: Caller) => spans.filter((span) => span.caller === caller).flatMap((span) => proxy.calls.slice(span.from, span.to));

const functionNamed = (fragment: string) => (resource: Resources[string]) => String(resource.Properties.Description).includes(fragment);

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

  // No secret in the template: the reconciler creates rollcall/<id> at deploy time.
  expect(Object.values(template.Resources).map((resource) => resource.Type)).not.toContain('AWS::SecretsManager::Secret');

  // The poll queue and its dead-letter queue, with the template's visibility timeout and redrive.
  const [deadLetterId] = resourceOfType('AWS::SQS::Queue', (resource) => resource.Properties.RedrivePolicy === undefined);
  const [pollQueueId, pollQueue] = resourceOfType('AWS::SQS::Queue', (resource) => resource.Properties.RedrivePolicy !== undefined);
  const deadLetter = await sqs.send(new CreateQueueCommand({ QueueName: 'rollcall-dead-letters' }));
  const deadLetterArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: deadLetter.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn ?? '';
  const redrive = pollQueue.Properties.RedrivePolicy as { maxReceiveCount: number };
  const createdPollQueue = await sqs.send(
    new CreateQueueCommand({
      QueueName: 'rollcall-polls',
      Attributes: {
        VisibilityTimeout: String(pollQueue.Properties.VisibilityTimeout),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterArn, maxReceiveCount: redrive.maxReceiveCount }),
      },
    }),
  );
  pollQueueUrl = createdPollQueue.QueueUrl ?? '';
  const pollQueueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: pollQueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn ?? '';

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
    [busId]: busName,
    // The SQS client sends to the host of the queue URL it is given: the functions get it through the proxy.
    [pollQueueId]: pollQueueUrl.replace(moto.endpoint, proxy.endpoint),
    [`${pollQueueId}.Arn`]: pollQueueArn,
    [deadLetterId]: deadLetter.QueueUrl ?? '',
    [`${deadLetterId}.Arn`]: deadLetterArn,
    [`${busId}.Arn`]: createdBus.EventBusArn ?? '',
  };

  // Each function's environment from the template, references resolved to the created resources.
  const roleOf = (fn: Resources[string]) => ((fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'] as string[])[0] as string;
  const [, poller] = resourceOfType('AWS::Lambda::Function', functionNamed('Rollcall poller'));
  const [, dispatcher] = resourceOfType('AWS::Lambda::Function', functionNamed('Rollcall dispatcher'));
  const [, reconciler] = resourceOfType('AWS::Lambda::Function', functionNamed('declared in cdk.json'));
  roles = { poller: roleOf(poller), dispatcher: roleOf(dispatcher), reconciler: roleOf(reconciler) };
  for (const fn of [poller, dispatcher, reconciler]) {
    const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    for (const [key, value] of Object.entries(variables)) process.env[key] = resolveValue(value, references);
  }
  declaredProperties = resourceOfType('Custom::RollcallDeclaredConnectors')[1].Properties;
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
  store = new DynamoInventoryStore(createDynamoClients({ endpoint: moto.endpoint, region: REGION }).documentClient, tableName);

  // CloudFormation's pre-signed response URL, on loopback.
  responseServer = createServer((incoming, answer) => {
    let body = '';
    incoming.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    incoming.on('end', () => {
      responses.push(JSON.parse(body) as CustomResourceResponse);
      answer.end();
    });
  });
  await new Promise<void>((resolve) => responseServer.listen(0, '127.0.0.1', resolve));

  bundleDir = await mkdtemp(join(tmpdir(), 'rollcall-moto-bundle-'));
  const load = async <T>(entry: string, name: string): Promise<T> => {
    const bundle = await buildPollerBundle(join(bundleDir, name), entry);
    return ((await import(pathToFileURL(bundle.file).href)) as { handler: T }).handler;
  };
  handler = await load<PollHandler>(POLLER_ENTRY, 'poller');
  dispatch = await load<DispatchHandler>(DISPATCHER_ENTRY, 'dispatcher');
  reconcile = await load<ReconcileHandler>(RECONCILER_ENTRY, 'reconciler');
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
  await new Promise((resolve) => (responseServer ? responseServer.close(resolve) : resolve(undefined)));
  await proxy?.close();
  await moto?.close();
  if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
});

let invocation = 0;
const context = (): LambdaContext & Record<string, unknown> => ({
  awsRequestId: `request-${++invocation}`,
  functionName: 'RollcallMoto-PollerFunction',
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:RollcallMoto-PollerFunction`,
  memoryLimitInMB: '1024',
  getRemainingTimeInMillis: () => 15 * 60_000,
});

/**
 * An hour later (one period of the hourly schedule): the dispatcher's run, then each queued
 * message handed to the poller as the event source mapping does (batch size 1), and deleted
 * unless reported as failed. Returns the dispatcher's summary and the connector's latest run.
 */
async function scheduledHour(): Promise<{ dispatched: DispatchSummary; run: SyncRun | undefined }> {
  vi.setSystemTime(Date.now() + 60 * 60_000);
  const dispatched = await as('dispatcher', () => dispatch({}));
  for (;;) {
    const answer = await sqs.send(new ReceiveMessageCommand({ QueueUrl: pollQueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 0 }));
    const [message] = answer.Messages ?? [];
    if (message === undefined) break;
    const result = await as('poller', () =>
      handler({ Records: [{ messageId: message.MessageId ?? '', body: message.Body ?? '', eventSource: 'aws:sqs' }] }, context()),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    await sqs.send(new DeleteMessageCommand({ QueueUrl: pollQueueUrl, ReceiptHandle: message.ReceiptHandle ?? '' }));
  }
  const [run] = await store.listRuns(CONNECTOR, 1);
  return { dispatched, run };
}

let lastDigest: unknown = null;

/** Every Rollcall event the rule delivered to the queue since the last call, by detail-type. */
async function receivedEvents(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (;;) {
    const answer = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    const messages = answer.Messages ?? [];
    if (messages.length === 0) return counts;
    for (const message of messages) {
      const event = JSON.parse(message.Body ?? '{}') as { 'detail-type': string; source: string; detail: unknown };
      expect(event.source).toBe(EVENT_SOURCE);
      if (event['detail-type'] === 'ConnectorHealthDigest') lastDigest = event.detail;
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

const putSecret = (value: unknown) => secrets.send(new PutSecretValueCommand({ SecretId: SECRET_NAME, SecretString: JSON.stringify(value) }));

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

describe('the deployment against moto_server', { timeout: 120_000 }, () => {
  it('deploy: the reconciler writes the declared connector and creates its secret rollcall/<id> empty, and answers SUCCESS', async () => {
    requireHarness();
    await as('reconciler', () => reconcile({
      RequestType: 'Create',
      ResponseURL: `http://127.0.0.1:${(responseServer.address() as AddressInfo).port}/cfn?X-Amz-Signature=abc`,
      StackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/RollcallMoto/1`,
      RequestId: 'create-1',
      LogicalResourceId: 'DeclaredConnectorsReconciliation',
      ResourceProperties: declaredProperties,
    }));

    expect(responses.map((response) => [response.Status, response.Data])).toEqual([
      ['SUCCESS', { declared: '1', created: '1', updated: '0', unchanged: '0', released: '0', secretsCreated: '1' }],
    ]);
    expect(await store.getDefinition(CONNECTOR)).toMatchObject({ origin: 'declared', enabled: true, app: 'torq', secretArn: null });
    const secret = await secrets.send(new DescribeSecretCommand({ SecretId: SECRET_NAME }));
    expect(secret.Description).toBe(`Rollcall connector ${CONNECTOR} (torq): put JSON {"clientId": "...", "clientSecret": "..."}`);
    expect(Object.keys(secret.VersionIdsToStages ?? {})).toEqual([]);
  });

  it('with the secret still empty: dispatched, polled from the queue, RECONNECT_REQUIRED, and no call to Torq', async () => {
    requireHarness();
    const { dispatched, run } = await scheduledHour();

    expect(dispatched.queued).toBe(1);
    expect(run).toMatchObject({ status: 'RECONNECT_REQUIRED', outcome: 'reconnect-required' });
    expect(simulator.stats().tokenRequests).toBe(0);
    expect(simulator.stats().dataRequests).toBe(0);
    expect((await receivedEvents()).get('ConnectorReconnectRequired')).toBe(1);
  });

  it('a minute later: nothing due, nothing queued', async () => {
    requireHarness();
    vi.setSystemTime(Date.now() + 60_000);
    expect((await as('dispatcher', () => dispatch({}))).queued).toBe(0);
  });

  it('first poll once the credentials are in: every account inventoried and announced', async () => {
    requireHarness();
    await putSecret(CREDENTIALS);
    const { dispatched, run } = await scheduledHour();

    expect(dispatched.queued).toBe(1);
    expect(run).toMatchObject({ status: 'CONNECTED', outcome: 'completed' });
    expect(run?.counts.new).toBe(USERS);
    expect(await accountsInTable()).toBe(USERS);
    const events = await receivedEvents();
    expect(events.get('ConnectorRecovered')).toBe(1);
    expect(events.get('SyncCompleted')).toBe(1);
    expect(events.get('UserDiscovered')).toBe(USERS);
  });

  it('churn: additions and removals arrive as events, unchanged accounts cost nothing', async () => {
    requireHarness();
    const churn = applyChurn(simulator.workspace, { seed: 5, adds: 3, removals: 4 });
    const callsBefore = proxy.calls.length;
    const { run } = await scheduledHour();

    expect(run).toMatchObject({ status: 'CONNECTED', outcome: 'completed' });
    expect(run?.counts).toMatchObject({ new: churn.added.length, removed: churn.removed.length, total: USERS - 4 + 3 });
    const events = await receivedEvents();
    expect(events.get('UserDiscovered')).toBe(3);
    expect(events.get('AccountRemoved')).toBe(4);
    expect(accountWrites(proxy.calls.slice(callsBefore))).toBe(3 + 4);
  });

  it('rejected credentials: RECONNECT_REQUIRED after one token call, and no second token call with the same secret version', async () => {
    requireHarness();
    await putSecret({ clientId: CREDENTIALS.clientId, clientSecret: 'revoked' });
    simulator.resetStats();

    const rejected = await scheduledHour();
    expect(rejected.run).toMatchObject({ status: 'RECONNECT_REQUIRED', outcome: 'reconnect-required' });
    expect(simulator.stats().tokenRequests).toBe(1);
    expect(simulator.stats().dataRequests).toBe(0);
    expect((await receivedEvents()).get('ConnectorReconnectRequired')).toBe(1);

    // A skipped poll records no run: the latest is still the rejected one.
    const skipped = await scheduledHour();
    expect(skipped.dispatched.queued).toBe(1);
    expect(skipped.run?.runId).toBe(rejected.run?.runId);
    expect((await store.getConnector(CONNECTOR))?.status).toBe('RECONNECT_REQUIRED');
    expect(simulator.stats().tokenRequests).toBe(1);
    // Nothing from the skipped poll; the dispatcher, which ran before it, saw the connector fall
    // into RECONNECT_REQUIRED and put a digest naming it on the bus.
    expect(await receivedEvents()).toEqual(new Map([['ConnectorHealthDigest', 1]]));
    expect(lastDigest).toMatchObject({ reconnectRequired: [CONNECTOR], failing: [], stale: [], counts: { reconnectRequired: 1 } });
  });

  it('recovery: a new secret version with working credentials', async () => {
    requireHarness();
    await putSecret(CREDENTIALS);
    const { run } = await scheduledHour();

    expect(run).toMatchObject({ status: 'CONNECTED', outcome: 'completed' });
    const events = await receivedEvents();
    expect(events.get('ConnectorRecovered')).toBe(1);
    expect(events.get('SyncCompleted')).toBe(1);
  });

  it("made only AWS calls that each function's role allows in the template", () => {
    requireHarness();
    const context = { partition: 'aws', region: REGION, account: ACCOUNT };
    const statementsOf = (roleId: string) => {
      const statements = statementsOfRole(template, roleId);
      // The one kind of conditioned statement: PutEvents as source rollcall only (isAllowed does not
      // evaluate conditions, so the entries sent are checked against it below).
      for (const statement of statements.filter((candidate) => candidate.Condition !== undefined)) {
        expect(statement).toMatchObject({ Action: 'events:PutEvents', Condition: { StringEquals: { 'events:source': EVENT_SOURCE } } });
      }
      return statements;
    };
    const byRole = [
      { role: roles.poller, calls: callsOf('poller') },
      { role: roles.dispatcher, calls: callsOf('dispatcher') },
      { role: roles.reconciler, calls: callsOf('reconciler') },
    ];
    const actions = new Set<string>();
    for (const { role, calls } of byRole) {
      expect(calls.length).toBeGreaterThan(0);
      const statements = statementsOf(role);
      const needed = calls.flatMap((call) => permissionsOf(call, context));
      expect({ role, denied: needed.filter((permission) => !isAllowed(statements, permission, references)) }).toEqual({ role, denied: [] });
      for (const permission of needed) actions.add(`${role}:${permission.action}`);
    }
    for (const action of ['secretsmanager:GetSecretValue', 'events:PutEvents', 'dynamodb:Query', 'dynamodb:BatchWriteItem', 'dynamodb:UpdateItem']) {
      expect(actions).toContain(`${roles.poller}:${action}`);
    }
    expect(actions).toContain(`${roles.dispatcher}:sqs:SendMessage`);
    // Every entry any function put on the bus has the source its policy's condition allows.
    const sources = byRole.flatMap(({ calls }) =>
      calls.filter((call) => call.target === 'AWSEvents.PutEvents').flatMap((call) => (call.body as { Entries: { Source: string }[] }).Entries.map((entry) => entry.Source)),
    );
    expect(sources.length).toBeGreaterThan(0);
    expect(new Set(sources)).toEqual(new Set([EVENT_SOURCE]));
    expect(actions).toContain(`${roles.reconciler}:secretsmanager:CreateSecret`);
    // The check itself is live: a call outside a policy is denied.
    const secretArn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${SECRET_NAME}-AbCdEf`;
    expect(isAllowed(statementsOf(roles.poller), { action: 'secretsmanager:GetSecretValue', resource: secretArn }, references)).toBe(true);
    expect(isAllowed(statementsOf(roles.dispatcher), { action: 'secretsmanager:GetSecretValue', resource: secretArn }, references)).toBe(false);
    expect(isAllowed(statementsOf(roles.poller), { action: 'secretsmanager:GetSecretValue', resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:other/x-AbCdEf` }, references)).toBe(false);
  });
});
