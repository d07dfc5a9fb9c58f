/**
 * The store server (README, "Local inventory"): one process per data dir holds the LevelDB lock
 * and serves dynalite on a loopback port to every `rollcall` process using that data dir, so a
 * query can run while a poll writes, and two polls meet at the connector's lease as they would on
 * a DynamoDB table. It serves while any command is attached, and stops after an idle period.
 */
import { appendFile, stat, truncate } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import {
  probeStoreDirectory,
  startEmbeddedDynamo,
  StoreOpenError,
  type EmbeddedDynamo,
  type StoreOpenProblem,
} from '../../functions/adapters/local-dynamodb.ts';
import {
  newAccessKeyId,
  removeDiscovery,
  SERVER_LOG_FILE,
  STORE_DIRECTORY,
  writeDiscovery,
  type StoreDiscovery,
} from './discovery.ts';

/** What the server tells the process that started it, as one JSON line on its stdout. */
export type ServerReport =
  | { readonly ready: StoreDiscovery }
  /** Another process holds the LevelDB lock (most often a store server that started a moment earlier). */
  | { readonly busy: true }
  | { readonly failed: { readonly problem: StoreOpenProblem } };

export const SESSION_PATH = '/rollcall/session';
export const STOP_PATH = '/rollcall/stop';

/** Default idle period before the server stops; `ROLLCALL_STORE_IDLE_MS` overrides it. */
const DEFAULT_IDLE_MS = 5 * 60 * 1000;
/** How long a new server waits for its first command, whatever the idle period. */
const FIRST_ATTACH_GRACE_MS = 30_000;
/** The log is cut back to nothing when it grows past this at a start. */
const LOG_LIMIT_BYTES = 256 * 1024;

export function idleMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.ROLLCALL_STORE_IDLE_MS;
  if (raw === undefined || raw.trim() === '') return DEFAULT_IDLE_MS;
  const value = Number(raw);
  return Number.isInteger(value) && value >= 0 ? value : DEFAULT_IDLE_MS;
}

export interface StoreServerOptions {
  readonly dataDir: string;
  /** Create the LevelDB store when missing (a poll); otherwise a missing store is reported. */
  readonly create: boolean;
  readonly idleMs: number;
  readonly report: (report: ServerReport) => void;
}

/** A client that went away in the middle of a request: dynalite throws this from a request listener. */
function isClientAbort(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ECONNRESET';
}

