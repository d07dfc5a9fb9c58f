/**
 * The poller Lambda end to end, as AWS runs it: the module is imported with the environment the
 * stack sets, and invoked with a poll-queue batch or a direct `{connectorId}` event. Connectors are
 * definitions in the table. Real DynamoDB API (dynalite on loopback, reached through
 * AWS_ENDPOINT_URL_DYNAMODB like any SDK endpoint override), the Torq simulator as the API, and
 * aws-sdk-client-mock in place of Secrets Manager, EventBridge and SQS.
 */
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandInput,
  type PutEventsCommandOutput,
} from '@aws-sdk/client-eventbridge';
import {
  GetSecretValueCommand,
  InternalServiceError,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.ts';
import { createDynamoClients, type DynamoClients } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
import { generateWorkspace, startTorqSimulator, type TorqSimulator } from '../../simulators/torq/index.ts';
import { ConfigError, TransientError } from '../../functions/core/errors.ts';
import type { EventType, RollcallEvent } from '../../functions/core/events.ts';
import { POLL_METRICS, POLLER_ENV, SERVICE_NAME, type SqsEvent } from '../../functions/contract/poller-contract.ts';
import type { ConnectorDefinition } from '../../functions/core/types.ts';

type PollModule = typeof import('../../functions/handlers/poll.ts');

const TABLE = 'rollcall-handler-test';
const BUS = 'rollcall-test-bus';
const USERS = 12;
const GOOD = { clientId: 'handler-client', clientSecret: 'S3cr3t-handler-VALUE-7d1e' };
const ROTATED = { clientId: 'rotate-client', clientSecret: 'S3cr3t-rotated-VALUE-a9b0' };
const WRONG_SECRET = 'S3cr3t-WRONG-VALUE-0c44';

const secretsManager = mockClient(SecretsManagerClient);
const eventBridge = mockClient(EventBridgeClient);
const sqs = mockClient(SQSClient);
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/rollcall-polls';

let dynamo: EmbeddedDynamo;
let clients: DynamoClients;
let store: DynamoInventoryStore;
let simulator: TorqSimulator;
let rotatingSimulator: TorqSimulator;
let poller: PollModule;
let output: string[];

/** Where a connector's secret is: named by convention, or (torq-rotate) brought by ARN. */
const BROUGHT_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:vault/torq-rotate-AbCdEf';
const secretArn = (connectorId: string) => (connectorId === 'torq-rotate' ? BROUGHT_ARN : `rollcall/${connectorId}`);

function definitionOf(sim: TorqSimulator, connectorId: string, overrides: Partial<ConnectorDefinition> = {}): ConnectorDefinition {
  return {
    connectorId,
    app: 'torq',
    config: { apiUrl: sim.apiUrl, authUrl: sim.authUrl },
    schedule: 'rate(1 hour)',
    enabled: true,
    origin: 'added',
    secretArn: connectorId === 'torq-rotate' ? BROUGHT_ARN : null,
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
    nextDueAt: '2026-11-01T00:00:00.000Z',
    ...overrides,
  };
}

let messages = 0;
/** A poll-queue batch, as the event source mapping delivers it. */
function batch(...bodies: string[]): SqsEvent {
  return { Records: bodies.map((body) => ({ messageId: `message-${++messages}`, body, eventSource: 'aws:sqs' as const })) };
}

const context = (id = 'request-1') => ({
  awsRequestId: id,
  functionName: 'rollcall-poller',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:rollcall-poller',
  memoryLimitInMB: '1024',
  getRemainingTimeInMillis: () => 14 * 60_000,
});

function secretAnswer(value: object, versionId: string) {
  return { ARN: 'arn', Name: 'name', VersionId: versionId, SecretString: JSON.stringify(value), VersionStages: ['AWSCURRENT'] };
}

function acceptAll(input: PutEventsCommandInput): PutEventsCommandOutput {
  return { FailedEntryCount: 0, Entries: (input.Entries ?? []).map((_, index) => ({ EventId: `eb-${index}` })), $metadata: {} };
}

/** Events of accepted entries only: what consumers received. */
function published(connectorId: string): RollcallEvent[] {
  return eventBridge
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry) => JSON.parse(entry.Detail ?? '{}') as RollcallEvent)
    .filter((event) => event.connectorId === connectorId);
}

