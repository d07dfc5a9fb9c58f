/**
 * The provisioning Lambda end to end, as AWS runs it: the module is imported with the environment
 * the stack sets and invoked with the events a rule delivers (or a direct invocation). Real
 * DynamoDB API (dynalite on loopback, through AWS_ENDPOINT_URL_DYNAMODB), the Twingate simulator
 * as the API (its `groupUpdate`, a read-only key, write faults), and aws-sdk-client-mock in place
 * of Secrets Manager and EventBridge. The inventory is filled by a real poll first, and polled
 * again after a change to show that the next sync finds nothing to change.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput, type PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient, type GetSecretValueCommandInput } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.ts';
import { createDynamoClients, type DynamoClients } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
import { appDefinition } from '../../functions/connectors/index.ts';
import type { AccessRequestCompletedDetail, AccessRequestFailedDetail, RollcallEvent } from '../../functions/core/events.ts';
import { pollConnector, type PollResult } from '../../functions/core/poll.ts';
import { systemClock } from '../../functions/core/ports.ts';
import { POLLER_ENV, type PollerConnector } from '../../functions/contract/poller-contract.ts';
import { PROVISION_REQUEST_SOURCE, PROVISIONER_ENV, PROVISIONER_SERVICE_NAME } from '../../functions/contract/provision-contract.ts';
import type { ProvisionAnswer, ProvisionHandler } from '../../functions/handlers/provision.ts';
import { generateTwingateWorkspace, startTwingateSimulator, type TwingateGroupRecord, type TwingateSimulator } from '../../simulators/twingate/index.ts';
import { FixedCredentials, MemoryEventSink } from '../fakes/memory-store.ts';

type ProvisionModule = typeof import('../../functions/handlers/provision.ts');

const TABLE = 'rollcall-provision-handler';
const BUS = 'rollcall-provision-bus';
const API_KEY = 'tg-lambda-canary-KEY-93c1e0';
const READ_ONLY_KEY = 'tg-lambda-readonly-canary-KEY-5d7a';
const ACCOUNT = '123456789012';
const secretArn = (connectorId: string) => `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:rollcall/${connectorId}-AbCdEf`;
/** Each connector's key: `tg-readonly` holds Twingate's Read-only key. */
const KEYS: Record<string, string> = { tg: API_KEY, 'tg-readonly': READ_ONLY_KEY };

const secretsManager = mockClient(SecretsManagerClient);
const eventBridge = mockClient(EventBridgeClient);

let dynamo: EmbeddedDynamo;
let clients: DynamoClients;
let store: DynamoInventoryStore;
let simulator: TwingateSimulator;
let handler: ProvisionHandler;
let output: string[];
let manual: TwingateGroupRecord;
let synced: TwingateGroupRecord;
let outsider: { id: string; email: string };
/** Everything the tests saw, scanned for the keys at the end. */
const seen: string[] = [];

const twingateConfig = () => ({ network: 'acme', apiUrl: simulator.apiUrl, pageSize: 10 });
const FAST = { requestsPerSecond: 1_000_000, writeRequestsPerSecond: 1_000_000, retry: { limit: 2, backoffLimitMs: 0, maxRetryAfterSeconds: 0 } };

function acceptAll(input: PutEventsCommandInput): PutEventsCommandOutput {
  return { FailedEntryCount: 0, Entries: (input.Entries ?? []).map((_, index) => ({ EventId: `eb-${index}` })), $metadata: {} };
}

/** Every entry put on the bus since the last reset, with its envelope. */
function entries() {
  return eventBridge.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);
}
const published = () => entries().map((entry) => JSON.parse(entry.Detail ?? '{}') as RollcallEvent);
const ofType = (type: string) => published().filter((event) => event.detailType === type);

/** A poll of `connectorId` with the read/write key, as the poller runs it. */
async function poll(connectorId: string): Promise<PollResult> {
  const createConnector = appDefinition('twingate').createFactory(twingateConfig(), { requestsPerSecond: 1_000_000 });
  return pollConnector(
    {
      store,
      events: new MemoryEventSink(),
      credentials: new FixedCredentials({ credentials: { apiKey: API_KEY }, fingerprint: 'v1' }),
      createConnector,
      clock: systemClock,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    },
    { connectorId, app: 'twingate' },
  );
}

