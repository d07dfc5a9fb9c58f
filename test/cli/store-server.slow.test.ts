/**
 * The store server's start-up under stress (README, "Local inventory"): a discovery file left by a
 * killed server or naming some other live process is replaced; commands racing to start a server
 * end with one; a store locked by a process that is no store server gets that hint. Slow: each
 * case starts several Node processes, and the last one waits out the lock on purpose.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectStore } from '../../cli/store/connect.ts';
import { DISCOVERY_FILE, processAlive, readDiscovery, SERVER_LOG_FILE } from '../../cli/store/discovery.ts';
import { createDynamoClients } from '../../functions/adapters/dynamodb/client.ts';
import { startEmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
import { generateWorkspace } from '../../simulators/torq/index.ts';
import {
  CHILD_PROCESS_TIMEOUTS,
  TEST_CREDENTIALS,
  createTestbed,
  credentialsEnv,
  parseJsonArray,
  pollArgs,
  runCli,
} from './support.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
afterEach(() => bed.cleanup());

const env = credentialsEnv(TEST_CREDENTIALS);

async function serverLog(dataDir: string): Promise<string[]> {
  return (await readFile(join(dataDir, SERVER_LOG_FILE), 'utf8')).split('\n').filter(Boolean);
}

const servingLines = (lines: readonly string[]) => lines.filter((line) => / serving /.test(line));

describe('the store server of a data dir', () => {
  it('is replaced when its discovery file is stale, and is started once by commands racing to start it', async () => {
    const simulator = await bed.simulator({ workspace: generateWorkspace({ users: 20, seed: 5 }) });
    const dataDir = await bed.tempDir();
    expect((await runCli(pollArgs(simulator, dataDir, 'torq-s', '--json'), env)).code).toBe(0);
    const first = await readDiscovery(dataDir);
    if (first === null) throw new Error('no discovery file after a poll');

    // The server dies without cleaning up: its discovery file stays, naming a dead process.
    process.kill(first.pid, 'SIGKILL');
    await vi.waitFor(() => expect(processAlive(first.pid)).toBe(false), { timeout: 10_000, interval: 50 });
    const afterCrash = await runCli(['connectors', '--data-dir', dataDir, '--format', 'json']);
    expect({ code: afterCrash.code, stderr: afterCrash.stderr }).toEqual({ code: 0, stderr: '' });
    const second = await readDiscovery(dataDir);
    expect(second?.pid).not.toBe(first.pid);

    // A discovery file naming a live process that serves nothing there (this test's own pid, a port nobody answers on).
    await runCli(['store-server', '--stop', '--data-dir', dataDir]);
    await writeFile(
      join(dataDir, DISCOVERY_FILE),
      JSON.stringify({ pid: process.pid, port: 9, accessKeyId: 'RCNOTAKEY0000000', startedAt: new Date().toISOString() }),
    );
    const racers = await Promise.all(
      Array.from({ length: 4 }, () => runCli(['users', '--data-dir', dataDir, '--connector', 'torq-s', '--format', 'json'])),
    );
    for (const run of racers) {
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      expect(parseJsonArray(run)).toHaveLength(20);
    }
    const log = await serverLog(dataDir);
    // The first poll's server, the one after the crash, and exactly one for the four racers.
    expect(servingLines(log)).toHaveLength(3);
    const third = await readDiscovery(dataDir);
    expect(third?.pid).not.toBe(process.pid);
    expect(processAlive(third?.pid ?? 0)).toBe(true);
  });

  it('keeps serving when a command goes away in the middle of a request', async () => {
    const dataDir = await bed.tempDir();
    const connection = await connectStore(dataDir, { create: true });
    bed.onCleanup(() => connection.detach());
    const port = Number(new URL(connection.endpoint).port);

    // A request whose body never arrives in full, its connection then reset: a command killed mid-write.
    for (let attempt = 0; attempt < 3; attempt++) {
      await new Promise<void>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(
            'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.0\r\n' +
              'X-Amz-Target: DynamoDB_20120810.ListTables\r\nX-Amz-Date: 20260101T000000Z\r\n' +
              `Authorization: AWS4-HMAC-SHA256 Credential=${connection.accessKeyId}/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0\r\n` +
              'Content-Length: 100\r\n\r\n{"Limit":',
            () => {
              socket.resetAndDestroy();
              resolve();
            },
          );
        });
        socket.once('error', reject);
      });
    }

    const clients = createDynamoClients({ endpoint: connection.endpoint, accessKeyId: connection.accessKeyId });
    try {
      expect(await clients.client.send(new ListTablesCommand({}))).toMatchObject({ TableNames: [] });
    } finally {
      clients.client.destroy();
    }
    expect(processAlive(connection.serverPid)).toBe(true);
    expect((await serverLog(dataDir)).filter((line) => /stopp/.test(line))).toEqual([]);
  });

  it('is not started on a store another kind of process holds: the command says the store is locked', async () => {
    const dataDir = await bed.tempDir();
    const holder = await startEmbeddedDynamo({ dataDir: join(dataDir, 'dynamodb') });
    const clients = createDynamoClients({ endpoint: holder.endpoint });
    bed.onCleanup(async () => {
      clients.client.destroy();
      await holder.close();
    });
    // dynalite opens (and locks) LevelDB on first use.
    await clients.client.send(new ListTablesCommand({}));

    const run = await runCli(['connectors', '--data-dir', dataDir]);

    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
    expect(run.stderr).toBe(
      `rollcall: the embedded store at ${dataDir} is locked by a process that is not a rollcall store server (an older rollcall?); end it, then try again\n`,
    );
    expect(servingLines(await serverLog(dataDir))).toEqual([]);
  });
});
