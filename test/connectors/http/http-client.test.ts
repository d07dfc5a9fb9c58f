import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ContractError, TransientError } from '../../../functions/core/errors.ts';
import {
  createHttpClient,
  HttpRedirectError,
  retryAfterSeconds,
  sanitizedCause,
  type HttpClientOptions,
} from '../../../functions/connectors/http/http-client.ts';
import { rejectionOf } from '../../support/rejection.ts';
import { selfSignedCertificate } from '../torq/self-signed-cert.ts';

// A real collection, as in a long poll: the abort signal once stopped reaching the body read after one.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

interface Loopback {
  /** `http(s)://127.0.0.1:<port>` */
  readonly origin: string;
  readonly host: string;
  /** Requests received so far. */
  readonly requests: IncomingMessage[];
  close(): Promise<void>;
}

const servers: Loopback[] = [];

async function serve(handler: Handler, tls?: { key: string; cert: string }): Promise<Loopback> {
  const requests: IncomingMessage[] = [];
  const server = tls ? createHttpsServer(tls) : createHttpServer();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    requests.push(request);
    handler(request, response);
  });
  // A TLS client that refuses the certificate resets the handshake; that is the test's point, not a server failure.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const loopback: Loopback = {
    origin: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  servers.push(loopback);
  return loopback;
}

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Lets real I/O proceed (setImmediate is never faked here) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 20_000; turn++) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error('condition not reached');
}

/** Several full collections, each after the current job, so weakly held objects really go. */
async function collectAllGarbage(): Promise<void> {
  for (let round = 0; round < 4; round++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    collectGarbage();
  }
}

/** Settles to the call's failure, or to `null` while it is pending. */
function track(promise: Promise<unknown>): { readonly error: Error | null; readonly settled: boolean } {
  const state = { error: null as Error | null, settled: false };
  promise.then(
    () => {
      state.settled = true;
    },
    (error: unknown) => {
      state.error = error instanceof Error ? error : new Error('non-Error');
      state.settled = true;
    },
  );
  return state;
}

function client(options: HttpClientOptions = {}) {
  return createHttpClient({ retry: { limit: 0, backoffLimitMs: 0 }, ...options });
}

function closedConnection(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => response.on('close', () => resolve()));
}

