/**
 * The reconciliation custom resource's handler: the declared list in, definitions in the table
 * (dynalite), an empty secret asked for each connector without `secretArn`, and the answer
 * CloudFormation waits for PUT to a loopback server standing in for the pre-signed S3 URL:
 * SUCCESS with counts, FAILED with a reason of ids and counts (never a value), and Delete keeps
 * everything.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CustomResourceRequest, CustomResourceResponse } from '../../functions/adapters/cloudformation-response.ts';
import { sendResponse } from '../../functions/adapters/cloudformation-response.ts';
import { createDynamoClients, type DynamoClients } from '../../functions/adapters/dynamodb/client.ts';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.ts';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
import { appRegistry } from '../../functions/connectors/index.ts';
import { DECLARED_PROPERTY, encodeDeclaredConnectors, RECONCILER_ENV, type DeclaredConnector } from '../../functions/contract/fleet-contract.ts';
import type { ReconcileHandler } from '../../functions/handlers/reconcile.ts';
import { ManualClock } from '../fakes/memory-store.ts';

type ReconcileModule = typeof import('../../functions/handlers/reconcile.ts');

const DEPLOYED = Date.parse('2026-12-01T10:00:00.000Z');
const TABLE = 'rollcall-reconcile';

let dynamo: EmbeddedDynamo;
let clients: DynamoClients;
let store: DynamoInventoryStore;
let reconcile: ReconcileModule;
let server: Server;
let responseUrl: string;
let responses: { body: CustomResourceResponse; contentType: string | undefined }[];
let secretsAsked: { connectorId: string; description: string }[];
let existingSecrets: Set<string>;
let handler: ReconcileHandler;
let output: string[];

function request(type: CustomResourceRequest['RequestType'], connectors: DeclaredConnector[] | string): CustomResourceRequest {
  return {
    RequestType: type,
    ResponseURL: `${responseUrl}/response?X-Amz-Signature=abc`,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Rollcall/1',
    RequestId: `request-${responses.length + 1}`,
    LogicalResourceId: 'DeclaredConnectorsReconciliation',
    ...(type === 'Create' ? {} : { PhysicalResourceId: 'rollcall-declared-connectors' }),
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:reconciler',
      [DECLARED_PROPERTY]: typeof connectors === 'string' ? connectors : encodeDeclaredConnectors(connectors),
    },
  };
}

const torq = (id: string, overrides: Partial<DeclaredConnector> = {}): DeclaredConnector => ({
  id,
  app: 'torq',
  schedule: 'rate(1 hour)',
  config: { region: 'us' },
  secretArn: null,
  ...overrides,
});

beforeAll(async () => {
  dynamo = await startEmbeddedDynamo();
  clients = createDynamoClients({ endpoint: dynamo.endpoint });
  await ensureTable(clients.client, TABLE);
  store = new DynamoInventoryStore(clients.documentClient, TABLE);
  server = createServer((incoming: IncomingMessage, answer) => {
    let body = '';
    incoming.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    incoming.on('end', () => {
      responses.push({ body: JSON.parse(body) as CustomResourceResponse, contentType: incoming.headers['content-type'] });
      answer.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The module builds its own handler from the environment when it loads.
  vi.stubEnv(RECONCILER_ENV.tableName, TABLE);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  reconcile = await import('../../functions/handlers/reconcile.ts');
});

afterAll(async () => {
  vi.unstubAllEnvs();
  clients.client.destroy();
  await new Promise((resolve) => server.close(resolve));
  await dynamo.close();
});

beforeEach(() => {
  responses = [];
  secretsAsked = [];
  existingSecrets = new Set(['torq-has-secret']);
  output = [];
  const capture = (chunk: string | Uint8Array) => {
    output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  handler = reconcile.createReconcileHandler({
    definitions: store,
    ensureSecret: async (connectorId, description) => {
      secretsAsked.push({ connectorId, description });
      if (existingSecrets.has(connectorId)) return false;
      existingSecrets.add(connectorId);
      return true;
    },
    registry: appRegistry,
    clock: new ManualClock(DEPLOYED),
    logger: new Logger({ serviceName: 'rollcall-reconciler' }),
    respond: sendResponse,
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the reconciliation custom resource', () => {
  it('on Create: writes each declared connector, asks for the empty secrets of those without secretArn, answers SUCCESS with counts', async () => {
    await handler(
      request('Create', [
        torq('torq-prod'),
        torq('torq-has-secret'),
        { id: 'tg', app: 'twingate', schedule: 'rate(30 minutes)', config: { network: 'acme' }, secretArn: null },
        torq('torq-brought', { secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:vault/torq-AbC123' }),
      ]),
    );

    expect(responses).toHaveLength(1);
    expect(responses[0]?.contentType).toBe('');
    expect(responses[0]?.body).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: 'rollcall-declared-connectors',
      StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Rollcall/1',
      RequestId: 'request-1',
      LogicalResourceId: 'DeclaredConnectorsReconciliation',
      Data: { declared: '4', created: '4', updated: '0', unchanged: '0', released: '0', secretsCreated: '2' },
    });
    expect((await store.listDefinitions()).map((definition) => [definition.connectorId, definition.origin, definition.enabled, definition.secretArn])).toEqual([
      ['tg', 'declared', true, null],
      ['torq-brought', 'declared', true, 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:vault/torq-AbC123'],
      ['torq-has-secret', 'declared', true, null],
      ['torq-prod', 'declared', true, null],
    ]);
    expect(secretsAsked).toEqual([
      { connectorId: 'torq-prod', description: 'Rollcall connector torq-prod (torq): put JSON {"clientId": "...", "clientSecret": "..."}' },
      { connectorId: 'torq-has-secret', description: 'Rollcall connector torq-has-secret (torq): put JSON {"clientId": "...", "clientSecret": "..."}' },
      { connectorId: 'tg', description: 'Rollcall connector tg (twingate): put JSON {"apiKey": "..."}' },
    ]);
  });

  it('on Update: applies the new list and releases the connector dropped from it (disabled, handed to the CLI)', async () => {
    await handler(request('Update', [torq('torq-prod', { schedule: 'rate(2 hours)' }), torq('torq-has-secret'), torq('torq-brought', { secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:vault/torq-AbC123' })]));

    expect(responses[0]?.body).toMatchObject({ Status: 'SUCCESS', Data: { declared: '3', created: '0', updated: '1', unchanged: '2', released: '1' } });
    expect(await store.getDefinition('tg')).toMatchObject({ origin: 'added', enabled: false, nextDueAt: null });
    expect(await store.getDefinition('torq-prod')).toMatchObject({ schedule: 'rate(2 hours)', origin: 'declared' });
    expect(output.join('')).toContain('"releasedIds":["tg"]');
  });

  it('on Delete: keeps every definition and secret, and answers SUCCESS', async () => {
    await handler(request('Delete', [torq('torq-prod')]));

    expect(responses[0]?.body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'rollcall-declared-connectors' });
    expect(await store.listDefinitions()).toHaveLength(4);
    expect(secretsAsked).toEqual([]);
  });

  it('answers FAILED with a reason, never a value, and writes nothing, when the list cannot be read or a connector names an unknown app', async () => {
    const before = await store.listDefinitions();
    await handler(request('Update', 'not-gzip'));
    await handler(request('Update', [torq('ghost', { app: 'ghost-app', config: { token: 'sk-live-CANARY' } })]));

    expect(responses.map((response) => [response.body.Status, response.body.Reason])).toEqual([
      ['FAILED', 'declared connectors not reconciled: DeclaredConnectors: not gzipped JSON'],
      ['FAILED', expect.stringMatching(/^declared connectors not reconciled: unknown app: expected one of torq, twingate, scim/)],
    ]);
    expect(JSON.stringify(responses) + output.join('')).not.toContain('CANARY');
    expect(await store.listDefinitions()).toEqual(before);
  });
});
