/**
 * A laptop poll of a deployed inventory never bypasses the deployment's event bus: without
 * `--event-bus` (or an explicit `--local-events`) it is refused before anything is opened; with
 * it, every event goes to EventBridge PutEvents (here a loopback stand-in speaking the AWS JSON
 * protocol, reached through the SDK's standard AWS_ENDPOINT_URL_EVENTBRIDGE) and none to the file.
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, vi } from 'vitest';
import { startEmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
import { generateWorkspace } from '../../simulators/torq/index.ts';
import { CHILD_PROCESS_TIMEOUTS, TEST_CREDENTIALS, createTestbed, credentialsEnv, parsePollJson, pollArgs, runCli } from './support.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
afterAll(() => bed.cleanup());

interface PutEntry {
  EventBusName: string;
  Source: string;
  DetailType: string;
  Detail: string;
}

/** What the stand-in received: one array of entries per PutEvents request. */
const requests: PutEntry[][] = [];
let eventBridgeUrl: string;

function answer(request: IncomingMessage, response: ServerResponse): void {
  let body = '';
  request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
  request.on('end', () => {
    if (request.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ __type: 'UnknownOperationException' }));
      return;
    }
    const { Entries } = JSON.parse(body) as { Entries: PutEntry[] };
    requests.push(Entries);
    response
      .writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
      .end(JSON.stringify({ FailedEntryCount: 0, Entries: Entries.map((_, index) => ({ EventId: `e-${requests.length}-${index}` })) }));
  });
}

const AWS_ENV = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDLOOPBACKTEST',
  AWS_SECRET_ACCESS_KEY: 'loopback-test-secret',
  AWS_PROFILE: undefined,
  AWS_CONFIG_FILE: '/nonexistent',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
};

let endpoint: string;

beforeAll(async () => {
  const server: Server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  eventBridgeUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  bed.onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const dynamo = await startEmbeddedDynamo();
  bed.onCleanup(() => dynamo.close());
  endpoint = dynamo.endpoint;
});

describe.concurrent('poll --table and the event bus', () => {
  it('refuses a deployed --table without --event-bus or --local-events, before opening anything', async ({ expect }) => {
    const dataDir = await bed.tempDir();
    const run = await runCli(
      ['poll', '--connector', 'laptop', '--table', 'RollcallStack-InventoryTable', '--data-dir', dataDir],
      { ...credentialsEnv(TEST_CREDENTIALS), ...AWS_ENV },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^rollcall: --table RollcallStack-InventoryTable is a deployed inventory whose subscribers read its event bus: pass --event-bus NAME/);
    expect(run.stderr).toContain('or --local-events to append the events to');
    expect(existsSync(join(dataDir, 'events.jsonl'))).toBe(false);
  });

  it('refuses --event-bus together with --local-events', async ({ expect }) => {
    const run = await runCli(['poll', '--connector', 'laptop', '--table', 'T-table', '--event-bus', 'bus', '--local-events'], AWS_ENV);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--event-bus and --local-events exclude each other');
  });

  it('publishes every event to the named bus with --event-bus, and none to the local file', async ({ expect }) => {
    const simulator = await bed.simulator({ workspace: generateWorkspace({ users: 25, seed: 41 }) });
    const dataDir = await bed.tempDir();
    const run = await runCli(
      [...pollArgs(simulator, dataDir, 'to-bus', '--json', '--event-bus', 'rollcall-test-bus'), '--table', 'rollcall-bus', '--endpoint', endpoint],
      { ...credentialsEnv(TEST_CREDENTIALS), ...AWS_ENV, AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridgeUrl },
    );
    expect(run.code).toBe(0);
    const result = parsePollJson(run);
    const entries = requests.flat();
    expect(entries).toHaveLength(result.events as number);
    // 25 new people: one UserDiscovered and one AppAssociationDiscovered each, and the SyncCompleted.
    expect(entries).toHaveLength(2 * 25 + 1);
    expect(new Set(entries.map((entry) => entry.EventBusName))).toEqual(new Set(['rollcall-test-bus']));
    expect(new Set(entries.map((entry) => entry.Source))).toEqual(new Set(['rollcall']));
    expect(entries.filter((entry) => entry.DetailType === 'SyncCompleted')).toHaveLength(1);
    // PutEvents takes at most 10 entries a request.
    expect(Math.max(...requests.map((batch) => batch.length))).toBeLessThanOrEqual(10);
    expect(existsSync(join(dataDir, 'events.jsonl'))).toBe(false);
  });
});
