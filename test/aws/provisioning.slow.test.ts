/**
 * The bundled provisioning function as Lambda runs it, against AWS-compatible services: moto_server
 * on loopback for DynamoDB, Secrets Manager, EventBridge and SQS, the Twingate simulator for the API.
 *
 * As in poller.slow.test.ts, the resources are created from the synthesized template's own
 * properties, the function is the bundle `NodejsFunction` ships, imported with the environment
 * the template sets, and every AWS call goes through a recording proxy so that it can be checked
 * against the template's IAM policy for the function's role (including the `events:source`
 * condition on PutEvents). Requests are put on the bus and reach the function through the
 * template's rule pattern, as moto's EventBridge routes them (to a queue standing in for the
 * Lambda target): the function gets the event exactly as delivered, and nothing Rollcall
 * publishes, its answers included, is ever routed to it.
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
  type AttributeDefinition,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectorSecretName } from '../../functions/adapters/connector-secrets.ts';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import { appDefinition } from '../../functions/connectors/index.ts';
import { EVENT_SOURCE, type RollcallEvent } from '../../functions/core/events.ts';
import { pollConnector } from '../../functions/core/poll.ts';
import { systemClock } from '../../functions/core/ports.ts';
import { PROVISION_REQUEST_SOURCE, PROVISIONER_ENV } from '../../functions/contract/provision-contract.ts';
import type { ProvisionAnswer, ProvisionHandler } from '../../functions/handlers/provision.ts';
import { parseDeploymentConfig } from '../../lib/deployment-config.ts';
import { pollerBuildOptions } from '../../lib/poller-bundling.ts';
import { PROVISIONER_ENTRY } from '../../lib/provisioning.ts';
import { RollcallStack } from '../../lib/rollcall-stack.ts';
import { generateTwingateWorkspace, startTwingateSimulator, type TwingateGroupRecord, type TwingateSimulator } from '../../simulators/twingate/index.ts';
import { FixedCredentials, MemoryEventSink } from '../fakes/memory-store.ts';
import { isAllowed, permissionsOf, resolveValue, statementsOfRole } from './iam-policy.ts';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy.ts';
import { startMoto, type MotoServer } from './tools.ts';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const API_KEY = 'tg-moto-canary-KEY-61f0a2';
const LAB_KEY = 'tg-moto-lab-canary-KEY-0b93';
const AWS_CLIENT = { region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let moto: MotoServer;
let proxy: RecordingProxy;
let simulator: TwingateSimulator;
let bundleDir: string;
let template: { Resources: Resources };
let references: Record<string, string>;
let handler: ProvisionHandler;
let roleId: string;
let busName: string;
let queueUrl: string;
/** Receives what the template's request rule matches, in place of its Lambda target. */
let requestQueueUrl: string;
let events: EventBridgeClient;
let sqs: SQSClient;
let dynamo: DynamoDBClient;
let secrets: SecretsManagerClient;
let manual: TwingateGroupRecord;
let synced: TwingateGroupRecord;
let outsider: { id: string; email: string };
const secretArns: Record<string, string> = {};
const output: string[] = [];
const answers: ProvisionAnswer[] = [];
const savedEnv = { ...process.env };

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
  const workspace = generateTwingateWorkspace({ users: 20, groups: 3, largeGroupMembers: 6, seed: 3 });
  const [, first, second] = workspace.groups as [TwingateGroupRecord, TwingateGroupRecord, TwingateGroupRecord];
  first.type = 'MANUAL';
  first.name = 'Engineering';
  second.type = 'SYNCED';
  manual = first;
  synced = second;
  const user = workspace.users.find((candidate) => !first.memberIds.includes(candidate.id) && candidate.email !== null);
  if (user === undefined || user.email === null) throw new Error('no outsider');
  outsider = { id: user.id, email: user.email };
  simulator = await startTwingateSimulator({ workspace, apiKey: API_KEY });

  const twingate = { app: 'twingate', network: 'acme', apiUrl: simulator.apiUrl, requestsPerMinute: 60 };
  const config = parseDeploymentConfig({ connectors: [{ id: 'tg', ...twingate, provisioning: true }, { id: 'tg-lab', ...twingate }] });
  const stack = new RollcallStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'RollcallMoto', { config });
  template = Template.fromStack(stack).toJSON() as { Resources: Resources };
  const ofType = (type: string) => Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

  const endpoint = { ...AWS_CLIENT, endpoint: moto.endpoint };
  dynamo = new DynamoDBClient(endpoint);
  secrets = new SecretsManagerClient(endpoint);
  sqs = new SQSClient(endpoint);
  events = new EventBridgeClient(endpoint);

  const [[tableId, table]] = ofType('AWS::DynamoDB::Table') as [[string, Resources[string]]];
  const tableName = `RollcallMoto-${tableId}-ABCDEFGHIJKL`;
  const created = await dynamo.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: table.Properties.AttributeDefinitions as AttributeDefinition[],
      KeySchema: table.Properties.KeySchema as KeySchemaElement[],
      GlobalSecondaryIndexes: table.Properties.GlobalSecondaryIndexes as GlobalSecondaryIndex[],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );

  // Both connectors' secrets, each with its key, named as the deployment names them (the template
  // holds none: the reconciler creates them empty, a person puts the key): the function may read only tg's.
  references = { 'AWS::Partition': 'aws', 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT, 'AWS::URLSuffix': 'amazonaws.com' };
  expect(ofType('AWS::SecretsManager::Secret')).toEqual([]);
  for (const connectorId of ['tg', 'tg-lab']) {
    const value = JSON.stringify({ apiKey: connectorId === 'tg' ? API_KEY : LAB_KEY });
    const answer = await secrets.send(new CreateSecretCommand({ Name: connectorSecretName(connectorId), SecretString: value }));
    secretArns[connectorId] = answer.ARN ?? '';
  }

  const [[busId, bus]] = ofType('AWS::Events::EventBus') as [[string, Resources[string]]];
  busName = bus.Properties.Name as string;
  const createdBus = await events.send(new CreateEventBusCommand({ Name: busName }));
  Object.assign(references, { [tableId]: tableName, [`${tableId}.Arn`]: created.TableDescription?.TableArn ?? '', [busId]: busName, [`${busId}.Arn`]: createdBus.EventBusArn ?? '' });

  // Rollcall's events (answers and audit) to a queue, as a consumer's rule would; and the template's request rule.
  const routeTo = async (queueName: string, pattern: unknown): Promise<string> => {
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
    await events.send(new PutRuleCommand({ Name: queueName, EventBusName: busName, EventPattern: JSON.stringify(pattern) }));
    await events.send(new PutTargetsCommand({ Rule: queueName, EventBusName: busName, Targets: [{ Id: 'queue', Arn: arn }] }));
    return queue.QueueUrl ?? '';
  };
  queueUrl = await routeTo('rollcall-all', { source: [EVENT_SOURCE] });
  const [[, rule]] = ofType('AWS::Events::Rule') as [[string, Resources[string]]];
  requestQueueUrl = await routeTo('provisioning-requests', rule.Properties.EventPattern);

  // The inventory: a real poll of each connector, straight to moto (not through the proxy: not the function's calls).
  const store = new DynamoInventoryStore(DynamoDBDocumentClient.from(dynamo), tableName);
  for (const connectorId of ['tg', 'tg-lab']) {
    const result = await pollConnector(
      {
        store,
        events: new MemoryEventSink(),
        credentials: new FixedCredentials({ credentials: { apiKey: API_KEY }, fingerprint: 'v1' }),
        createConnector: appDefinition('twingate').createFactory({ network: 'acme', apiUrl: simulator.apiUrl }, { requestsPerSecond: 1_000 }),
        clock: systemClock,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
      },
      { connectorId, app: 'twingate' },
    );
    expect(result.outcome).toBe('completed');
  }

  // The provisioning function's environment from the template, references resolved.
  const [, fn] = ofType('AWS::Lambda::Function').find(([, resource]) =>
    JSON.stringify(resource.Properties.Environment).includes(PROVISIONER_ENV.connectors),
  ) as [string, Resources[string]];
  roleId = ((fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'] as string[])[0] as string;
  for (const [key, value] of Object.entries((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables)) {
    process.env[key] = resolveValue(value, references);
  }
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_ENDPOINT_URL: proxy.endpoint,
    AWS_LAMBDA_FUNCTION_NAME: 'RollcallMoto-ProvisioningFunction',
  });

  bundleDir = await mkdtemp(join(tmpdir(), 'rollcall-moto-provisioning-'));
  const { build } = await import('esbuild');
  await build(pollerBuildOptions(PROVISIONER_ENTRY, join(bundleDir, 'index.mjs')));
  handler = ((await import(pathToFileURL(join(bundleDir, 'index.mjs')).href)) as { handler: ProvisionHandler }).handler;
}

