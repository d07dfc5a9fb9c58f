/**
 * The SCIM simulator on its own, over loopback HTTP: index and cursor paging as RFC 7644 and
 * RFC 9865 describe them, SCIM error bodies, bearer auth, and each quirk switched on alone.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  generateScimWorkspace,
  SCIM_CONTENT_TYPE,
  SCIM_ERROR_SCHEMA,
  SCIM_LIST_RESPONSE_SCHEMA,
  startScimSimulator,
  type ScimSimQuirks,
  type ScimSimulator,
} from '../../../simulators/scim/index.ts';

const TOKEN = 'scim-test-token';
let sim: ScimSimulator | null = null;

afterEach(async () => {
  vi.useRealTimers();
  await sim?.close();
  sim = null;
});

async function start(quirks: Partial<ScimSimQuirks> = {}, users = 23, groups = 5): Promise<ScimSimulator> {
  sim = await startScimSimulator({ workspace: generateScimWorkspace({ users, groups, largeGroupMembers: 10, seed: 3 }), token: TOKEN, quirks, defaultPageSize: 10 });
  return sim;
}

interface Reply {
  status: number;
  headers: Headers;
  // The assertions walk SCIM bodies of many shapes; a type per body would only restate them.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

async function get(path: string, token: string | null = TOKEN): Promise<Reply> {
  const response = await fetch(`${sim!.baseUrl}${path}`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) };
}

/** Every id of a listing followed by startIndex, advancing by what each page held. */
async function listByIndex(path: string, count: number): Promise<{ ids: string[]; pages: Reply[] }> {
  const ids: string[] = [];
  const pages: Reply[] = [];
  for (let startIndex = 1; pages.length < 50; ) {
    const page = await get(`${path}?startIndex=${startIndex}&count=${count}`);
    pages.push(page);
    const resources = (page.body.Resources ?? []) as { id: string }[];
    ids.push(...resources.map((resource) => resource.id));
    startIndex += resources.length;
    if (resources.length === 0 || startIndex > page.body.totalResults) break;
  }
  return { ids, pages };
}

/** Every id of a listing followed by cursor. */
async function listByCursor(path: string, count: number, first = `${path}?cursor=&count=${count}`): Promise<{ ids: string[]; pages: Reply[] }> {
  const ids: string[] = [];
  const pages: Reply[] = [];
  let next: string | undefined = first;
  while (next !== undefined && pages.length < 50) {
    const page = await get(next);
    pages.push(page);
    ids.push(...((page.body.Resources ?? []) as { id: string }[]).map((resource) => resource.id));
    next = page.body.nextCursor === undefined ? undefined : `${path}?cursor=${page.body.nextCursor}&count=${count}`;
  }
  return { ids, pages };
}

describe('index paging', () => {
  it('pages /Users 1-based with startIndex and count: every user once, in order, with a full ListResponse per page', async () => {
    const { workspace } = await start();
    const { ids, pages } = await listByIndex('/Users', 10);
    expect(ids).toEqual(workspace.users.map((user) => user.id));
    expect(pages.map((page) => [page.body.startIndex, page.body.itemsPerPage, page.body.totalResults])).toEqual([
      [1, 10, 23],
      [11, 10, 23],
      [21, 3, 23],
    ]);
    expect(pages[0]!.headers.get('content-type')).toBe(SCIM_CONTENT_TYPE);
    expect(pages[0]!.body.schemas).toEqual([SCIM_LIST_RESPONSE_SCHEMA]);
    expect(pages[0]!.body.nextCursor).toBeUndefined();
    const first = pages[0]!.body.Resources[0];
    expect(first).toMatchObject({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: workspace.users[0]!.id, userName: workspace.users[0]!.userName });
    expect(first.meta.location).toBe(`${sim!.baseUrl}/Users/${workspace.users[0]!.id}`);
  });

  it('reads startIndex below 1 as 1, caps count at maxPageSize, answers count=0 with the total only, and past the end with an empty page', async () => {
    const { workspace } = await start({}, 23);
    const zero = await get('/Users?startIndex=0&count=2');
    expect(zero.body.startIndex).toBe(1);
    expect(zero.body.Resources.map((user: { id: string }) => user.id)).toEqual(workspace.users.slice(0, 2).map((user) => user.id));
    expect((await get('/Users?count=0')).body).toMatchObject({ totalResults: 23, itemsPerPage: 0, Resources: [] });
    expect((await get('/Users?startIndex=24&count=5')).body).toMatchObject({ totalResults: 23, startIndex: 24, itemsPerPage: 0, Resources: [] });
    expect((await get('/Users')).body.itemsPerPage).toBe(10);

    await sim!.close();
    sim = await startScimSimulator({ workspace: generateScimWorkspace({ users: 30, seed: 1 }), token: TOKEN, maxPageSize: 7 });
    expect((await get('/Users?count=100')).body.itemsPerPage).toBe(7);
  });

  it('refuses a non-integer startIndex or count, and a filter, with a 400 SCIM error that does not echo the value', async () => {
    await start();
    const bad = await get('/Users?startIndex=abc');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ schemas: [SCIM_ERROR_SCHEMA], status: '400', scimType: 'invalidValue', detail: 'startIndex must be an integer' });
    expect((await get('/Users?count=1.5')).body.scimType).toBe('invalidValue');
    const filter = await get(`/Users?filter=${encodeURIComponent('userName eq "secret-value"')}`);
    expect(filter.status).toBe(400);
    expect(filter.body.scimType).toBe('invalidFilter');
    expect(JSON.stringify(filter.body)).not.toContain('secret-value');
  });

  it('pages /Groups the same way, with members as value, display and $ref', async () => {
    const { workspace } = await start({}, 23, 5);
    const { ids, pages } = await listByIndex('/Groups', 2);
    expect(ids).toEqual(workspace.groups.map((group) => group.id));
    const group = pages[0]!.body.Resources[0];
    expect(group.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:Group']);
    expect(group.members).toHaveLength(10);
    expect(group.members[0]).toMatchObject({ value: workspace.groups[0]!.members[0]!.value, $ref: `${sim!.baseUrl}/Users/${workspace.groups[0]!.members[0]!.value}` });
  });
});

