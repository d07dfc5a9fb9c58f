/**
 * A read-only SCIM 2.0 service provider on a real `node:http` server (RFC 7643, RFC 7644, RFC 9865
 * cursor paging; research-twingate-scim.md B1-B3) over a live seeded workspace (`workspace.ts`),
 * with quirks switchable one by one (`quirks.ts`). Used by `rollcall simulate --app scim`, the
 * SCIM connector's tests and the demo.
 *
 * Routes under `/scim/v2`: `GET /Users`, `GET /Users/{id}`, `GET /Groups`, `GET /Groups/{id}`,
 * `GET /ServiceProviderConfig`. A request is checked in this order: route (404), method (405),
 * bearer token (401), the 429 and 5xx quirks, then the route's own answer. Every error is a SCIM
 * error body (RFC 7644 §3.12) and never echoes what the request sent.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenOnLoopback, type LoopbackServer } from '../shared/loopback-server.ts';
import { consumeCounted } from '../shared/counted-fault.ts';
import { mergeScimQuirks, type ScimSimQuirks } from './quirks.ts';
import type { ScimGroupRecord, ScimSimWorkspace, ScimUserRecord } from './workspace.ts';

export const SCIM_BASE_PATH = '/scim/v2';
export const SCIM_CONTENT_TYPE = 'application/scim+json';
export const SCIM_LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const SCIM_GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const SCIM_SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';

/** The routes `stats().byPath` counts, by template; anything else under or outside the base is `other`. */
export type ScimSimRoute = '/Users' | '/Users/{id}' | '/Groups' | '/Groups/{id}' | '/ServiceProviderConfig' | 'other';

export interface ScimSimulatorOptions {
  workspace: ScimSimWorkspace;
  /** The one bearer token the provider accepts. */
  token: string;
  quirks?: Partial<ScimSimQuirks>;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0 (chosen by the OS) */
  port?: number;
  /** Delay in ms before each answer. @default 0 */
  latencyMs?: number;
  /** Page size when a listing gives no `count`. @default 50 */
  defaultPageSize?: number;
  /** The most resources one page holds, advertised in `/ServiceProviderConfig`; a larger `count` is capped. @default 200 */
  maxPageSize?: number;
  /** Seconds a cursor stays usable, advertised as `pagination.cursorTimeout`. @default 600 */
  cursorTimeoutSeconds?: number;
}

export interface ScimSimStats {
  /** Every request, whatever it was answered. */
  requests: number;
  /** Answers by HTTP status. */
  byStatus: Record<number, number>;
  /** Requests by route template. */
  byPath: Partial<Record<ScimSimRoute, number>>;
}

