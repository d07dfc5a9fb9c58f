/**
 * A Torq API simulator on a real `node:http` server (design.md section 3): the token exchange,
 * the two users listings and the roles listing, with injectable faults. Used by `rollcall simulate`,
 * the demo, the Torq connector's integration tests and the benchmark.
 *
 * Wire choices, where the vendor's reference is silent:
 * - The last page of a paged listing carries `"next_page_token": ""` (an empty string, as
 *   grpc-gateway emits unpopulated fields); an unpaged users answer (`paginateUsers: false`, the
 *   vendor's documented behaviour today) carries no `next_page_token` at all.
 * - Errors are `{ code, message, details: [] }` with gRPC status names as `code`.
 * - A data call is checked in this order: route and method, bearer token (401), rate-limit and
 *   server-error faults (429, 5xx), `forbidUsers` (403), query parameters (400), then the page.
 *   The enforced rate limit (`rateLimitPerSecond`) comes before the 429 and 5xx faults.
 *   Every data call that passes the token check counts towards `tokenExpiresAfterCalls`.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenOnLoopback, readBody, type LoopbackServer } from '../shared/loopback-server.ts';
import { consumeCounted } from '../shared/counted-fault.ts';
import { mergeFaults, type SimFaults, type SimUserListing } from './faults.ts';
import { UserListingIndex, usersForAnswer } from './listings.ts';
import { PageTokenCodec, type PagedListing, type PagePosition } from './page-token.ts';
import { createFixedWindow } from '../shared/fixed-window.ts';
import type { SimWorkspace } from './workspace.ts';

export const TORQ_API_BASE_PATH = '/public/v1alpha';
export const TORQ_TOKEN_PATH = '/v1/auth/token';
const USERS_PATH = `${TORQ_API_BASE_PATH}/users`;
const ROLES_PATH = `${TORQ_API_BASE_PATH}/users/roles`;

/** Keys of `stats().byRoute`. `users:invalid` counts users calls whose `sso_provision` was not a boolean. */
export type SimRouteName = 'token' | 'users:local' | 'users:sso' | 'users:invalid' | 'roles' | 'unmatched';

export interface SimCredentials {
  clientId: string;
  clientSecret: string;
}

export interface SimPageSize {
  default: number;
  max: number;
}

export interface TorqSimulatorOptions {
  workspace: SimWorkspace;
  credentials: SimCredentials;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0 (chosen by the OS) */
  port?: number;
  /** @default { default: 50, max: 100 } (the vendor's documented roles paging) */
  pageSize?: SimPageSize;
  /** Delay in ms before answering each data call (not the token endpoint). @default 0 */
  latencyMs?: number;
  /** @default 3600 */
  tokenTtlSeconds?: number;
  faults?: Partial<SimFaults>;
  /**
   * `true`: users listings page with `page_size` / `page_token` / `next_page_token`.
   * `false`: one answer with every user of the listing and no token.
   * @default true
   */
  paginateUsers?: boolean;
  /**
   * Enforce the vendor's limit: at most this many data calls per second per API key (client id),
   * in fixed one-second windows; beyond it a call answers 429 with `Retry-After` in whole seconds
   * (see `shared/fixed-window.ts`). @default no limit
   */
  rateLimitPerSecond?: number;
}

export interface SimStats {
  tokenRequests: number;
  dataRequests: number;
  byRoute: Partial<Record<SimRouteName, number>>;
}

