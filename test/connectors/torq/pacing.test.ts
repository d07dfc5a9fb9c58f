/**
 * The Torq connector's pacing through the real HTTP client: one adaptive limiter for every call of
 * a connector, so a 429 on one listing holds the other too (they share one API key).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { collectListing } from '../../../functions/core/listing.ts';
import { createConnectorFactory } from '../../../functions/connectors/index.ts';
import { createTorqConnector } from '../../../functions/connectors/torq/torq-connector.ts';
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
  status: number;
}

/** A fetch that records each data call as the client sends it. */
function recordingFetch(calls: DataCall[]): typeof globalThis.fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.endsWith('/auth/token')) return globalThis.fetch(input, init);
    const call: DataCall = { sentAt: Date.now(), answeredAt: Number.NaN, status: 0 };
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
    // One users page per listing, 100 ms apart: the first ends its listing, the second is throttled.
    expect(sent.slice(1, 3)).toEqual([0, 100]);
    expect(calls.map((call) => call.status)).toEqual([200, 200, 429, ...Array(calls.length - 3).fill(200)]);
    // Nobody goes before the Retry-After has passed (the retry and the other listing alike)...
    const resumeAt = (calls[2]?.answeredAt ?? Number.NaN) - start + 2000;
    expect(sent[3]).toBe(resumeAt);
    // ...then the calls are spaced at the lowered rate (10/s cut by a fifth: 125 ms), which each
    // success raises again, back towards the ceiling's 100 ms.
    const gaps = sent.slice(4).map((at, index) => at - (sent[index + 3] as number));
    expect(gaps).toEqual([125, 125, 120]);
    expect(listing.complete).toBe(true);
    expect(listing.accounts).toHaveLength(4);
  });

  it('starts at the configured ceiling and spaces every call of the connector, roles and both listings, on one budget', async () => {
    const calls: DataCall[] = [];
    // As the poller builds it: the ceiling comes from the connector's config (cdk.json, --max-requests-per-second).
    const factory = createConnectorFactory(
      'torq',
      { apiUrl: server.endpoints.apiBaseUrl, authUrl: server.endpoints.tokenUrl, requestsPerSecond: 20 },
      { fetch: recordingFetch(calls) },
    );

    const listing = await drive(collectListing(factory({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }), { maxPagesPerStream: 100 }));

    // One roles page and four pages per listing; the users pages exactly 50 ms apart, whichever
    // listing asks (the roles call before them also waited for the token).
    expect(calls).toHaveLength(9);
    const start = calls[1]?.sentAt ?? Number.NaN;
    expect(calls.slice(1).map((call) => call.sentAt - start)).toEqual([0, 50, 100, 150, 200, 250, 300, 350]);
    expect(listing.accounts).toHaveLength(8);
  });
});
