/**
 * One HTTP exchange with retries, a per-attempt deadline, a cap on the answer's size and a request
 * budget, on the platform's `fetch`. Every failure leaves as a typed error whose message names the
 * request, the host and the status or network cause only: no body, no header, no query value.
 *
 * Why not a fetch wrapper library: the deadline has to bound the body too, and a signal passed
 * into `fetch` does not reliably reach the body read. Node's fetch (undici) gives each `Request`
 * its own AbortController that the caller's signal reaches only through a `WeakRef`; a library
 * that wraps the call in a `new Request(...)` (as ky does) drops that object once the headers are
 * in, garbage collection takes the controller, and aborting later reaches nothing: the body read
 * goes on until undici's own 300 s idle limit, or forever for a trickled body. So every attempt
 * here holds its body reader and cancels that reader itself when the deadline passes, and the
 * retry loop covers the body read, so a body that times out or breaks off is retried like any
 * other transient failure.
 */
import { ConfigError, ContractError, RollcallError, TransientError } from '../../core/errors.ts';
import { silentLogger, type Logger } from '../../core/ports.ts';
import type { PaceClaim, RateLimiter } from './rate-limiter.ts';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly limit: number;
  /** Upper bound of one exponential backoff wait (before jitter). */
  readonly backoffLimitMs: number;
  /** Upper bound of one wait a `Retry-After` asks for; a longer ask waits this long, then retries. */
  readonly maxRetryAfterSeconds: number;
  /**
   * The wait after a 429 without a readable `Retry-After`, for vendors whose own clients wait a
   * fixed time then (Twingate's wait 60 s); capped by `maxRetryAfterSeconds`. Absent: exponential
   * backoff, as for any other retried answer.
   */
  readonly defaultRetryAfterSeconds?: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { limit: 4, backoffLimitMs: 10_000, maxRetryAfterSeconds: 60 };
export const DEFAULT_TIMEOUT_MS = 30_000;
/** A page of 100 Torq users is about 40 KB; this leaves room for far larger pages, not for a runaway body. */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** Answers worth another attempt (design.md section 5); anything else is final. */
export const RETRIED_STATUSES: readonly number[] = [429, 500, 502, 503, 504];
/** Answers whose `Retry-After` sets the wait before the next attempt. */
const RETRY_AFTER_STATUSES: readonly number[] = [429, 503];
/** First backoff wait before jitter; each retry doubles it (0.3 s, 0.6 s, 1.2 s, ...). */
const BACKOFF_BASE_MS = 300;

export interface HttpClientOptions {
  readonly retry?: Partial<RetryPolicy>;
  /** Per attempt, for the whole exchange: connecting, the headers and the last byte of the body. @default 30_000 */
  readonly timeoutMs?: number;
  /** Upper bound of one answer's body, in bytes (after decompression). @default 16 MiB */
  readonly maxResponseBytes?: number;
  /** Awaited before every attempt, retries included; told of every answer. */
  readonly rateLimiter?: RateLimiter;
  /** @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch;
  readonly logger?: Logger;
  /** Source of the backoff jitter, in [0, 1). @default Math.random */
  readonly random?: () => number;
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  /** Names the request in messages and logs, e.g. `GET /users (stream sso)`. */
  readonly label: string;
  readonly searchParams?: URLSearchParams;
  readonly headers?: Record<string, string>;
  /** A form, or text (a JSON document) whose `content-type` the caller sets in `headers`. */
  readonly body?: URLSearchParams | string;
  /** Runs before every attempt, after the rate limiter: the place to set a fresh `Authorization`. */
  readonly beforeAttempt?: (headers: Headers) => Promise<void>;
  /** The share of the rate this request's stream claims (`stream-shares.ts`), passed to the limiter. */
  readonly pace?: PaceClaim;
}

export interface HttpClient {
  /**
   * The body of a 2xx answer as text. Throws `HttpStatusError` for an answer retries do not fix
   * (the caller knows what a 401, 403 or 404 means there), `HttpRedirectError` (a `ContractError`)
   * for a redirect, `ContractError` for an answer over the size cap, `TransientError` once retries are spent, and passes through any
   * `RollcallError` thrown by `beforeAttempt`.
   */
  send(request: HttpRequest): Promise<string>;
}

/** A final non-2xx answer outside the retried set. */
export class HttpStatusError extends Error {
  constructor(
    readonly label: string,
    readonly status: number,
  ) {
    super(`${label} answered HTTP ${status}`);
    this.name = 'HttpStatusError';
  }
}

/**
 * A redirect, refused: redirects are never followed, since one could carry credentials to another
 * origin. A caller that knows where its vendor may redirect (Twingate's regional hosts) checks
 * `location` and asks again there itself. `location` (the `Location` header resolved against the
 * request URL, `null` when absent or unreadable) is not an enumerable field, so a logger that
 * serialises the error's fields never prints it; the message names only the request and status.
 */