export interface TorqSimulator {
  /** Data API base, e.g. `http://127.0.0.1:PORT/public/v1alpha` (no trailing slash). */
  readonly apiUrl: string;
  /** The full token endpoint, e.g. `http://127.0.0.1:PORT/v1/auth/token`. */
  readonly authUrl: string;
  /** Live and mutable: every answer reads it (see `SimWorkspace` on when to bump `revision`). */
  workspace: SimWorkspace;
  /** Sets the given faults (a key given as `undefined` clears that one); others stay as they are. */
  setFaults(faults: Partial<SimFaults>): void;
  clearFaults(): void;
  /** Rotates the accepted credentials: the old ones then get 401 at the token endpoint. Issued tokens stay valid. */
  setCredentials(credentials: SimCredentials): void;
  /** Invalidates every issued token: data calls then get 401 until a fresh token is obtained. */
  revokeTokens(): void;
  stats(): SimStats;
  resetStats(): void;
  close(): Promise<void>;
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

interface IssuedToken {
  readonly expiresAtMs: number;
  /** The API key it was issued to: the rate limit counts per key. */
  readonly clientId: string;
  calls: number;
}

const GRPC_CODES: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'UNIMPLEMENTED',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const MAX_TOKEN_BODY_BYTES = 16 * 1024;
/** Expired tokens are swept when this many are held, so a long benchmark does not grow the map forever. */
const TOKEN_SWEEP_THRESHOLD = 1024;

function errorAnswer(status: number, message: string, headers?: Record<string, string>): Answer {
  const code = GRPC_CODES[status] ?? (status >= 500 ? 'UNAVAILABLE' : 'UNKNOWN');
  return { status, body: JSON.stringify({ code, message, details: [] }), ...(headers ? { headers } : {}) };
}

function okAnswer(body: string): Answer {
  return { status: 200, body };
}

function assertPositiveInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
}

function assertCredentials(credentials: SimCredentials): SimCredentials {
  if (
    typeof credentials?.clientId !== 'string' ||
    credentials.clientId === '' ||
    typeof credentials.clientSecret !== 'string' ||
    credentials.clientSecret === ''
  ) {
    throw new RangeError('credentials need a non-empty clientId and clientSecret');
  }
  return { clientId: credentials.clientId, clientSecret: credentials.clientSecret };
}

/** Parses `sso_provision` the way a protobuf bool query parameter is parsed; `null` when it is not a bool. */
function parseSsoProvision(value: string | null): boolean | null {
  if (value === null || value === '') return false;
  switch (value.toLowerCase()) {
    case 'true':
    case '1':
      return true;
    case 'false':
    case '0':
      return false;
    default:
      return null;
  }
}

function send(res: ServerResponse, answer: Answer): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(answer.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(answer.body),
    ...answer.headers,
  });
  res.end(answer.body);
}

