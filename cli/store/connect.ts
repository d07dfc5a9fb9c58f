/**
 * How a `rollcall` command reaches the embedded store of a data dir: through the store server
 * named in the discovery file when one is serving, otherwise through one it starts (a detached
 * `rollcall store-server` child, the same Node and entry script as this process). Two commands
 * starting a server at once end with one: LevelDB's lock decides, and the loser's command attaches
 * to the winner.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { TransientError } from '../../functions/core/errors.ts';
import { storeProblemError } from './data-dir.ts';
import { processAlive, readDiscovery, SERVER_LOG_FILE, type StoreDiscovery } from './discovery.ts';
import { SESSION_PATH, STOP_PATH, type ServerReport } from './server.ts';

export interface StoreConnection {
  /** `http://127.0.0.1:<port>` of the store server. */
  readonly endpoint: string;
  /** Sign requests with this access key id; the server refuses any other. */
  readonly accessKeyId: string;
  readonly serverPid: number;
  /** Ends this process's attachment; with `stopServer`, the server stops once no command is attached. */
  detach(options?: { stopServer?: boolean }): Promise<void>;
}

export interface ConnectOptions {
  /** Whether the server may create a missing store (poll, demo) or must report it (the readers). */
  readonly create: boolean;
  /** The script that runs `rollcall` (default: see `defaultEntryScript`). */
  readonly entryScript?: string;
  /** How long to wait for a server, from start to attach. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Tries to start a server at most this often while another process holds the lock without serving. */
const RESPAWN_INTERVAL_MS = 1_000;
const POLL_INTERVAL_MS = 50;

export async function connectStore(dataDir: string, options: ConnectOptions): Promise<StoreConnection> {
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  let lastSpawnAt = 0;
  let lockedSince: number | null = null;
  for (;;) {
    const discovery = await readDiscovery(dataDir);
    // A stale file (its process gone, or not answering) is simply not used: the next server overwrites it.
    if (discovery !== null && processAlive(discovery.pid)) {
      const connection = await attach(discovery);
      if (connection !== null) return connection;
    }
    if (Date.now() > deadline) {
      if (lockedSince !== null) throw storeProblemError('locked', dataDir);
      throw new TransientError(`the embedded store server for ${dataDir} did not start in time (see ${join(dataDir, SERVER_LOG_FILE)})`);
    }
    if (Date.now() - lastSpawnAt >= RESPAWN_INTERVAL_MS) {
      const report = await startServer(dataDir, options, deadline);
      // Counted from the report: the server that won the lock gets its moment to write its discovery file.
      lastSpawnAt = Date.now();
      if ('ready' in report) {
        const connection = await attach(report.ready);
        if (connection !== null) return connection;
      } else if ('failed' in report) {
        throw storeProblemError(report.failed.problem, dataDir);
      } else {
        // The lock is held: by a server about to write its discovery file, one shutting down, or a
        // process that is no store server at all (then the deadline ends the wait with that hint).
        lockedSince ??= Date.now();
        if (Date.now() - lockedSince > LOCKED_WAIT_MS) throw storeProblemError('locked', dataDir);
      }
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

/** Long enough for a starting server to write its discovery file, or a stopping one to let go of the lock. */
const LOCKED_WAIT_MS = 10_000;

/**
 * This process's own entry script when it is the `rollcall` CLI (bin/rollcall.mjs, whether it
 * runs the sources or the bundle, or an installed `rollcall` link to it); the repository's bin
 * script when the runtime is used in-process, as by a test runner.
 */
function defaultEntryScript(): string {
  const invoked = process.argv[1];
  if (invoked !== undefined && /^rollcall(\.[cm]?js)?$/.test(basename(invoked))) return invoked;
  return fileURLToPath(new URL('../../bin/rollcall.mjs', import.meta.url));
}

/** Starts `rollcall store-server` detached and waits for its one-line report. */
function startServer(dataDir: string, options: ConnectOptions, deadline: number): Promise<ServerReport> {
  const entry = options.entryScript ?? defaultEntryScript();
  // Node flags (a loader, source maps) carry over only when the server runs this very script.
  const nodeArgs = entry === process.argv[1] ? process.execArgv : [];
  const child = spawn(
    process.execPath,
    [...nodeArgs, entry, 'store-server', '--data-dir', dataDir, ...(options.create ? ['--create'] : [])],
    { cwd: dataDir, detached: true, stdio: ['ignore', 'pipe', 'ignore'], env: serverEnvironment(process.env), windowsHide: true },
  );
  return new Promise<ServerReport>((resolve, reject) => {
    let output = '';
    const finish = (outcome: ServerReport | Error): void => {
      clearTimeout(timer);
      child.stdout.removeAllListeners();
      child.stdout.destroy();
      child.removeAllListeners();
      // The server lives on by itself; this process must not wait for it.
      child.unref();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const timer = setTimeout(() => {
      child.kill();
      finish(new TransientError(`the embedded store server for ${dataDir} did not start in time (see ${join(dataDir, SERVER_LOG_FILE)})`));
    }, Math.max(0, deadline - Date.now()));
    child.once('error', (error) => finish(new TransientError(`cannot start the embedded store server (${error.message})`)));
    child.once('exit', (code) =>
      finish(new TransientError(`the embedded store server for ${dataDir} exited (code ${code}) before serving (see ${join(dataDir, SERVER_LOG_FILE)})`)),
    );
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const newline = output.indexOf('\n');
      if (newline < 0) return;
      try {
        finish(JSON.parse(output.slice(0, newline)) as ServerReport);
      } catch {
        finish(new TransientError('the embedded store server answered something unexpected'));
      }
    });
  });
}

/** Credentials a poll was given have no business in a process that outlives it. */
const CREDENTIAL_VARIABLE = /(_CLIENT_ID|_CLIENT_SECRET|^AWS_SECRET_ACCESS_KEY|^AWS_SESSION_TOKEN|^AWS_ACCESS_KEY_ID)$/;

function serverEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !CREDENTIAL_VARIABLE.test(name)));
}