describe('cursor paging (RFC 9865)', () => {
  it('follows nextCursor from an empty cursor to the last page, which has none; startIndex is absent', async () => {
    const { workspace } = await start();
    const { ids, pages } = await listByCursor('/Users', 10);
    expect(ids).toEqual(workspace.users.map((user) => user.id));
    expect(pages.map((page) => [page.body.itemsPerPage, page.body.totalResults, typeof page.body.nextCursor])).toEqual([
      [10, 23, 'string'],
      [10, 23, 'string'],
      [3, 23, 'undefined'],
    ]);
    expect(pages[0]!.body.startIndex).toBeUndefined();
    expect(pages[0]!.body.nextCursor).toMatch(/^[A-Za-z0-9\-._~]+$/);
  });

  it('answers an unknown cursor, one of the other resource type, or one with reserved characters with 400 invalidCursor', async () => {
    await start();
    const usersCursor = (await get('/Users?cursor=&count=5')).body.nextCursor as string;
    for (const path of ['/Users?cursor=nope', `/Groups?cursor=${usersCursor}`, `/Users?cursor=${encodeURIComponent('a/b')}`]) {
      const reply = await get(path);
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], status: '400', scimType: 'invalidCursor' });
    }
    expect((await get(`/Users?cursor=${usersCursor}&count=5`)).status).toBe(200);
  });

  it('expires a cursor older than the advertised cursorTimeout with 400 expiredCursor', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    await start();
    const cursor = (await get('/Users?cursor=&count=5')).body.nextCursor as string;
    vi.advanceTimersByTime(601_000);
    const reply = await get(`/Users?cursor=${cursor}&count=5`);
    expect(reply.status).toBe(400);
    expect(reply.body.scimType).toBe('expiredCursor');
  });

  it('advertises both paging methods, page sizes and the cursor timeout in /ServiceProviderConfig', async () => {
    await start();
    const config = await get('/ServiceProviderConfig');
    expect(config.status).toBe(200);
    expect(config.body.pagination).toEqual({ cursor: true, index: true, defaultPaginationMethod: 'index', defaultPageSize: 10, maxPageSize: 200, cursorTimeout: 600 });
    expect(config.body.authenticationSchemes[0].type).toBe('oauthbearertoken');
  });
});

describe('single resources', () => {
  it('serves /Users/{id} and /Groups/{id}, and 404 with a SCIM error for an unknown id', async () => {
    const { workspace } = await start();
    const user = workspace.users[4]!;
    expect((await get(`/Users/${user.id}`)).body).toMatchObject({ id: user.id, userName: user.userName, active: user.active });
    expect((await get(`/Groups/${workspace.groups[1]!.id}`)).body.displayName).toBe(workspace.groups[1]!.displayName);
    const missing = await get('/Users/no-such-id');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ schemas: [SCIM_ERROR_SCHEMA], status: '404', detail: 'no such user' });
  });

  it('answers an unknown path 404 and a write 405, both as SCIM errors, and counts requests by route', async () => {
    await start();
    expect((await get('/Schemas')).status).toBe(404);
    const post = await fetch(`${sim!.baseUrl}/Users`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    expect(((await post.json()) as { schemas: string[] }).schemas).toEqual([SCIM_ERROR_SCHEMA]);
    await get('/Users?count=1');
    expect(sim!.stats()).toEqual({ requests: 3, byStatus: { 200: 1, 404: 1, 405: 1 }, byPath: { other: 1, '/Users': 2 } });
    sim!.resetStats();
    expect(sim!.stats()).toEqual({ requests: 0, byStatus: {}, byPath: {} });
  });
});

