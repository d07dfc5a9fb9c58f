/**
 * The Torq connector's pacing through the real HTTP client: one adaptive limiter for every call of
 * a connector, so a 429 on one listing holds the other too (they share one API key).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { collectListing } from '../../../functions/core/listing.ts';
import { createConnectorFactory } from '../../../functions/connectors/index.ts';
import { createTorqConnector } from '../../../functions/connectors/torq/torq-connector.ts';
import { WINDOW_MARGIN_MS } from '../../../functions/connectors/http/rate-limiter.ts';
import type { StoredAccount } from '../../../functions/core/types.ts';
import { account } from '../../fakes/memory-store.ts';
import { CLIENT_ID, CLIENT_SECRET, FakeTorqServer } from './fake-torq-server.ts';

let server: FakeTorqServer;

beforeEach(async () => {
  server = await FakeTorqServer.start();
  server.roles = [{ id: 'r-viewer', name: 'Viewer' }];
  // One user per page, so each listing takes several calls.
  server.maxPageSize = 1;
  server.users.local = people(4, 'l');
  server.users.sso = people(4, 's');
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});

afterEach(async () => {
  vi.useRealTimers();
  await server.close();
});

function people(count: number, prefix: string): { id: string; email: string; role_id: string; status: string }[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `${prefix}-${index + 1}`,
    email: `${prefix}${index + 1}@example.com`,
    role_id: 'r-viewer',
    status: 'VERIFIED',
  }));
}

/** Runs `work` to its end, moving the fake clock 5 ms at a time while real I/O proceeds. */
async function drive<T>(work: Promise<T>): Promise<T> {
  let done = false;
  const settled = work.finally(() => {
    done = true;
  });
  for (let turn = 0; turn < 20_000 && !done; turn++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    vi.advanceTimersByTime(5);
  }
  return settled;
}

interface DataCall {
  /**
   * Fake time the client sent it: the limiter's grant, as nothing after it waits on the fake clock
   * (except the very first call, which also waits for the token exchange).
   */
  readonly sentAt: number;
  /** Fake time the client had the answer. */
  answeredAt: number;
  /** `roles`, or the users listing asked for. */
  readonly stream: 'roles' | 'local' | 'sso';
  status: number;
}

/** A fetch that records each data call as the client sends it. */
function recordingFetch(calls: DataCall[]): typeof globalThis.fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.endsWith('/auth/token')) return globalThis.fetch(input, init);
    const stream = url.includes('/users/roles') ? 'roles' : url.includes('sso_provision=true') ? 'sso' : 'local';
    const call: DataCall = { sentAt: Date.now(), answeredAt: Number.NaN, status: 0, stream };
    calls.push(call);
    const response = await globalThis.fetch(input, init);
    call.answeredAt = Date.now();
    call.status = response.status;
    return response;
  };
}

function connect(requestsPerSecond: number, calls: DataCall[]) {
  return createTorqConnector({
    endpoints: server.endpoints,
    credentials: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
    requestsPerSecond,
    retry: { limit: 4, backoffLimitMs: 0 },
    fetch: recordingFetch(calls),
  });
}

