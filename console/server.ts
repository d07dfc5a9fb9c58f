/**
 * `rollcall serve`'s HTTP server: the console app (app.tsx) on @hono/node-server, bound to
 * loopback unless the caller allows a remote address. The port is the OS's choice with port 0;
 * the guard learns it once the server listens.
 */
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import { isLoopbackHost } from '../functions/core/loopback.ts';
import type { ConsoleReader } from '../functions/core/read-model.ts';
import { createConsoleApp } from './app.tsx';
import { loadAssets, type Assets } from './assets.ts';
import { createToken, TOKEN_PARAMETER } from './guard.ts';

export const DEFAULT_CONSOLE_HOST = '127.0.0.1';

export interface ConsoleOptions {
  readonly reader: ConsoleReader;
  /** Default 127.0.0.1. Any other address than loopback needs `allowRemote`. */
  readonly host?: string;
  /** Default 0: a port the OS chooses. */
  readonly port?: number;
  readonly allowRemote?: boolean;
  /** Shown in the page header: where the inventory is read from. */
  readonly source: string;
  /** Default: a new random token. */
  readonly token?: string;
  readonly assets?: Assets;
}

export interface RunningConsole {
  /** The URL to open, with the token. */
  readonly url: string;
  /** The same without the token (for messages that are logged). */
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  /** Bound to an address other than loopback. */
  readonly remote: boolean;
  close(): Promise<void>;
}

/** A host that is not loopback, asked for without `allowRemote`. */
export class RemoteBindingError extends Error {
  constructor() {
    super('binding the console to an address other than loopback needs --allow-remote');
    this.name = 'RemoteBindingError';
  }
}

/** Whether binding to `host` makes the console reachable from other machines (anything but loopback). */
export function isRemoteHost(host: string): boolean {
  return !isLoopbackHost(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
}

export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const host = options.host ?? DEFAULT_CONSOLE_HOST;
  const remote = isRemoteHost(host);
  if (remote && options.allowRemote !== true) throw new RemoteBindingError();
  const token = options.token ?? createToken();
  const assets = options.assets ?? loadAssets();

  let app: Hono | null = null;
  const server = createAdaptorServer({
    fetch: (request, env) => (app === null ? new Response('starting', { status: 503 }) : app.fetch(request, env)),
    hostname: host,
    port: options.port ?? 0,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  app = createConsoleApp({ reader: options.reader, token, hosts: { boundHost: urlHost, port, remote }, assets, source: options.source });
  const origin = `http://${urlHost}:${port}`;
  return {
    url: `${origin}/?${TOKEN_PARAMETER}=${token}`,
    origin,
    port,
    token,
    remote,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