const typesOf = (events: RollcallEvent[]) => events.map((event) => event.detailType);
const countOf = (events: RollcallEvent[], type: EventType) => events.filter((event) => event.detailType === type).length;

/** JSON lines written to stdout/stderr since the last reset: Powertools logs and EMF metrics. */
function jsonLines(): Record<string, unknown>[] {
  return output
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const logLines = () => jsonLines().filter((line) => 'level' in line && 'message' in line);

/** The EMF metric values published for `connectorId`, by metric name. */
function metricsFor(connectorId: string): Record<string, number> {
  const values: Record<string, number> = {};
  for (const line of jsonLines()) {
    if (!('_aws' in line) || line.connectorId !== connectorId) continue;
    const aws = line._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
    const [directive] = aws.CloudWatchMetrics;
    expect(directive?.Namespace).toBe('Rollcall');
    // No connector dimension: a thousand connectors would be a thousand custom metrics each.
    expect(directive?.Dimensions).toEqual([['service']]);
    expect(line.service).toBe(SERVICE_NAME);
    for (const metric of directive?.Metrics ?? []) values[metric.Name] = line[metric.Name] as number;
  }
  return values;
}

beforeAll(async () => {
  dynamo = await startEmbeddedDynamo();
  clients = createDynamoClients({ endpoint: dynamo.endpoint });
  await ensureTable(clients.client, TABLE);
  store = new DynamoInventoryStore(clients.documentClient, TABLE);
  simulator = await startTorqSimulator({ workspace: generateWorkspace({ users: USERS, seed: 11 }), credentials: GOOD });
  rotatingSimulator = await startTorqSimulator({ workspace: generateWorkspace({ users: 5, seed: 12 }), credentials: ROTATED });

  const ids = ['torq-main', 'torq-events', 'torq-lost-events', 'torq-empty', 'torq-secrets-down', 'torq-busy', 'torq-continue', 'torq-lease', 'torq-queued', 'torq-queued-down'];
  for (const id of ids) await store.createDefinition(definitionOf(simulator, id));
  await store.createDefinition(definitionOf(rotatingSimulator, 'torq-rotate'));
  await store.createDefinition(definitionOf(simulator, 'torq-disabled', { enabled: false, nextDueAt: null }));
  await store.createDefinition(
    definitionOf(simulator, 'torq-refused', { config: { region: 'us', apiUrl: 'http://api.example.com/public/v1alpha' } }),
  );
  const environment: Record<string, string> = {
    [POLLER_ENV.tableName]: TABLE,
    [POLLER_ENV.eventBusName]: BUS,
    [POLLER_ENV.maxRemovalShare]: '0.5',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_LAMBDA_FUNCTION_NAME: 'rollcall-poller',
    [POLLER_ENV.pollQueueUrl]: QUEUE_URL,
  };
  for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);
  poller = await import('../../functions/handlers/poll.ts');
});

afterAll(async () => {
  vi.unstubAllEnvs();
  clients.client.destroy();
  await Promise.all([simulator.close(), rotatingSimulator.close(), dynamo.close()]);
});