describe('pacing of a Torq connector', () => {
  it('holds both listings on a 429 until its Retry-After has passed, then goes on at a lower rate', async () => {
    server.script('users', { status: 200, json: { users: [], next_page_token: '' } });
    server.script('users', { status: 429, headers: { 'retry-after': '2' }, json: { code: 'RESOURCE_EXHAUSTED' } });
    const calls: DataCall[] = [];

    const listing = await drive(collectListing(connect(10, calls), { maxPagesPerStream: 100 }));

    // From the first users page on (the roles call before it also waited for the token).
    const start = calls[1]?.sentAt ?? Number.NaN;
    const sent = calls.map((call) => call.sentAt - start);
    // One users page per listing, half an interval (50 ms) apart: the first ends its listing, the second is throttled.
    expect(sent.slice(1, 3)).toEqual([0, 50]);
    expect(calls.map((call) => call.status)).toEqual([200, 200, 429, ...Array(calls.length - 3).fill(200)]);
    // Nobody goes before the Retry-After has passed (the retry and the other listing alike)...
    const resumeAt = (calls[2]?.answeredAt ?? Number.NaN) - start + 2000;
    expect(sent[3]).toBe(resumeAt);
    // ...then the calls are spaced at half an interval of the lowered rate (10/s cut by a fifth:
    // 62.5 ms, seen in the fake clock's 5 ms steps), which each success raises again.
    const gaps = sent.slice(4).map((at, index) => at - (sent[index + 3] as number));
    expect(gaps).toEqual([65, 60, 60]);
    expect(listing.complete).toBe(true);
    expect(listing.accounts).toHaveLength(4);
  });

  it('starts at the configured ceiling and paces every call of the connector, roles and both listings, on one budget', async () => {
    server.users.local = people(12, 'l');
    server.users.sso = people(12, 's');
    const calls: DataCall[] = [];
    // As the poller builds it: the ceiling comes from the connector's config (cdk.json, --max-requests-per-second).
    const factory = createConnectorFactory(
      'torq',
      { apiUrl: server.endpoints.apiBaseUrl, authUrl: server.endpoints.tokenUrl, requestsPerSecond: 20 },
      { fetch: recordingFetch(calls) },
    );

    const listing = await drive(collectListing(factory({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }), { maxPagesPerStream: 100 }));

    // One roles page and twelve pages per listing. The users pages, whichever listing asks, go half
    // an interval (25 ms) apart, and twenty of them fill a window of a second and the margin (the
    // roles call before them also waited for the token, and is the window's first).
    expect(calls).toHaveLength(25);
    const start = calls[1]?.sentAt ?? Number.NaN;
    const sent = calls.slice(1).map((call) => call.sentAt - start);
    expect(sent.slice(0, 19)).toEqual(Array.from({ length: 19 }, (_, index) => index * 25));
    for (let index = 19; index < sent.length; index++) {
      expect((sent[index] as number) - (sent[index - 20] ?? Number.NEGATIVE_INFINITY)).toBeGreaterThanOrEqual(1000 + WINDOW_MARGIN_MS);
    }
    expect(listing.accounts).toHaveLength(24);
  });

  it('gives the longer listing the larger share, from what the inventory holds, so both end together', async () => {
    // Full pages of 100: two local pages and six SSO pages.
    server.maxPageSize = 100;
    const local = people(200, 'l');
    const sso = people(600, 's');
    server.users.local = local;
    server.users.sso = sso;
    const held = [...local.map((user) => stored(user.id, false)), ...sso.map((user) => stored(user.id, true))];

    const order = async (hint: boolean): Promise<string[]> => {
      const calls: DataCall[] = [];
      const connector = connect(20, calls);
      if (hint) connector.expectListing?.(held);
      await drive(collectListing(connector, { maxPagesPerStream: 100 }));
      return calls.slice(1).map((call) => call.stream);
    };

    // Without it the streams alternate, and the SSO listing ends alone.
    expect(await order(false)).toEqual(['local', 'sso', 'local', 'sso', 'sso', 'sso', 'sso', 'sso']);
    // With it each keeps to its share of the pages left (2 : 6 at first, then 1 : 5), and the local
    // listing's last page waits until the SSO listing has one page left.
    expect(await order(true)).toEqual(['local', 'sso', 'sso', 'sso', 'sso', 'sso', 'local', 'sso']);
  });
});

function stored(id: string, ssoProvisioned: boolean): StoredAccount {
  return {
    ...account(id, `${id}@example.com`, { ssoProvisioned }),
    connectorId: 'c',
    app: 'torq',
    firstSeenAt: '2026-01-01T00:00:00.000Z',
    lastChangedAt: '2026-01-01T00:00:00.000Z',
    removedAt: null,
  };
}
