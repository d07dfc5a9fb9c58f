/**
 * The console over HTTP on loopback (README, "The web console"): the token, the Host check, the
 * refusal of every write method, the security headers on every answer, and values from a SaaS
 * API rendered as text. A real server on an OS-chosen port; a fixed reader behind it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostAllowed, sameToken, tokenCookieName } from '../../console/guard.ts';
import { RemoteBindingError, startConsole, type RunningConsole } from '../../console/server.ts';
import { cookiePair, send } from './http-client.ts';
import { INSIGHT_ROWS_SHOWN } from '../../console/pages/insights.tsx';
import { DORMANT_ACCOUNTS, fixtureReader, REASON, XSS_EMAIL, XSS_NAME } from './fixture-reader.ts';

const EXPECTED_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

let server: RunningConsole;
let cookie: string;

beforeAll(async () => {
  server = await startConsole({ reader: fixtureReader(), source: 'test inventory' });
  const first = await send({ port: server.port, path: `/?token=${server.token}` });
  cookie = cookiePair(first);
});
afterAll(() => server.close());

const get = (path: string, extra: { cookie?: string | null; host?: string; method?: string } = {}) =>
  send({
    port: server.port,
    path,
    ...(extra.cookie === null ? {} : { cookie: extra.cookie ?? cookie }),
    ...(extra.host !== undefined ? { host: extra.host } : {}),
    ...(extra.method !== undefined ? { method: extra.method } : {}),
  });

function expectSecurityHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): void {
  expect(headers['content-security-policy']).toBe(EXPECTED_CSP);
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['strict-transport-security']).toBeUndefined();
}

describe('the printed URL', () => {
  it('is on 127.0.0.1 with a 256-bit random token, new on every start', async () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[A-Za-z0-9_-]{43}$`));
    const other = await startConsole({ reader: fixtureReader(), source: 'test' });
    try {
      expect(other.token).not.toBe(server.token);
    } finally {
      await other.close();
    }
  });

  it('sets the token as an HttpOnly, SameSite=Strict cookie and sends the browser on without it in the URL', async () => {
    const answer = await get(`/people?q=ana&token=${server.token}`, { cookie: null });
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe('/people?q=ana');
    const setCookie = String(answer.headers['set-cookie']);
    expect(setCookie).toContain(`${tokenCookieName(server.port)}=${server.token}`);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\//);
    expectSecurityHeaders(answer.headers);
  });
});

describe('the redirect after the token', () => {
  it('stays on this server even for a path that starts with two slashes', async () => {
    const answer = await get(`//evil.example/people?token=${server.token}`, { cookie: null });
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe('/evil.example/people');
  });
});

describe('the token', () => {
  it('is required: no cookie and no token is 401, and the page shows no inventory', async () => {
    const answer = await get('/', { cookie: null });
    expect(answer.status).toBe(401);
    expect(answer.body).toContain('rollcall serve');
    expect(answer.body).not.toContain('torq-prod');
    expectSecurityHeaders(answer.headers);
  });

  it('refuses a wrong token in the URL or in the cookie', async () => {
    const wrong = `${server.token.slice(0, -1)}${server.token.endsWith('A') ? 'B' : 'A'}`;
    expect((await get(`/?token=${wrong}`, { cookie: null })).status).toBe(401);
    expect((await get('/', { cookie: `${tokenCookieName(server.port)}=${wrong}` })).status).toBe(401);
    expect((await get('/assets/console.css', { cookie: null })).status).toBe(401);
  });

  it('compares in constant time whatever the lengths', () => {
    expect(sameToken('abc', 'abc')).toBe(true);
    expect(sameToken('abc', 'abcd')).toBe(false);
    expect(sameToken('', 'abc')).toBe(false);
  });
});

describe('the Host check', () => {
  it('refuses a DNS name other than localhost (DNS rebinding), even with the token', async () => {
    const answer = await get('/', { host: `attacker.example:${server.port}` });
    expect(answer.status).toBe(403);
    expect(answer.body).not.toContain('torq-prod');
    expectSecurityHeaders(answer.headers);
  });

  it('refuses another port, another address, and no Host at all', async () => {
    expect((await get('/', { host: `127.0.0.1:${server.port + 1}` })).status).toBe(403);
    expect((await get('/', { host: `127.0.0.2:${server.port}` })).status).toBe(403);
    expect((await get('/', { host: `127.0.0.1` })).status).toBe(403);
  });

  it('accepts the bound address and localhost with the bound port', async () => {
    expect((await get('/', { host: `127.0.0.1:${server.port}` })).status).toBe(200);
    expect((await get('/', { host: `localhost:${server.port}` })).status).toBe(200);
    expect((await get('/', { host: `LOCALHOST:${server.port}` })).status).toBe(200);
  });

  it('reads Host headers strictly', () => {
    const loopback = { boundHost: '127.0.0.1', port: 8080, remote: false };
    expect(hostAllowed('127.0.0.1:8080', loopback)).toBe(true);
    expect(hostAllowed(undefined, loopback)).toBe(false);
    expect(hostAllowed('127.0.0.1:8080@evil.example', loopback)).toBe(false);
    expect(hostAllowed('user@127.0.0.1:8080', loopback)).toBe(false);
    expect(hostAllowed('127.0.0.1:8080/x', loopback)).toBe(false);
    expect(hostAllowed('127.0.0.1.nip.io:8080', loopback)).toBe(false);
    expect(hostAllowed('[::1]:8080', loopback)).toBe(false);
    expect(hostAllowed('[::1]:8080', { boundHost: '[::1]', port: 8080, remote: false })).toBe(true);
    // Bound for remote use: reached by any of the machine's addresses, never by a DNS name.
    const remote = { boundHost: '0.0.0.0', port: 8080, remote: true };
    expect(hostAllowed('192.0.2.10:8080', remote)).toBe(true);
    expect(hostAllowed('console.example:8080', remote)).toBe(false);
  });
});

describe('reads only', () => {
  it.each(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])('refuses %s with 405, token or not', async (method) => {
    const answer = await send({ port: server.port, path: '/', method, cookie, body: 'x=1' });
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('GET, HEAD');
    expectSecurityHeaders(answer.headers);
  });

  it('answers HEAD like GET, without a body', async () => {
    const answer = await get('/', { method: 'HEAD' });
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('');
  });
});

describe('pages', () => {
  it('carry the security headers and are not cached', async () => {
    const answer = await get('/');
    expect(answer.status).toBe(200);
    expectSecurityHeaders(answer.headers);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['content-type']).toMatch(/^text\/html/);
  });

  it('load no script or style from another origin and carry no inline script or style', async () => {
    for (const path of ['/', '/people', '/changes', '/insights', '/review', '/review/torq-prod', '/connectors/torq-prod/accounts']) {
      const { status, body } = await get(path);
      expect(status, path).toBe(200);
      const sources = [...body.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1] ?? '');
      for (const source of sources) expect(source.startsWith('/') || source.startsWith('#'), `${path}: ${source}`).toBe(true);
      expect(body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      // Inside a tag: the escaped text of a hostile value ("&lt;img ... onerror=") is no attribute.
      expect(body).not.toMatch(/<style|<[a-z][^>]*\s(?:style|on[a-z]+)=/i);
    }
  });

  it('show a reconnect reason highlighted on the connectors page', async () => {
    const { body } = await get('/');
    expect(body).toMatch(/<tr id="connector-torq-prod" class="attention">/);
    expect(body).toContain(REASON);
    expect(body).toContain('1 connector needs attention');
  });

  it('render values from a SaaS API as text: an email or a name that is markup stays text', async () => {
    const escapedEmail = '&lt;img src=x onerror=alert(1)&gt;@x.com';
    for (const path of ['/people', `/people/${encodeURIComponent(XSS_EMAIL)}`, '/connectors/torq-prod/accounts', '/review/torq-prod']) {
      const { status, body } = await get(path);
      expect(status, path).toBe(200);
      expect(body, path).toContain(escapedEmail);
      expect(body, path).not.toContain('<img');
      expect(body, path).not.toContain(XSS_NAME);
    }
    const accounts = await get('/connectors/torq-prod/accounts');
    expect(accounts.body).toContain('&lt;b&gt;Admins&lt;/b&gt;');
  });

  it('show a role change by the role names, escaped, and an entry recorded without names as the fact only', async () => {
    const answer = await get(`/people/${encodeURIComponent(XSS_EMAIL)}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('role Viewer → &lt;b&gt;Owner&lt;/b&gt;');
    expect(answer.body).not.toContain('<b>Owner</b>');
    expect(answer.body).toContain('title="r-0 → r-1">role changed</span>');
  });

  it('answer a bad filter with 400 naming the field, and an unknown connector or person with 404', async () => {
    const badState = await get('/connectors/torq-prod/accounts?state=gone');
    expect(badState.status).toBe(400);
    expect(badState.body).toContain('state must be one of: active, pending, disabled, unknown');
    const badSince = await get('/connectors/torq-prod/accounts?since=yesterday');
    expect(badSince.status).toBe(400);
    expect(badSince.body).toContain('new since');
    expect((await get('/connectors/torq-prod/accounts?cursor=stale')).status).toBe(400);
    expect((await get('/insights?days=7')).status).toBe(400);
    expect((await get('/connectors/nope/accounts')).status).toBe(404);
    expect((await get('/connectors/NOT%20AN%20ID/runs')).status).toBe(404);
    expect((await get('/people/nobody%40example.com')).status).toBe(404);
    expect((await get('/no/such/page')).status).toBe(404);
  });
});

describe('the review CSV', () => {
  it('downloads every row as an attachment, formula cells neutralised', async () => {
    const answer = await get('/review/torq-prod/csv');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(answer.headers['content-disposition']).toMatch(/^attachment; filename="rollcall-review-torq-prod-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = answer.body.split('\r\n');
    expect(lines[0]).toBe('connector,app,account id,email,name,role,groups,state,status,last login,first seen');
    expect(lines[1]).toContain(`torq-prod,torq,u-1,${XSS_EMAIL},"'=HYPERLINK(""http://x"")",Owner,<b>Admins</b>,active,VERIFIED,`);
    expectSecurityHeaders(answer.headers);
  });
});

describe('insights', () => {
  it('show the first rows of a long list on the page and every finding in the CSV', async () => {
    const page = await get('/insights');
    expect(page.status).toBe(200);
    expect(page.body.match(/dormant-\d{3}@example\.com<\/a>/g)?.length).toBe(INSIGHT_ROWS_SHOWN);
    expect(page.body).toContain(`The first ${INSIGHT_ROWS_SHOWN} of ${DORMANT_ACCOUNTS}; `);
    expect(page.body).toContain('href="/insights/csv?days=90"');

    const csv = await get('/insights/csv?days=90');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="rollcall-insights-90d-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('insight,connector,app,account id,email,name,role,state,detail');
    expect(lines.filter((line) => line.startsWith('dormant,')).length).toBe(DORMANT_ACCOUNTS);
    expect((await get('/insights/csv?days=8')).status).toBe(400);
  });
});

describe('assets', () => {
  it('serves Chart.js and its own files from the package, nothing else', async () => {
    const chart = await get('/assets/chart.umd.min.js');
    expect(chart.status).toBe(200);
    expect(chart.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(chart.body).toMatch(/^\/\*!\n \* Chart\.js v4/);
    expect((await get('/assets/console.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get('/assets/changes-chart.js')).status).toBe(200);
    expect((await get('/assets/package.json')).status).toBe(404);
    expect((await get('/assets/..%2F..%2Fpackage.json')).status).toBe(404);
  });
});

describe('binding', () => {
  it('refuses an address other than loopback unless remote use is allowed', async () => {
    await expect(startConsole({ reader: fixtureReader(), source: 'test', host: '0.0.0.0' })).rejects.toBeInstanceOf(RemoteBindingError);
  });
});
