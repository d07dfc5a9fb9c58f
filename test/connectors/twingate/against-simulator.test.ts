/**
 * The Twingate connector, built through the app registry, against the Twingate simulator over
 * loopback: complete listings, member paging, the request count, and every fault of the matrix.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { collectListing } from '../../../functions/core/listing.ts';
import { AuthError, ConfigError, ContractError, TransientError } from '../../../functions/core/errors.ts';
import { applyTwingateChurn, generateTwingateWorkspace, type TwingateSimWorkspace } from '../../../simulators/twingate/index.ts';
import { rejectionOf } from '../../support/rejection.ts';
import {
  API_KEY,
  capturingLogger,
  closeAll,
  connect,
  fetchWithHosts,
  fixedAnswer,
  foreignHost,
  membersByGroup,
  minimumRequests,
  pagesOf,
  simulator,
  until,
} from './support.ts';

afterEach(async () => {
  vi.useRealTimers();
  await closeAll();
});

/** 420 users, a large group of 350 members, several groups of tens to over a hundred, and Everyone. */
function network(): TwingateSimWorkspace {
  return generateTwingateWorkspace({ users: 420, groups: 6, largeGroupMembers: 350, seed: 21 });
}

describe('a complete listing', () => {
  it('lists every user with role, state and type, and reports the network total on each page', async () => {
    const workspace = network();
    workspace.users[3]!.state = 'PENDING';
    workspace.users[4]!.state = 'DISABLED';
    const sim = await simulator(workspace);

    const pages = await pagesOf(connect(sim.apiUrl), 'users');

    expect(pages).toHaveLength(9);
    expect(pages.every((page) => page.total === 420 && page.invalid.length === 0)).toBe(true);
    const byId = new Map(pages.flatMap((page) => page.accounts).map((account) => [account.id, account]));
    expect(byId.size).toBe(420);
    for (const user of workspace.users) {
      expect(byId.get(user.id)).toEqual({
        id: user.id,
        email: user.email,
        emailKey: user.email?.toLowerCase() ?? null,
        name: `${user.firstName} ${user.lastName}`,
        login: null,
        externalId: null,
        roleId: user.role,
        roleName: user.role,
        status: user.state,
        state: { ACTIVE: 'active', PENDING: 'pending', DISABLED: 'disabled' }[user.state],
        ssoProvisioned: user.type === 'SYNCED',
        createdAt: user.createdAt,
        updatedAt: user.updatedAt,
        lastLoginAt: null,
      });
    }
  });

  it('pages every group member beyond the first page, and reports SYSTEM groups by count only', async () => {
    const workspace = network();
    const sim = await simulator(workspace);

    const pages = await pagesOf(connect(sim.apiUrl), 'groups');

    const groups = pages.flatMap((page) => page.groups ?? []);
    expect(groups.map((group) => group.id)).toEqual(workspace.groups.map((group) => group.id));
    const members = membersByGroup(pages);
    const large = workspace.groups.find((group) => group.memberIds.length === 350);
    expect(large).toBeDefined();
    expect(members.get(large!.id)).toEqual(large!.memberIds);
    for (const group of workspace.groups) {
      const listed = groups.find((candidate) => candidate.id === group.id);
      if (group.type === 'SYSTEM') {
        expect(listed).toMatchObject({ name: 'Everyone', type: 'SYSTEM', implicit: true, memberCount: 420 });
        expect(members.has(group.id)).toBe(false);
      } else {
        expect(listed).toEqual({
          id: group.id,
          name: group.name,
          type: group.type,
          active: group.isActive,
          memberCount: group.memberIds.length,
          implicit: false,
        });
        expect(members.get(group.id)).toEqual(group.memberIds);
      }
    }
    expect(pages.every((page) => page.accounts.length === 0)).toBe(true);
  });

  it('makes exactly the fewest requests: user pages + group pages + extra member pages', async () => {
    const workspace = network();
    const sim = await simulator(workspace);
    const connector = connect(sim.apiUrl);

    const listing = await collectListing(connector, { maxPagesPerStream: 100 });

    expect(listing.complete).toBe(true);
    expect(listing.accounts).toHaveLength(420);
    const minimum = minimumRequests(workspace, 50);
    // 9 user pages, 1 groups page, 6 more pages of the 350-member group and a few of the others.
    expect(minimum).toBeGreaterThan(9 + 1 + 6);
    expect(sim.stats().requests).toBe(minimum);
    const extraMemberPages = minimum - 9 - 1;
    expect(sim.stats().byRootField).toEqual({ users: 9, groups: 1, group: extraMemberPages });
  });

  it('pages groups themselves, and resumes the pending member work from the cursor alone', async () => {
    const workspace = generateTwingateWorkspace({ users: 300, groups: 12, largeGroupMembers: 120, seed: 4 });
    const sim = await simulator(workspace);
    const pageSize = 5;

    const pages: { cursor: string | null; page: Awaited<ReturnType<ReturnType<typeof connect>['listPage']>> }[] = [];
    let cursor: string | null = null;
    do {
      // A fresh connector per page: all the state a page needs is in its cursor (checkpoints resume so).
      const page = await connect(sim.apiUrl, { pageSize }).listPage('groups', cursor);
      pages.push({ cursor, page });
      cursor = page.nextCursor;
    } while (cursor !== null);

    const groups = pages.flatMap(({ page }) => page.groups ?? []);
    expect(groups).toHaveLength(13);
    const members = membersByGroup(pages.map(({ page }) => page));
    for (const group of workspace.groups.filter((candidate) => candidate.type !== 'SYSTEM')) {
      expect(members.get(group.id) ?? []).toEqual(group.memberIds);
    }
    expect(sim.stats().requests).toBe(pages.length);
    expect(pages.length).toBe(minimumRequests(workspace, pageSize) - Math.ceil(300 / pageSize));
  });

  it('lists accounts with null emails by id, as accounts without an email', async () => {
    const workspace = network();
    const sim = await simulator(workspace, { nullEmails: 7 });

    const accounts = (await pagesOf(connect(sim.apiUrl), 'users')).flatMap((page) => page.accounts);

    expect(accounts).toHaveLength(420);
    const nullEmail = accounts.filter((account) => account.email === null);
    expect(nullEmail.map((account) => account.id)).toEqual(workspace.users.slice(0, 7).map((user) => user.id));
    expect(nullEmail.every((account) => account.emailKey === null)).toBe(true);
  });

  it('follows pages clamped below the asked size to the end, users and members alike', async () => {
    const workspace = network();
    const sim = await simulator(workspace, { clampPageSize: 20 });

    const listing = await collectListing(connect(sim.apiUrl), { maxPagesPerStream: 200 });
    const groupPages = await pagesOf(connect(sim.apiUrl), 'groups');

    expect(listing.complete).toBe(true);
    expect(listing.accounts).toHaveLength(420);
    const members = membersByGroup(groupPages);
    for (const group of workspace.groups.filter((candidate) => candidate.type !== 'SYSTEM')) {
      expect(members.get(group.id)).toEqual(group.memberIds);
    }
    expect(sim.stats().requests).toBe(2 * minimumRequests(workspace, 20) - Math.ceil(420 / 20));
  });

  it('reports the total a churned network answers, so a listing skewed by offset cursors shows', async () => {
    const workspace = network();
    const sim = await simulator(workspace);
    const connector = connect(sim.apiUrl);

    const first = await connector.listPage('users', null);
    applyTwingateChurn(workspace, { seed: 5, removals: 3 });
    const second = await connector.listPage('users', first.nextCursor);

    expect(first.total).toBe(420);
    expect(second.total).toBe(417);
  });
});

