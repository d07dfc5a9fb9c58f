/**
 * The SCIM connector's paging against small loopback servers: index paging advanced by the
 * resources received, RFC 9865 cursors, restarts after a refused cursor, and pages that make no
 * progress failing the listing instead of looping or ending it empty.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ContractError, TransientError } from '../../../functions/core/errors.ts';
import {
  capturingLogger,
  closeAll,
  connect,
  idsOf,
  LIST_URN,
  loopbackScim,
  makeUsers,
  pagedList,
  pagesOf,
  scimError,
  TOKEN,
  type Answer,
  type Exchange,
} from './support.ts';

afterEach(closeAll);

const noGroups = (exchange: Exchange): Answer | null => (exchange.path === '/Groups' ? { status: 404 } : null);
const noConfig = (exchange: Exchange): Answer | null => (exchange.path === '/ServiceProviderConfig' ? { status: 404 } : null);

describe('index paging', () => {
  it('asks /Users with startIndex, count, the bearer token and SCIM media type, and reads the configuration once', async () => {
    const users = makeUsers(250);
    const server = await loopbackScim((exchange) => noConfig(exchange) ?? pagedList(users, exchange.query));
    const connector = connect(server.baseUrl, {}, {}, `Bearer ${TOKEN}`);

    const pages = await pagesOf(connector, 'users');

    expect(idsOf(pages)).toEqual(users.map((user) => user.id));
    expect(server.to('/Users').map((exchange) => exchange.query.toString())).toEqual([
      'startIndex=1&count=100',
      'startIndex=101&count=100',
      'startIndex=201&count=100',
    ]);
    for (const exchange of server.exchanges) {
      expect(exchange.method).toBe('GET');
      expect(exchange.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(exchange.headers.accept).toBe('application/scim+json, application/json');
    }
    expect(server.to('/ServiceProviderConfig')).toHaveLength(1);
    expect(pages.map((page) => page.total)).toEqual([250, 250, 250]);
  });

  it('advances by the resources received when the provider caps count silently, never stopping on a short page', async () => {
    const users = makeUsers(30);
    const server = await loopbackScim((exchange) => noConfig(exchange) ?? pagedList(users, exchange.query, { cap: 7 }));

    const pages = await pagesOf(connect(server.baseUrl, { pageSize: 10 }), 'users');

    expect(idsOf(pages)).toEqual(users.map((user) => user.id));
    expect(server.to('/Users').map((exchange) => exchange.query.get('startIndex'))).toEqual(['1', '8', '15', '22', '29']);
    expect(server.to('/Users').every((exchange) => exchange.query.get('count') === '10')).toBe(true);
  });

  it('reports each page its totalResults as it drifts, so the core can refuse a listing it cannot reconcile', async () => {
    const users = makeUsers(25);
    const totals: Record<number, number> = { 1: 25, 11: 27, 21: 26 };
    const server = await loopbackScim(
      (exchange) => noConfig(exchange) ?? pagedList(users, exchange.query, { totalResults: (start) => totals[start] ?? 25 }),
    );

    const pages = await pagesOf(connect(server.baseUrl, { pageSize: 10 }), 'users');

    // 27 at the second page keeps the listing going past 25; the last page's count is the one the core checks.
    expect(idsOf(pages)).toHaveLength(25);
    expect(pages.map((page) => page.total)).toEqual([25, 27, 26, 25]);
    expect(server.to('/Users').map((exchange) => exchange.query.get('startIndex'))).toEqual(['1', '11', '21', '26']);
  });

  it('ends at an empty page whose totalResults agrees, with Resources absent', async () => {
    const users = makeUsers(20);
    // The count shrank to 20 while a page of 10 was asked at 21: nothing remains, nothing missing.
    const server = await loopbackScim(
      (exchange) =>
        noConfig(exchange) ??
        pagedList(users, exchange.query, { omitEmptyResources: true, totalResults: (start) => (start < 21 ? 21 : 20) }),
    );

    const pages = await pagesOf(connect(server.baseUrl, { pageSize: 10 }), 'users');

    expect(idsOf(pages)).toHaveLength(20);
    expect(pages.at(-1)).toMatchObject({ accounts: [], nextCursor: null, total: 20 });
  });

  it('lists an empty provider as one empty page: Resources absent, totalResults 0', async () => {
    const server = await loopbackScim((exchange) => noConfig(exchange) ?? { body: { schemas: [LIST_URN], totalResults: 0 } });
    const pages = await pagesOf(connect(server.baseUrl), 'users');
    expect(pages).toEqual([{ accounts: [], invalid: [], nextCursor: null, total: 0 }]);
  });

  it('pages on until an empty page when totalResults is missing', async () => {
    const users = makeUsers(12);
    const server = await loopbackScim(
      (exchange) => noConfig(exchange) ?? pagedList(users, exchange.query, { cap: 5, totalResults: () => undefined }),
    );

    const pages = await pagesOf(connect(server.baseUrl), 'users');

    expect(idsOf(pages)).toHaveLength(12);
    expect(server.to('/Users').map((exchange) => exchange.query.get('startIndex'))).toEqual(['1', '6', '11', '13']);
    expect(pages.every((page) => page.total === undefined)).toBe(true);
  });

  it('fails the listing on an empty page while totalResults says more remain', async () => {
    const users = makeUsers(15);
    const server = await loopbackScim(
      (exchange) => noConfig(exchange) ?? pagedList(users, exchange.query, { totalResults: () => 40 }),
    );
    const connector = connect(server.baseUrl, { pageSize: 10 });
    const first = await connector.listPage('users', null);
    const second = await connector.listPage('users', first.nextCursor);

    const failure = connector.listPage('users', second.nextCursor);

    await expect(failure).rejects.toThrow(ContractError);
    await expect(failure).rejects.toThrow(/made no progress \(no resources at startIndex 16 while totalResults is 40\)/);
  });

  it('fails the listing when a provider ignores startIndex and answers the same page again', async () => {
    const users = makeUsers(30);
    const server = await loopbackScim(
      (exchange) => noConfig(exchange) ?? pagedList(users, new URLSearchParams({ count: exchange.query.get('count') ?? '10' })),
    );
    const connector = connect(server.baseUrl, { pageSize: 10 });
    const first = await connector.listPage('users', null);

    await expect(connector.listPage('users', first.nextCursor)).rejects.toThrow(/same resource as the page before/);
  });

  it('lowers count to the maximum the service provider configuration advertises', async () => {
    const users = makeUsers(12);
    const server = await loopbackScim((exchange) =>
      exchange.path === '/ServiceProviderConfig' ? { body: { filter: { supported: true, maxResults: 5 } } } : pagedList(users, exchange.query),
    );

    const pages = await pagesOf(connect(server.baseUrl), 'users');

    expect(idsOf(pages)).toHaveLength(12);
    expect(server.to('/Users').map((exchange) => exchange.query.get('count'))).toEqual(['5', '5', '5']);
  });

  it('lists without the configuration when it fails, asking it once and never again', async () => {
    const users = makeUsers(5);
    const server = await loopbackScim((exchange) =>
      exchange.path === '/ServiceProviderConfig' ? { status: 500, body: 'boom' } : pagedList(users, exchange.query),
    );
    const connector = connect(server.baseUrl);

    expect(idsOf(await pagesOf(connector, 'users'))).toHaveLength(5);
    await pagesOf(connector, 'users');
    expect(server.to('/ServiceProviderConfig')).toHaveLength(1);
  });
});

describe('cursor paging (RFC 9865)', () => {
  /** A provider that pages by its own cursor `c<offset>` and answers index requests with the first page and a cursor. */
  function cursorProvider(users: readonly unknown[], size: number, exchange: Exchange, refuse?: (cursor: string) => Answer | null): Answer {
    const cursor = exchange.query.get('cursor');
    if (cursor !== null && cursor !== '') {
      const refused = refuse?.(cursor);
      if (refused) return refused;
    }
    const offset = cursor === null || cursor === '' ? 0 : Number(cursor.slice(1));
    const page = users.slice(offset, offset + size);
    const next = offset + size < users.length ? `c${offset + size}` : undefined;
    return { body: { schemas: [LIST_URN], totalResults: users.length, Resources: page, ...(next ? { nextCursor: next } : {}) } };
  }

  it('follows nextCursor instead of startIndex, to the page without one', async () => {
    const users = makeUsers(23);
    const server = await loopbackScim((exchange) => noConfig(exchange) ?? cursorProvider(users, 10, exchange));

    const pages = await pagesOf(connect(server.baseUrl, { pageSize: 10 }), 'users');

    expect(idsOf(pages)).toEqual(users.map((user) => user.id));
    expect(server.to('/Users').map((exchange) => exchange.query.toString())).toEqual([
      'startIndex=1&count=10',
      'cursor=c10&count=10',
      'cursor=c20&count=10',
    ]);
    expect(pages.map((page) => page.total)).toEqual([23, 23, 23]);
  });

  it('asks a cursor-only provider (by its configuration) for its first page by cursor', async () => {
    const users = makeUsers(15);
    const server = await loopbackScim((exchange) =>
      exchange.path === '/ServiceProviderConfig'
        ? { body: { pagination: { cursor: true, index: false, maxPageSize: 10 } } }
        : exchange.query.has('startIndex')
          ? scimError(400, 'invalidValue')
          : cursorProvider(users, 10, exchange),
    );

    const pages = await pagesOf(connect(server.baseUrl), 'users');

    expect(idsOf(pages)).toHaveLength(15);
    expect(server.to('/Users').map((exchange) => exchange.query.toString())).toEqual(['cursor=&count=10', 'cursor=c10&count=10']);
  });

  it.each(['invalidCursor', 'expiredCursor'])('restarts the listing once after %s, from the first page', async (scimType) => {
    const users = makeUsers(25);
    let refused = 0;
    const server = await loopbackScim(
      (exchange) =>
        noConfig(exchange) ??
        cursorProvider(users, 10, exchange, (cursor) => (cursor === 'c20' && refused++ === 0 ? scimError(400, scimType, undefined, true) : null)),
    );
    const { logger, lines } = capturingLogger();

    const pages = await pagesOf(connect(server.baseUrl, { pageSize: 10 }, { logger }), 'users');

    // c0-9, c10-19, then the refusal and the first page again, then c10-19 and c20-24.
    expect(server.to('/Users').map((exchange) => exchange.query.toString())).toEqual([
      'startIndex=1&count=10',
      'cursor=c10&count=10',
      'cursor=c20&count=10',
      'startIndex=1&count=10',
      'cursor=c10&count=10',
      'cursor=c20&count=10',
    ]);
    expect(new Set(idsOf(pages)).size).toBe(25);
    expect(lines.some((line) => line.includes('cursor refused') && line.includes(scimType))).toBe(true);
  });

  it.each([
    ['invalidCursor', ContractError],
    ['expiredCursor', TransientError],
  ] as const)('fails the listing when %s comes again after the restart', async (scimType, kind) => {
    const users = makeUsers(25);
    const server = await loopbackScim((exchange) => noConfig(exchange) ?? cursorProvider(users, 10, exchange, () => scimError(400, scimType)));

    const failure = pagesOf(connect(server.baseUrl, { pageSize: 10 }), 'users');

    await expect(failure).rejects.toThrow(kind);
    await expect(failure).rejects.toThrow(new RegExp(`again after one restart \\(${scimType}\\)`));
  });

  it('fails the listing when the provider answers the cursor it was asked with', async () => {
    const users = makeUsers(25);
    const server = await loopbackScim((exchange) => {
      if (exchange.path === '/ServiceProviderConfig') return { status: 404 };
      const offset = exchange.query.has('cursor') ? 10 : 0;
      return { body: { schemas: [LIST_URN], totalResults: 25, Resources: users.slice(offset, offset + 10), nextCursor: 'same' } };
    });
    const connector = connect(server.baseUrl, { pageSize: 10 });
    const first = await connector.listPage('users', null);

    await expect(connector.listPage('users', first.nextCursor)).rejects.toThrow(/answered the cursor it was asked with/);
  });
});