export interface ScimSimulator {
  /** The SCIM base URL, e.g. `http://127.0.0.1:PORT/scim/v2` (a connector's `baseUrl`). */
  readonly baseUrl: string;
  /** Live and mutable: every answer reads it. */
  workspace: ScimSimWorkspace;
  /** Sets the given quirks (a key given as `undefined` clears that one); others stay as they are. */
  setQuirks(quirks: Partial<ScimSimQuirks>): void;
  /** Rotates the accepted token: the old one then gets 401. */
  setToken(token: string): void;
  stats(): ScimSimStats;
  resetStats(): void;
  close(): Promise<void>;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

type ResourceKind = 'Users' | 'Groups';

interface CursorEntry {
  readonly kind: ResourceKind;
  readonly offset: number;
  readonly issuedAt: number;
}

/** Cursors kept at most; the oldest go first (a client holding one that old gets `invalidCursor`). */
const MAX_CURSORS = 10_000;
/** RFC 9865: a cursor is made of unreserved URL characters only. */
const CURSOR_SHAPE = /^[A-Za-z0-9\-._~]+$/;
const INTEGER = /^[+-]?\d+$/;

function assertToken(token: string): string {
  if (typeof token !== 'string' || token.trim() === '') throw new RangeError('token must be a non-empty string');
  return token;
}

function assertSize(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

function send(res: ServerResponse, answer: Answer): void {
  if (res.destroyed || res.headersSent) return;
  const body = JSON.stringify(answer.body);
  res.writeHead(answer.status, { 'content-type': SCIM_CONTENT_TYPE, 'content-length': Buffer.byteLength(body), ...answer.headers });
  res.end(body);
}

function route(path: string): { route: ScimSimRoute; id?: string } {
  if (!path.startsWith(`${SCIM_BASE_PATH}/`)) return { route: 'other' };
  const parts = path.slice(SCIM_BASE_PATH.length + 1).split('/');
  const [collection, id, ...rest] = parts;
  if (rest.length > 0) return { route: 'other' };
  if (collection === 'ServiceProviderConfig' && id === undefined) return { route: '/ServiceProviderConfig' };
  if (collection !== 'Users' && collection !== 'Groups') return { route: 'other' };
  if (id === undefined || id === '') return { route: `/${collection}` };
  let decoded: string;
  try {
    decoded = decodeURIComponent(id);
  } catch {
    return { route: 'other' };
  }
  return { route: `/${collection}/{id}`, id: decoded };
}

/** A query parameter as an integer: `undefined` when absent or empty, `null` when not an integer. */
function integerParam(params: URLSearchParams, name: string): number | undefined | null {
  const raw = params.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  if (!INTEGER.test(raw.trim())) return null;
  const value = Number(raw.trim());
  return Number.isSafeInteger(value) ? value : null;
}

export async function startScimSimulator(options: ScimSimulatorOptions): Promise<ScimSimulator> {
  const host = options.host ?? '127.0.0.1';
  const latencyMs = options.latencyMs ?? 0;
  if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new RangeError('latencyMs must be >= 0');
  const defaultPageSize = assertSize(options.defaultPageSize ?? 50, 'defaultPageSize');
  const maxPageSize = assertSize(options.maxPageSize ?? 200, 'maxPageSize');
  const cursorTimeoutSeconds = assertSize(options.cursorTimeoutSeconds ?? 600, 'cursorTimeoutSeconds');

  let token = assertToken(options.token);
  let workspace = options.workspace;
  let quirks = mergeScimQuirks({}, options.quirks ?? {});
  let stats: ScimSimStats = { requests: 0, byStatus: {}, byPath: {} };
  const cursors = new Map<string, CursorEntry>();
  // Listening once the handlers below exist; they run only on requests, so after this is set.
  let loopback: LoopbackServer;
  let baseUrl = '';

  function error(status: number, detail: string, scimType?: string, headers?: Record<string, string>): Answer {
    return {
      status,
      body: { schemas: [SCIM_ERROR_SCHEMA], status: quirks.statusAsNumber ? status : String(status), ...(scimType ? { scimType } : {}), detail },
      ...(headers ? { headers } : {}),
    };
  }

  function issueCursor(kind: ResourceKind, offset: number): string {
    const cursor = randomBytes(12).toString('base64url');
    if (cursors.size >= MAX_CURSORS) {
      const oldest = cursors.keys().next().value;
      if (oldest !== undefined) cursors.delete(oldest);
    }
    cursors.set(cursor, { kind, offset, issuedAt: Date.now() });
    return cursor;
  }

  function userView(user: ScimUserRecord): Record<string, unknown> {
    return { schemas: [SCIM_USER_SCHEMA], ...user, meta: { ...user.meta, location: `${baseUrl}/Users/${encodeURIComponent(user.id)}` } };
  }

  function groupView(group: ScimGroupRecord): Record<string, unknown> {
    return {
      schemas: [SCIM_GROUP_SCHEMA],
      ...group,
      members: group.members.map((entry) => ({ ...entry, $ref: `${baseUrl}/Users/${encodeURIComponent(entry.value)}` })),
      meta: { ...group.meta, location: `${baseUrl}/Groups/${encodeURIComponent(group.id)}` },
    };
  }

  function view(kind: ResourceKind, record: ScimUserRecord | ScimGroupRecord): Record<string, unknown> {
    return kind === 'Users' ? userView(record as ScimUserRecord) : groupView(record as ScimGroupRecord);
  }

  /** The ListResponse body around one page; `continuation` marks a page after a listing's first. */
  function listBody(kind: ResourceKind, page: readonly (ScimUserRecord | ScimGroupRecord)[], total: number, continuation: boolean, extra: Record<string, unknown>): Answer {
    const reported = continuation && quirks.totalResultsDrift !== undefined ? Math.max(0, total + quirks.totalResultsDrift) : total;
    const omitTotal = quirks.zeroWithoutTotal === true && page.length === 0;
    const omitResources = quirks.omitEmptyResources === true && page.length === 0;
    return {
      status: 200,
      body: {
        schemas: [SCIM_LIST_RESPONSE_SCHEMA],
        ...(omitTotal ? {} : { totalResults: reported }),
        ...extra,
        itemsPerPage: page.length,
        ...(omitResources ? {} : { Resources: page.map((record) => view(kind, record)) }),
      },
    };
  }

  function list(kind: ResourceKind, params: URLSearchParams): Answer {
    if (params.has('filter')) return error(400, 'filtering is not supported by this provider', 'invalidFilter');
    const count = integerParam(params, 'count');
    if (count === null) return error(400, 'count must be an integer', 'invalidValue');
    const asked = count === undefined ? defaultPageSize : Math.max(0, count);
    const size = Math.min(asked, maxPageSize, quirks.capCount ?? Number.POSITIVE_INFINITY);
    const records: readonly (ScimUserRecord | ScimGroupRecord)[] = kind === 'Users' ? workspace.users : workspace.groups;
    const stall = quirks.stallPage === true ? 'repeat' : quirks.stallPage === false ? undefined : quirks.stallPage;
    const cursor = params.get('cursor');

    if (cursor !== null || quirks.cursorOnly === true) {
      let offset = 0;
      const continuation = cursor !== null && cursor !== '';
      if (continuation) {
        if (!CURSOR_SHAPE.test(cursor)) return error(400, 'the cursor is not one this provider issued', 'invalidCursor');
        const entry = cursors.get(cursor);
        if (entry === undefined || entry.kind !== kind) return error(400, 'the cursor is not one this provider issued', 'invalidCursor');
        if (Date.now() - entry.issuedAt > cursorTimeoutSeconds * 1000) {
          cursors.delete(cursor);
          return error(400, 'the cursor has expired', 'expiredCursor');
        }
        if (quirks.expireCursorOnce) {
          quirks = mergeScimQuirks(quirks, { expireCursorOnce: undefined });
          return error(400, 'the cursor has expired', 'expiredCursor');
        }
        offset = entry.offset;
      }
      if (continuation && stall !== undefined) {
        const page = stall === 'repeat' ? records.slice(0, size) : [];
        return listBody(kind, page, records.length, true, { nextCursor: issueCursor(kind, offset) });
      }
      const page = records.slice(offset, offset + size);
      const next = offset + page.length;
      return listBody(kind, page, records.length, continuation, page.length > 0 && next < records.length ? { nextCursor: issueCursor(kind, next) } : {});
    }

    const requestedStart = integerParam(params, 'startIndex');
    if (requestedStart === null) return error(400, 'startIndex must be an integer', 'invalidValue');
    // RFC 7644 §3.4.2.4: a startIndex below 1 is read as 1.
    const startIndex = Math.max(1, requestedStart ?? 1);
    const continuation = startIndex > 1;
    let page: readonly (ScimUserRecord | ScimGroupRecord)[];
    if (continuation && stall === 'repeat') page = records.slice(0, size);
    else if (continuation && stall === 'empty') page = [];
    else page = records.slice(startIndex - 1, startIndex - 1 + size);
    return listBody(kind, page, records.length, continuation, { startIndex });
  }

  function serviceProviderConfig(): Answer {
    const cursorOnly = quirks.cursorOnly === true;
    return {
      status: 200,
      body: {
        schemas: [SCIM_SERVICE_PROVIDER_CONFIG_SCHEMA],
        patch: { supported: false },
        bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
        filter: { supported: false, maxResults: maxPageSize },
        changePassword: { supported: false },
        sort: { supported: false },
        etag: { supported: false },
        authenticationSchemes: [
          { type: 'oauthbearertoken', name: 'OAuth Bearer Token', description: 'A long-lived API token in the Authorization header', primary: true },
        ],
        // RFC 9865 §4: the paging methods this provider offers.
        pagination: {
          cursor: true,
          index: !cursorOnly,
          defaultPaginationMethod: cursorOnly ? 'cursor' : 'index',
          defaultPageSize,
          maxPageSize,
          cursorTimeout: cursorTimeoutSeconds,
        },
        meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
      },
    };
  }

  function answer(req: IncomingMessage, target: { route: ScimSimRoute; id?: string }, params: URLSearchParams): Answer {
    if (target.route === 'other') return error(404, 'no such endpoint');
    if (req.method !== 'GET') return error(405, 'this provider is read-only: only GET is served', undefined, { allow: 'GET' });
    const header = req.headers.authorization;
    const presented = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header.trim())?.[1] : undefined;
    if (quirks.rejectToken || presented !== token) {
      return error(401, 'the bearer token is missing or not valid', undefined, { 'www-authenticate': 'Bearer realm="scim"' });
    }
    const rateLimit = consumeCounted(quirks.rateLimit);
    if (rateLimit.hit) {
      quirks = mergeScimQuirks(quirks, { rateLimit: rateLimit.rest });
      const after = rateLimit.hit.retryAfter;
      return error(429, 'too many requests', undefined, after === undefined ? undefined : { 'retry-after': String(after) });
    }
    const serverError = consumeCounted(quirks.serverErrors);
    if (serverError.hit) {
      quirks = mergeScimQuirks(quirks, { serverErrors: serverError.rest });
      return error(serverError.hit.status ?? 503, 'the service is unavailable');
    }
    switch (target.route) {
      case '/ServiceProviderConfig':
        return quirks.noServiceProviderConfig ? error(404, 'no such endpoint') : serviceProviderConfig();
      case '/Users':
      case '/Users/{id}':
        if (quirks.forbidden) return error(403, 'the token lacks the permission to read users');
        if (target.route === '/Users') return list('Users', params);
        return byId('Users', target.id ?? '');
      case '/Groups':
      case '/Groups/{id}':
        if (quirks.noGroups !== undefined) return error(quirks.noGroups, quirks.noGroups === 501 ? 'groups are not supported' : 'no such endpoint');
        if (target.route === '/Groups') return list('Groups', params);
        return byId('Groups', target.id ?? '');
    }
  }

  function byId(kind: ResourceKind, id: string): Answer {
    const records: readonly (ScimUserRecord | ScimGroupRecord)[] = kind === 'Users' ? workspace.users : workspace.groups;
    const record = records.find((candidate) => candidate.id === id);
    if (record === undefined) return error(404, kind === 'Users' ? 'no such user' : 'no such group');
    return { status: 200, body: view(kind, record) };
  }

  function deliver(res: ServerResponse, reply: Answer): void {
    stats.byStatus[reply.status] = (stats.byStatus[reply.status] ?? 0) + 1;
    loopback.later(res, latencyMs, () => send(res, reply));
  }

  loopback = await listenOnLoopback(
    (req, res) => {
    // A GET carries no body; anything sent is drained unread.
    req.resume();
    stats.requests += 1;
    let reply: Answer;
    let target: { route: ScimSimRoute; id?: string } = { route: 'other' };
    try {
      const url = new URL(req.url ?? '/', 'http://simulator.invalid');
      target = route(url.pathname);
      reply = answer(req, target, url.searchParams);
    } catch {
      reply = error(500, 'internal error');
    }
    stats.byPath[target.route] = (stats.byPath[target.route] ?? 0) + 1;
    deliver(res, reply);
    },
    { host, ...(options.port === undefined ? {} : { port: options.port }) },
  );
  baseUrl = `${loopback.origin}${SCIM_BASE_PATH}`;
  const simulator: ScimSimulator = {
    baseUrl,
    get workspace() {
      return workspace;
    },
    set workspace(next) {
      workspace = next;
    },
    setQuirks(update) {
      quirks = mergeScimQuirks(quirks, update);
    },
    setToken(next) {
      token = assertToken(next);
    },
    stats() {
      return { requests: stats.requests, byStatus: { ...stats.byStatus }, byPath: { ...stats.byPath } };
    },
    resetStats() {
      stats = { requests: 0, byStatus: {}, byPath: {} };
    },
    close() {
      return loopback.close();
    },
  };
  return simulator;
}