describe('what goes on the wire', () => {
  it('sends cursors and sizes as variables, never in the query text, and selects role, never isAdmin', async () => {
    const sim = await simulator(network());
    const bodies: { query: string; variables: Record<string, unknown> }[] = [];
    const fetch: typeof globalThis.fetch = (input, init) => {
      bodies.push(JSON.parse(String(init?.body)));
      return globalThis.fetch(input, init);
    };
    const connector = connect(sim.apiUrl, { pageSize: 40 }, { fetch });

    const first = await connector.listPage('users', null);
    await connector.listPage('users', first.nextCursor);
    await pagesOf(connector, 'groups');

    expect(bodies[0]?.variables).toEqual({ first: 40, after: null });
    expect(bodies[1]?.variables).toEqual({ first: 40, after: first.nextCursor });
    for (const { query, variables } of bodies) {
      for (const value of Object.values(variables)) {
        if (typeof value === 'string') expect(query).not.toContain(value);
      }
      expect(query).not.toContain('isAdmin');
    }
    expect(bodies[0]?.query.replace(/\s+/g, ' ')).toContain(
      'edges { node { id email firstName lastName role state type createdAt updatedAt } }',
    );
    expect(bodies.some((body) => typeof body.variables.id === 'string')).toBe(true);
  });
});