describe('the per-attempt deadline bounds the whole exchange', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });

  it('ends a body trickled one byte at a time, after garbage collection too, and closes the connection', async () => {
    let bytesSent = 0;
    let closed: Promise<void> = Promise.resolve();
    const server = await serve((_request, response) => {
      closed = closedConnection(response);
      response.writeHead(200, { 'content-type': 'application/json' });
      // Real time (setInterval is not faked): a byte every few milliseconds, forever.
      const tick = setInterval(() => {
        response.write(' ');
        bytesSent += 1;
      }, 2);
      response.on('close', () => clearInterval(tick));
    });
    const call = track(client({ timeoutMs: 1_000 }).send({ method: 'GET', url: `${server.origin}/users`, label: 'GET /users' }));

    await until(() => bytesSent >= 3);
    await collectAllGarbage();
    const sentAfterCollection = bytesSent;
    await until(() => bytesSent >= sentAfterCollection + 3);
    expect(call.settled).toBe(false);
    vi.advanceTimersByTime(1_000);
    await until(() => call.settled);

    expect(call.error).toBeInstanceOf(TransientError);
    expect(call.error?.message).toBe(`GET /users to ${server.host} failed: timed out reading the body (1000 ms per attempt) after 1 attempt`);
    expect(call.error?.cause).toMatchObject({ name: 'TimeoutError', message: 'timed out' });
    await closed;
  });

  it('ends a body that stalls after the headers, after garbage collection too', async () => {
    let closed: Promise<void> = Promise.resolve();
    const server = await serve((_request, response) => {
      closed = closedConnection(response);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"users": [');
    });
    let headersIn = false;
    const call = track(
      client({
        timeoutMs: 5_000,
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          headersIn = true;
          return response;
        },
      }).send({ method: 'GET', url: `${server.origin}/users`, label: 'GET /users (stream local)' }),
    );

    await until(() => headersIn);
    await collectAllGarbage();
    vi.advanceTimersByTime(4_999);
    await collectAllGarbage();
    expect(call.settled).toBe(false);
    vi.advanceTimersByTime(1);
    await until(() => call.settled);

    expect(call.error).toBeInstanceOf(TransientError);
    expect(call.error?.message).toBe(
      `GET /users (stream local) to ${server.host} failed: timed out reading the body (5000 ms per attempt) after 1 attempt`,
    );
    await closed;
  });

  it('ends an attempt whose headers never come, after garbage collection too', async () => {
    let closed: Promise<void> = Promise.resolve();
    const server = await serve((_request, response) => {
      closed = closedConnection(response);
    });
    const call = track(client({ timeoutMs: 1_000 }).send({ method: 'GET', url: `${server.origin}/users`, label: 'GET /users' }));

    await until(() => server.requests.length === 1);
    await collectAllGarbage();
    vi.advanceTimersByTime(1_000);
    await until(() => call.settled);

    expect(call.error?.message).toBe(`GET /users to ${server.host} failed: timed out waiting for the answer (1000 ms per attempt) after 1 attempt`);
    await closed;
  });

  it('ends the attempt at the deadline even when fetch ignores the abort, and drops the late answer', async () => {
    let answer: (response: Response) => void = () => undefined;
    let lateBodyCancelled = false;
    const deaf: typeof globalThis.fetch = () => new Promise<Response>((resolve) => (answer = resolve));
    const call = track(client({ timeoutMs: 1_000, fetch: deaf }).send({ method: 'GET', url: 'https://api.torq.io/users', label: 'GET /users' }));

    await until(() => true);
    vi.advanceTimersByTime(1_000);
    await until(() => call.settled);
    answer(new Response(new ReadableStream({ cancel: () => void (lateBodyCancelled = true) }), { status: 200 }));
    await until(() => lateBodyCancelled);

    expect(call.error?.message).toBe('GET /users to api.torq.io failed: timed out waiting for the answer (1000 ms per attempt) after 1 attempt');
  });

  it('retries an attempt whose body timed out, and returns the next answer', async () => {
    const server = await serve((request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      if (server.requests.indexOf(request) === 0) response.write('{"users": [');
      else response.end('{"users": []}');
    });
    let text: string | null = null;
    const sending = client({ timeoutMs: 1_000, retry: { limit: 1, backoffLimitMs: 0 } })
      .send({ method: 'GET', url: `${server.origin}/users`, label: 'GET /users' })
      .then((body) => {
        text = body;
      });

    await until(() => server.requests.length === 1);
    vi.advanceTimersByTime(1_000);
    await until(() => text !== null);
    await sending;

    expect(text).toBe('{"users": []}');
    expect(server.requests).toHaveLength(2);
  });

  it('waits a full-jitter backoff between retries: a random share of the doubling wait, capped', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(503).end();
    });
    const waits: unknown[] = [];
    const logger = { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (_message: string, attributes?: Record<string, unknown>) => void waits.push(attributes?.waitMs) };
    const call = track(
      createHttpClient({ retry: { limit: 3, backoffLimitMs: 1_000 }, random: () => 0.5, logger }).send({
        method: 'GET',
        url: `${server.origin}/users`,
        label: 'GET /users',
      }),
    );

    await until(() => {
      vi.advanceTimersByTime(1);
      return call.settled;
    });

    // Half of 300, 600 and min(1200, 1000) ms.
    expect(waits).toEqual([150, 300, 500]);
    expect(server.requests).toHaveLength(4);
    expect(call.error?.message).toBe('GET /users failed with HTTP 503 after 4 attempts');
  });
});