afterAll(async () => {
  process.env = savedEnv;
  for (const client of [dynamo, secrets, sqs, events]) client?.destroy();
  await simulator?.close();
  await proxy?.close();
  await moto?.close();
  if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
});

let invocation = 0;
/** Puts a request on the bus, and invokes the function with the event exactly as the template's rule delivered it. */
async function request(detailType: string, detail: Record<string, unknown>): Promise<ProvisionAnswer> {
  invocation += 1;
  await events.send(
    new PutEventsCommand({ Entries: [{ EventBusName: busName, Source: PROVISION_REQUEST_SOURCE, DetailType: detailType, Detail: JSON.stringify(detail) }] }),
  );
  const routed = await drain(requestQueueUrl);
  expect(routed).toHaveLength(1);
  const spy = [vi.spyOn(process.stdout, 'write'), vi.spyOn(process.stderr, 'write')].map((write) =>
    write.mockImplementation((chunk: string | Uint8Array) => {
      output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }),
  );
  try {
    const answer = await handler(routed[0], {
      awsRequestId: `invocation-${invocation}`,
      functionName: 'RollcallMoto-ProvisioningFunction',
      getRemainingTimeInMillis: () => 240_000,
    });
    answers.push(answer);
    return answer;
  } finally {
    for (const write of spy) write.mockRestore();
  }
}