export async function startTorqSimulator(options: TorqSimulatorOptions): Promise<TorqSimulator> {
  const host = options.host ?? '127.0.0.1';
  const pageSize = options.pageSize ?? { default: 50, max: 100 };
  assertPositiveInteger(pageSize.default, 'pageSize.default');
  assertPositiveInteger(pageSize.max, 'pageSize.max');
  if (pageSize.default > pageSize.max) throw new RangeError('pageSize.default must not exceed pageSize.max');
  const latencyMs = options.latencyMs ?? 0;
  if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new RangeError('latencyMs must be >= 0');
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 3600;
  assertPositiveInteger(tokenTtlSeconds, 'tokenTtlSeconds');
  const paginateUsers = options.paginateUsers ?? true;
  const rateWindow = options.rateLimitPerSecond === undefined ? null : createFixedWindow(options.rateLimitPerSecond, 1000, 'rateLimitPerSecond');

  let credentials = assertCredentials(options.credentials);
  let faults = mergeFaults({}, options.faults ?? {});
  const tokens = new Map<string, IssuedToken>();
  const pageTokens = new PageTokenCodec();
  const userListings = new UserListingIndex();
  // Listening once the handlers below exist; they run only on requests, so after this is set.
  let loopback: LoopbackServer;
  let stats: SimStats = { tokenRequests: 0, dataRequests: 0, byRoute: {} };

  const countRoute = (route: SimRouteName): void => {
    stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
  };

  function basicCredentialsMatch(header: string | undefined): boolean {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
    if (!match) return false;
    const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    return decoded.slice(0, colon) === credentials.clientId && decoded.slice(colon + 1) === credentials.clientSecret;
  }

  function issueToken(): string {
    const nowMs = Date.now();
    if (tokens.size >= TOKEN_SWEEP_THRESHOLD) {
      for (const [value, issued] of tokens) if (issued.expiresAtMs <= nowMs) tokens.delete(value);
    }
    const value = randomBytes(32).toString('base64url');
    tokens.set(value, { expiresAtMs: nowMs + tokenTtlSeconds * 1000, clientId: credentials.clientId, calls: 0 });
    return value;
  }

  async function answerToken(req: IncomingMessage): Promise<Answer> {
    const body = await readBody(req, MAX_TOKEN_BODY_BYTES);
    if (req.method !== 'POST') return errorAnswer(405, 'method not allowed', { allow: 'POST' });
    if (faults.rejectCredentials || !basicCredentialsMatch(req.headers.authorization)) {
      return errorAnswer(401, 'invalid client credentials', { 'www-authenticate': 'Basic realm="torq"' });
    }
    if (body === null) return errorAnswer(413, 'request body too large');
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (contentType !== 'application/x-www-form-urlencoded') {
      return errorAnswer(400, 'the token request body must be application/x-www-form-urlencoded');
    }
    if (new URLSearchParams(body).get('grant_type') !== 'client_credentials') {
      return errorAnswer(400, 'grant_type must be client_credentials');
    }
    const answer = { access_token: issueToken(), expires_in: tokenTtlSeconds, token_type: 'Bearer' };
    return { status: 200, body: JSON.stringify(answer), headers: { 'cache-control': 'no-store' } };
  }

  /** Token check and the call-level faults shared by every data route; `null` lets the call through. */
  function admitDataCall(req: IncomingMessage): Answer | null {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const unauthenticated = (message: string): Answer =>
      errorAnswer(401, message, { 'www-authenticate': 'Bearer realm="torq"' });
    if (!match) return unauthenticated('missing bearer token');
    const issued = tokens.get(match[1] as string);
    if (!issued || Date.now() >= issued.expiresAtMs) return unauthenticated('invalid or expired token');
    if (faults.tokenExpiresAfterCalls !== undefined && issued.calls >= faults.tokenExpiresAfterCalls) {
      return unauthenticated('token expired');
    }
    issued.calls += 1;

    if (rateWindow !== null) {
      const wait = rateWindow.admit(issued.clientId, Date.now());
      if (wait !== null) return errorAnswer(429, 'rate limit exceeded', { 'retry-after': String(wait) });
    }
    const rateLimit = consumeCounted(faults.rateLimit);
    if (rateLimit.hit) {
      faults = { ...faults, rateLimit: rateLimit.rest };
      return errorAnswer(429, 'rate limit exceeded', { 'retry-after': String(rateLimit.hit.retryAfterSeconds) });
    }
    const serverError = consumeCounted(faults.serverErrors);
    if (serverError.hit) {
      faults = { ...faults, serverErrors: serverError.rest };
      return errorAnswer(serverError.hit.status ?? 503, 'service unavailable');
    }
    return null;
  }

  /** Reads `page_size` and `page_token`; an answer when either is invalid. */
  function readPaging(url: URL, listing: PagedListing): { size: number; position: PagePosition; token: string } | Answer {
    const sizeText = url.searchParams.get('page_size');
    let size = pageSize.default;
    if (sizeText !== null && sizeText !== '') {
      if (!/^\d{1,9}$/.test(sizeText)) return errorAnswer(400, 'page_size must be a non-negative integer');
      const requested = Number(sizeText);
      if (requested > 0) size = Math.min(requested, pageSize.max);
    }
    const token = url.searchParams.get('page_token') ?? '';
    if (token === '') return { size, position: { offset: 0, page: 1 }, token };
    const position = pageTokens.decode(listing, token);
    if (!position) return errorAnswer(400, 'page_token is invalid');
    return { size, position, token };
  }

  function answerUsers(req: IncomingMessage, url: URL): Answer {
    const ssoProvision = parseSsoProvision(url.searchParams.get('sso_provision'));
    const listing: SimUserListing | null = ssoProvision === null ? null : ssoProvision ? 'sso' : 'local';
    countRoute(listing === null ? 'users:invalid' : `users:${listing}`);
    if (req.method !== 'GET') return errorAnswer(405, 'method not allowed', { allow: 'GET' });
    const refused = admitDataCall(req);
    if (refused) return refused;
    if (faults.forbidUsers) return errorAnswer(403, 'missing user.read');
    if (listing === null) return errorAnswer(400, 'sso_provision must be a boolean');

    const records = userListings.get(simulator.workspace, faults.duplicateAcrossListings ?? 0)[listing];
    let body: string;
    let page = 1;
    if (paginateUsers) {
      const paging = readPaging(url, listing);
      if ('status' in paging) return paging;
      const { size, position } = paging;
      page = position.page;
      const end = Math.min(position.offset + size, records.length);
      let next = end < records.length ? pageTokens.encode(listing, { offset: end, page: page + 1 }) : '';
      if (faults.repeatPageToken) {
        next = paging.token !== '' ? paging.token : pageTokens.encode(listing, { offset: size, page: 2 });
      }
      const users = usersForAnswer(records.slice(position.offset, end), faults);
      body = JSON.stringify({ users, next_page_token: next });
    } else {
      body = JSON.stringify({ users: usersForAnswer(records, faults) });
    }
    const malformed = faults.malformedPage;
    if (malformed && malformed.listing === listing && malformed.page === page) {
      // Any proper prefix of a JSON object is invalid JSON.
      body = body.slice(0, Math.floor(body.length / 2));
    }
    return okAnswer(body);
  }

  function answerRoles(req: IncomingMessage, url: URL): Answer {
    countRoute('roles');
    if (req.method !== 'GET') return errorAnswer(405, 'method not allowed', { allow: 'GET' });
    const refused = admitDataCall(req);
    if (refused) return refused;
    const paging = readPaging(url, 'roles');
    if ('status' in paging) return paging;
    const roles = simulator.workspace.roles;
    const { offset, page } = paging.position;
    const end = Math.min(offset + paging.size, roles.length);
    const next = end < roles.length ? pageTokens.encode('roles', { offset: end, page: page + 1 }) : '';
    return okAnswer(JSON.stringify({ roles: roles.slice(offset, end), next_page_token: next }));
  }

  /** Answers a data call after the simulated network latency, unless the client went away meanwhile. */
  function deliverDataAnswer(res: ServerResponse, answer: Answer): void {
    const delayMs = latencyMs + (faults.slowMs ?? 0);
    loopback.later(res, delayMs, () => send(res, answer));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://simulator.invalid');
    } catch {
      countRoute('unmatched');
      send(res, errorAnswer(400, 'malformed request target'));
      return;
    }
    switch (url.pathname) {
      case TORQ_TOKEN_PATH:
        stats.tokenRequests += 1;
        countRoute('token');
        send(res, await answerToken(req));
        return;
      case USERS_PATH:
        stats.dataRequests += 1;
        deliverDataAnswer(res, answerUsers(req, url));
        return;
      case ROLES_PATH:
        stats.dataRequests += 1;
        deliverDataAnswer(res, answerRoles(req, url));
        return;
      default:
        countRoute('unmatched');
        send(res, errorAnswer(404, 'no such route'));
    }
  }

  loopback = await listenOnLoopback(
    (req, res) => {
    handle(req, res).catch(() => send(res, errorAnswer(500, 'internal error')));
    },
    { host, ...(options.port === undefined ? {} : { port: options.port }) },
  );
  const { origin } = loopback;
  const simulator: TorqSimulator = {
    apiUrl: `${origin}${TORQ_API_BASE_PATH}`,
    authUrl: `${origin}${TORQ_TOKEN_PATH}`,
    workspace: options.workspace,
    setFaults(update) {
      faults = mergeFaults(faults, update);
    },
    clearFaults() {
      faults = {};
    },
    setCredentials(next) {
      credentials = assertCredentials(next);
    },
    revokeTokens() {
      tokens.clear();
    },
    stats() {
      return { tokenRequests: stats.tokenRequests, dataRequests: stats.dataRequests, byRoute: { ...stats.byRoute } };
    },
    resetStats() {
      stats = { tokenRequests: 0, dataRequests: 0, byRoute: {} };
    },
    close() {
      return loopback.close();
    },
  };
  return simulator;
}
