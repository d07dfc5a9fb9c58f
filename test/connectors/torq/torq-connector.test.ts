import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AuthError,
  ConfigError,
  ContractError,
  PermissionError,
  TransientError,
} from '../../../functions/core/errors.ts';
import type { Clock, Connector, LogAttributes, Logger } from '../../../functions/core/ports.ts';
import type { Account, InvalidRecord } from '../../../functions/core/types.ts';
import { createTorqConnector, type TorqConnectorOptions } from '../../../functions/connectors/torq/torq-connector.ts';
import { WINDOW_MARGIN_MS } from '../../../functions/connectors/http/rate-limiter.ts';
import { CLIENT_ID, CLIENT_SECRET, FakeTorqServer } from './fake-torq-server.ts';

const EMAIL = 'Grace.Hopper@Example.com';
const ROLES = [
  { id: 'r-owner', name: 'Owner', description: 'all', scope_names: ['user.read'] },
  { id: 'r-viewer', name: 'Viewer', description: 'read', scope_names: [] },
];

let server: FakeTorqServer;
const logLines: { level: string; message: string; attributes?: LogAttributes }[] = [];
const recordingLogger: Logger = {
  debug: (message, attributes) => logLines.push({ level: 'debug', message, ...(attributes ? { attributes } : {}) }),
  info: (message, attributes) => logLines.push({ level: 'info', message, ...(attributes ? { attributes } : {}) }),
  warn: (message, attributes) => logLines.push({ level: 'warn', message, ...(attributes ? { attributes } : {}) }),
  error: (message, attributes) => logLines.push({ level: 'error', message, ...(attributes ? { attributes } : {}) }),
};

beforeEach(async () => {
  logLines.length = 0;
  server = await FakeTorqServer.start();
  server.roles = ROLES;
});

afterEach(async () => {
  vi.useRealTimers();
  await server.close();
});

/** A connector on the fake server; zero backoff and a ceiling no test reaches keep the tests quick (and the fake clock still). */
function connect(overrides: Partial<TorqConnectorOptions> = {}): Connector {
  return createTorqConnector({
    endpoints: server.endpoints,
    credentials: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
    requestsPerSecond: 1_000_000,
    retry: { limit: 4, backoffLimitMs: 0 },
    logger: recordingLogger,
    ...overrides,
  });
}

function apiHost(): string {
  return new URL(server.endpoints.apiBaseUrl).host;
}

/** Pages through a stream the way the core does. */
async function listAll(connector: Connector, stream: string): Promise<{ accounts: Account[]; invalid: InvalidRecord[]; pages: number }> {
  const accounts: Account[] = [];
  const invalid: InvalidRecord[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await connector.listPage(stream, cursor);
    accounts.push(...page.accounts);
    invalid.push(...page.invalid);
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor !== null);
  return { accounts, invalid, pages };
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error('expected a failure');
}

/** Everything an error or a log line could carry into a log, as one string. */
function serialised(error: Error): string {
  const parts: string[] = [];
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    parts.push(current.name, current.message, JSON.stringify(current), JSON.stringify(Object.entries(current)));
  }
  return parts.join('\n') + JSON.stringify(logLines);
}

function expectNoSecrets(error: Error): void {
  const text = serialised(error);
  const basic = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64');
  for (const secret of [CLIENT_SECRET, basic, ...server.issuedTokens, EMAIL, EMAIL.toLowerCase()]) {
    expect(text).not.toContain(secret);
  }
}

/** Lets real I/O proceed (setImmediate is not faked) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 5000; turn++) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error('condition not reached');
}

/** A fetch that reports each answer's status once the client has it. */
function observedFetch(statuses: number[]): typeof globalThis.fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    statuses.push(response.status);
    return response;
  };
}

function users(count: number, prefix = 'u'): { id: string; email: string; role_id: string; status: string }[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `${prefix}-${index + 1}`,
    email: `${prefix}${index + 1}@example.com`,
    role_id: index % 2 === 0 ? 'r-owner' : 'r-viewer',
    status: 'VERIFIED',
  }));
}