/** Every message in the queue, parsed (each an EventBridge event), deleted once read. */
async function drain(url: string): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for (;;) {
    const answer = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    const messages = answer.Messages ?? [];
    if (messages.length === 0) return found;
    found.push(...messages.map((message) => JSON.parse(message.Body ?? '{}') as Record<string, unknown>));
    await sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: url, Entries: messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle ?? '' })) }),
    );
  }
}

/** Rollcall events the consumer's rule delivered since the last call. */
async function received(): Promise<RollcallEvent[]> {
  const envelopes = await drain(queueUrl);
  for (const envelope of envelopes) expect(envelope.source).toBe(EVENT_SOURCE);
  return envelopes.map((envelope) => envelope.detail as RollcallEvent);
}

describe('the bundled provisioning function against moto_server', { timeout: 120_000 }, () => {
  it('grants on a request: Twingate changed, the audit event and the answer delivered from the bus', async () => {
    requireHarness();
    const answer = await request('AccessRequested', { connectorId: 'tg', group: 'Engineering', email: outsider.email, requestedBy: 'jit-bot', requestId: 'moto-1' });

    expect(answer).toMatchObject({
      detailType: 'AccessRequestCompleted',
      detail: { outcome: 'changed', requestId: 'moto-1', group: { id: manual.id }, via: { kind: 'event', source: PROVISION_REQUEST_SOURCE } },
    });
    expect(manual.memberIds).toContain(outsider.id);
    const delivered = await received();
    expect(delivered.map((event) => event.detailType)).toEqual(['AccessGranted', 'AccessRequestCompleted']);
    // moto delivers events without the `account` EventBridge sets: initiatedBy then names the source alone.
    expect(delivered[0]?.detail).toMatchObject({ requestId: 'moto-1', initiatedBy: `jit-bot (event from ${PROVISION_REQUEST_SOURCE})` });
  });

  it('refuses a SYNCED group and a connector without provisioning, reading no other secret', async () => {
    requireHarness();
    const refused = await request('AccessRequested', { connectorId: 'tg', groupId: synced.id, accountId: outsider.id, requestedBy: 'jit-bot' });
    expect(refused).toMatchObject({ detailType: 'AccessRequestFailed', detail: { kind: 'config', reason: expect.stringContaining('type SYNCED: refused') } });
    const lab = await request('AccessRevocationRequested', { connectorId: 'tg-lab', group: 'Engineering', accountId: outsider.id, requestedBy: 'jit-bot' });
    expect(lab).toMatchObject({ detailType: 'AccessRequestFailed', detail: { reason: expect.stringContaining('connector tg-lab does not enable provisioning') } });
    expect((await received()).map((event) => event.detailType)).toEqual(['AccessRequestFailed', 'AccessRequestFailed']);
    expect(synced.memberIds).not.toContain(outsider.id);
  });

  it("routes requests only: none of Rollcall's own events, answers included, reaches the function", async () => {
    requireHarness();
    // What the function published in the tests above reached the consumer's queue, and never the request rule's.
    expect(answers.length).toBeGreaterThanOrEqual(3);
    expect(await drain(requestQueueUrl)).toEqual([]);
    // Not even an event that names a request's detail-type with Rollcall's source.
    await events.send(
      new PutEventsCommand({ Entries: [{ EventBusName: busName, Source: EVENT_SOURCE, DetailType: 'AccessRequested', Detail: JSON.stringify({ connectorId: 'tg' }) }] }),
    );
    expect(await drain(requestQueueUrl)).toEqual([]);
    expect((await received()).map((event) => event.connectorId)).toEqual(['tg']);
  });

  it("made only AWS calls that the template's IAM policy for its role allows, publishing only as rollcall", () => {
    requireHarness();
    const statements = statementsOfRole(template, roleId);
    const context = { partition: 'aws', region: REGION, account: ACCOUNT };
    const needed = proxy.calls.flatMap((call) => permissionsOf(call, context));
    expect(needed.filter((permission) => !isAllowed(statements, permission, references))).toEqual([]);
    const actions = new Set(needed.map((permission) => permission.action));
    for (const action of ['secretsmanager:GetSecretValue', 'events:PutEvents', 'dynamodb:Query', 'dynamodb:UpdateItem']) expect(actions).toContain(action);

    // The one conditioned statement: PutEvents with events:source rollcall, which every entry sent meets.
    expect(statements.filter((statement) => statement.Condition !== undefined)).toEqual([
      expect.objectContaining({ Action: 'events:PutEvents', Condition: { StringEquals: { 'events:source': EVENT_SOURCE } } }),
    ]);
    const sources = proxy.calls.filter((call) => call.target === 'AWSEvents.PutEvents').flatMap((call) => (call.body as { Entries: { Source: string }[] }).Entries.map((entry) => entry.Source));
    expect(new Set(sources)).toEqual(new Set([EVENT_SOURCE]));

    // Secrets: only tg's was read, and the policy would deny the other's.
    // Read by name (secretIdOf), which the policy's `rollcall/tg-??????` covers whatever suffix Secrets Manager gave it.
    const read = needed.filter((permission) => permission.action === 'secretsmanager:GetSecretValue').map((permission) => permission.resource);
    expect(read.length).toBeGreaterThan(0);
    expect(new Set(read)).toEqual(new Set([expect.stringMatching(/:secret:rollcall\/tg-[A-Za-z0-9]{6}$/)]));
    expect(isAllowed(statements, { action: 'secretsmanager:GetSecretValue', resource: secretArns.tg as string }, references)).toBe(true);
    expect(isAllowed(statements, { action: 'secretsmanager:GetSecretValue', resource: secretArns['tg-lab'] as string }, references)).toBe(false);
  });

  it('put neither key in a log line, an answer or a recorded AWS call, and no email in a log line', () => {
    requireHarness();
    const logs = output.join('');
    const everything = logs + JSON.stringify(answers) + JSON.stringify(proxy.calls.filter((call) => call.target !== 'secretsmanager.GetSecretValue'));
    expect(logs).toContain('provisioning request completed');
    expect(everything).not.toContain(API_KEY);
    expect(everything).not.toContain(LAB_KEY);
    expect(logs).not.toContain(outsider.email);
  });
});