describe('faults', () => {
  it('a repeated cursor fails the listing through the core, users and groups alike', async () => {
    const sim = await simulator(network(), { repeatCursor: true });

    const error = await rejectionOf(collectListing(connect(sim.apiUrl), { maxPagesPerStream: 100 }));

    expect(error).toBeInstanceOf(ContractError);
    expect(error.message).toMatch(/twingate listing '(users|groups)' repeated a page token after page 2/);
    const groupsError = await rejectionOf(
      collectListing({ ...connect(sim.apiUrl), streams: ['groups'] }, { maxPagesPerStream: 100 }),
    );
    expect(groupsError.message).toMatch(/twingate listing 'groups' repeated a page token/);
  });

  it('401 is an AuthError, whose message carries no key', async () => {
    const sim = await simulator(network());
    const error = await rejectionOf(connect(sim.apiUrl, {}, {}, 'tgk-wrong-key-3b9d').listPage('users', null));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toBe('API key rejected (POST graphql (users page) answered HTTP 401)');
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain('tgk-wrong-key-3b9d');
  });

  it('404 is a ConfigError naming the network field', async () => {
    const sim = await simulator(network(), { unknownNetwork: true });
    const error = await rejectionOf(connect(sim.apiUrl).listPage('users', null));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('HTTP 404');
    expect(error.message).toContain('network (--network)');
  });

  it('an HTML body is a ConfigError naming the network field', async () => {
    const sim = await simulator(network(), { htmlBody: true });
    const error = await rejectionOf(connect(sim.apiUrl).listPage('groups', null));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('HTML');
    expect(error.message).toContain('network (--network)');
  });

  it('errors[] with partial data fails the page, never a page with a null email', async () => {
    const sim = await simulator(network(), { graphqlErrors: { count: 1, partial: true } });
    const error = await rejectionOf(connect(sim.apiUrl).listPage('users', null));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe(
      'POST graphql (users page) answered HTTP 200 with 1 GraphQL error (first at users.edges.0.node.email), with partial data: the page failed',
    );
  });

  it('errors[] without data fails the page', async () => {
    const sim = await simulator(network(), { graphqlErrors: { count: 1 } });
    const error = await rejectionOf(connect(sim.apiUrl).listPage('groups', null));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe('POST graphql (groups page) answered HTTP 200 with 1 GraphQL error (first at groups), without data: the page failed');
  });

  it('errors[] on a query refused before execution is a ContractError, quoting nothing of the error text', async () => {
    const url = await fixedAnswer(200, JSON.stringify({ errors: [{ message: 'Cannot query field "secret-9f1" on type "User".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] }));
    const error = await rejectionOf(connect(url).listPage('users', null));
    expect(error).toBeInstanceOf(ContractError);
    expect(error.message).toBe(
      "POST graphql (users page) refused the query with 1 GraphQL error (first GRAPHQL_VALIDATION_FAILED): Twingate's schema may have changed",
    );
    expect(error.message).not.toContain('secret-9f1');
  });

  it('5xx answers are retried, boundedly', async () => {
    const sim = await simulator(network(), { serverErrors: { count: 2, status: 502 } });
    const page = await connect(sim.apiUrl).listPage('users', null);
    expect(page.accounts).toHaveLength(50);
    expect(sim.stats().requests).toBe(3);

    sim.setFaults({ serverErrors: { count: 10 } });
    sim.resetStats();
    const error = await rejectionOf(connect(sim.apiUrl).listPage('users', null));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe('POST graphql (users page) failed with HTTP 503 after 4 attempts');
    expect(sim.stats().requests).toBe(4);
  });

  describe('429, on fake time', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: new Date('2026-12-01T06:00:00.000Z') });
    });

    async function waitsFor(retryAfter: number | string | undefined, expectedMs: number): Promise<void> {
      const sim = await simulator(network(), { rateLimit: { count: 1, ...(retryAfter === undefined ? {} : { retryAfter }) } });
      let listed = false;
      const page = connect(sim.apiUrl, {}, { retry: { limit: 2, backoffLimitMs: 0 } })
        .listPage('users', null)
        .then((result) => {
          listed = true;
          return result;
        });

      await until(() => sim.stats().byStatus[429] === 1);
      await vi.advanceTimersByTimeAsync(expectedMs - 1);
      expect(sim.stats().requests).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      await until(() => listed);
      expect((await page).accounts).toHaveLength(50);
      expect(sim.stats().requests).toBe(2);
    }

    it('waits the seconds Retry-After asks', () => waitsFor(7, 7_000));
    it('waits until the HTTP date Retry-After names', () => waitsFor(new Date('2026-12-01T06:00:30.000Z').toUTCString(), 30_000));
    it('waits 60 s when Retry-After is absent', () => waitsFor(undefined, 60_000));
  });
});

