/**
 * A Twingate Admin API simulator on a real `node:http` server: `POST /api/graphql/` with an
 * `X-API-KEY`, queries executed by graphql-js against a schema subset shaped like Twingate's
 * (`schema.ts`), over a live seeded network (`workspace.ts`), with injectable faults
 * (`faults.ts`). Used by `rollcall simulate --app twingate`, the demo, the connector's tests and
 * the benchmark.
 *
 * A request is checked in this order: path (404), the `redirectTo`, `unknownNetwork` and
 * `htmlBody` faults (which stand for a host that is not the network's API), method (405), API key
 * (401), the enforced read limit and the 429 and 5xx faults, the body (400), then the query
 * (HTTP 200, with `errors[]` when it fails validation or execution, as GraphQL over HTTP answers).
 * A mutation (`groupUpdate`) is checked against the write side instead of the read limit: a
 * read-only key gets 403, the enforced write limit and the `writeRateLimit` fault 429; a refused
 * change answers HTTP 200 with `ok: false` (a group that is not MANUAL, an unknown group or user,
 * the `groupUpdateNotOk` fault), as Twingate answers it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenOnLoopback, readBody, type LoopbackServer } from '../shared/loopback-server.ts';
import { execute, getOperationAST, GraphQLError, parse, validate, type DocumentNode } from 'graphql';
import { connection, type ConnectionArgs, type PagingRules } from './connections.ts';
import { consumeCounted } from '../shared/counted-fault.ts';
import { mergeTwingateFaults, type TwingateSimFaults } from './faults.ts';
import { createFixedWindow } from '../shared/fixed-window.ts';
import { twingateSchema } from './schema.ts';
import { groupMemberIds, type TwingateGroupRecord, type TwingateSimWorkspace, type TwingateUserRecord } from './workspace.ts';

export const TWINGATE_GRAPHQL_PATH = '/api/graphql/';

/** The root fields a client can query; `stats().byRootField` counts each time one is resolved. */
export type TwingateRootField = 'users' | 'user' | 'groups' | 'group' | 'groupUpdate';

export interface TwingateSimulatorOptions {
  workspace: TwingateSimWorkspace;
  /** The one API key the network accepts in `X-API-KEY`. */
  apiKey: string;
  /** A second key that reads but may not write (Twingate's Read-only key): mutations with it answer 403. */
  readOnlyApiKey?: string;
  /**
   * Enforce Twingate's write limit: at most this many mutations per API key in each one-minute
   * window (Twingate allows 20), beyond it 429 with `Retry-After`; counted apart from reads. @default no limit
   */
  writeRequestsPerMinute?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0 (chosen by the OS) */
  port?: number;
  /** `first` of a connection when the query gives none. @default 50 */
  defaultPageSize?: number;
  /** Delay in ms before each answer. @default 0 */
  latencyMs?: number;
  /**
   * Enforce Twingate's read limit: at most this many requests per API key in each one-minute
   * window, beyond it 429 with `Retry-After` in seconds. @default no limit
   */
  readRequestsPerMinute?: number;
  faults?: Partial<TwingateSimFaults>;
}

export interface TwingateSimStats {
  /** Every request to the GraphQL path, whatever it was answered. */
  requests: number;
  /** Answers by HTTP status. */
  byStatus: Record<number, number>;
  /** Root fields resolved (one query may resolve several). */
  byRootField: Partial<Record<TwingateRootField, number>>;
}

export interface TwingateSimulator {
  /** The full GraphQL endpoint, e.g. `http://127.0.0.1:PORT/api/graphql/` (a connector's `apiUrl`). */
  readonly apiUrl: string;
  /** Live and mutable: every answer reads it. */
  workspace: TwingateSimWorkspace;
  /** Sets the given faults (a key given as `undefined` clears that one); others stay as they are. */
  setFaults(faults: Partial<TwingateSimFaults>): void;
  clearFaults(): void;
  /** Rotates the accepted key: the old one then gets 401. */
  setApiKey(apiKey: string): void;
  /** The key that reads but may not write, when one was given. */
  readonly readOnlyApiKey: string | null;
  stats(): TwingateSimStats;
  resetStats(): void;
  close(): Promise<void>;
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

const MAX_BODY_BYTES = 64 * 1024;
/** Parsed and validated documents kept per query text: a client sends the same few queries again and again. */
const MAX_CACHED_DOCUMENTS = 64;
const JSON_TYPE = 'application/json; charset=utf-8';
const SIGN_IN_PAGE =
  '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign in | Twingate</title></head>' +
  '<body><main><h1>Sign in to your network</h1><form method="post"><button>Continue</button></form></main></body></html>';

function json(status: number, value: unknown, headers?: Record<string, string>): Answer {
  return { status, body: JSON.stringify(value), ...(headers ? { headers } : {}) };
}

function assertApiKey(apiKey: string): string {
  if (typeof apiKey !== 'string' || apiKey.trim() === '') throw new RangeError('apiKey must be a non-empty string');
  return apiKey;
}

function send(res: ServerResponse, answer: Answer): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(answer.status, {
    'content-type': answer.contentType ?? JSON_TYPE,
    'content-length': Buffer.byteLength(answer.body),
    ...answer.headers,
  });
  res.end(answer.body);
}

