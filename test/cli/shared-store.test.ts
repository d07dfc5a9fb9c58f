/**
 * Many `rollcall` processes on one data dir (README, "Local inventory"): while a poll runs, queries
 * answer, a poll of another connector completes, a second poll of the same connector meets the
 * lease (exit 4) and `reconnect` waits for the poll, all through one store server, which stops
 * when told to or once idle. Stale discovery files and racing starts: store-server.slow.test.ts.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { processAlive, readDiscovery, SERVER_LOG_FILE } from '../../cli/store/discovery.ts';
import { generateWorkspace, type TorqSimulator } from '../../simulators/torq/index.ts';
import {
  CHILD_PROCESS_TIMEOUTS,
  TEST_CREDENTIALS,
  createTestbed,
  credentialsEnv,
  parseJsonArray,
  parsePollJson,
  pollArgs,
  runCli,
} from './support.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
afterEach(() => bed.cleanup());

const env = credentialsEnv(TEST_CREDENTIALS);

/**
 * A loopback proxy in front of a simulator that holds every data call until `release()` (token
 * requests pass): a poll through it holds its lease for exactly as long as the test wants.
 */
interface Gate {
  readonly apiUrl: string;
  readonly authUrl: string;
  /** Resolves once a data call is being held. */
  readonly holding: Promise<void>;
  release(): void;
}

