/**
 * The embedded store: dynalite (DynamoDB's API over LevelDB) on a loopback port, so the CLI and the
 * demo run the same DynamoDB adapter as Lambda without AWS, Java or Docker.
 */
import { mkdir } from 'node:fs/promises';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';

interface DynaliteOptions {
  readonly path?: string;
  readonly createTableMs?: number;
  readonly deleteTableMs?: number;
  readonly updateTableMs?: number;
}

/** The part of `level`'s LevelDB class the probe uses. */
interface LevelDatabase {
  open(): Promise<void>;
  close(): Promise<void>;
}
type LevelConstructor = new (location: string, options: { createIfMissing: boolean }) => LevelDatabase;

const requireHere = createRequire(import.meta.url);
// dynalite is CommonJS and ships no type declarations; this types the one function we call.
const dynalite = requireHere('dynalite') as (options: DynaliteOptions) => Server;
// The LevelDB binding dynalite itself opens, resolved from dynalite's own location.
const { Level } = createRequire(requireHere.resolve('dynalite'))('level') as { Level: LevelConstructor };

export interface EmbeddedDynamoOptions {
  /** Directory of the LevelDB files (created if missing); in-memory when undefined. */
  readonly dataDir?: string;
  /**
   * When set, only requests signed with this access key id are served; others get a 403 the SDK
   * reports as `UnrecognizedClientException`. Any local user can reach a loopback port: this keeps
   * them from reading the inventory through it.
   */
  readonly accessKeyId?: string;
  /** Sees every authorised request first; returns true when it answered it (dynalite never sees it). */
  readonly intercept?: (request: IncomingMessage, response: ServerResponse) => boolean;
}

export interface EmbeddedDynamo {
  /** `http://127.0.0.1:<port>`, for `createDynamoClients({ endpoint })`. */
  readonly endpoint: string;
  readonly port: number;
  /** Stops the server and closes LevelDB (releasing its lock, so the directory can be reopened). */
  close(): Promise<void>;
}

export async function startEmbeddedDynamo(options: EmbeddedDynamoOptions = {}): Promise<EmbeddedDynamo> {
  if (options.dataDir !== undefined) await mkdir(options.dataDir, { recursive: true });
  const server = dynalite({
    ...(options.dataDir !== undefined ? { path: options.dataDir } : {}),
    // Tables are usable at once: nothing on a laptop is provisioned in the background.
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  if (options.accessKeyId !== undefined || options.intercept !== undefined) {
    guardRequests(server, options.accessKeyId, options.intercept);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | null = null;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error?: Error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets of clients that are done would otherwise hold the server open.
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

/** Puts the access-key check and `intercept` in front of dynalite's own request handler. */
function guardRequests(
  server: Server,
  accessKeyId: string | undefined,
  intercept: EmbeddedDynamoOptions['intercept'],
): void {
  const handlers = server.listeners('request') as ((request: IncomingMessage, response: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (accessKeyId !== undefined && !presentsKey(request, accessKeyId)) {
      const body = JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#UnrecognizedClientException',
        message: 'The security token included in the request is invalid.',
      });
      response.writeHead(403, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(body) });
      response.end(body);
      return;
    }
    if (intercept?.(request, response) === true) return;
    for (const handler of handlers) handler(request, response);
  });
}

/** The access key id of a SigV4 `Authorization` header, or the `x-rollcall-key` header of the store server's own routes. */
export function requestAccessKey(request: IncomingMessage): string | null {
  const own = request.headers['x-rollcall-key'];
  if (typeof own === 'string') return own;
  const match = /Credential=([^/,\s]+)\//.exec(request.headers.authorization ?? '');
  return match?.[1] ?? null;
}

function presentsKey(request: IncomingMessage, accessKeyId: string): boolean {
  const presented = requestAccessKey(request);
  if (presented === null) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(accessKeyId);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Why a LevelDB directory cannot be opened, in words a user can act on. */
export type StoreOpenProblem = 'missing' | 'locked' | 'permission' | 'read-only' | 'not-a-directory' | 'other';

export class StoreOpenError extends Error {
  constructor(
    readonly problem: StoreOpenProblem,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'StoreOpenError';
  }
}

/**
 * Opens and closes the LevelDB directory once, to learn why it cannot be opened before dynalite
 * tries (dynalite opens lazily and then fails every request with "Database is not open", the cause
 * lost). `create: false` refuses to create a missing store.
 */
export async function probeStoreDirectory(path: string, options: { create: boolean }): Promise<void> {
  const database = new Level(path, { createIfMissing: options.create });
  try {
    await database.open();
  } catch (error) {
    throw new StoreOpenError(classifyOpenFailure(error), `cannot open LevelDB at ${path}`, { cause: error });
  }
  await database.close();
}

function classifyOpenFailure(error: unknown): StoreOpenProblem {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : '';
  const message = typeof cause?.message === 'string' ? cause.message : '';
  if (code === 'LEVEL_LOCKED' || /\block\b.*(temporarily unavailable|already held)/i.test(message)) return 'locked';
  if (/does not exist/.test(message)) return 'missing';
  if (code === 'EROFS' || /read-only file system/i.test(message)) return 'read-only';
  if (code === 'EACCES' || code === 'EPERM' || /permission denied/i.test(message)) return 'permission';
  if (code === 'ENOTDIR' || code === 'EEXIST' || /not a directory/i.test(message)) return 'not-a-directory';
  return 'other';
}