describe('listing', () => {
  it('sends page_size=100, forwards the cursor as page_token and returns the next token as the cursor', async () => {
    server.users.local = users(150);
    const connector = connect();

    const first = await connector.listPage('local', null);
    const second = await connector.listPage('local', first.nextCursor);

    expect(first.accounts).toHaveLength(100);
    expect(first.nextCursor).toBe('o100');
    expect(second.accounts).toHaveLength(50);
    expect(second.nextCursor).toBeNull();
    const [firstQuery, secondQuery] = server.requestsTo('users').map((request) => request.query);
    expect(firstQuery?.get('page_size')).toBe('100');
    expect(firstQuery?.has('page_token')).toBe(false);
    expect(secondQuery?.get('page_size')).toBe('100');
    expect(secondQuery?.get('page_token')).toBe('o100');
  });

  it('asks for sso_provision=true on the sso stream only, and takes the SSO flag from the stream', async () => {
    server.users.local = [{ id: 'local-1' }];
    server.users.sso = [{ id: 'sso-1' }];
    const connector = connect();

    const local = await connector.listPage('local', null);
    const sso = await connector.listPage('sso', null);

    expect(connector.streams).toEqual(['local', 'sso']);
    expect(local.accounts.map((account) => [account.id, account.ssoProvisioned])).toEqual([['local-1', false]]);
    expect(sso.accounts.map((account) => [account.id, account.ssoProvisioned])).toEqual([['sso-1', true]]);
    const [localQuery, ssoQuery] = server.requestsTo('users').map((request) => request.query);
    expect(localQuery?.has('sso_provision')).toBe(false);
    expect(ssoQuery?.get('sso_provision')).toBe('true');
  });

  it('treats an empty next_page_token as the last page', async () => {
    server.script('users', { status: 200, json: { users: [{ id: 'u-1' }], next_page_token: '' } });

    const page = await connect().listPage('local', null);

    expect(page.nextCursor).toBeNull();
  });

  it('reads protobuf-JSON that leaves out an empty users list as an empty page', async () => {
    server.script('users', { status: 200, json: {} });

    const page = await connect().listPage('sso', null);

    expect(page).toEqual({ accounts: [], invalid: [], nextCursor: null });
  });

  it('maps records, counting the unusable ones by id and reason while the rest of the page goes on', async () => {
    server.users.local = [
      { id: 'u-1', email: ` ${EMAIL} `, role_id: 'r-owner', status: 'VERIFIED', created_time: '2025-01-01T00:00:00Z' },
      { id: 'u-2', email: 42 },
      { email: 'nobody@example.com' },
      { id: 'u-3' },
      { id: 'u-4', sso_provision: 'yes', status: 'STATUS_NEW' },
      'not a record',
      { id: 'u-5', status: 'STATUS_NEW' },
    ];

    const page = await connect().listPage('local', null);

    expect(page.accounts).toEqual([
      {
        id: 'u-1',
        email: ` ${EMAIL} `,
        emailKey: EMAIL.toLowerCase(),
        name: null,
        login: null,
        externalId: null,
        roleId: 'r-owner',
        roleName: 'Owner',
        status: 'VERIFIED',
        state: 'active',
        ssoProvisioned: false,
        createdAt: '2025-01-01T00:00:00Z',
        updatedAt: null,
        lastLoginAt: null,
      },
      expect.objectContaining({ id: 'u-3', email: null, emailKey: null }),
      expect.objectContaining({ id: 'u-5', status: 'STATUS_NEW' }),
    ]);
    expect(page.invalid).toEqual([
      { id: 'u-2', reason: 'email: expected string, got number' },
      { id: null, reason: 'id: missing' },
      { id: 'u-4', reason: 'sso_provision: expected boolean, got string' },
      { id: null, reason: 'record: expected object, got string' },
    ]);
  });

  it('names roles from every page of the role list, with null for a role it does not know', async () => {
    server.maxPageSize = 2;
    server.roles = [
      { id: 'r-1', name: 'Viewer' },
      { id: 'r-2', name: 'Operator' },
      { id: 'r-3', name: 'Contributor' },
      { id: 'r-4', name: 'Owner' },
      { id: 'r-5', name: 'Auditors (custom)' },
    ];
    server.users.local = [
      { id: 'u-1', role_id: 'r-5' },
      { id: 'u-2', role_id: 'r-gone' },
      { id: 'u-3' },
    ];

    const { accounts } = await listAll(connect(), 'local');

    expect(accounts.map((account) => [account.id, account.roleId, account.roleName])).toEqual([
      ['u-1', 'r-5', 'Auditors (custom)'],
      ['u-2', 'r-gone', null],
      ['u-3', null, null],
    ]);
    const roleQueries = server.requestsTo('roles').map((request) => request.query);
    expect(roleQueries.map((query) => query.get('page_token'))).toEqual([null, 'o2', 'o4']);
    expect(roleQueries.every((query) => query.get('page_size') === '100')).toBe(true);
  });

  it('exchanges the credentials once and reads the roles once for a listing of many pages over both streams', async () => {
    server.maxPageSize = 2;
    server.users.local = users(7, 'local');
    server.users.sso = users(5, 'sso');
    const connector = connect();

    const [local, sso] = await Promise.all([listAll(connector, 'local'), listAll(connector, 'sso')]);

    expect(local.pages + sso.pages).toBe(7);
    expect(server.requestsTo('token')).toHaveLength(1);
    expect(server.requestsTo('roles')).toHaveLength(1);
    const token = server.requestsTo('token')[0];
    expect(token?.authorization).toBe(`Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`);
    expect(token?.contentType).toContain('application/x-www-form-urlencoded');
    expect(new URLSearchParams(token?.body).get('grant_type')).toBe('client_credentials');
    expect(server.requestsTo('users').every((request) => request.authorization === `Bearer ${server.issuedTokens[0]}`)).toBe(true);
  });

  it('logs ids, counts and statuses, never an email', async () => {
    server.users.local = [{ id: 'u-1', email: EMAIL }];
    server.script('users', { status: 503 });

    await connect().listPage('local', null);

    expect(logLines.some((line) => line.level === 'warn' && line.attributes?.status === 503)).toBe(true);
    expect(JSON.stringify(logLines)).not.toContain(EMAIL);
    expect(JSON.stringify(logLines)).not.toContain(EMAIL.toLowerCase());
  });
});