async function startGate(simulator: TorqSimulator): Promise<Gate> {
  const upstream = new URL(simulator.apiUrl);
  let open = false;
  const held: (() => void)[] = [];
  let signalHolding: () => void = () => undefined;
  const holding = new Promise<void>((resolve) => (signalHolding = resolve));
  const forward = (req: IncomingMessage, res: ServerResponse) => () => {
    const proxied = request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    proxied.once('error', () => res.destroy());
    req.pipe(proxied);
  };
  const server: Server = createServer((req, res) => {
    const send = forward(req, res);
    if (open || !(req.url ?? '').startsWith('/public/')) {
      send();
      return;
    }
    held.push(send);
    signalHolding();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  bed.onCleanup(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const origin = `http://127.0.0.1:${port}`;
  return {
    apiUrl: `${origin}${upstream.pathname}`,
    authUrl: `${origin}${new URL(simulator.authUrl).pathname}`,
    holding,
    release() {
      open = true;
      for (const send of held.splice(0)) send();
    },
  };
}

function gatedPollArgs(gate: Gate, dataDir: string, connectorId: string): string[] {
  return ['poll', '--connector', connectorId, '--api-url', gate.apiUrl, '--auth-url', gate.authUrl, '--data-dir', dataDir, '--json'];
}

async function serverLog(dataDir: string): Promise<string[]> {
  return (await readFile(join(dataDir, SERVER_LOG_FILE), 'utf8')).split('\n').filter(Boolean);
}

const servingLines = (lines: readonly string[]) => lines.filter((line) => / serving /.test(line));

describe('many rollcall processes on one data dir', () => {
  // Three rounds of Node start-ups, the middle one five processes wide: allow for a busy machine.
  it('answer queries, poll another connector and refuse a second poll of the running one', { timeout: 120_000 }, async () => {
    const simulatorA = await bed.simulator({ workspace: generateWorkspace({ users: 120, seed: 3 }) });
    const simulatorB = await bed.simulator({ workspace: generateWorkspace({ users: 30, seed: 4 }) });
    const gate = await startGate(simulatorA);
    const dataDir = await bed.tempDir();

    const running = bed.startCli(gatedPollArgs(gate, dataDir, 'torq-a'), env);
    await gate.holding;
    const [users, connectors, samePoll, otherPoll, reconnect] = await Promise.all([
      runCli(['users', '--data-dir', dataDir, '--format', 'json']),
      runCli(['connectors', '--data-dir', dataDir, '--format', 'json']),
      runCli(gatedPollArgs(gate, dataDir, 'torq-a'), env),
      runCli(pollArgs(simulatorB, dataDir, 'torq-b', '--json'), env),
      runCli(['reconnect', '--connector', 'torq-a', '--data-dir', dataDir]),
    ]);
    gate.release();
    const first = await running.exited;

    expect({ code: users.code, stderr: users.stderr }).toEqual({ code: 0, stderr: '' });
    expect(Array.isArray(parseJsonArray(users))).toBe(true);
    expect({ code: connectors.code, stderr: connectors.stderr }).toEqual({ code: 0, stderr: '' });
    expect(parseJsonArray<{ connectorId: string; status: string }>(connectors)).toContainEqual(
      expect.objectContaining({ connectorId: 'torq-a', status: 'SYNCING' }),
    );
    expect(samePoll.code).toBe(4);
    expect(parsePollJson(samePoll)).toMatchObject({ connectorId: 'torq-a', outcome: 'busy' });
    expect(otherPoll.code).toBe(0);
    expect(parsePollJson(otherPoll)).toMatchObject({ connectorId: 'torq-b', outcome: 'completed', counts: { total: 30 } });
    expect(reconnect.code).toBe(4);
    expect(reconnect.stderr).toMatch(/being synced by another poll \(run .*, pid \d+ on host .*\); .*run reconnect again when it has finished/);
    expect(first.code).toBe(0);
    expect(parsePollJson(first)).toMatchObject({ connectorId: 'torq-a', outcome: 'completed', counts: { total: 120 } });

    const after = await runCli(['users', '--data-dir', dataDir, '--format', 'json']);
    expect(parseJsonArray(after)).toHaveLength(150);
    // One server served every one of them.
    const log = await serverLog(dataDir);
    expect(servingLines(log)).toHaveLength(1);
    expect(log.filter((line) => /not started/.test(line))).toEqual([]);

    const discovery = await readDiscovery(dataDir);
    expect(discovery).not.toBeNull();
    // The port is on loopback, where any local user can reach it: without the key it serves nothing.
    const stranger = await fetch(`http://127.0.0.1:${discovery?.port}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.Scan',
        authorization: 'AWS4-HMAC-SHA256 Credential=AKIASTRANGER/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: JSON.stringify({ TableName: 'rollcall-inventory' }),
    });
    expect(stranger.status).toBe(403);
    expect(await stranger.text()).not.toMatch(/@/);
    // The server outlives the polls that started it: it does not keep their credentials.
    if (process.platform === 'linux') {
      const environ = await readFile(`/proc/${discovery?.pid}/environ`, 'utf8');
      expect(environ).toContain('ROLLCALL_STORE_IDLE_MS=');
      expect(environ).not.toContain(TEST_CREDENTIALS.clientSecret);
    }
    const stop = await runCli(['store-server', '--stop', '--data-dir', dataDir]);
    expect(stop).toMatchObject({ code: 0, stdout: `stopped the store server of ${dataDir} (pid ${discovery?.pid})\n` });
    expect(processAlive(discovery?.pid ?? 0)).toBe(false);
    expect(await readDiscovery(dataDir)).toBeNull();
  });

  it('leave no server behind once idle', async () => {
    const simulator = await bed.simulator({ workspace: generateWorkspace({ users: 5, seed: 6 }) });
    const dataDir = await bed.tempDir();
    const poll = await runCli(pollArgs(simulator, dataDir, 'torq-idle', '--json'), { ...env, ROLLCALL_STORE_IDLE_MS: '0' });
    expect(poll.code).toBe(0);

    const [serving] = servingLines(await serverLog(dataDir));
    const pid = Number(/pid (\d+)/.exec(serving ?? '')?.[1]);
    await vi.waitFor(() => expect(processAlive(pid)).toBe(false), { timeout: 10_000, interval: 50 });
    expect(await readDiscovery(dataDir)).toBeNull();
    expect((await serverLog(dataDir)).at(-1)).toMatch(/stopped: idle for 0 ms/);
  });
});
