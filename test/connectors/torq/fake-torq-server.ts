/**
 * A scripted stand-in for Torq on loopback (port 0): a small default behaviour (token exchange,
 * bearer check, paged users and roles) that each test overrides per request, and a log of every
 * request it received.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TorqEndpoints } from '../../../functions/connectors/torq/config.ts';

export const CLIENT_ID = 'client-id-7f3a';
/** Recognisable, so a test can assert it never leaks. */
export const CLIENT_SECRET = 'sekret-client-value-91c2';

export type Route = 'token' | 'users' | 'roles' | 'unknown';

export interface RecordedRequest {
  readonly route: Route;
  readonly method: string;
  readonly query: URLSearchParams;
  readonly authorization: string | null;
  readonly contentType: string | null;
  readonly body: string;
  /** `Date.now()` when the request arrived (fake under fake timers). */
  readonly atMs: number;
}

export interface Answer {
  readonly status: number;
  readonly json?: unknown;
  /** Sent verbatim instead of `json`. */
  readonly text?: string;
  readonly headers?: Record<string, string>;
  /** Never answer (until the server closes). */
  readonly hang?: boolean;
  /** Send the headers and the first part of the body, then stall (until the server closes). */
  readonly stallBody?: boolean;
}

export type Responder = (request: RecordedRequest) => Answer;

const API_PREFIX = '/public/v1alpha';
const TOKEN_PATH = '/v1/auth/token';

export class FakeTorqServer {
  readonly requests: RecordedRequest[] = [];
  /** Users served by the default responder, per listing. */
  users: { local: unknown[]; sso: unknown[] } = { local: [], sso: [] };
  roles: unknown[] = [];
  /** The default responder pages at most this many items, whatever `page_size` asks. */
  maxPageSize = 100;
  /** Lifetime announced for each token the default responder issues. */
  tokenLifetimeSeconds = 3600;
  /** Every token the default responder issued, in order. */
  readonly issuedTokens: string[] = [];
  private readonly validTokens = new Set<string>();
  private readonly queues: Record<Route, Answer[]> = { token: [], users: [], roles: [], unknown: [] };

  private constructor(
    private readonly server: Server,
    readonly endpoints: TorqEndpoints,
  ) {}

  static async start(): Promise<FakeTorqServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    const fake = new FakeTorqServer(server, { apiBaseUrl: `${base}${API_PREFIX}`, tokenUrl: `${base}${TOKEN_PATH}` });
    server.on('request', (request, response) => void fake.handle(request, response));
    return fake;
  }

  /** Answers served, in order, before the route's default behaviour resumes. */
  script(route: Route, ...answers: Answer[]): void {
    this.queues[route].push(...answers);
  }

  /** The server forgets a token, as when it expires or is revoked. */
  revoke(token: string): void {
    this.validTokens.delete(token);
  }

  requestsTo(route: Route): RecordedRequest[] {
    return this.requests.filter((request) => request.route === route);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const recorded: RecordedRequest = {
      route: routeOf(request.method ?? 'GET', url.pathname),
      method: request.method ?? 'GET',
      query: url.searchParams,
      authorization: request.headers.authorization ?? null,
      contentType: request.headers['content-type'] ?? null,
      body: Buffer.concat(chunks).toString('utf8'),
      atMs: Date.now(),
    };
    this.requests.push(recorded);
    const answer = this.queues[recorded.route].shift() ?? this.defaultAnswer(recorded);
    if (answer.hang === true) return;
    const body = answer.text ?? (answer.json === undefined ? '' : JSON.stringify(answer.json));
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    if (answer.stallBody === true) {
      response.write(body.slice(0, Math.floor(body.length / 2)));
      return;
    }
    response.end(body);
  }

  private defaultAnswer(request: RecordedRequest): Answer {
    switch (request.route) {
      case 'token':
        return this.issueToken(request);
      case 'users': {
        if (!this.authorized(request)) return { status: 401, json: { code: 16, message: 'unauthenticated' } };
        const listing = request.query.get('sso_provision') === 'true' ? this.users.sso : this.users.local;
        return { status: 200, json: this.page('users', listing, request.query) };
      }
      case 'roles':
        if (!this.authorized(request)) return { status: 401, json: { code: 16, message: 'unauthenticated' } };
        return { status: 200, json: this.page('roles', this.roles, request.query) };
      case 'unknown':
        return { status: 404, json: { code: 5, message: 'not found' } };
    }
  }

  private issueToken(request: RecordedRequest): Answer {
    const expected = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
    const form = new URLSearchParams(request.body);
    if (request.authorization !== expected || form.get('grant_type') !== 'client_credentials') {
      return { status: 401, json: { error: 'invalid_client' } };
    }
    const token = `access-token-${this.issuedTokens.length + 1}-5d1e`;
    this.issuedTokens.push(token);
    this.validTokens.add(token);
    return { status: 200, json: { access_token: token, expires_in: this.tokenLifetimeSeconds, token_type: 'Bearer' } };
  }

  private authorized(request: RecordedRequest): boolean {
    const token = request.authorization?.replace(/^Bearer /, '') ?? '';
    return this.validTokens.has(token);
  }

  /** Offset tokens (`o<offset>`): enough for a client that must treat them as opaque. */
  private page(field: string, items: readonly unknown[], query: URLSearchParams): Record<string, unknown> {
    const size = Math.min(Number(query.get('page_size') ?? 50), this.maxPageSize);
    const offset = Number(query.get('page_token')?.slice(1) ?? 0);
    const next = offset + size;
    return {
      [field]: items.slice(offset, next),
      ...(next < items.length ? { next_page_token: `o${next}` } : {}),
    };
  }
}

function routeOf(method: string, pathname: string): Route {
  if (method === 'POST' && pathname === TOKEN_PATH) return 'token';
  if (method === 'GET' && pathname === `${API_PREFIX}/users`) return 'users';
  if (method === 'GET' && pathname === `${API_PREFIX}/users/roles`) return 'roles';
  return 'unknown';
}
