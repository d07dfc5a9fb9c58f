/**
 * What stands between a browser and the inventory (README, "The web console"): the console shows
 * people's data, so every request must come from the person who started it.
 *
 * - A `Host` check: a page of another site that rebinds its DNS name to 127.0.0.1 still sends its
 *   own name, and is refused. Only an IP literal or `localhost`, with the bound port, passes.
 * - Reads only: any method but GET and HEAD is refused before a route is looked up.
 * - A per-run token: the URL the command prints carries it once; the answer sets it as an
 *   HttpOnly, SameSite=Strict cookie and sends the browser on to the same page without it, so it
 *   stays out of the history, of screenshots and of links. Compared in constant time.
 * - Headers on every answer, refusals included: a Content-Security-Policy that allows scripts and
 *   styles from the console only (no inline code, no other origin, no framing), nosniff, no referrer,
 *   no caching of pages that hold people's data.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { secureHeaders } from 'hono/secure-headers';

/** The query parameter of the printed URL. */
export const TOKEN_PARAMETER = 'token';

/** 32 random bytes, URL-safe: as hard to guess as a 256-bit key. */
export function createToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Cookies are kept per host name, not per port: two consoles on one machine each keep their own. */
export function tokenCookieName(port: number): string {
  return `rollcall_console_${port}`;
}

/** Both sides hashed first, so the comparison takes the same time whatever the lengths. */
export function sameToken(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export interface HostRule {
  /** The address the server is bound to (an IP literal, or `localhost`). */
  readonly boundHost: string;
  readonly port: number;
  /** Bound to a non-loopback address (`--allow-remote`): any IP literal may name it. */
  readonly remote: boolean;
}

/**
 * Whether a `Host` header names this server. A DNS rebinding attack needs a DNS name, so names
 * other than `localhost` are refused; IP literals are accepted when they are the bound address (any
 * IP literal for a server bound for remote use, reached by whichever address the client used).
 */
export function hostAllowed(header: string | undefined, rule: HostRule): boolean {
  if (header === undefined) return false;
  let url: URL;
  try {
    url = new URL(`http://${header}`);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '' || url.pathname !== '/' || url.search !== '' || url.hash !== '') return false;
  // `new URL` drops a scheme's default port: port 80 arrives as ''.
  const port = url.port === '' ? 80 : Number(url.port);
  if (port !== rule.port || header.toLowerCase() !== url.host) return false;
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (hostname === 'localhost') return true;
  if (isIP(hostname) === 0) return false;
  if (rule.remote) return true;
  const bound = rule.boundHost.startsWith('[') ? rule.boundHost.slice(1, -1) : rule.boundHost;
  return hostname === bound.toLowerCase() || (bound === 'localhost' && (hostname === '127.0.0.1' || hostname === '::1'));
}

const CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  connectSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** The security headers, on every answer (the outermost middleware). */
export function securityHeaders(): MiddlewareHandler {
  const headers = secureHeaders({
    contentSecurityPolicy: CSP,
    referrerPolicy: 'no-referrer',
    xFrameOptions: 'DENY',
    crossOriginOpenerPolicy: 'same-origin',
    crossOriginResourcePolicy: 'same-origin',
    // A plain-HTTP console on loopback: HSTS there would bind every other local server to HTTPS.
    strictTransportSecurity: false,
  });
  return async (c, next) => {
    await headers(c, async () => {
      await next();
      // Pages hold people's data: not kept by the browser's cache or a proxy.
      if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
    });
  };
}

export interface GuardOptions {
  readonly token: string;
  readonly hosts: HostRule;
}

/** Host, method and token checks, in that order; a refusal says what to do, never what was sent. */
export function guard(options: GuardOptions): MiddlewareHandler {
  const cookieName = tokenCookieName(options.hosts.port);
  return async (c, next) => {
    if (!hostAllowed(c.req.header('host'), options.hosts)) {
      return c.text('This console answers only to the address it printed (the Host header names another).', 403);
    }
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      c.header('Allow', 'GET, HEAD');
      return c.text('The console is read-only.', 405);
    }
    const url = new URL(c.req.url);
    const given = url.searchParams.get(TOKEN_PARAMETER);
    if (given !== null) {
      if (!sameToken(given, options.token)) return refuse(c);
      setCookie(c, cookieName, options.token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      url.searchParams.delete(TOKEN_PARAMETER);
      // One leading slash: `//host/...` would be a protocol-relative redirect to another site.
      return c.redirect(`/${url.pathname.replace(/^\/+/, '')}${url.search}`, 303);
    }
    const cookie = getCookie(c, cookieName);
    if (cookie === undefined || !sameToken(cookie, options.token)) return refuse(c);
    await next();
  };
}

function refuse(c: Parameters<MiddlewareHandler>[0]): Response {
  return c.text('Open the console with the URL that `rollcall serve` printed (it carries this run\'s token).', 401);
}
