/**
 * One HTTP exchange with retries, timeouts and a request budget, built on ky's own retry support.
 * Every failure leaves as a typed error whose message names the request and status only: no body,
 * no header, no query value beyond what the label says.
 */
import ky, { HTTPError, TimeoutError, type KyRequest } from 'ky';
import { RollcallError, TransientError } from '../../core/errors.ts';
import { silentLogger, type Logger } from '../../core/ports.ts';
import type { RateLimiter } from './rate-limiter.ts';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly limit: number;
  /** Upper bound of one exponential backoff wait (before jitter). */
  readonly backoffLimitMs: number;
  /** Upper bound of one wait a `Retry-After` asks for; a longer ask waits this long, then retries. */
  readonly maxRetryAfterSeconds: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { limit: 4, backoffLimitMs: 10_000, maxRetryAfterSeconds: 60 };
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Answers worth another attempt (design.md section 5); anything else is final. */
export const RETRIED_STATUSES: readonly number[] = [429, 500, 502, 503, 504];
const RETRY_AFTER_STATUSES = [429, 503];

export interface HttpClientOptions {
  readonly retry?: Partial<RetryPolicy>;
  /** Per attempt, until the answer's headers arrive. @default 30_000 */
  readonly timeoutMs?: number;
  /** Awaited before every attempt, retries included. */
  readonly rateLimiter?: RateLimiter;
  /** @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch;
  readonly logger?: Logger;
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  /** Names the request in messages and logs, e.g. `GET /users (stream sso)`. */
  readonly label: string;
  readonly searchParams?: URLSearchParams;
  readonly headers?: Record<string, string>;
  readonly body?: URLSearchParams;
  /** Runs before every attempt, after the rate limiter: the place to set a fresh `Authorization`. */
  readonly beforeAttempt?: (request: KyRequest) => Promise<void>;
}

export interface HttpClient {
  /**
   * The body of a 2xx answer as text. Throws `HttpStatusError` for an answer retries do not fix
   * (the caller knows what a 401, 403 or 404 means there), `TransientError` once retries are spent,
   * and passes through any `RollcallError` thrown by `beforeAttempt`.
   */
  send(request: HttpRequest): Promise<string>;
}

