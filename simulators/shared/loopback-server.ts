/**
 * The HTTP shell every simulator runs in: a server on a loopback address (an OS-chosen port unless
 * one is asked for), answers delayed by a simulated latency that a closed connection cancels, and
 * a close that ends the delays, the server and its open connections at once.
 */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackServer {
  /** `http://HOST:PORT`, with an IPv6 host in brackets. */
  readonly origin: string;
  /** Runs `deliver` after `delayMs` (at once when 0 or less), unless the client went away meanwhile. */
  later(res: ServerResponse, delayMs: number, deliver: () => void): void;
  /** Idempotent: every call returns the same promise. */
  close(): Promise<void>;
}

export async function listenOnLoopback(listener: RequestListener, options: { host: string; port?: number }): Promise<LoopbackServer> {
  const { host } = options;
  const pending = new Set<NodeJS.Timeout>();
  const server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;
  return {
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    later(res, delayMs, deliver) {
      if (delayMs <= 0) {
        deliver();
        return;
      }
      const timer = setTimeout(() => {
        pending.delete(timer);
        deliver();
      }, delayMs);
      pending.add(timer);
      res.once('close', () => {
        clearTimeout(timer);
        pending.delete(timer);
      });
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const timer of pending) clearTimeout(timer);
        pending.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Reads a request body up to `limit` bytes; `null` when it is larger (the rest is drained unread). */
export function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= limit ? Buffer.concat(chunks).toString('utf8') : null));
    req.on('error', reject);
  });
}
