/**
 * Listings a hostile or broken Torq answers over HTTP, polled through the real Torq connector into
 * the DynamoDB store on dynalite: page tokens that never end stop at a bound that names itself and
 * leave the inventory as it was; an id listed twice by one listing is reported, not silently kept.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTorqConnector } from '../../functions/connectors/torq/torq-connector.ts';
import { pollConnector, type PollSettings } from '../../functions/core/poll.ts';
import type { Clock } from '../../functions/core/ports.ts';
import { useEmbeddedDynamo } from '../support/embedded-dynamo.ts';
import { FixedCredentials, MemoryEventSink } from '../fakes/memory-store.ts';

const CREDENTIALS = { clientId: 'hostile-client', clientSecret: 'hostile-secret' };
const CONNECTOR = 'torq-hostile';

/** Answers one page of a listing: the users and the next token (or none). */
type Pager = (listing: 'local' | 'sso', token: string | null) => { users: unknown[]; next_page_token?: string };

interface HostileTorq {
  readonly apiUrl: string;
  readonly authUrl: string;
  pager: Pager;
  dataRequests: number;
}

let server: Server | null = null;

const dynamo = useEmbeddedDynamo();
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

async function startHostileTorq(pager: Pager): Promise<HostileTorq> {
  const torq = { apiUrl: '', authUrl: '', pager, dataRequests: 0 };
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    response.setHeader('content-type', 'application/json');
    if (url.pathname === '/v1/auth/token') {
      response.end(JSON.stringify({ access_token: 'token-1', expires_in: 3600, token_type: 'Bearer' }));
    } else if (url.pathname === '/public/v1alpha/users/roles') {
      response.end(JSON.stringify({ roles: [{ id: 'r-viewer', name: 'Viewer' }] }));
    } else if (url.pathname === '/public/v1alpha/users') {
      torq.dataRequests += 1;
      const listing = url.searchParams.get('sso_provision') === 'true' ? 'sso' : 'local';
      response.end(JSON.stringify(torq.pager(listing, url.searchParams.get('page_token'))));
    } else {
      response.statusCode = 404;
      response.end('{}');
    }
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  torq.apiUrl = `${base}/public/v1alpha`;
  torq.authUrl = `${base}/v1/auth/token`;
  return torq;
}

const user = (id: string, status = 'VERIFIED') => ({ id, email: `${id}@example.com`, role_id: 'r-viewer', status });

async function setup(pager: Pager, clock: Clock, settings: Partial<PollSettings>) {
  const torq = await startHostileTorq(pager);
  const { store } = await dynamo.newStore('hostile');
  const events = new MemoryEventSink();
  const poll = () =>
    pollConnector(
      {
        store,
        events,
        credentials: new FixedCredentials({ credentials: CREDENTIALS, fingerprint: 'fp-1' }),
        createConnector: () =>
          createTorqConnector({
            endpoints: { apiBaseUrl: torq.apiUrl, tokenUrl: torq.authUrl },
            credentials: CREDENTIALS,
            clock,
            requestsPerSecond: 10_000,
            retry: { limit: 1, backoffLimitMs: 0 },
          }),
        clock,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        settings: { maxRemovalShare: 1, ...settings },
      },
      { connectorId: CONNECTOR, app: 'torq' },
    );
  const active = async () => (await store.queryAccounts({ connectorId: CONNECTOR })).map((account) => account.id).sort();
  return { torq, store, events, poll, active };
}

/** A clock that moves on one minute per data request the API answered: fake time, however slow the answers. */
function minutePerRequest(torq: () => HostileTorq | undefined): Clock {
  const start = Date.parse('2026-11-01T00:00:00.000Z');
  return { now: () => new Date(start + (torq()?.dataRequests ?? 0) * 60_000) };
}

const FIRST = [user('u1'), user('u2'), user('u3')];

describe('page tokens that never end', () => {
  it('stop at the record bound when every page brings new users, and remove nothing', async () => {
    let endless = false;
    const env = await setup(
      (listing, token) => {
        if (listing === 'sso' || !endless) return { users: listing === 'sso' ? [] : FIRST };
        const page = token === null ? 0 : Number(token);
        return { users: Array.from({ length: 100 }, (_, i) => user(`p${page}-${i}`)), next_page_token: String(page + 1) };
      },
      { now: () => new Date('2026-11-01T00:00:00.000Z') },
      { maxRecordsHeld: 1_000 },
    );
    expect((await env.poll()).counts.total).toBe(3);

    endless = true;
    const result = await env.poll();
    expect(result).toMatchObject({ outcome: 'failed', status: 'ERROR', exitCode: 1 });
    expect(result.error).toBe('torq listing holds more than 1000 records (the record bound) without reaching its last page: refusing to page further');
    // Two requests for the first poll; then the SSO listing and eleven local pages of 100.
    expect(env.torq.dataRequests).toBe(2 + 1 + 11);
    expect(await env.active()).toEqual(['u1', 'u2', 'u3']);
    expect(env.events.ofType('AccountRemoved')).toHaveLength(0);
  });

  it('stop at the time bound when every page repeats the same users, on the injected clock', async () => {
    // Assigned once setup has started the server, and read by the clock that setup takes before.
    let torq: HostileTorq | undefined;
    const env = await setup(
      (listing, token) => {
        if (listing === 'sso') return { users: [] };
        const page = token === null ? 0 : Number(token);
        return { users: FIRST, next_page_token: String(page + 1) };
      },
      minutePerRequest(() => torq),
      { maxListingMs: 60 * 60_000 },
    );
    torq = env.torq;
    const result = await env.poll();
    expect(result).toMatchObject({ outcome: 'failed', status: 'ERROR', exitCode: 1 });
    expect(result.error).toBe('torq listing ran for more than 3600 s (the time bound) without reaching its last page: refusing to page further');
    // The local listing's pages at minutes 1 to 60 (the SSO listing answered the first request).
    expect(env.torq.dataRequests).toBe(61);
    expect(await env.active()).toEqual([]);
  });
});

describe('an id listed twice by one listing', () => {
  it('keeps the later record and raises DUPLICATE_IDS; the same id in both listings is no anomaly', async () => {
    const env = await setup(
      (listing, token) => {
        if (listing === 'sso') return { users: [user('u1')] };
        if (token === null) return { users: [user('u1'), user('u2', 'INVITATION_SENT')], next_page_token: 'second' };
        return { users: [user('u2', 'VERIFIED'), user('u3')] };
      },
      { now: () => new Date('2026-11-01T00:00:00.000Z') },
      {},
    );
    const result = await env.poll();
    expect(result).toMatchObject({ outcome: 'completed', exitCode: 0, anomalies: ['DUPLICATE_IDS'] });
    expect(result.counts).toMatchObject({ total: 3, new: 3 });
    expect(env.events.ofType('SyncAnomaly').map((event) => event.detail)).toEqual([
      expect.objectContaining({ anomaly: 'DUPLICATE_IDS', accountIds: ['u2'] }),
    ]);
    const stored = await env.store.queryAccounts({ connectorId: CONNECTOR });
    expect(stored.find((account) => account.id === 'u2')?.status).toBe('VERIFIED');
  });
});