const ATTACH_TIMEOUT_MS = 5_000;

/** Opens the session that keeps the server serving while this process lives; null when the server is gone or not ours. */
function attach(discovery: StoreDiscovery): Promise<StoreConnection | null> {
  return new Promise((resolve) => {
    const sessionRequest = request({
      host: '127.0.0.1',
      port: discovery.port,
      path: SESSION_PATH,
      method: 'GET',
      agent: false,
      headers: { 'x-rollcall-key': discovery.accessKeyId },
      timeout: ATTACH_TIMEOUT_MS,
    });
    sessionRequest.once('timeout', () => sessionRequest.destroy());
    sessionRequest.once('error', () => resolve(null));
    sessionRequest.once('response', (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        sessionRequest.destroy();
        resolve(null);
        return;
      }
      // Held open for this process's life, without keeping it alive: when it ends, even killed,
      // the socket closes and the server counts one command fewer.
      sessionRequest.setTimeout(0);
      response.socket.unref();
      response.on('error', () => undefined);
      response.resume();
      const endpoint = `http://127.0.0.1:${discovery.port}`;
      resolve({
        endpoint,
        accessKeyId: discovery.accessKeyId,
        serverPid: discovery.pid,
        async detach(options = {}) {
          if (options.stopServer === true) await requestStop(discovery, 'idle').catch(() => undefined);
          sessionRequest.destroy();
        },
      });
    });
    sessionRequest.end();
  });
}

function requestStop(discovery: StoreDiscovery, when: 'now' | 'idle'): Promise<void> {
  return new Promise((resolve, reject) => {
    const stopRequest = request({
      host: '127.0.0.1',
      port: discovery.port,
      path: `${STOP_PATH}?when=${when}`,
      method: 'POST',
      agent: false,
      headers: { 'x-rollcall-key': discovery.accessKeyId },
      timeout: ATTACH_TIMEOUT_MS,
    });
    stopRequest.once('timeout', () => stopRequest.destroy(new Error('timed out')));
    stopRequest.once('error', reject);
    stopRequest.once('response', (response) => {
      response.resume();
      response.once('end', () => (response.statusCode === 202 ? resolve() : reject(new Error(`HTTP ${response.statusCode}`))));
    });
    stopRequest.end();
  });
}

export interface StopOutcome {
  /** The server's pid, when one was serving. */
  readonly pid: number | null;
}

/**
 * Stops the data dir's store server now (commands still attached lose the store) and waits until
 * its process has ended; a stale discovery file is left for the next server to replace.
 */
export async function stopStoreServer(dataDir: string, options: { timeoutMs?: number } = {}): Promise<StopOutcome> {
  const discovery = await readDiscovery(dataDir);
  if (discovery === null || !processAlive(discovery.pid)) return { pid: null };
  try {
    await requestStop(discovery, 'now');
  } catch {
    // Not answering: the signal below ends it all the same.
    try {
      process.kill(discovery.pid, 'SIGTERM');
    } catch {
      return { pid: null };
    }
  }
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  while (processAlive(discovery.pid)) {
    if (Date.now() > deadline) throw new TransientError(`the embedded store server (pid ${discovery.pid}) did not stop in time`);
    await sleep(POLL_INTERVAL_MS);
  }
  return { pid: discovery.pid };
}