/** The `{query, variables, operationName}` of a GraphQL-over-HTTP POST, or why it is unusable. */
function parseRequest(body: string): { query: string; variables: Record<string, unknown>; operationName: string | null } | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'the body is not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'the body must be a JSON object';
  const { query, variables, operationName } = parsed as Record<string, unknown>;
  if (typeof query !== 'string' || query.trim() === '') return 'query must be a non-empty string';
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    return 'variables must be an object';
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    return 'operationName must be a string';
  }
  return {
    query,
    variables: (variables ?? {}) as Record<string, unknown>,
    operationName: typeof operationName === 'string' ? operationName : null,
  };
}

export async function startTwingateSimulator(options: TwingateSimulatorOptions): Promise<TwingateSimulator> {
  const host = options.host ?? '127.0.0.1';
  const defaultPageSize = options.defaultPageSize ?? 50;
  if (!Number.isSafeInteger(defaultPageSize) || defaultPageSize < 1) throw new RangeError('defaultPageSize must be a positive integer');
  const latencyMs = options.latencyMs ?? 0;
  if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new RangeError('latencyMs must be >= 0');
  const readWindow = options.readRequestsPerMinute === undefined ? null : createFixedWindow(options.readRequestsPerMinute, 60_000, 'readRequestsPerMinute');
  const writeWindow = options.writeRequestsPerMinute === undefined ? null : createFixedWindow(options.writeRequestsPerMinute, 60_000, 'writeRequestsPerMinute');
  const readOnlyApiKey = options.readOnlyApiKey === undefined ? null : assertApiKey(options.readOnlyApiKey);
  const schema = twingateSchema();

  let apiKey = assertApiKey(options.apiKey);
  let faults = mergeTwingateFaults({}, options.faults ?? {});
  let stats: TwingateSimStats = { requests: 0, byStatus: {}, byRootField: {} };
  // Listening once the handlers below exist; they run only on requests, so after this is set.
  let loopback: LoopbackServer;
  const documents = new Map<string, DocumentNode | readonly GraphQLError[]>();
  let index: { users: TwingateUserRecord[]; revision: number; length: number; byId: Map<string, TwingateUserRecord> } | null =
    null;

  const countRoot = (field: TwingateRootField): void => {
    stats.byRootField[field] = (stats.byRootField[field] ?? 0) + 1;
  };

  function usersById(workspace: TwingateSimWorkspace): Map<string, TwingateUserRecord> {
    if (index === null || index.users !== workspace.users || index.revision !== workspace.revision || index.length !== workspace.users.length) {
      index = {
        users: workspace.users,
        revision: workspace.revision,
        length: workspace.users.length,
        byId: new Map(workspace.users.map((user) => [user.id, user])),
      };
    }
    return index.byId;
  }

  /** The objects graphql-js resolves one query against; faults shape what they answer. */
  function rootValue(workspace: TwingateSimWorkspace, queryFaults: { partialError: boolean; rootError: boolean }) {
    const rules: PagingRules = {
      defaultPageSize,
      ...(faults.clampPageSize !== undefined ? { clampPageSize: faults.clampPageSize } : {}),
      ...(faults.repeatCursor ? { repeatCursor: true } : {}),
    };
    const nullEmails = new Set(workspace.users.slice(0, faults.nullEmails ?? 0).map((user) => user.id));
    let partialErrorPending = queryFaults.partialError;
    const byId = usersById(workspace);

    const userView = (user: TwingateUserRecord) => {
      const failEmail = partialErrorPending;
      partialErrorPending = false;
      return {
        id: user.id,
        email: failEmail
          ? () => {
              throw new GraphQLError('Internal error while resolving the field');
            }
          : nullEmails.has(user.id)
            ? null
            : user.email,
        firstName: user.firstName,
        lastName: user.lastName,
        avatarUrl: null,
        role: user.role,
        state: user.state,
        type: user.type,
        createdAt: user.createdAt,
        updatedAt: user.updatedAt,
        isAdmin: user.role === 'ADMIN',
        groups: (args: ConnectionArgs) =>
          connection(
            workspace.groups.filter((group) => groupMemberIds(workspace, group).includes(user.id)),
            args,
            rules,
            groupView,
          ),
      };
    };
    const groupView = (group: TwingateGroupRecord) => ({
      id: group.id,
      name: group.name,
      type: group.type,
      isActive: group.isActive,
      originId: group.originId,
      createdAt: group.createdAt,
      updatedAt: group.updatedAt,
      users: (args: ConnectionArgs) => {
        const members = groupMemberIds(workspace, group).flatMap((id) => {
          const user = byId.get(id);
          return user === undefined ? [] : [user];
        });
        return connection(members, args, rules, userView);
      },
    });
    const failRoot = (): void => {
      if (queryFaults.rootError) throw new GraphQLError('Internal server error');
    };
    /** Twingate's `groupUpdate`: only MANUAL groups, only users of the network; a refusal is `ok: false` in HTTP 200. */
    const groupUpdate = ({ id, addedUserIds, removedUserIds }: { id: string; addedUserIds?: readonly string[] | null; removedUserIds?: readonly string[] | null }) => {
      countRoot('groupUpdate');
      const refused = (error: string) => ({ ok: false, error, entity: null });
      const notOk = consumeCounted(faults.groupUpdateNotOk);
      if (notOk.hit) {
        faults = { ...faults, groupUpdateNotOk: notOk.rest };
        return refused(notOk.hit.error ?? 'Something went wrong');
      }
      const group = workspace.groups.find((candidate) => candidate.id === id);
      if (group === undefined) return refused('Group not found');
      if (group.type !== 'MANUAL') return refused(`Cannot change the users of a ${group.type} group`);
      const added = addedUserIds ?? [];
      const removed = removedUserIds ?? [];
      if ([...added, ...removed].some((userId) => !byId.has(userId))) return refused('User not found');
      const next = group.memberIds.filter((userId) => !removed.includes(userId));
      for (const userId of added) if (!next.includes(userId) && !removed.includes(userId)) next.push(userId);
      group.memberIds = next;
      return { ok: true, error: null, entity: groupView(group) };
    };
    return {
      groupUpdate,
      users: (args: ConnectionArgs) => {
        countRoot('users');
        failRoot();
        return connection(workspace.users, args, rules, userView);
      },
      user: ({ id }: { id: string }) => {
        countRoot('user');
        failRoot();
        const user = byId.get(id);
        return user === undefined ? null : userView(user);
      },
      groups: (args: ConnectionArgs) => {
        countRoot('groups');
        failRoot();
        return connection(workspace.groups, args, rules, groupView);
      },
      group: ({ id }: { id: string }) => {
        countRoot('group');
        failRoot();
        const group = workspace.groups.find((candidate) => candidate.id === id);
        return group === undefined ? null : groupView(group);
      },
    };
  }

  /** The query parsed and validated against the schema, or the errors that refuse it (GraphQL answers those without `data`). */
  function prepare(query: string): DocumentNode | readonly GraphQLError[] {
    const cached = documents.get(query);
    if (cached !== undefined) return cached;
    let prepared: DocumentNode | readonly GraphQLError[];
    try {
      const document = parse(query);
      const errors = validate(schema, document);
      prepared = errors.length > 0 ? errors : document;
    } catch (error) {
      prepared = [error instanceof GraphQLError ? error : new GraphQLError('unreadable query')];
    }
    if (documents.size >= MAX_CACHED_DOCUMENTS) documents.clear();
    documents.set(query, prepared);
    return prepared;
  }

  /** Whether the body is a valid GraphQL request whose operation is a mutation (anything else is answered as a read). */
  function isMutation(body: string): boolean {
    const request = parseRequest(body);
    if (typeof request === 'string') return false;
    const document = prepare(request.query);
    if (!('kind' in document)) return false;
    return getOperationAST(document, request.operationName)?.operation === 'mutation';
  }

  async function answer(req: IncomingMessage): Promise<Answer> {
    const body = await readBody(req, MAX_BODY_BYTES);
    if (faults.redirectTo !== undefined) return { status: 308, body: '', contentType: 'text/plain', headers: { location: faults.redirectTo } };
    if (faults.unknownNetwork) return { status: 404, body: 'Not Found', contentType: 'text/plain; charset=utf-8' };
    if (faults.htmlBody) return { status: 200, body: SIGN_IN_PAGE, contentType: 'text/html; charset=utf-8' };
    if (req.method !== 'POST') return json(405, { errors: [{ message: 'method not allowed' }] }, { allow: 'POST' });
    const key = req.headers['x-api-key'];
    if (faults.rejectKey || typeof key !== 'string' || (key !== apiKey && key !== readOnlyApiKey)) return json(401, { error: 'Invalid API key' });
    const mutation = body !== null && isMutation(body);
    if (mutation) {
      if (key === readOnlyApiKey && key !== apiKey) return json(403, { error: 'Forbidden: the API key is read-only' });
      const writeWait = writeWindow?.admit(key, Date.now()) ?? null;
      if (writeWait !== null) return json(429, { error: 'Too Many Requests' }, { 'retry-after': String(writeWait) });
      const writeLimit = consumeCounted(faults.writeRateLimit);
      if (writeLimit.hit) {
        faults = { ...faults, writeRateLimit: writeLimit.rest };
        const after = writeLimit.hit.retryAfter;
        return json(429, { error: 'Too Many Requests' }, after === undefined ? undefined : { 'retry-after': String(after) });
      }
    } else if (readWindow !== null) {
      const wait = readWindow.admit(key, Date.now());
      if (wait !== null) return json(429, { error: 'Too Many Requests' }, { 'retry-after': String(wait) });
    }
    const rateLimit = consumeCounted(faults.rateLimit);
    if (rateLimit.hit) {
      faults = { ...faults, rateLimit: rateLimit.rest };
      const after = rateLimit.hit.retryAfter;
      return json(429, { error: 'Too Many Requests' }, after === undefined ? undefined : { 'retry-after': String(after) });
    }
    const serverError = consumeCounted(faults.serverErrors);
    if (serverError.hit) {
      faults = { ...faults, serverErrors: serverError.rest };
      return json(serverError.hit.status ?? 503, { error: 'Service Unavailable' });
    }
    if (body === null) return json(413, { errors: [{ message: 'request body too large' }] });
    const request = parseRequest(body);
    if (typeof request === 'string') return json(400, { errors: [{ message: request }] });

    const document = prepare(request.query);
    if (!('kind' in document)) return json(200, { errors: document.map((error) => error.toJSON()) });
    const errorFault = consumeCounted(faults.graphqlErrors);
    if (errorFault.hit) faults = { ...faults, graphqlErrors: errorFault.rest };
    const result = await execute({
      schema,
      document,
      variableValues: request.variables,
      operationName: request.operationName,
      rootValue: rootValue(simulator.workspace, {
        partialError: errorFault.hit?.partial === true,
        rootError: errorFault.hit !== undefined && errorFault.hit.partial !== true,
      }),
    });
    return json(200, result);
  }

  function deliver(res: ServerResponse, reply: Answer): void {
    stats.byStatus[reply.status] = (stats.byStatus[reply.status] ?? 0) + 1;
    const delayMs = latencyMs + (faults.slowMs ?? 0);
    loopback.later(res, delayMs, () => send(res, reply));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== TWINGATE_GRAPHQL_PATH) {
      req.resume();
      send(res, { status: 404, body: 'Not Found', contentType: 'text/plain; charset=utf-8' });
      return;
    }
    stats.requests += 1;
    deliver(res, await answer(req));
  }

  loopback = await listenOnLoopback(
    (req, res) => {
    handle(req, res).catch(() => send(res, json(500, { error: 'Internal Server Error' })));
    },
    { host, ...(options.port === undefined ? {} : { port: options.port }) },
  );
  const { origin } = loopback;
  const simulator: TwingateSimulator = {
    apiUrl: `${origin}${TWINGATE_GRAPHQL_PATH}`,
    workspace: options.workspace,
    setFaults(update) {
      faults = mergeTwingateFaults(faults, update);
    },
    clearFaults() {
      faults = {};
    },
    setApiKey(next) {
      apiKey = assertApiKey(next);
    },
    readOnlyApiKey,
    stats() {
      return { requests: stats.requests, byStatus: { ...stats.byStatus }, byRootField: { ...stats.byRootField } };
    },
    resetStats() {
      stats = { requests: 0, byStatus: {}, byRootField: {} };
    },
    close() {
      return loopback.close();
    },
  };
  return simulator;
}