describe('the regional redirect', () => {
  const REGIONAL = 'https://acme.us1.twingate.com/api/graphql/';

  it('is followed once to a *.twingate.com host, and every later request goes there', async () => {
    const workspace = network();
    const home = await simulator(workspace, { redirectTo: REGIONAL });
    const regional = await simulator(workspace);
    const asked: string[] = [];
    const { logger, lines } = capturingLogger();
    const connector = connect(home.apiUrl, {}, { fetch: fetchWithHosts({ 'acme.us1.twingate.com': new URL(regional.apiUrl).origin }, asked), logger });

    const [users, groups] = await Promise.all([pagesOf(connector, 'users'), pagesOf(connector, 'groups')]);

    expect(users.flatMap((page) => page.accounts)).toHaveLength(420);
    expect(groups.flatMap((page) => page.groups ?? [])).toHaveLength(7);
    expect(home.stats().requests).toBe(1);
    expect(regional.stats().requests).toBe(minimumRequests(workspace, 50));
    expect(asked.slice(1).every((url) => url === REGIONAL)).toBe(true);
    expect(lines.some((line) => line.includes('regional host'))).toBe(true);
    expect(lines.join('\n')).not.toContain(API_KEY);
  });

  it.each([
    ['another host', 'https://collector.example.net/api/graphql/'],
    ['a host that only starts like a Twingate one', 'https://acme.us1.twingate.com.example.net/api/graphql/'],
    ['plain http', 'http://acme.us1.twingate.com/api/graphql/'],
    ['loopback', 'http://127.0.0.1:1/api/graphql/'],
  ])('is refused to %s, which never receives the key', async (_case, location) => {
    const foreign = await foreignHost();
    const home = await simulator(network(), { redirectTo: location });
    const fetch = fetchWithHosts({
      'collector.example.net': foreign.origin,
      'acme.us1.twingate.com.example.net': foreign.origin,
      'acme.us1.twingate.com': foreign.origin,
    });

    const error = await rejectionOf(connect(home.apiUrl, {}, { fetch }).listPage('users', null));

    expect(error).toBeInstanceOf(ContractError);
    expect(error.message).toBe(
      'POST graphql (users page) answered HTTP 308, a redirect to a host outside twingate.com (the API key is sent to Twingate only): refused',
    );
    expect(foreign.received).toEqual([]);
  });

  it('is refused when the regional host redirects again', async () => {
    const home = await simulator(network(), { redirectTo: REGIONAL });
    const regional = await simulator(network(), { redirectTo: 'https://acme.eu1.twingate.com/api/graphql/' });
    const foreign = await foreignHost();
    const fetch = fetchWithHosts({ 'acme.us1.twingate.com': new URL(regional.apiUrl).origin, 'acme.eu1.twingate.com': foreign.origin });

    const error = await rejectionOf(connect(home.apiUrl, {}, { fetch }).listPage('users', null));

    expect(error).toBeInstanceOf(ContractError);
    expect(error.message).toBe('POST graphql (users page) answered HTTP 308, a redirect from the regional host: refused');
    expect(foreign.received).toEqual([]);
  });

  it('sends the key to the regional host it follows to', async () => {
    const home = await simulator(network(), { redirectTo: REGIONAL });
    const regional = await foreignHost();
    const fetch = fetchWithHosts({ 'acme.us1.twingate.com': regional.origin });

    await rejectionOf(connect(home.apiUrl, {}, { fetch }).listPage('users', null));

    expect(regional.received.map((headers) => headers['x-api-key'])).toEqual([API_KEY]);
  });
});

describe('the key', () => {
  it('appears in no error message, error field or log line, whatever the fault', async () => {
    const { logger, lines } = capturingLogger();
    const faults = [
      { rejectKey: true },
      { unknownNetwork: true },
      { htmlBody: true },
      { serverErrors: { count: 10 } },
      { graphqlErrors: { count: 1, partial: true } },
      { rateLimit: { count: 10 } },
      { redirectTo: 'https://collector.example.net/' },
    ];
    const seen: string[] = [];
    for (const fault of faults) {
      const sim = await simulator(network(), fault);
      const error = await rejectionOf(connect(sim.apiUrl, {}, { logger }).listPage('users', null));
      seen.push(error.message, JSON.stringify(error), JSON.stringify(error.cause ?? null), String(error.stack));
    }
    expect(lines.length).toBeGreaterThan(0);
    expect([...seen, ...lines].join('\n')).not.toContain(API_KEY);
  });
});