describe('redirects', () => {
  it.each([
    ['GET', 302],
    ['POST', 307],
    ['GET', 301],
  ] as const)('refuses a %s answered %i, and nothing reaches the other origin', async (method, status) => {
    const elsewhere = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"users": [{"id": "intruder"}]}');
    });
    const server = await serve((_request, response) => {
      response.writeHead(status, { location: `${elsewhere.origin}/collect?stolen=marker-4f1d` }).end();
    });

    const error = await rejectionOf(
      client({ retry: { limit: 3, backoffLimitMs: 0 } }).send({
        method,
        url: `${server.origin}/users`,
        label: `${method} /users`,
        headers: { authorization: 'Bearer token-never-forwarded' },
        ...(method === 'POST' ? { body: new URLSearchParams({ grant_type: 'client_credentials' }) } : {}),
      }),
    );

    expect(error).toBeInstanceOf(ContractError);
    expect(error.message).toBe(`${method} /users answered HTTP ${status}, a redirect: refused (redirects are never followed); check the configured URL`);
    expect(error.message).not.toContain('marker-4f1d');
    expect(error.message).not.toContain(elsewhere.host);
    expect(server.requests).toHaveLength(1);
    expect(elsewhere.requests).toHaveLength(0);
  });
});

describe('what a refused redirect tells its caller', () => {
  it('carries the Location, resolved against the request URL, where no logger serialising its fields finds it', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(308, { location: '/moved/here?marker=9c2e' }).end();
    });

    const error = await rejectionOf(client().send({ method: 'POST', url: `${server.origin}/api/graphql/`, label: 'POST graphql', body: '{}' }));

    expect(error).toBeInstanceOf(HttpRedirectError);
    expect(error).toBeInstanceOf(ContractError);
    const redirect = error as HttpRedirectError;
    expect(redirect.status).toBe(308);
    expect(redirect.location?.href).toBe(`${server.origin}/moved/here?marker=9c2e`);
    expect(Object.keys(redirect)).not.toContain('location');
    expect(JSON.stringify(redirect)).not.toContain('marker');
    expect(redirect.message).not.toContain('marker');
  });

  it('has no location when the answer names none', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(308).end();
    });
    const error = (await rejectionOf(client().send({ method: 'GET', url: `${server.origin}/x`, label: 'GET /x' }))) as HttpRedirectError;
    expect(error.location).toBeNull();
  });
});

describe('a text body', () => {
  it('is sent as given, with the content type the caller sets', async () => {
    const received: { body: string; type: string | undefined }[] = [];
    const server = await serve((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ body: Buffer.concat(chunks).toString('utf8'), type: request.headers['content-type'] });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{}}');
      });
    });

    const text = await client().send({
      method: 'POST',
      url: server.origin,
      label: 'POST graphql',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ a }"}',
    });

    expect(text).toBe('{"data":{}}');
    expect(received).toEqual([{ body: '{"query":"{ a }"}', type: 'application/json' }]);
  });
});