/** A final non-2xx answer outside the retried set. Carries no cause: the ky error holds the request and its headers. */
export class HttpStatusError extends Error {
  constructor(
    readonly label: string,
    readonly status: number,
  ) {
    super(`${label} answered HTTP ${status}`);
    this.name = 'HttpStatusError';
  }
}

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const logger = options.logger ?? silentLogger;
  const { rateLimiter } = options;

  return {
    async send(request) {
      let attempts = 0;
      let response: Response;
      // ky's timeout ends when the headers arrive; this signal also bounds reading the body.
      const bodyDeadline = new AbortController();
      try {
        response = await ky(request.url, {
          signal: bodyDeadline.signal,
          method: request.method,
          headers: { accept: 'application/json', ...request.headers },
          ...(request.searchParams ? { searchParams: request.searchParams } : {}),
          ...(request.body ? { body: request.body } : {}),
          timeout: timeoutMs,
          ...(options.fetch ? { fetch: options.fetch } : {}),
          retry: {
            limit: policy.limit,
            // ky leaves POST out by default; the token exchange is safe to repeat.
            methods: [request.method.toLowerCase() as 'get' | 'post'],
            statusCodes: [...RETRIED_STATUSES],
            afterStatusCodes: RETRY_AFTER_STATUSES,
            // ky 1.14's docs say a longer Retry-After cancels the request, but its code
            // (Ky.#calculateRetryDelay: `after < max ? after : max`) waits the cap and retries, which
            // is what we want. A test pins this, so an upgrade that starts cancelling fails loudly.
            maxRetryAfter: policy.maxRetryAfterSeconds * 1000,
            backoffLimit: policy.backoffLimitMs,
            // Full jitter over ky's exponential delay (0.3 s, 0.6 s, 1.2 s, ...).
            jitter: true,
            retryOnTimeout: true,
            // Our own errors (from `beforeAttempt`, e.g. rejected credentials) are final.
            shouldRetry: ({ error }) => (error instanceof RollcallError ? false : undefined),
          },
          hooks: {
            beforeRequest: [
              async (kyRequest) => {
                attempts += 1;
                if (rateLimiter) await rateLimiter.acquire();
                if (request.beforeAttempt) await request.beforeAttempt(kyRequest);
              },
            ],
            afterResponse: [
              (_request, _options, response) => {
                rateLimiter?.observe({ status: response.status, retryAfterSeconds: retryAfterSeconds(response.headers.get('retry-after')) });
              },
            ],
            beforeRetry: [
              ({ error, retryCount }) => {
                logger.warn('upstream request retried', {
                  request: request.label,
                  retry: retryCount,
                  status: error instanceof HTTPError ? error.response.status : null,
                  failure: error instanceof HTTPError ? null : error.name,
                });
              },
            ],
            beforeError: [
              (error) => {
                // We never read an error body (it must not reach a message); release the connection.
                void error.response.body?.cancel().catch(() => undefined);
                return error;
              },
            ],
          },
        });
      } catch (error) {
        throw toTypedError(error, request.label, attempts, timeoutMs);
      }
      const timer = setTimeout(() => bodyDeadline.abort(), timeoutMs);
      try {
        return await response.text();
      } catch (error) {
        const why = bodyDeadline.signal.aborted ? `timed out reading the answer (${timeoutMs} ms)` : 'failed while reading the answer';
        throw new TransientError(`${request.label} ${why}`, { cause: sanitizedCause(error) });
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

function toTypedError(error: unknown, label: string, attempts: number, timeoutMs: number): Error {
  if (error instanceof RollcallError) return error;
  const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
  if (error instanceof HTTPError) {
    const { status } = error.response;
    if (!RETRIED_STATUSES.includes(status)) return new HttpStatusError(label, status);
    return new TransientError(`${label} failed with HTTP ${status} after ${tries}`, {
      cause: sanitizedCause(error),
      retryAfterSeconds: retryAfterSeconds(error.response.headers.get('retry-after')),
    });
  }
  if (error instanceof TimeoutError) {
    return new TransientError(`${label} timed out (${timeoutMs} ms per attempt) after ${tries}`, {
      cause: sanitizedCause(error),
    });
  }
  return new TransientError(`${label} failed: network error after ${tries}`, { cause: sanitizedCause(error) });
}

/**
 * A stand-in for a ky or fetch error: its name, the HTTP status or the system error code, nothing
 * else. ky's errors hold the request with its `Authorization` header, and structured loggers
 * serialise a cause's every field.
 */
export function sanitizedCause(error: unknown): Error {
  let detail = 'unexpected failure';
  if (error instanceof HTTPError) detail = `HTTP ${error.response.status}`;
  else if (error instanceof TimeoutError) detail = 'timed out';
  else if (error instanceof Error) detail = systemErrorCode(error) ?? 'request failed';
  const cause = new Error(detail);
  // Not enumerable, like `Error.prototype.name`: the stand-in has no fields of its own to serialise.
  Object.defineProperty(cause, 'name', { value: error instanceof Error ? error.name : 'NonError', enumerable: false });
  return cause;
}

/** fetch reports a refused or reset connection as `TypeError('fetch failed')` with the system error as its cause. */
function systemErrorCode(error: Error): string | null {
  const cause: unknown = error.cause;
  if (typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string') {
    return cause.code;
  }
  return null;
}

/** Seconds from a `Retry-After` header (delta-seconds or an HTTP date); `null` when absent or unreadable. */
export function retryAfterSeconds(header: string | null, nowMs: number = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(header);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - nowMs) / 1000));
}