describe('malformed answers', () => {
  it.each([
    ['a body that is not JSON', { status: 200, text: '<html>maintenance</html>' }, 'not JSON'],
    ['an empty body', { status: 200, text: '' }, 'not JSON'],
    ['users that is not a list', { status: 200, json: { users: { id: 'u-1' } } }, 'users: expected array, got object'],
    ['users that is null', { status: 200, json: { users: null } }, 'users: expected array, got null'],
    ['a list instead of a page', { status: 200, json: [{ id: 'u-1' }] }, 'record: expected object, got array'],
    ['a numeric page token', { status: 200, json: { users: [], next_page_token: 2 } }, 'next_page_token: expected string, got number'],
  ])('fails with a ContractError on %s, never as an empty page', async (_case, answer, reason) => {
    server.script('users', answer);

    const error = await failureOf(connect().listPage('sso', null));

    expect(error).toBeInstanceOf(ContractError);
    expect(error.message).toContain('GET /users (stream sso) answered HTTP 200');
    expect(error.message).toContain(reason);
    expect(error.message).not.toContain('maintenance');
  });

  it('fails with a ContractError when the role list repeats a page token', async () => {
    server.script(
      'roles',
      { status: 200, json: { roles: [ROLES[0]], next_page_token: 'again' } },
      { status: 200, json: { roles: [ROLES[1]], next_page_token: 'again' } },
    );

    const error = await failureOf(connect().listPage('local', null));

    expect(error).toBeInstanceOf(ContractError);
    expect(error.message).toBe('GET /users/roles repeated a page token after page 2');
  });

  it('fails with a ContractError when the role list never ends', async () => {
    server.maxPageSize = 1;
    server.roles = Array.from({ length: 10 }, (_, index) => ({ id: `r-${index}`, name: `Role ${index}` }));

    const error = await failureOf(connect({ maxRolePages: 3 }).listPage('local', null));

    expect(error).toBeInstanceOf(ContractError);
    expect(error.message).toContain('exceeded 3 pages');
    expect(server.requestsTo('roles')).toHaveLength(3);
  });

  it('tries the role list again on the next call after it failed', async () => {
    server.script('roles', { status: 200, text: 'garbage' });
    const connector = connect();

    await expect(connector.listPage('local', null)).rejects.toThrow(ContractError);
    const page = await connector.listPage('local', null);

    expect(page.nextCursor).toBeNull();
    expect(server.requestsTo('roles')).toHaveLength(2);
  });

  it('reports a 404 as a config error pointing at the API base URL', async () => {
    const error = await failureOf(
      connect({ endpoints: { ...server.endpoints, apiBaseUrl: server.endpoints.apiBaseUrl.replace('/public', '') } }).listPage('local', null),
    );

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('--api-url');
  });

  it('fails with a ContractError when the token answer has no access_token', async () => {
    server.script('token', { status: 200, json: { token_type: 'Bearer', expires_in: 3600 } });

    const error = await failureOf(connect().listPage('local', null));

    expect(error).toBeInstanceOf(ContractError);
    expect(error.message).toBe('POST token endpoint answered HTTP 200 without a usable token: access_token: missing');
  });
});