beforeEach(() => {
  output = [];
  const capture = (chunk: string | Uint8Array) => {
    output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  secretsManager.reset();
  eventBridge.reset();
  secretsManager.on(GetSecretValueCommand).resolves(secretAnswer(GOOD, 'version-1'));
  eventBridge.on(PutEventsCommand).callsFake(acceptAll);
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('the poller handler', () => {
  it('inventories a workspace, publishes its events to the bus and reports metrics, logging ids only', async () => {
    const summary = await poller.handler({ connectorId: 'torq-main' }, context());

    expect(summary).toMatchObject({ connectorId: 'torq-main', status: 'CONNECTED', outcome: 'completed' });
    expect(summary.counts).toMatchObject({ total: USERS, new: USERS, newUsers: USERS, associations: USERS, invalid: 0 });
    expect(await store.queryAccounts({ connectorId: 'torq-main' })).toHaveLength(USERS);

    const events = published('torq-main');
    expect(countOf(events, 'UserDiscovered')).toBe(USERS);
    expect(typesOf(events)).toContain('SyncCompleted');
    for (const entry of eventBridge.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? [])) {
      expect(entry).toMatchObject({ EventBusName: BUS, Source: 'rollcall' });
      expect(entry.DetailType).toBe((JSON.parse(entry.Detail ?? '{}') as RollcallEvent).detailType);
    }
    expect(secretsManager.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: secretArn('torq-main') });

    expect(metricsFor('torq-main')).toEqual({
      [POLL_METRICS.reconnectRequired]: 0,
      [POLL_METRICS.syncFailed]: 0,
      [POLL_METRICS.partialSyncs]: 0,
      [POLL_METRICS.accounts]: USERS,
      [POLL_METRICS.newAccounts]: USERS,
      [POLL_METRICS.newUsers]: USERS,
      [POLL_METRICS.associations]: USERS,
      [POLL_METRICS.changedAccounts]: 0,
      [POLL_METRICS.removals]: 0,
      [POLL_METRICS.invalidRecords]: 0,
      [POLL_METRICS.anomalies]: 0,
      [POLL_METRICS.syncDuration]: summary.durationMs,
    });

    const logs = logLines();
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) {
      expect(line).toMatchObject({ connectorId: 'torq-main', service: SERVICE_NAME, function_request_id: 'request-1' });
    }
    const everything = output.join('');
    expect(everything).not.toContain(GOOD.clientSecret);
    for (const user of simulator.workspace.users) expect(everything).not.toContain(user.email);
  });

  it('publishes only SyncCompleted when nothing changed', async () => {
    await poller.handler({ connectorId: 'torq-main' }, context('request-2'));

    expect(typesOf(published('torq-main'))).toEqual(['SyncCompleted']);
    expect(metricsFor('torq-main')).toMatchObject({ [POLL_METRICS.newAccounts]: 0, [POLL_METRICS.accounts]: USERS });
  });

  it('re-sends the entries PutEvents failed and completes: every event reaches the bus exactly once', async () => {
    const delays: number[] = [];
    const handler = poller.createPollHandler(
      poller.createPollerRuntime(process.env, { eventBridge: { sleep: async (ms) => void delays.push(ms) } }),
    );
    eventBridge
      .on(PutEventsCommand)
      .callsFakeOnce((input: PutEventsCommandInput) => ({
        FailedEntryCount: 2,
        Entries: (input.Entries ?? []).map((_, index) => (index < 2 ? { ErrorCode: 'ThrottlingException' } : { EventId: `eb-${index}` })),
      }))
      .callsFake(acceptAll);

    const summary = await handler({ connectorId: 'torq-events' }, context());

    expect(summary.outcome).toBe('completed');
    const calls = eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);
    const [firstRequest] = calls;
    const failed = firstRequest?.slice(0, 2).map((entry) => entry.Detail);
    // Requests run concurrently: the retry of the two failed entries is one of the later requests.
    expect(calls.slice(1).map((entries) => entries.map((entry) => entry.Detail))).toContainEqual(failed);
    // Accepted entries: all of the first request but the two failed ones, then everything after.
    const accepted = [...(firstRequest ?? []).slice(2), ...calls.slice(1).flat()].map((entry) => (JSON.parse(entry.Detail ?? '{}') as RollcallEvent).id);
    expect(new Set(accepted).size).toBe(accepted.length);
    expect(accepted.length).toBe(summary.events);
    expect(delays).toEqual([200]);
  });

  it('fails the invocation when PutEvents keeps failing entries, writing nothing, so a retry publishes the same events', async () => {
    const handler = poller.createPollHandler(poller.createPollerRuntime(process.env, { eventBridge: { sleep: async () => {} } }));
    eventBridge.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => ({
      FailedEntryCount: 1,
      Entries: (input.Entries ?? []).map((_, index) => (index === 0 ? { ErrorCode: 'InternalFailure' } : { EventId: `eb-${index}` })),
    }));

    await expect(handler({ connectorId: 'torq-lost-events' }, context())).rejects.toThrow(TransientError);

    expect(await store.queryAccounts({ connectorId: 'torq-lost-events' })).toHaveLength(0);
    expect(metricsFor('torq-lost-events')).toEqual({ [POLL_METRICS.syncFailed]: 1 });
  });

  it('reports rejected credentials as RECONNECT_REQUIRED (a result), skips the same version, and recovers on a rotated one', async () => {
    const now = Date.parse('2026-11-01T00:00:00.000Z');
    vi.useFakeTimers({ toFake: ['Date'], now });
    secretsManager
      .on(GetSecretValueCommand, { SecretId: secretArn('torq-rotate') })
      .resolves(secretAnswer({ clientId: ROTATED.clientId, clientSecret: WRONG_SECRET }, 'version-1'));

    const rejected = await poller.handler({ connectorId: 'torq-rotate' }, context());

    expect(rejected).toMatchObject({ status: 'RECONNECT_REQUIRED', outcome: 'reconnect-required' });
    expect(typesOf(published('torq-rotate'))).toEqual(['ConnectorReconnectRequired']);
    expect(metricsFor('torq-rotate')).toMatchObject({ [POLL_METRICS.reconnectRequired]: 1, [POLL_METRICS.syncFailed]: 0 });

    // The same version again: the API is not called with credentials already rejected.
    const tokenRequests = rotatingSimulator.stats().tokenRequests;
    output = [];
    const skipped = await poller.handler({ connectorId: 'torq-rotate' }, context());
    expect(skipped).toMatchObject({ status: 'RECONNECT_REQUIRED', outcome: 'skipped' });
    expect(rotatingSimulator.stats().tokenRequests).toBe(tokenRequests);
    expect(metricsFor('torq-rotate')).toMatchObject({ [POLL_METRICS.reconnectRequired]: 1 });

    // A person puts the right value: a new version. The warm container's cache lets it through
    // once its TTL has passed.
    secretsManager
      .on(GetSecretValueCommand, { SecretId: secretArn('torq-rotate') })
      .resolves(secretAnswer(ROTATED, 'version-2'));
    vi.setSystemTime(now + 61_000);
    output = [];
    const recovered = await poller.handler({ connectorId: 'torq-rotate' }, context());

    expect(recovered).toMatchObject({ status: 'CONNECTED', outcome: 'completed' });
    expect(typesOf(published('torq-rotate'))).toContain('ConnectorRecovered');
    expect(metricsFor('torq-rotate')).toMatchObject({ [POLL_METRICS.reconnectRequired]: 0, [POLL_METRICS.accounts]: 5 });
    expect((await store.getConnector('torq-rotate'))?.status).toBe('CONNECTED');
    const everything = output.join('') + JSON.stringify(eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input));
    expect(everything).not.toContain(WRONG_SECRET);
    expect(everything).not.toContain(ROTATED.clientSecret);
  });

  it('reports a connector whose secret has no value yet as RECONNECT_REQUIRED, without calling the API', async () => {
    secretsManager
      .on(GetSecretValueCommand, { SecretId: secretArn('torq-empty') })
      .rejects(new ResourceNotFoundException({ message: "can't find the specified secret value", $metadata: {} }));
    const tokenRequests = simulator.stats().tokenRequests;

    const summary = await poller.handler({ connectorId: 'torq-empty' }, context());

    expect(summary).toMatchObject({ status: 'RECONNECT_REQUIRED', outcome: 'reconnect-required' });
    expect(simulator.stats().tokenRequests).toBe(tokenRequests);
    expect((await store.getConnector('torq-empty'))?.statusReason).toMatch(/has no value yet/);
    expect(metricsFor('torq-empty')).toMatchObject({ [POLL_METRICS.reconnectRequired]: 1 });
  });

  it('fails the invocation when Secrets Manager is failing, so Lambda retries it', async () => {
    secretsManager
      .on(GetSecretValueCommand, { SecretId: secretArn('torq-secrets-down') })
      .rejects(new InternalServiceError({ message: 'internal', $metadata: {} }));

    const error = await poller.handler({ connectorId: 'torq-secrets-down' }, context()).catch((failure: unknown) => failure);

    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toBe('secret of connector torq-secrets-down could not be read (InternalServiceError)');
    expect(metricsFor('torq-secrets-down')).toEqual({ [POLL_METRICS.syncFailed]: 1 });
    expect(logLines().some((line) => line.level === 'WARN' && line.connectorId === 'torq-secrets-down')).toBe(true);
  });

  it('treats a poll that finds the lease taken as done, not as an error', async () => {
    await store.acquireLease({
      connectorId: 'torq-busy',
      app: 'torq',
      owner: 'another-invocation',
      now: new Date().toISOString(),
      nowMs: Date.now(),
      leaseMs: 60_000,
    });

    const summary = await poller.handler({ connectorId: 'torq-busy' }, context());

    expect(summary.outcome).toBe('busy');
    expect(published('torq-busy')).toEqual([]);
    expect(metricsFor('torq-busy')).toEqual({});
  });

  it('holds a lease that names its request and ends with the invocation, plus a margin', async () => {
    // Slow pages keep the poll running long enough to read its lease from the table.
    simulator.setFaults({ slowMs: 200 });
    const startedAt = Date.now();
    const running = poller.handler({ connectorId: 'torq-lease' }, { ...context('request-lease'), getRemainingTimeInMillis: () => 300_000 });
    try {
      const held = await vi.waitFor(
        async () => {
          const state = await store.getConnector('torq-lease');
          if (state?.leaseOwner == null || state.leaseHolder?.kind !== 'lambda') throw new Error('no lease yet');
          return state;
        },
        { timeout: 10_000, interval: 20 },
      );
      expect(held.leaseHolder).toEqual({ kind: 'lambda', requestId: 'request-lease', functionName: 'rollcall-poller' });
      // 300 s left when the lease was taken, and a 10 s margin: never the 16 minutes of a CLI lease.
      expect(held.leaseExpiresAt).toBeGreaterThanOrEqual(startedAt + 310_000);
      expect(held.leaseExpiresAt).toBeLessThanOrEqual(Date.now() + 310_000);
    } finally {
      await running.catch(() => undefined);
      simulator.setFaults({});
    }
    expect(await store.getConnector('torq-lease')).toMatchObject({ leaseOwner: null, leaseHolder: null });
  });

  it('rejects an event without a connector id, or one that is not defined, disabled or refused by its app, by id', async () => {
    await expect(poller.handler({}, context())).rejects.toThrow(new ConfigError('poll event: connectorId: expected string'));
    await expect(poller.handler({ connectorId: 'Bad Id' }, context())).rejects.toThrow(/poll event: connectorId: must be 1-48/);
    await expect(poller.handler({ connectorId: 'torq-other' }, context())).rejects.toThrow(
      new poller.ConnectorRefusedError('connector torq-other is not defined in this deployment: see "rollcall connectors --table <name>"'),
    );
    await expect(poller.handler({ connectorId: 'torq-disabled' }, context())).rejects.toThrow(
      new poller.ConnectorRefusedError('connector torq-disabled is disabled: not polled'),
    );
    await expect(poller.handler({ connectorId: 'torq-disabled' }, context())).rejects.toBeInstanceOf(ConfigError);
    await expect(poller.handler({ connectorId: 'torq-refused' }, context())).rejects.toThrow(
      /^connector torq-refused: torq config apiUrl \(--api-url\): plain http is allowed only to loopback/,
    );
    const refusals = logLines().filter((line) => line.message === 'poll refused');
    expect(refusals.map((line) => line.connectorId)).toEqual(['torq-other', 'torq-disabled', 'torq-disabled', 'torq-refused']);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});