export class HttpRedirectError extends ContractError {
  declare readonly location: URL | null;
  constructor(
    label: string,
    readonly status: number,
    location: URL | null,
  ) {
    super(`${label} answered HTTP ${status}, a redirect: refused (redirects are never followed); check the configured URL`);
    Object.defineProperty(this, 'location', { value: location, enumerable: false });
  }
}

/** What one attempt ended with, when it did not end the whole call. */
type Outcome =
  | { readonly kind: 'body'; readonly text: string }
  | { readonly kind: 'status'; readonly status: number; readonly retryAfter: string | null }
  | { readonly kind: 'failure'; readonly what: string; readonly code: string; readonly cause: Error };

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new ConfigError('timeoutMs must be a positive number');
  if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes <= 0) {
    throw new ConfigError('maxResponseBytes must be a positive integer');
  }
  const logger = options.logger ?? silentLogger;
  const random = options.random ?? Math.random;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const { rateLimiter } = options;

  /** One attempt, bounded as a whole by `timeoutMs`. Throws only errors that end the call. */
  async function attempt(request: HttpRequest, url: URL, headers: Headers): Promise<Outcome> {
    const controller = new AbortController();
    let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
    let phase: 'waiting for the answer' | 'reading the body' = 'waiting for the answer';
    let expired = false;
    let expire: (reason: Error) => void = () => undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      expire = reject;
    });
    const timer = setTimeout(() => {
      expired = true;
      const reason = new Error('deadline passed');
      // The signal ends a pending connect or header wait; the reader is cancelled directly because
      // the signal may no longer reach the body read (see the module comment).
      controller.abort(reason);
      if (reader !== null) void reader.cancel(reason).catch(() => undefined);
      expire(reason);
    }, timeoutMs);

    async function exchange(): Promise<Outcome> {
      const response = await fetchImpl(url, {
        method: request.method,
        headers,
        signal: controller.signal,
        // A redirect could carry the bearer token or the client secret to another origin.
        redirect: 'manual',
        ...(request.body ? { body: request.body } : {}),
      });
      if (expired) {
        // A fetch that ignored the abort answered after the attempt was given up.
        discard(response);
        throw new Error('answer after the deadline');
      }
      phase = 'reading the body';
      const retryAfter = response.headers.get('retry-after');
      const defaultWait = response.status === 429 ? (policy.defaultRetryAfterSeconds ?? null) : null;
      rateLimiter?.observe({ status: response.status, retryAfterSeconds: retryAfterSeconds(retryAfter) ?? defaultWait });
      if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
        discard(response);
        throw new HttpRedirectError(request.label, response.status, redirectTarget(response.headers.get('location'), url));
      }
      if (!response.ok) {
        // An error body is never read (it must not reach a message); release the connection.
        discard(response);
        return { kind: 'status', status: response.status, retryAfter };
      }
      const tooLarge = () =>
        new ContractError(`${request.label} answered more than ${describeBytes(maxResponseBytes)} (maxResponseBytes): refused`);
      const announced = response.headers.get('content-length');
      if (announced !== null && Number(announced) > maxResponseBytes) {
        discard(response);
        throw tooLarge();
      }
      if (response.body === null) return { kind: 'body', text: '' };
      reader = response.body.getReader();
      // Decoded as it arrives, so the raw bytes are never held beside the text.
      const decoder = new TextDecoder();
      const parts: string[] = [];
      let received = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.byteLength;
        if (received > maxResponseBytes) {
          await reader.cancel().catch(() => undefined);
          throw tooLarge();
        }
        parts.push(decoder.decode(value, { stream: true }));
      }
      parts.push(decoder.decode());
      return { kind: 'body', text: parts.join('') };
    }

    try {
      return await Promise.race([exchange(), deadline]);
    } catch (error) {
      if (error instanceof RollcallError) throw error;
      if (expired) {
        return {
          kind: 'failure',
          what: `timed out ${phase} (${timeoutMs} ms per attempt)`,
          code: 'TIMEOUT',
          cause: standIn('TimeoutError', 'timed out'),
        };
      }
      return { kind: 'failure', ...describeNetworkFailure(error), cause: sanitizedCause(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  function waitBefore(retry: number, outcome: Outcome): number {
    if (outcome.kind === 'status' && RETRY_AFTER_STATUSES.includes(outcome.status)) {
      const askedMs = retryAfterMs(outcome.retryAfter);
      if (askedMs !== null) return Math.min(askedMs, policy.maxRetryAfterSeconds * 1000);
      if (outcome.status === 429 && policy.defaultRetryAfterSeconds !== undefined) {
        return Math.min(policy.defaultRetryAfterSeconds, policy.maxRetryAfterSeconds) * 1000;
      }
    }
    // Full jitter: anywhere between zero and the capped exponential wait.
    return random() * Math.min(policy.backoffLimitMs, BACKOFF_BASE_MS * 2 ** (retry - 1));
  }

  return {
    async send(request) {
      const url = new URL(request.url);
      if (request.searchParams) url.search = request.searchParams.toString();
      for (let attempts = 1; ; attempts++) {
        if (rateLimiter) await rateLimiter.acquire(request.pace);
        const headers = new Headers({ accept: 'application/json', ...request.headers });
        if (request.beforeAttempt) await request.beforeAttempt(headers);
        const outcome = await attempt(request, url, headers);
        if (outcome.kind === 'body') return outcome.text;
        if (outcome.kind === 'status' && !RETRIED_STATUSES.includes(outcome.status)) {
          throw new HttpStatusError(request.label, outcome.status);
        }
        if (attempts > policy.limit) throw finalError(request.label, url.host, attempts, outcome);
        const waitMs = waitBefore(attempts, outcome);
        logger.warn('upstream request retried', {
          request: request.label,
          retry: attempts,
          status: outcome.kind === 'status' ? outcome.status : null,
          failure: outcome.kind === 'failure' ? outcome.code : null,
          waitMs: Math.round(waitMs),
        });
        if (waitMs > 0) await new Promise<void>((resolve) => setTimeout(resolve, waitMs));
      }
    },
  };
}

function finalError(label: string, host: string, attempts: number, outcome: Exclude<Outcome, { kind: 'body' }>): TransientError {
  const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
  if (outcome.kind === 'status') {
    return new TransientError(`${label} failed with HTTP ${outcome.status} after ${tries}`, {
      cause: standIn('HTTPError', `HTTP ${outcome.status}`),
      retryAfterSeconds: retryAfterSeconds(outcome.retryAfter),
    });
  }
  return new TransientError(`${label} to ${host} failed: ${outcome.what} after ${tries}`, { cause: outcome.cause });
}

function redirectTarget(location: string | null, base: URL): URL | null {
  if (location === null) return null;
  try {
    return new URL(location, base);
  } catch {
    return null;
  }
}

function discard(response: Response): void {
  void response.body?.cancel().catch(() => undefined);
}

function describeBytes(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** Node's system error codes for the failures an operator can act on, in words. */
const NETWORK_FAILURES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  UND_ERR_SOCKET: 'connection closed by the server',
  ENOTFOUND: 'DNS: host not found',
  EAI_AGAIN: 'DNS: lookup failed for now',
  ETIMEDOUT: 'connect timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate not trusted: self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS certificate not trusted: self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted: issuer unknown',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS certificate not trusted: issuer unknown',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  CERT_NOT_YET_VALID: 'TLS certificate not yet valid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host',
};

/** `connection refused (ECONNREFUSED)`, `TLS failure (ERR_SSL_...)`, or `network error` without a code. */
function describeNetworkFailure(error: unknown): { what: string; code: string } {
  const code = error instanceof Error ? systemErrorCode(error) : null;
  if (code === null) return { what: 'network error', code: 'NETWORK' };
  const known = NETWORK_FAILURES[code];
  if (known !== undefined) return { what: `${known} (${code})`, code };
  if (/^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_)/.test(code)) return { what: `TLS failure (${code})`, code };
  return { what: `network error (${code})`, code };
}

/**
 * A stand-in for a fetch error: its name and the system error code, nothing else. Structured
 * loggers serialise a cause's every field, and fetch's errors can carry addresses and more.
 */
export function sanitizedCause(error: unknown): Error {
  if (!(error instanceof Error)) return standIn('NonError', 'unexpected failure');
  return standIn(error.name, systemErrorCode(error) ?? 'request failed');
}

function standIn(name: string, message: string): Error {
  const cause = new Error(message);
  // Not enumerable, like `Error.prototype.name`: the stand-in has no fields of its own to serialise.
  Object.defineProperty(cause, 'name', { value: name, enumerable: false });
  return cause;
}

/**
 * fetch reports a refused, reset or untrusted connection as `TypeError('fetch failed')` with the
 * system error as its cause (an `AggregateError` of one per address when several were tried).
 * Only a code of the usual shape is kept, so nothing else of the error can reach a message.
 */
function systemErrorCode(error: Error): string | null {
  const candidates: unknown[] = [error, error.cause];
  if (error.cause instanceof AggregateError) candidates.push(...error.cause.errors);
  for (const candidate of candidates) {
    if (typeof candidate === 'object' && candidate !== null && 'code' in candidate) {
      const { code } = candidate;
      if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,47}$/.test(code)) return code;
    }
  }
  return null;
}

/** Milliseconds from a `Retry-After` header (delta-seconds or an HTTP date); `null` when absent or unreadable. */
function retryAfterMs(header: string | null, nowMs: number = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - nowMs);
}

/** Seconds from a `Retry-After` header (delta-seconds or an HTTP date); `null` when absent or unreadable. */
export function retryAfterSeconds(header: string | null, nowMs: number = Date.now()): number | null {
  const ms = retryAfterMs(header, nowMs);
  return ms === null ? null : Math.ceil(ms / 1000);
}