/** Serves until idle, stopped or signalled; resolves with the process exit code. */
export async function serveStore(options: StoreServerOptions): Promise<number> {
  const { dataDir } = options;
  const log = createServerLog(dataDir);
  const storeDir = join(dataDir, STORE_DIRECTORY);

  try {
    await probeStoreDirectory(storeDir, { create: options.create });
  } catch (error) {
    const problem = error instanceof StoreOpenError ? error.problem : 'other';
    if (problem === 'locked') {
      await log('not started: another process holds the store lock');
      options.report({ busy: true });
      return 0;
    }
    await log(`not started: ${problem} (${error instanceof Error && error.cause instanceof Error ? error.cause.message : 'unknown'})`);
    options.report({ failed: { problem } });
    return 2;
  }

  const accessKeyId = newAccessKeyId();
  const sessions = new Set<ServerResponse>();
  let inFlight = 0;
  let closing = false;
  let stopWhenIdle = false;
  let attachedOnce = false;
  let idleTimer: NodeJS.Timeout | undefined;
  let finished: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finished = resolve));
  let embedded: EmbeddedDynamo | undefined;
  let serving = false;
  let failBeforeServing: (error: unknown) => void = () => undefined;
  const failedBeforeServing = new Promise<never>((_, reject) => (failBeforeServing = reject));
  failedBeforeServing.catch(() => undefined);
  // dynalite throws from its request listeners: when a client goes away mid-request (harmless
  // here), and when LevelDB is not open. Before serving, that means the store is not ours; after,
  // the server stops rather than serve from a store in an unknown state.
  process.on('uncaughtException', (error) => {
    if (isClientAbort(error)) return;
    if (!serving) {
      failBeforeServing(error);
      return;
    }
    void log(`stopping after an unexpected failure: ${error.message}`);
    void shutdown('unexpected failure', 1);
  });

  const settle = (): void => {
    clearTimeout(idleTimer);
    if (closing || sessions.size > 0 || inFlight > 0) return;
    if (stopWhenIdle) {
      void shutdown('stop requested, last command detached');
      return;
    }
    // Until a first command has attached, the one that started this server is still on its way.
    const waitMs = attachedOnce ? options.idleMs : Math.max(options.idleMs, FIRST_ATTACH_GRACE_MS);
    idleTimer = setTimeout(() => void shutdown(`idle for ${waitMs} ms`), waitMs);
  };

  const shutdown = async (why: string, code = 0): Promise<void> => {
    if (closing) return;
    closing = true;
    clearTimeout(idleTimer);
    // New commands stop finding this server before it stops answering; they start the next one.
    await removeDiscovery(dataDir, process.pid).catch(() => undefined);
    for (const session of sessions) session.destroy();
    try {
      await embedded?.close();
    } catch (error) {
      await log(`error while closing: ${error instanceof Error ? error.message : 'unknown'}`);
      code = code || 1;
    }
    await log(`stopped: ${why}`);
    finished(code);
  };

  const intercept = (request: IncomingMessage, response: ServerResponse): boolean => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === SESSION_PATH && request.method === 'GET') {
      if (closing) {
        response.writeHead(503).end();
        return true;
      }
      sessions.add(response);
      attachedOnce = true;
      clearTimeout(idleTimer);
      response.once('close', () => {
        sessions.delete(response);
        settle();
      });
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write(`${process.pid}\n`);
      return true;
    }
    if (path === STOP_PATH && request.method === 'POST') {
      const whenIdle = new URL(request.url ?? '/', 'http://store.invalid').searchParams.get('when') === 'idle';
      response.writeHead(202).end();
      if (whenIdle) {
        stopWhenIdle = true;
        response.once('close', settle);
      } else {
        response.once('close', () => void shutdown('stop requested'));
      }
      return true;
    }
    inFlight += 1;
    clearTimeout(idleTimer);
    response.once('close', () => {
      inFlight -= 1;
      settle();
    });
    return false;
  };

  try {
    embedded = await startEmbeddedDynamo({ dataDir: storeDir, accessKeyId, intercept });
    // dynalite opens LevelDB lazily; a process that took the lock between the probe and now would
    // make every request fail, so one request proves the store is really ours.
    await Promise.race([verifyStore(embedded.endpoint, accessKeyId), failedBeforeServing]);
  } catch {
    // Not closed: dynalite's close waits on a database that never opened; the process ends instead.
    await log('not started: lost the store lock to another process');
    options.report({ busy: true });
    return 0;
  }

  const discovery: StoreDiscovery = { pid: process.pid, port: embedded.port, accessKeyId, startedAt: new Date().toISOString() };
  await writeDiscovery(dataDir, discovery);
  serving = true;
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  await log(`serving ${storeDir} on 127.0.0.1:${embedded.port} (idle stop after ${options.idleMs} ms)`);
  options.report({ ready: discovery });
  settle();
  return done;
}

async function verifyStore(endpoint: string, accessKeyId: string): Promise<void> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.ListTables',
      'x-amz-date': '20260101T000000Z',
      authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: '{}',
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`store check answered HTTP ${response.status}`);
}

/** Appends timestamped lines to the server log; a log that cannot be written is not a reason to fail. */
function createServerLog(dataDir: string): (line: string) => Promise<void> {
  const path = join(dataDir, SERVER_LOG_FILE);
  let checked = false;
  return async (line) => {
    try {
      if (!checked) {
        checked = true;
        if (((await stat(path).catch(() => null))?.size ?? 0) > LOG_LIMIT_BYTES) await truncate(path, 0);
      }
      await appendFile(path, `${new Date().toISOString()} pid ${process.pid} ${line}\n`, { mode: 0o600 });
    } catch {
      // The log is a convenience; the store works without it.
    }
  };
}