describe('the poller fed by the poll queue', () => {
  it('polls the connector of each message; a failing one is delivered again, without holding up the others', async () => {
    secretsManager
      .on(GetSecretValueCommand, { SecretId: secretArn('torq-queued-down') })
      .rejects(new InternalServiceError({ message: 'internal', $metadata: {} }));
    const event = batch(JSON.stringify({ connectorId: 'torq-queued-down' }), JSON.stringify({ connectorId: 'torq-queued' }));

    const answer = await poller.handler(event, context());

    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId }] });
    expect(await store.queryAccounts({ connectorId: 'torq-queued' })).toHaveLength(USERS);
    expect((await store.getConnector('torq-queued'))?.status).toBe('CONNECTED');
    expect(metricsFor('torq-queued-down')).toEqual({ [POLL_METRICS.syncFailed]: 1 });
    expect(logLines().some((line) => line.message === 'poll failed: its message will be delivered again' && line.connectorId === 'torq-queued-down')).toBe(true);
  });

  it('drops, logged by id, a message it will never be able to poll: not a poll request, an unknown or a disabled connector', async () => {
    const answer = await poller.handler(
      batch('not json', JSON.stringify({ connector: 'x' }), JSON.stringify({ connectorId: 'torq-gone' }), JSON.stringify({ connectorId: 'torq-disabled' })),
      context(),
    );

    expect(answer).toEqual({ batchItemFailures: [] });
    const lines = logLines();
    expect(lines.filter((line) => line.message === 'poll message dropped: not a poll request').map((line) => line.reason)).toEqual([
      'not JSON',
      'poll message: connectorId: expected string',
    ]);
    expect(lines.filter((line) => line.message === 'poll refused').map((line) => [line.connectorId, line.reason])).toEqual([
      ['torq-gone', 'connector torq-gone is not defined in this deployment: see "rollcall connectors --table <name>"'],
      ['torq-disabled', 'connector torq-disabled is disabled: not polled'],
    ]);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});

