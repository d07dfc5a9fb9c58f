/**
 * The embedded store: dynalite (DynamoDB's API over LevelDB) on a loopback port, so the CLI and the
 * demo run the same DynamoDB adapter as Lambda without AWS, Java or Docker.
 */
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';

interface DynaliteOptions {
  readonly path?: string;
  readonly createTableMs?: number;
  readonly deleteTableMs?: number;
  readonly updateTableMs?: number;
}

// dynalite is CommonJS and ships no type declarations; this types the one function we call.
const dynalite = createRequire(import.meta.url)('dynalite') as (options: DynaliteOptions) => Server;

export interface EmbeddedDynamoOptions {
  /** Directory of the LevelDB files (created if missing); in-memory when undefined. */
  readonly dataDir?: string;
}

export interface EmbeddedDynamo {
  /** `http://127.0.0.1:<port>`, for `createDynamoClients({ endpoint })`. */
  readonly endpoint: string;
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