describe('hostile answers', () => {
  it('refuses a data call redirected to another origin: no token reaches it and nothing it says is listed', async () => {
    const elsewhere = await FakeTorqServer.start();
    try {
      elsewhere.users.local = [{ id: 'intruder' }];
      server.users.local = users(1);
      server.script('users', { status: 302, headers: { location: `${elsewhere.endpoints.apiBaseUrl}/users?grab=marker-90be` } });

      const error = await failureOf(connect().listPage('local', null));

      expect(error).toBeInstanceOf(ContractError);
      expect(error.message).toBe('GET /users (stream local) answered HTTP 302, a redirect: refused (redirects are never followed); check the configured URL');
      expect(serialised(error)).not.toContain('marker-90be');
      expect(elsewhere.requests).toHaveLength(0);
      expect(server.requestsTo('users')).toHaveLength(1);
      expectNoSecrets(error);
    } finally {
      await elsewhere.close();
    }
  });

  it('refuses a token exchange redirected to another origin: the client secret never reaches it', async () => {
    const elsewhere = await FakeTorqServer.start();
    try {
      server.script('token', { status: 307, headers: { location: elsewhere.endpoints.tokenUrl } });

      const error = await failureOf(connect().listPage('local', null));

      expect(error).toBeInstanceOf(ContractError);
      expect(error.message).toBe('POST token endpoint answered HTTP 307, a redirect: refused (redirects are never followed); check the configured URL');
      expect(elsewhere.requests).toHaveLength(0);
      expect(server.requestsTo('token')).toHaveLength(1);
      expectNoSecrets(error);
    } finally {
      await elsewhere.close();
    }
  });

  it('fails a page whose answer is larger than maxResponseBytes, naming the request and the limit', async () => {
    server.users.local = users(100);

    const error = await failureOf(connect({ maxResponseBytes: 4096 }).listPage('local', null));

    expect(error).toBeInstanceOf(ContractError);
    expect(error.message).toBe('GET /users (stream local) answered more than 4 KiB (maxResponseBytes): refused');
    expect(server.requestsTo('users')).toHaveLength(1);
    expectNoSecrets(error);
  });

  it('lists a 100-user page well within the default size cap', async () => {
    server.users.local = users(100).map((user) => ({ ...user, name: 'N'.repeat(200) }));

    const page = await connect().listPage('local', null);

    expect(page.accounts).toHaveLength(100);
  });
});