describe('a 429 without Retry-After', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });

  it('waits defaultRetryAfterSeconds when the policy sets one, then retries', async () => {
    let answered = 0;
    const server = await serve((_request, response) => {
      answered += 1;
      if (answered === 1) response.writeHead(429).end();
      else response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    let text: string | null = null;
    void client({ retry: { limit: 2, backoffLimitMs: 0, defaultRetryAfterSeconds: 60 } })
      .send({ method: 'GET', url: server.origin, label: 'GET /' })
      .then((body) => {
        text = body;
      });

    await until(() => answered === 1);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(server.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => text !== null);
    expect(server.requests).toHaveLength(2);
  });

  it('waits no longer than maxRetryAfterSeconds', async () => {
    let answered = 0;
    const server = await serve((_request, response) => {
      answered += 1;
      if (answered === 1) response.writeHead(429).end();
      else response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    let text: string | null = null;
    void client({ retry: { limit: 2, backoffLimitMs: 0, defaultRetryAfterSeconds: 60, maxRetryAfterSeconds: 5 } })
      .send({ method: 'GET', url: server.origin, label: 'GET /' })
      .then((body) => {
        text = body;
      });

    await until(() => answered === 1);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(server.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => text !== null);
  });
});

describe('the size cap of one answer', () => {
  it('stops reading a streamed answer as soon as it passes the cap', async () => {
    const totalBytes = 64 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let bytesSent = 0;
    let finished = false;
    let closed: Promise<void> = Promise.resolve();
    const server = await serve((_request, response) => {
      closed = closedConnection(response);
      response.writeHead(200, { 'content-type': 'application/json' });
      // Honours backpressure: it sends only as fast as the client reads.
      const pump = () => {
        while (bytesSent < totalBytes && !response.destroyed) {
          bytesSent += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        if (!response.destroyed) {
          finished = true;
          response.end();
        }
      };
      pump();
    });

    const error = await rejectionOf(
      client({ maxResponseBytes: 256 * 1024 }).send({ method: 'GET', url: `${server.origin}/users`, label: 'GET /users (stream sso)' }),
    );
    await closed;

    expect(error).toBeInstanceOf(ContractError);
    expect(error.message).toBe('GET /users (stream sso) answered more than 256 KiB (maxResponseBytes): refused');
    expect(finished).toBe(false);
    // The cap, plus what socket buffers on both sides held when the client hung up.
    expect(bytesSent).toBeLessThan(16 * 1024 * 1024);
  });

  it('refuses an answer whose Content-Length announces more than the cap, without reading it', async () => {
    let closed: Promise<void> = Promise.resolve();
    const server = await serve((_request, response) => {
      closed = closedConnection(response);
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(200 * 1024 * 1024) });
      response.write('{"users": [');
    });

    const error = await rejectionOf(client().send({ method: 'GET', url: `${server.origin}/users`, label: 'GET /users' }));
    await closed;

    expect(error).toBeInstanceOf(ContractError);
    expect(error.message).toBe('GET /users answered more than 16 MiB (maxResponseBytes): refused');
  });

  it('accepts an answer of exactly the cap, and refuses one byte more, without retrying', async () => {
    const server = await serve((request, response) => {
      const size = request.url === '/exact' ? 1000 : 1001;
      // Chunked, so only the bytes read can tell.
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('x'.repeat(size - 1));
      response.end('y');
    });
    const http = client({ maxResponseBytes: 1000, retry: { limit: 3, backoffLimitMs: 0 } });

    const exact = await http.send({ method: 'GET', url: `${server.origin}/exact`, label: 'GET /exact' });
    const over = await rejectionOf(http.send({ method: 'GET', url: `${server.origin}/over`, label: 'GET /over' }));

    expect(exact).toHaveLength(1000);
    expect(over.message).toBe('GET /over answered more than 1000 bytes (maxResponseBytes): refused');
    expect(server.requests.map((request) => request.url)).toEqual(['/exact', '/over']);
  });

  it('refuses a limit that is not a positive whole number of bytes', () => {
    expect(() => createHttpClient({ maxResponseBytes: 0 })).toThrow('maxResponseBytes must be a positive integer');
    expect(() => createHttpClient({ timeoutMs: Number.NaN })).toThrow('timeoutMs must be a positive number');
  });
});

describe('network failures name the host and the cause', () => {
  const query = new URLSearchParams({ page_size: '100', page_token: 'cursor-secret-77aa' });

  function expectNoQuery(error: Error): void {
    const text = `${error.message} ${String(error.cause)} ${JSON.stringify(error)} ${JSON.stringify(error.cause)}`;
    expect(text).not.toContain('cursor-secret-77aa');
    expect(text).not.toContain('page_token');
  }

  it('a refused connection, after every retry', async () => {
    const gone = await serve(() => undefined);
    await gone.close();

    const error = await rejectionOf(
      client({ retry: { limit: 2, backoffLimitMs: 0 } }).send({
        method: 'GET',
        url: `${gone.origin}/public/v1alpha/users`,
        label: 'GET /users (stream local)',
        searchParams: query,
      }),
    );

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe(`GET /users (stream local) to ${gone.host} failed: connection refused (ECONNREFUSED) after 3 attempts`);
    expect(error.cause).toMatchObject({ name: 'TypeError', message: 'ECONNREFUSED' });
    expectNoQuery(error);
  });

  it('a connection reset before the answer', async () => {
    const server = await serve((request) => {
      request.socket.resetAndDestroy();
    });

    const error = await rejectionOf(client().send({ method: 'GET', url: `${server.origin}/users`, label: 'GET /users', searchParams: query }));

    expect(error.message).toBe(`GET /users to ${server.host} failed: connection reset (ECONNRESET) after 1 attempt`);
    expectNoQuery(error);
  });

  it('a connection reset in the middle of the body, retried like any transient failure', async () => {
    const server = await serve((request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      if (server.requests.indexOf(request) > 0) return void response.end('{}');
      response.write('{"users": [', () => request.socket.resetAndDestroy());
    });

    const text = await client({ retry: { limit: 1, backoffLimitMs: 0 } }).send({ method: 'GET', url: `${server.origin}/users`, label: 'GET /users' });

    expect(text).toBe('{}');
    expect(server.requests).toHaveLength(2);
  });

  it('a TLS certificate the client does not trust', async () => {
    const server = await serve((_request, response) => {
      response.end('{}');
    }, selfSignedCertificate());

    const error = await rejectionOf(client().send({ method: 'POST', url: `${server.origin}/v1/auth/token`, label: 'POST token endpoint' }));

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe(
      `POST token endpoint to ${server.host} failed: TLS certificate not trusted: self-signed (DEPTH_ZERO_SELF_SIGNED_CERT) after 1 attempt`,
    );
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    ['ENOTFOUND', 'DNS: host not found (ENOTFOUND)'],
    ['EAI_AGAIN', 'DNS: lookup failed for now (EAI_AGAIN)'],
  ])('a DNS failure (%s), in the shape fetch reports it', async (code, described) => {
    // No network in tests: a fetch that fails as undici does when getaddrinfo fails.
    const failingLookup: typeof globalThis.fetch = async () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error(`getaddrinfo ${code} api.torq.io`), { code, errno: -3008, syscall: 'getaddrinfo', hostname: 'api.torq.io' }),
      });
    };

    const error = await rejectionOf(
      client({ fetch: failingLookup, retry: { limit: 4, backoffLimitMs: 0 } }).send({
        method: 'GET',
        url: 'https://api.torq.io/public/v1alpha/users',
        label: 'GET /users (stream local)',
        searchParams: query,
      }),
    );

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe(`GET /users (stream local) to api.torq.io failed: ${described} after 5 attempts`);
    expectNoQuery(error);
  });

  it('an error without a code, or with a code of an odd shape, as a plain network error', async () => {
    const odd: typeof globalThis.fetch = async () => {
      throw new TypeError('fetch failed', { cause: { code: 'not a code: Bearer abc' } });
    };

    const error = await rejectionOf(client({ fetch: odd }).send({ method: 'GET', url: 'https://api.torq.io/x', label: 'GET /x' }));

    expect(error.message).toBe('GET /x to api.torq.io failed: network error after 1 attempt');
    expect(error.message).not.toContain('Bearer');
  });
});

describe('retryAfterSeconds', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');

  it.each<[string | null, number | null]>([
    [null, null],
    ['', null],
    ['soon', null],
    ['7', 7],
    ['1.2', 2],
    ['-3', 0],
    ['Sun, 01 Mar 2026 12:00:30 GMT', 30],
    ['Sun, 01 Mar 2026 11:59:00 GMT', 0],
  ])('reads %j as %j seconds', (header, seconds) => {
    expect(retryAfterSeconds(header, now)).toBe(seconds);
  });
});

describe('sanitizedCause', () => {
  it('keeps the name and the system error code of a network failure, nothing else', () => {
    const failure = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
    });

    const cause = sanitizedCause(failure);

    expect(cause).toMatchObject({ name: 'TypeError', message: 'ECONNREFUSED' });
    expect(cause.cause).toBeUndefined();
    expect(Object.keys(cause)).toEqual([]);
  });

  it('says nothing of a value that is not an error', () => {
    expect(sanitizedCause({ authorization: 'Bearer secret' })).toMatchObject({ name: 'NonError', message: 'unexpected failure' });
  });
});