describe('the cold start', () => {
  const base = () => ({ ...process.env });

  it.each([
    [POLLER_ENV.tableName, '', 'environment variable ROLLCALL_TABLE_NAME is not set'],
    [POLLER_ENV.eventBusName, undefined, 'environment variable ROLLCALL_EVENT_BUS_NAME is not set'],
    [POLLER_ENV.maxRemovalShare, 'half', 'ROLLCALL_MAX_REMOVAL_SHARE: (root): expected number'],
  ])('fails with a clear error when %s is %j', (name, value, message) => {
    const env = base();
    if (value === undefined) delete env[name];
    else env[name] = value;

    expect(() => poller.createPollerRuntime(env)).toThrow(new ConfigError(message));
  });

  it('needs no connector in its environment, and continues nothing without a poll queue', () => {
    const env = base();
    delete env[POLLER_ENV.pollQueueUrl];
    expect(Object.keys(env).some((name) => name.includes('CONNECTORS'))).toBe(false);
    expect(poller.createPollerRuntime(env).continuation).toBeNull();
    expect(poller.createPollerRuntime(base()).continuation).not.toBeNull();
  });
});

describe('the poller handler with a long listing', () => {
  it('continues a listing that ran out of time through the poll queue, in a poll that completes it', async () => {
    sqs.reset();
    sqs.on(SendMessageCommand).resolves({ MessageId: 'continuation-1' });
    let asked = 0;
    // Plenty of time at the start (the poll checks its budget), when the lease is taken and for the
    // first listing stream, then a minute: under the 120 s listing reserve (a partial listing), above
    // the 15 s write reserve (what was listed is written).
    const shortOfTime = { ...context('request-short'), getRemainingTimeInMillis: () => (asked++ <= 2 ? 14 * 60_000 : 60_000) };

    const partial = await poller.handler({ connectorId: 'torq-continue' }, shortOfTime);

    expect(partial).toMatchObject({ outcome: 'partial', status: 'CONNECTED' });
    expect(sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input)).toEqual([
      { QueueUrl: QUEUE_URL, MessageBody: JSON.stringify({ connectorId: 'torq-continue' }) },
    ]);
    expect(typesOf(published('torq-continue'))).not.toContain('SyncCompleted');

    // The queued message, as the event source mapping delivers it.
    const continued = await poller.handler(batch(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody ?? ''), context('request-continued'));
    expect(continued).toEqual({ batchItemFailures: [] });
    const state = await store.getConnector('torq-continue');
    expect(state).toMatchObject({ status: 'CONNECTED', counts: { total: USERS, new: USERS, removed: 0 } });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(1);
    expect(await store.loadCheckpoint('torq-continue')).toBeNull();
  });
});