describe('credentials and tokens', () => {
  it('refreshes an expired token before the call, silently', async () => {
    let nowMs = Date.parse('2026-01-01T00:00:00Z');
    const clock: Clock = { now: () => new Date(nowMs) };
    server.maxPageSize = 1;
    server.users.local = users(3);
    const connector = connect({ clock });

    const first = await connector.listPage('local', null);
    nowMs += 3600_000 - 59_000;
    const second = await connector.listPage('local', first.nextCursor);

    expect(second.accounts).toHaveLength(1);
    expect(server.issuedTokens).toHaveLength(2);
    expect(server.requestsTo('users').map((request) => request.authorization)).toEqual([
      `Bearer ${server.issuedTokens[0]}`,
      `Bearer ${server.issuedTokens[1]}`,
    ]);
  });

  it('refreshes once and silently when a data call answers 401 mid-listing', async () => {
    server.maxPageSize = 2;
    server.users.local = users(5);
    const connector = connect();

    const first = await connector.listPage('local', null);
    server.revoke(server.issuedTokens[0] ?? '');
    const rest = await connector.listPage('local', first.nextCursor);

    expect(rest.accounts.map((account) => account.id)).toEqual(['u-3', 'u-4']);
    expect(server.issuedTokens).toHaveLength(2);
    expect(server.requestsTo('users').map((request) => request.authorization)).toEqual([
      `Bearer ${server.issuedTokens[0]}`,
      `Bearer ${server.issuedTokens[0]}`,
      `Bearer ${server.issuedTokens[1]}`,
    ]);
  });

  it('fails with an AuthError when a data call answers 401 again right after a fresh token', async () => {
    server.script('users', { status: 401 }, { status: 401 });

    const error = await failureOf(connect().listPage('local', null));

    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toMatch(/^credentials rejected \(GET \/users \(stream local\) answered HTTP 401/);
    expect(server.requestsTo('token')).toHaveLength(2);
    expect(server.requestsTo('users')).toHaveLength(2);
    expectNoSecrets(error);
  });

  it('fails with an AuthError when the token endpoint answers 401, without retrying it', async () => {
    const error = await failureOf(connect({ credentials: { clientId: CLIENT_ID, clientSecret: 'wrong-secret-3b8e' } }).listPage('local', null));

    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toBe('credentials rejected (POST token endpoint answered HTTP 401)');
    expect(server.requestsTo('token')).toHaveLength(1);
    expect(server.requestsTo('users')).toHaveLength(0);
    expect(serialised(error)).not.toContain('wrong-secret-3b8e');
  });

  it('fails with a PermissionError when the users listing answers 403', async () => {
    server.script('users', { status: 403, json: { code: 7, message: `user ${EMAIL} lacks user.read` } });

    const error = await failureOf(connect().listPage('sso', null));

    expect(error).toBeInstanceOf(PermissionError);
    expect(error.message).toBe('API key lacks user.read (GET /users (stream sso) answered HTTP 403)');
    expect(server.requestsTo('users')).toHaveLength(1);
    expectNoSecrets(error);
  });

  it('fails with a PermissionError when the role list answers 403', async () => {
    server.script('roles', { status: 403 });

    const error = await failureOf(connect().listPage('local', null));

    expect(error).toBeInstanceOf(PermissionError);
    expect(error.message).toBe('API key lacks permission to read roles (GET /users/roles answered HTTP 403)');
  });

  it('retries the token exchange (a POST) on a 503', async () => {
    server.script('token', { status: 503 }, { status: 502 });

    const page = await connect().listPage('local', null);

    expect(page.nextCursor).toBeNull();
    expect(server.requestsTo('token')).toHaveLength(3);
  });
});

describe('retries', () => {
  it('retries a 503 and succeeds', async () => {
    server.users.local = users(1);
    server.script('users', { status: 503 }, { status: 500 });

    const page = await connect().listPage('local', null);

    expect(page.accounts).toHaveLength(1);
    expect(server.requestsTo('users')).toHaveLength(3);
  });

  it('fails with a TransientError once retries are spent on a persistent 503', async () => {
    server.script('users', ...Array.from({ length: 5 }, () => ({ status: 503, json: { message: `down for ${EMAIL}` } })));

    const error = await failureOf(connect().listPage('sso', null));

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe('GET /users (stream sso) failed with HTTP 503 after 5 attempts');
    expect((error as TransientError).retryAfterSeconds).toBeNull();
    expect(error.cause).toMatchObject({ name: 'HTTPError', message: 'HTTP 503' });
    expect(server.requestsTo('users')).toHaveLength(5);
    expectNoSecrets(error);
  });

  it('never reads a persistent 429 as an empty page, and keeps the Retry-After it was given', async () => {
    server.script('users', ...Array.from({ length: 3 }, () => ({ status: 429, headers: { 'retry-after': '30' } })));

    const error = await failureOf(connect({ retry: { limit: 2, maxRetryAfterSeconds: 0 } }).listPage('local', null));

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe('GET /users (stream local) failed with HTTP 429 after 3 attempts');
    expect((error as TransientError).retryAfterSeconds).toBe(30);
  });

  it('fails with a TransientError when the server cannot be reached', async () => {
    const endpoints = server.endpoints;
    await server.close();
    server = await FakeTorqServer.start();

    const error = await failureOf(connect({ endpoints, retry: { limit: 1, backoffLimitMs: 0 } }).listPage('local', null));

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe(`POST token endpoint to ${new URL(endpoints.tokenUrl).host} failed: connection refused (ECONNREFUSED) after 2 attempts`);
    expect(error.cause).toMatchObject({ message: 'ECONNREFUSED' });
    expectNoSecrets(error);
  });

  describe('on a fake clock', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    });

    it('waits exactly as long as Retry-After asks on a 429, then retries', async () => {
      server.users.local = users(2);
      server.script('users', { status: 429, headers: { 'retry-after': '7' } });
      const statuses: number[] = [];
      const listing = connect({ fetch: observedFetch(statuses) }).listPage('local', null);

      await until(() => statuses.includes(429));
      await vi.advanceTimersByTimeAsync(6_999);
      expect(server.requestsTo('users')).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);

      expect((await listing).accounts).toHaveLength(2);
      const [first, second] = server.requestsTo('users');
      expect((second?.atMs ?? 0) - (first?.atMs ?? 0)).toBe(7_000);
    });

    it('waits at most maxRetryAfterSeconds when Retry-After asks for longer, then retries', async () => {
      server.script('users', { status: 503, headers: { 'retry-after': '3600' } });
      const statuses: number[] = [];
      const listing = connect({ fetch: observedFetch(statuses), retry: { maxRetryAfterSeconds: 5 } }).listPage('local', null);

      await until(() => statuses.includes(503));
      await vi.advanceTimersByTimeAsync(5_000);

      expect((await listing).nextCursor).toBeNull();
      const [first, second] = server.requestsTo('users');
      expect((second?.atMs ?? 0) - (first?.atMs ?? 0)).toBe(5_000);
    });

    it('refreshes a token that would expire during a Retry-After wait before retrying', async () => {
      server.tokenLifetimeSeconds = 90;
      server.script('users', { status: 429, headers: { 'retry-after': '50' } });
      const statuses: number[] = [];
      const listing = connect({ fetch: observedFetch(statuses) }).listPage('local', null);

      await until(() => statuses.includes(429));
      await vi.advanceTimersByTimeAsync(50_000);

      expect((await listing).nextCursor).toBeNull();
      expect(server.issuedTokens).toHaveLength(2);
      expect(server.requestsTo('users').map((request) => request.authorization)).toEqual([
        `Bearer ${server.issuedTokens[0]}`,
        `Bearer ${server.issuedTokens[1]}`,
      ]);
    });

    it('paces API calls at the configured ceiling from the first one on, roles and users alike', async () => {
      server.maxPageSize = 1;
      server.users.local = users(10);
      let done = false;
      const start = Date.now();
      const listing = listAll(connect({ requestsPerSecond: 10 }), 'local').finally(() => {
        done = true;
      });

      await until(() => {
        vi.advanceTimersByTime(5);
        return done;
      });
      await listing;

      const times = server.requests.filter((request) => request.route !== 'token').map((request) => request.atMs);
      // Two role pages (page size 1) and ten user pages.
      expect(times).toHaveLength(12);
      // Granted half an interval apart, and the eleventh once the window of the first (a second and
      // the margin) has passed: ten per window. (The first call also waits for the token.)
      times.forEach((time, index) => {
        const earliest = index < 10 ? index * 50 : 1000 + WINDOW_MARGIN_MS + (index - 10) * 50;
        expect(time - start).toBeGreaterThanOrEqual(earliest);
      });
    });

    it('fails with a TransientError when the answer stalls after its headers', async () => {
      server.script('users', { status: 200, json: { users: users(50) }, stallBody: true });
      const listing = failureOf(connect({ timeoutMs: 1_000, retry: { limit: 0, backoffLimitMs: 0 } }).listPage('local', null));

      await until(() => server.requestsTo('users').length === 1);
      await until(() => {
        vi.advanceTimersByTime(100);
        return vi.getTimerCount() === 0;
      });
      const error = await listing;

      expect(error).toBeInstanceOf(TransientError);
      expect(error.message).toBe(`GET /users (stream local) to ${apiHost()} failed: timed out reading the body (1000 ms per attempt) after 1 attempt`);
      expectNoSecrets(error);
    });

    it('retries a call that times out, then fails with a TransientError', async () => {
      server.script('users', { status: 200, hang: true }, { status: 200, hang: true });
      const listing = failureOf(connect({ timeoutMs: 1_000, retry: { limit: 1, backoffLimitMs: 0 } }).listPage('local', null));

      await until(() => server.requestsTo('users').length === 1);
      await vi.advanceTimersByTimeAsync(1_000);
      // The zero backoff is scheduled while the fake clock is ticking, which makes it 1 ms.
      await until(() => {
        vi.advanceTimersByTime(1);
        return server.requestsTo('users').length === 2;
      });
      await vi.advanceTimersByTimeAsync(1_000);
      const error = await listing;

      expect(error).toBeInstanceOf(TransientError);
      expect(error.message).toBe(`GET /users (stream local) to ${apiHost()} failed: timed out waiting for the answer (1000 ms per attempt) after 2 attempts`);
      expectNoSecrets(error);
    });
  });
});