describe('bearer auth', () => {
  it('answers 401 with a SCIM error and WWW-Authenticate without a token, with a wrong one, after rotation, and under rejectToken', async () => {
    await start();
    for (const token of [null, 'wrong']) {
      const reply = await get('/Users', token);
      expect(reply.status).toBe(401);
      expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="scim"');
      expect(reply.body).toEqual({ schemas: [SCIM_ERROR_SCHEMA], status: '401', detail: 'the bearer token is missing or not valid' });
      expect(JSON.stringify(reply.body)).not.toContain('wrong');
    }
    expect((await get('/Users')).status).toBe(200);
    sim!.setToken('rotated');
    expect((await get('/Users')).status).toBe(401);
    expect((await get('/Users', 'rotated')).status).toBe(200);
    sim!.setQuirks({ rejectToken: true });
    expect((await get('/ServiceProviderConfig', 'rotated')).status).toBe(401);
  });

  it('accepts the scheme in any case', async () => {
    await start();
    const response = await fetch(`${sim!.baseUrl}/Users`, { headers: { authorization: `bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
  });
});

describe('quirks, one at a time', () => {
  it('capCount: pages hold fewer than asked while totalResults says more; advancing by what came covers everyone', async () => {
    const { workspace } = await start({ capCount: 4 });
    const { ids, pages } = await listByIndex('/Users', 10);
    expect(pages[0]!.body).toMatchObject({ totalResults: 23, itemsPerPage: 4, startIndex: 1 });
    expect(pages).toHaveLength(6);
    expect(ids).toEqual(workspace.users.map((user) => user.id));
  });

  it('totalResultsDrift: the first page tells the truth, later ones are off by the drift (index and cursor)', async () => {
    await start({ totalResultsDrift: -3 });
    expect((await get('/Users?startIndex=1&count=10')).body.totalResults).toBe(23);
    expect((await get('/Users?startIndex=11&count=10')).body.totalResults).toBe(20);
    const { pages } = await listByCursor('/Users', 10);
    expect(pages.map((page) => page.body.totalResults)).toEqual([23, 20, 20]);
  });

  it('omitEmptyResources: an empty page has no Resources key', async () => {
    await start({ omitEmptyResources: true }, 0);
    const reply = await get('/Users');
    expect(reply.body).toEqual({ schemas: [SCIM_LIST_RESPONSE_SCHEMA], totalResults: 0, startIndex: 1, itemsPerPage: 0 });
    sim!.setQuirks({ omitEmptyResources: undefined });
    expect((await get('/Users')).body.Resources).toEqual([]);
  });

  it('cursorOnly: startIndex is ignored, the first page carries nextCursor, and the config says cursor only', async () => {
    const { workspace } = await start({ cursorOnly: true });
    const ignored = await get('/Users?startIndex=11&count=10');
    expect(ignored.body.Resources[0].id).toBe(workspace.users[0]!.id);
    expect(typeof ignored.body.nextCursor).toBe('string');
    const { ids } = await listByCursor('/Users', 10, '/Users?startIndex=1&count=10');
    expect(ids).toEqual(workspace.users.map((user) => user.id));
    expect((await get('/ServiceProviderConfig')).body.pagination).toMatchObject({ cursor: true, index: false, defaultPaginationMethod: 'cursor' });
  });

  it('zeroWithoutTotal: a page with no results has no totalResults', async () => {
    await start({ zeroWithoutTotal: true }, 0);
    expect((await get('/Users')).body).toEqual({ schemas: [SCIM_LIST_RESPONSE_SCHEMA], startIndex: 1, itemsPerPage: 0, Resources: [] });
  });

  it('statusAsNumber: error bodies carry status as a number', async () => {
    await start({ statusAsNumber: true });
    expect((await get('/Users', 'wrong')).body.status).toBe(401);
    expect((await get('/Users?cursor=nope')).body).toMatchObject({ status: 400, scimType: 'invalidCursor' });
  });

  it('forbidden: /Users and /Users/{id} answer 403, /Groups still answers', async () => {
    const { workspace } = await start({ forbidden: true });
    const reply = await get('/Users');
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({ schemas: [SCIM_ERROR_SCHEMA], status: '403', detail: 'the token lacks the permission to read users' });
    expect((await get(`/Users/${workspace.users[0]!.id}`)).status).toBe(403);
    expect((await get('/Groups')).status).toBe(200);
  });

  it('rateLimit: the next COUNT requests answer 429, with Retry-After when given and without it when not', async () => {
    await start({ rateLimit: { count: 2, retryAfter: 3 } });
    const limited = [await get('/Users'), await get('/Users')];
    for (const reply of limited) {
      expect(reply.status).toBe(429);
      expect(reply.headers.get('retry-after')).toBe('3');
      expect(reply.body).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], status: '429' });
    }
    expect((await get('/Users')).status).toBe(200);
    sim!.setQuirks({ rateLimit: { count: 1 } });
    const bare = await get('/Users');
    expect(bare.status).toBe(429);
    expect(bare.headers.get('retry-after')).toBeNull();
    expect((await get('/Users')).status).toBe(200);
  });

  it('serverErrors: the next COUNT requests answer 503, or the status given', async () => {
    await start({ serverErrors: { count: 1 } });
    expect((await get('/Users')).body).toMatchObject({ status: '503' });
    expect((await get('/Users')).status).toBe(200);
    sim!.setQuirks({ serverErrors: { count: 1, status: 502 } });
    expect((await get('/Groups')).status).toBe(502);
    expect(() => sim!.setQuirks({ serverErrors: { count: 1, status: 404 } })).toThrow(RangeError);
  });

  it('noGroups: /Groups and /Groups/{id} answer 404 or 501 as a provider without groups, /Users still answers', async () => {
    const { workspace } = await start({ noGroups: 501 });
    expect((await get('/Groups')).body).toEqual({ schemas: [SCIM_ERROR_SCHEMA], status: '501', detail: 'groups are not supported' });
    sim!.setQuirks({ noGroups: 404 });
    expect((await get('/Groups')).status).toBe(404);
    expect((await get(`/Groups/${workspace.groups[0]!.id}`)).status).toBe(404);
    expect((await get('/Users')).status).toBe(200);
  });

  it('expireCursorOnce: the first continuation answers 400 expiredCursor, a restarted listing then completes', async () => {
    const { workspace } = await start({ expireCursorOnce: true });
    const first = await get('/Users?cursor=&count=10');
    const expired = await get(`/Users?cursor=${first.body.nextCursor}&count=10`);
    expect(expired.status).toBe(400);
    expect(expired.body).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], status: '400', scimType: 'expiredCursor' });
    const { ids } = await listByCursor('/Users', 10);
    expect(ids).toEqual(workspace.users.map((user) => user.id));
  });

  it('noServiceProviderConfig: /ServiceProviderConfig answers 404, listings still work', async () => {
    await start({ noServiceProviderConfig: true });
    expect((await get('/ServiceProviderConfig')).body).toEqual({ schemas: [SCIM_ERROR_SCHEMA], status: '404', detail: 'no such endpoint' });
    expect((await get('/Users')).status).toBe(200);
  });

  it('stallPage: later pages repeat the first page (index and cursor), or come back empty while totalResults says more', async () => {
    const { workspace } = await start({ stallPage: true });
    const firstIds = workspace.users.slice(0, 10).map((user) => user.id);
    const second = await get('/Users?startIndex=11&count=10');
    expect(second.body.Resources.map((user: { id: string }) => user.id)).toEqual(firstIds);
    const cursorFirst = await get('/Users?cursor=&count=10');
    const cursorSecond = await get(`/Users?cursor=${cursorFirst.body.nextCursor}&count=10`);
    expect(cursorSecond.body.Resources.map((user: { id: string }) => user.id)).toEqual(firstIds);
    expect(typeof cursorSecond.body.nextCursor).toBe('string');

    sim!.setQuirks({ stallPage: 'empty' });
    expect((await get('/Users?startIndex=11&count=10')).body).toMatchObject({ totalResults: 23, itemsPerPage: 0, Resources: [] });
    const emptyCursorPage = await get(`/Users?cursor=${cursorSecond.body.nextCursor}&count=10`);
    expect(emptyCursorPage.body).toMatchObject({ totalResults: 23, itemsPerPage: 0, Resources: [] });
    expect(typeof emptyCursorPage.body.nextCursor).toBe('string');
  });

  it('refuses unknown quirks and bad values', async () => {
    await start();
    expect(() => sim!.setQuirks({ capCount: 0 })).toThrow(RangeError);
    expect(() => sim!.setQuirks({ noGroups: 500 as 404 })).toThrow(RangeError);
    expect(() => sim!.setQuirks({ bogus: true } as Partial<ScimSimQuirks>)).toThrow('unknown quirk bogus');
  });
});

describe('a live workspace', () => {
  it('shows a user removed mid-listing in the next page (index paging is not stateful)', async () => {
    const { workspace } = await start();
    const first = await get('/Users?startIndex=1&count=10');
    const removed = workspace.users.splice(0, 1)[0]!;
    const second = await get('/Users?startIndex=11&count=10');
    expect(second.body.totalResults).toBe(22);
    expect(second.body.Resources[0].id).toBe(workspace.users[10]!.id);
    expect(first.body.Resources[0].id).toBe(removed.id);
  });
});