let eventCount = 0;
/** An event as a rule delivers it to the function. */
function delivered(detailType: string, detail: unknown, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  eventCount += 1;
  return {
    version: '0',
    id: `0d6c5f2e-0000-4000-8000-${String(eventCount).padStart(12, '0')}`,
    'detail-type': detailType,
    source: PROVISION_REQUEST_SOURCE,
    account: ACCOUNT,
    time: '2026-12-01T09:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
    ...overrides,
  };
}

const context = (id: string) => ({
  awsRequestId: id,
  functionName: 'rollcall-provisioner',
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:rollcall-provisioner`,
  memoryLimitInMB: '256',
  getRemainingTimeInMillis: () => 60_000,
});

let invocation = 0;
async function invoke(event: unknown): Promise<ProvisionAnswer> {
  invocation += 1;
  const answer = await handler(event, context(`invocation-${invocation}`));
  seen.push(JSON.stringify(answer));
  return answer;
}

const grant = (detail: Record<string, unknown>) => invoke(delivered('AccessRequested', { connectorId: 'tg', requestedBy: 'jit-bot', ...detail }));
const revoke = (detail: Record<string, unknown>) => invoke(delivered('AccessRevocationRequested', { connectorId: 'tg', requestedBy: 'review-bot', ...detail }));

function failed(answer: ProvisionAnswer): AccessRequestFailedDetail {
  expect(answer.detailType).toBe('AccessRequestFailed');
  return answer.detail as AccessRequestFailedDetail;
}
function completed(answer: ProvisionAnswer): AccessRequestCompletedDetail {
  expect(answer.detailType).toBe('AccessRequestCompleted');
  return answer.detail as AccessRequestCompletedDetail;
}

/** The answer published on the bus for `answer`: exactly one, equal to what the invocation returned. */
function publishedAnswer(answer: ProvisionAnswer): RollcallEvent {
  const matches = published().filter((event) => event.id === answer.eventId);
  expect(matches).toHaveLength(1);
  expect(matches[0]).toMatchObject({ source: 'rollcall', detailType: answer.detailType, detail: answer.detail });
  return matches[0] as RollcallEvent;
}

beforeAll(async () => {
  const workspace = generateTwingateWorkspace({ users: 30, groups: 3, largeGroupMembers: 12, seed: 9 });
  const [, first, second] = workspace.groups as [TwingateGroupRecord, TwingateGroupRecord, TwingateGroupRecord];
  first.type = 'MANUAL';
  first.name = 'Engineering';
  second.type = 'SYNCED';
  second.name = 'Okta Sales';
  manual = first;
  synced = second;
  const user = workspace.users.find((candidate) => !first.memberIds.includes(candidate.id) && candidate.email !== null);
  if (user === undefined || user.email === null) throw new Error('no outsider');
  outsider = { id: user.id, email: user.email };
  simulator = await startTwingateSimulator({ workspace, apiKey: API_KEY, readOnlyApiKey: READ_ONLY_KEY });

  dynamo = await startEmbeddedDynamo();
  clients = createDynamoClients({ endpoint: dynamo.endpoint });
  await ensureTable(clients.client, TABLE);
  store = new DynamoInventoryStore(clients.documentClient, TABLE);
  for (const connectorId of ['tg', 'tg-readonly', 'tg-poll-only']) expect((await poll(connectorId)).outcome).toBe('completed');

  // The stack lists only the connectors with "provisioning": true (tg-poll-only is not one).
  const connectors: PollerConnector[] = ['tg', 'tg-readonly'].map((id) => ({ id, app: 'twingate', secretArn: secretArn(id), config: twingateConfig() }));
  const environment: Record<string, string> = {
    [PROVISIONER_ENV.connectors]: JSON.stringify(connectors),
    [PROVISIONER_ENV.tableName]: TABLE,
    [PROVISIONER_ENV.eventBusName]: BUS,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  expect(POLLER_ENV.tableName).toBe(PROVISIONER_ENV.tableName);
  for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);
  const provision = (await import('../../functions/handlers/provision.ts')) as ProvisionModule;
  handler = provision.createProvisionHandler(provision.createProvisionerRuntime(process.env, { connectorOptions: FAST }));
});

afterAll(async () => {
  vi.unstubAllEnvs();
  clients?.client.destroy();
  await Promise.all([simulator?.close(), dynamo?.close()]);
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
  secretsManager.on(GetSecretValueCommand).callsFake((input: GetSecretValueCommandInput) => {
    const id = Object.keys(KEYS).find((connectorId) => secretArn(connectorId) === input.SecretId);
    if (id === undefined) throw new Error('a secret no provisioning connector has');
    return { ARN: input.SecretId, Name: 'name', VersionId: 'version-1', SecretString: JSON.stringify({ apiKey: KEYS[id] }), VersionStages: ['AWSCURRENT'] };
  });
  eventBridge.on(PutEventsCommand).callsFake(acceptAll);
  simulator.clearFaults();
});

afterEach(() => {
  seen.push(output.join(''), JSON.stringify(entries()));
  vi.restoreAllMocks();
});

/** Powertools' JSON log lines since the last reset. */
const logLines = () =>
  output
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('the provisioning handler', () => {
  it('grants on AccessRequested: added in Twingate, read back, recorded, audited and answered; the next poll finds no change', async () => {
    const answer = await grant({ group: 'Engineering', email: outsider.email.toUpperCase(), requestId: 'ticket-4711' });

    const detail = completed(answer);
    expect(detail).toMatchObject({
      requestId: 'ticket-4711',
      action: 'grant',
      outcome: 'changed',
      initiatedBy: `jit-bot (event from ${PROVISION_REQUEST_SOURCE}, account ${ACCOUNT})`,
      via: { kind: 'event', source: PROVISION_REQUEST_SOURCE, account: ACCOUNT },
      group: { id: manual.id, name: 'Engineering', type: 'MANUAL' },
      account: { id: outsider.id },
    });
    expect(manual.memberIds).toContain(outsider.id);
    expect(simulator.stats().byRootField.groupUpdate).toBe(1);
    expect(await store.queryMemberships({ connectorId: 'tg', groupId: manual.id, accountId: outsider.id })).toEqual([
      expect.objectContaining({ revokedAt: null }),
    ]);

    // The audit event, then the answer, both on Rollcall's bus with source rollcall.
    expect(published().map((event) => event.detailType)).toEqual(['AccessGranted', 'AccessRequestCompleted']);
    for (const entry of entries()) expect(entry).toMatchObject({ EventBusName: BUS, Source: 'rollcall' });
    const [audit] = ofType('AccessGranted');
    expect(audit).toMatchObject({ id: detail.eventIds[0], connectorId: 'tg', detail: { requestId: 'ticket-4711', initiatedBy: detail.initiatedBy, groupId: manual.id, accountId: outsider.id } });
    expect(publishedAnswer(answer)).toMatchObject({ connectorId: 'tg', app: 'twingate' });

    const logs = logLines();
    expect(logs.map((line) => line.message)).toContain('provisioning request completed');
    for (const line of logs) expect(line).toMatchObject({ service: PROVISIONER_SERVICE_NAME, requestId: 'ticket-4711', function_request_id: `invocation-${invocation}` });
    expect(output.join('')).not.toContain(outsider.email);

    const next = await poll('tg');
    expect(next.counts).toMatchObject({ accessGranted: 0, accessRevoked: 0 });
  });

  it('a repeated request changes nothing and says so: no mutation, no audit event, answered unchanged', async () => {
    const before = simulator.stats().byRootField.groupUpdate;
    const answer = await grant({ groupId: manual.id, accountId: outsider.id, requestId: 'ticket-4711' });

    expect(completed(answer)).toMatchObject({ outcome: 'unchanged', eventIds: [] });
    expect(simulator.stats().byRootField.groupUpdate).toBe(before);
    expect(published().map((event) => event.detailType)).toEqual(['AccessRequestCompleted']);
    publishedAnswer(answer);
  });

  it('revokes on AccessRevocationRequested: AccessRevoked with reason requested; the next poll revokes nothing', async () => {
    const answer = await revoke({ group: manual.id, email: outsider.email });

    const detail = completed(answer);
    expect(detail).toMatchObject({ action: 'revoke', outcome: 'changed', initiatedBy: expect.stringMatching(/^review-bot \(event from/) });
    // Without a requestId of its own, a request is known by the delivering event's id.
    expect(detail.requestId).toBe((detail.via as { eventId: string }).eventId);
    expect(manual.memberIds).not.toContain(outsider.id);
    expect(ofType('AccessRevoked')).toEqual([expect.objectContaining({ detail: expect.objectContaining({ reason: 'requested', requestId: detail.requestId }) })]);
    expect(await store.queryMemberships({ connectorId: 'tg', groupId: manual.id, accountId: outsider.id })).toEqual([]);
    expect((await poll('tg')).counts).toMatchObject({ accessGranted: 0, accessRevoked: 0 });
  });

  it('a direct invocation with the same detail-type and detail returns the answer (and publishes it)', async () => {
    const answer = await invoke({ 'detail-type': 'AccessRequested', detail: { connectorId: 'tg', group: 'Engineering', accountId: outsider.id, requestedBy: 'alice' } });

    expect(completed(answer)).toMatchObject({
      outcome: 'changed',
      requestId: `invocation-${invocation}`,
      initiatedBy: 'alice (direct invocation of rollcall-provisioner)',
      via: { kind: 'invoke', functionName: 'rollcall-provisioner', invocationId: `invocation-${invocation}` },
    });
    expect(manual.memberIds).toContain(outsider.id);
    publishedAnswer(answer);
    expect((await revoke({ group: 'Engineering', accountId: outsider.id })).detailType).toBe('AccessRequestCompleted');
  });

  it.each([
    ['a SYNCED group', () => ({ group: 'Okta Sales', accountId: outsider.id }), /type SYNCED: refused, its membership belongs to the identity provider/],
    ['the SYSTEM group', () => ({ group: 'Everyone', accountId: outsider.id }), /type SYSTEM: refused, its membership is implicit/],
    ['an unknown account', () => ({ group: 'Engineering', email: 'nobody@nowhere.example' }), /no active account with that email/],
    ['an unknown group', () => ({ groupId: 'R3JvdXA6OTk5OQ==', accountId: outsider.id }), /no active group of that name or id/],
  ])('refuses %s: answered AccessRequestFailed (config, not retryable), nothing called or written', async (_, detail, reason) => {
    const before = simulator.stats().byRootField.groupUpdate;
    const answer = await grant({ ...detail(), requestId: 'refused-1' });

    expect(failed(answer)).toMatchObject({ requestId: 'refused-1', action: 'grant', kind: 'config', retryable: false, reason: expect.stringMatching(reason) });
    expect(simulator.stats().byRootField.groupUpdate).toBe(before);
    expect(published().map((event) => event.detailType)).toEqual(['AccessRequestFailed']);
    expect(publishedAnswer(answer)).toMatchObject({ connectorId: 'tg', app: 'twingate' });
    expect(JSON.stringify(answer) + output.join('')).not.toContain('nobody@');
    expect(synced.memberIds).not.toContain(outsider.id);
    // Answered to the requester: a warning in the function's log, not an error of the function.
    expect(logLines().filter((line) => line.message === 'provisioning request failed')).toEqual([expect.objectContaining({ level: 'WARN', errorKind: 'config' })]);
  });

  it('a read-only key: "the API key does not allow writes", and the connector stays CONNECTED', async () => {
    const answer = await invoke(delivered('AccessRequested', { connectorId: 'tg-readonly', group: 'Engineering', accountId: outsider.id, requestedBy: 'jit-bot' }));

    expect(failed(answer)).toMatchObject({ kind: 'config', retryable: false, reason: expect.stringContaining('the API key does not allow writes (groupUpdate answered HTTP 403)') });
    expect(manual.memberIds).not.toContain(outsider.id);
    expect(await store.getConnector('tg-readonly')).toMatchObject({ status: 'CONNECTED', leaseOwner: null });
    expect(publishedAnswer(answer)).toMatchObject({ connectorId: 'tg-readonly' });
  });

  it('ok: false from Twingate: answered failed with its reason, nothing recorded or audited', async () => {
    simulator.setFaults({ groupUpdateNotOk: { count: 1, error: 'Group is being modified' } });
    const answer = await grant({ group: 'Engineering', accountId: outsider.id });

    expect(failed(answer)).toMatchObject({ kind: 'failed', retryable: false, reason: `twingate refused the change to group ${manual.id}: Group is being modified` });
    expect(ofType('AccessGranted')).toEqual([]);
    expect(manual.memberIds).not.toContain(outsider.id);
    expect(await store.queryMemberships({ connectorId: 'tg', groupId: manual.id, accountId: outsider.id })).toEqual([]);
  });

  it("a rate-limited write is retried after Twingate's Retry-After; one that outlasts the retries is answered retryable", async () => {
    simulator.resetStats();
    simulator.setFaults({ writeRateLimit: { count: 1, retryAfter: 0 } });
    expect(completed(await grant({ group: 'Engineering', accountId: outsider.id }))).toMatchObject({ outcome: 'changed' });
    expect(simulator.stats().byStatus[429]).toBe(1);

    simulator.setFaults({ writeRateLimit: { count: 10, retryAfter: 0 } });
    const answer = await revoke({ group: 'Engineering', accountId: outsider.id });
    expect(failed(answer)).toMatchObject({ kind: 'transient', retryable: true });
    expect(manual.memberIds).toContain(outsider.id);
    expect(await store.getConnector('tg')).toMatchObject({ status: 'CONNECTED', leaseOwner: null });

    simulator.clearFaults();
    expect(completed(await revoke({ group: 'Engineering', accountId: outsider.id }))).toMatchObject({ outcome: 'changed' });
  });

  it('a running poll (the lease held) is answered busy and retryable, calling nothing; the request succeeds once it ends', async () => {
    const now = new Date();
    const owner = 'poll-in-progress';
    const before = await store.acquireLease({
      connectorId: 'tg', app: 'twingate', owner, holder: { kind: 'lambda', requestId: 'poll-1', functionName: 'rollcall-poller' },
      now: now.toISOString(), nowMs: now.getTime(), leaseMs: 60_000,
    });
    const requests = simulator.stats().requests;
    const answer = await grant({ group: 'Engineering', accountId: outsider.id });
    expect(failed(answer)).toMatchObject({ kind: 'busy', retryable: true });
    expect(simulator.stats().requests).toBe(requests);

    await store.finishSync(before ?? (await store.getConnector('tg'))!, owner);
    expect(completed(await grant({ group: 'Engineering', accountId: outsider.id }))).toMatchObject({ outcome: 'changed' });
    expect(completed(await revoke({ group: 'Engineering', accountId: outsider.id }))).toMatchObject({ outcome: 'changed' });
  });

  it("a secret without a value yet is answered as a configuration failure naming the connector, not the secret's content", async () => {
    secretsManager.on(GetSecretValueCommand).rejects(Object.assign(new Error('Secrets Manager cannot find the specified secret value'), { name: 'ResourceNotFoundException' }));
    const answer = await grant({ group: 'Engineering', accountId: outsider.id });

    expect(failed(answer)).toMatchObject({ kind: 'config', retryable: false, reason: 'secret of connector tg cannot be read: the secret does not exist or has no value yet' });
    expect(manual.memberIds).not.toContain(outsider.id);
  });

  it('a connector without provisioning enabled is refused clearly, its secret never read', async () => {
    const answer = await invoke({ 'detail-type': 'AccessRequested', detail: { connectorId: 'tg-poll-only', group: 'Engineering', accountId: outsider.id, requestedBy: 'alice' } });

    expect(failed(answer)).toMatchObject({
      kind: 'config',
      reason: 'connector tg-poll-only does not enable provisioning in this deployment (set "provisioning": true on it in cdk.json)',
    });
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toEqual([]);
    expect(publishedAnswer(answer)).toMatchObject({ connectorId: 'tg-poll-only', app: '' });
  });

  it.each([
    ['a missing field', { connectorId: 'tg', group: 'Engineering', requestedBy: 'x' }, 'request detail: email: give exactly one of email and accountId'],
    ['both group and groupId', { connectorId: 'tg', group: 'a', groupId: 'b', email: 'a@example.com', requestedBy: 'x' }, 'request detail: group: give exactly one of group and groupId'],
    ['a misspelt field', { connectorId: 'tg', gruop: 'Engineering', email: 'a@example.com', requestedBy: 'x' }, 'request detail: unknown field "gruop" (fields: connectorId, group, groupId, email, accountId, requestedBy, requestId); group: give exactly one of group and groupId'],
    ['a bad connector id', { connectorId: 'TG PROD', group: 'g', email: 'a@example.com', requestedBy: 'x' }, 'request detail: connectorId: must be 1-48 lower-case letters, digits or inner hyphens'],
    ['a control character in requestedBy', { connectorId: 'tg', group: 'g', email: 'a@example.com', requestedBy: 'mallory-canary\nroot' }, 'request detail: requestedBy: must hold no control characters'],
    ['a detail that is no object', 'grant me', 'request detail: (root): expected object'],
  ])('a malformed request (%s) is answered AccessRequestFailed naming the field, never its value', async (_, detail, reason) => {
    const before = simulator.stats().requests;
    const answer = await invoke(delivered('AccessRequested', detail));

    expect(failed(answer)).toMatchObject({ kind: 'config', retryable: false, action: 'grant', initiatedBy: null, reason });
    publishedAnswer(answer);
    expect(simulator.stats().requests).toBe(before);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toEqual([]);
    for (const value of ['a@example.com', 'TG PROD', 'mallory-canary', 'grant me']) expect(JSON.stringify(answer) + output.join('')).not.toContain(value);
  });

  it('refuses a request from the wrong source, of an unknown detail-type, a replayed event, and an input of no known shape', async () => {
    const detail = { connectorId: 'tg', group: 'Engineering', accountId: outsider.id, requestedBy: 'x', requestId: 'odd-1' };
    const before = simulator.stats().requests;
    const wrongSource = failed(await invoke(delivered('AccessRequested', detail, { source: 'rollcall' })));
    expect(wrongSource).toMatchObject({ requestId: 'odd-1', reason: `a request must come from source ${PROVISION_REQUEST_SOURCE}` });
    const unknownType = failed(await invoke(delivered('AccessGranted', detail)));
    expect(unknownType).toMatchObject({ reason: 'detail-type must be AccessRequested or AccessRevocationRequested', action: null });
    const replayed = failed(await invoke(delivered('AccessRequested', detail, { 'replay-name': 'rollcall-replay' })));
    expect(replayed.reason).toBe('a replayed event is not carried out again: send a new request');
    const shapeless = failed(await invoke([1, 2, 3]));
    expect(shapeless).toMatchObject({ via: { kind: 'invoke' }, reason: expect.stringMatching(/^the input is neither an EventBridge event nor a request/) });

    expect(simulator.stats().requests).toBe(before);
    expect(manual.memberIds).not.toContain(outsider.id);
    expect(ofType('AccessRequestFailed')).toHaveLength(4);
    expect(ofType('AccessGranted')).toEqual([]);
  });

  it('a redelivered event answers with the same event id (consumers de-duplicate); an unpublishable answer fails the invocation', async () => {
    const event = delivered('AccessRequested', { connectorId: 'tg', group: 'Okta Sales', accountId: outsider.id, requestedBy: 'x' });
    const [first, second] = [await invoke(event), await invoke(event)];
    expect(second.eventId).toBe(first.eventId);

    eventBridge.on(PutEventsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(invoke(delivered('AccessRequested', { connectorId: 'tg', group: 'Okta Sales', accountId: outsider.id, requestedBy: 'x' }))).rejects.toThrow(
      'EventBridge PutEvents failed: access denied',
    );
  });

  it('never puts a key in a log line, an answer, an event or an error', () => {
    const everything = seen.join('\n');
    expect(everything.length).toBeGreaterThan(1000);
    expect(everything).toContain('AccessRequestCompleted');
    expect(everything).not.toContain(API_KEY);
    expect(everything).not.toContain(READ_ONLY_KEY);
  });
});