describe('no progress behind fresh cursors', () => {
  it('fails the listing when a cursor page opens with the resource the page before opened with', async () => {
    const users = makeUsers(25);
    let issued = 0;
    const server = await loopbackScim((exchange) =>
      exchange.path === '/ServiceProviderConfig'
        ? { status: 404 }
        : { body: { schemas: [LIST_URN], totalResults: 25, Resources: users.slice(0, 10), nextCursor: `c${issued++}` } },
    );
    const connector = connect(server.baseUrl, { pageSize: 10 });
    const first = await connector.listPage('users', null);

    await expect(connector.listPage('users', first.nextCursor)).rejects.toThrow(/the cursor page opened with the same resource as the page before/);
  });

  it('fails the listing on an empty cursor page that points to another page', async () => {
    const users = makeUsers(25);
    let issued = 0;
    const server = await loopbackScim((exchange) => {
      if (exchange.path === '/ServiceProviderConfig') return { status: 404 };
      const resources = exchange.query.has('cursor') ? [] : users.slice(0, 10);
      return { body: { schemas: [LIST_URN], totalResults: 25, Resources: resources, nextCursor: `c${issued++}` } };
    });
    const connector = connect(server.baseUrl, { pageSize: 10 });
    const first = await connector.listPage('users', null);

    await expect(connector.listPage('users', first.nextCursor)).rejects.toThrow(/the cursor page held no resources but pointed to another page/);
  });
});

describe('totalResults drifting upwards past the end', () => {
  it('ends the listing at the empty page past the lowest count, reporting the last count for the core to refuse', async () => {
    const users = makeUsers(25);
    // Every page but the first says three more than there are.
    const server = await loopbackScim(
      (exchange) => noConfig(exchange) ?? pagedList(users, exchange.query, { totalResults: (start) => (start === 1 ? 25 : 28) }),
    );

    const pages = await pagesOf(connect(server.baseUrl, { pageSize: 10 }), 'users');

    expect(idsOf(pages)).toEqual(users.map((user) => user.id));
    expect(server.to('/Users').map((exchange) => exchange.query.get('startIndex'))).toEqual(['1', '11', '21', '26']);
    expect(pages.at(-1)).toMatchObject({ accounts: [], nextCursor: null, total: 28 });
  });
});

describe('the cursor handed to the core', () => {
  it('is refused when this connector did not write it', async () => {
    const server = await loopbackScim((exchange) => noGroups(exchange) ?? pagedList([], exchange.query));
    await expect(connect(server.baseUrl).listPage('users', 'g1.abc')).rejects.toThrow(/not one this connector wrote/);
  });
});
