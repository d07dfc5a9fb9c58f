/**
 * The SCIM connector's refusals, as the error taxonomy the core acts on (design.md section 5): SCIM
 * error bodies read leniently (status as a string or a number, a 2xx carrying an error, a
 * provider's own envelope), `detail` never in a message, the token in none.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthError, ConfigError, ContractError, PermissionError, TransientError } from '../../../functions/core/errors.ts';
import { capturingLogger, closeAll, connect, ERROR_URN, loopbackScim, makeUsers, pagedList, scimError, TOKEN, until, type Answer, type Exchange } from './support.ts';

afterEach(closeAll);

const DETAIL = 'user jane.doe@example.com has no access to 10.0.0.7';

async function usersAnswering(answer: (exchange: Exchange) => Answer, config: Record<string, unknown> = {}) {
  const server = await loopbackScim((exchange) => (exchange.path === '/ServiceProviderConfig' ? { status: 404 } : answer(exchange)));
  const { logger, lines } = capturingLogger();
  return { server, lines, connector: connect(server.baseUrl, config, { logger }) };
}

describe('refusals of /Users', () => {
  it.each([
    ['401', scimError(401, undefined, DETAIL), AuthError, /^token rejected \(GET \/Users \(startIndex 1\) answered HTTP 401\)$/],
    ['403', scimError(403, undefined, DETAIL, true), PermissionError, /^token lacks permission to list users \(GET \/Users \(startIndex 1\) answered HTTP 403\)$/],
    ['404', { status: 404, body: 'Not Found' }, ConfigError, /answered HTTP 404: no SCIM Users endpoint there; check the SCIM base URL \(--base-url, or --preset\)/],
    ['400 invalidFilter', scimError(400, 'invalidFilter', DETAIL, true), ContractError, /answered HTTP 400, scimType invalidFilter$/],
    ['409 without a body', { status: 409 }, ContractError, /answered HTTP 409$/],
    ['an error in a 200', { status: 200, body: { schemas: [ERROR_URN], status: '403', detail: DETAIL } }, PermissionError, /answered HTTP 403/],
    ['an HTML sign-in page', { status: 200, body: '<!doctype html><html>sign in</html>', headers: { 'content-type': 'text/html' } }, ConfigError, /answered HTML.*--base-url/],
    ['a body that is not JSON', { status: 200, body: 'ok' }, ContractError, /not JSON/],
    ['Resources that is not a list', { status: 200, body: { totalResults: 1, Resources: { id: 'u1' } } }, ContractError, /Resources: expected array, got object/],
  ] as const)('%s', async (_case, answer, kind, message) => {
    const { connector, lines } = await usersAnswering(() => answer);
    const failure = connector.listPage('users', null);
    await expect(failure).rejects.toThrow(kind);
    await expect(failure).rejects.toThrow(message);
    const error = (await failure.then(
      () => new Error('listed'),
      (caught: unknown) => caught as Error,
    ));
    const everything = JSON.stringify([error.message, String(error.cause ?? ''), lines]);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain('jane.doe');
  });

  it('reads a provider envelope and a numeric status: the body status wins over the HTTP one', async () => {
    const { connector } = await usersAnswering(() => ({ status: 400, body: { error: { status: 401, scimType: 'invalidToken', detail: DETAIL } } }));
    const failure = connector.listPage('users', null);
    await expect(failure).rejects.toThrow(AuthError);
    await expect(failure).rejects.toThrow('answered HTTP 400 with SCIM status 401');
  });

  it('retries 5xx and succeeds', async () => {
    let refused = 0;
    const users = makeUsers(3);
    const { connector, server } = await usersAnswering((exchange) => (refused++ < 2 ? scimError(503) : pagedList(users, exchange.query)));
    expect((await connector.listPage('users', null)).accounts).toHaveLength(3);
    expect(server.to('/Users')).toHaveLength(3);
  });

  it('fails as transient when 5xx outlasts the retries', async () => {
    const { connector, server } = await usersAnswering(() => scimError(502));
    await expect(connector.listPage('users', null)).rejects.toThrow(TransientError);
    expect(server.to('/Users')).toHaveLength(4);
  });
});

describe('429 on fake time', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: new Date('2026-12-01T07:00:00.000Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits as long as Retry-After asks before asking again', async () => {
    let throttled = 0;
    const users = makeUsers(4);
    const server = await loopbackScim((exchange) => {
      if (exchange.path === '/ServiceProviderConfig') return { status: 404 };
      return throttled++ === 0 ? { status: 429, headers: { 'retry-after': '7' } } : pagedList(users, exchange.query);
    });
    const connector = connect(server.baseUrl, {}, { retry: { limit: 2, maxRetryAfterSeconds: 60 } });

    const page = connector.listPage('users', null);
    await until(() => server.to('/Users').length === 1);
    await vi.advanceTimersByTimeAsync(6_999);
    expect(server.to('/Users')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => server.to('/Users').length === 2);
    expect((await page).accounts).toHaveLength(4);
  });
});

describe('the token', () => {
  it('is sent without a pasted "Bearer " and refused when nothing else is left', async () => {
    const server = await loopbackScim((exchange) => pagedList([], exchange.query));
    await connect(server.baseUrl, {}, {}, `  bearer   ${TOKEN} `).listPage('users', null);
    expect(server.to('/Users')[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(() => connect(server.baseUrl, {}, {}, 'Bearer ')).toThrow("scim credentials lack 'token'");
  });
});
