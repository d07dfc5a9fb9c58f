/**
 * OAuth client-credentials access tokens (design.md section 3, Torq's tokens): the exchange,
 * cached until shortly before expiry and shared by concurrent callers, so a listing of many pages
 * costs one exchange.
 */
import { ContractError } from '../../core/errors.ts';
import { silentLogger, type Clock, type Logger } from '../../core/ports.ts';

/** An OAuth 2.0 client's id and secret (RFC 6749 section 2.3.1). */
export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}
import { HttpStatusError, type HttpClient } from './http-client.ts';
import { errorFromStatus } from './status-errors.ts';
import * as z from 'zod/mini';
import { describeIssues } from './zod-issues.ts';

const nonEmptyString = z.string().check(z.minLength(1));

/** The token endpoint's answer. Some OAuth servers spell `expires_in` as a numeric string. */
export const tokenResponseSchema = z.object({
  access_token: nonEmptyString,
  expires_in: z.optional(
    z.pipe(
      z.union([z.number(), z.pipe(z.string().check(z.regex(/^\d+$/)), z.transform(Number))]),
      z.number().check(z.positive()),
    ),
  ),
  token_type: z.optional(z.string()),
});


export interface TokenSource {
  /** A token valid for at least the refresh margin, exchanging the credentials when needed. */
  get(): Promise<string>;
  /** Forget `token` (an API call was answered 401 with it), unless a newer one already replaced it. */
  invalidate(token: string): void;
}

export interface TokenSourceOptions {
  readonly http: HttpClient;
  readonly tokenUrl: string;
  readonly credentials: ClientCredentials;
  readonly clock: Clock;
  /** Refresh this long before the announced expiry. @default 60_000 */
  readonly refreshMarginMs?: number;
  readonly logger?: Logger;
}

const LABEL = 'POST token endpoint';
/** Assumed when the answer leaves out `expires_in`: short, since a 401 refreshes anyway. */
const UNANNOUNCED_LIFETIME_MS = 300_000;

interface CachedToken {
  readonly value: string;
  /** Epoch ms after which the token is not handed out any more. */
  readonly refreshAt: number;
}

export function createTokenSource(options: TokenSourceOptions): TokenSource {
  const { http, tokenUrl, credentials, clock } = options;
  const refreshMarginMs = options.refreshMarginMs ?? 60_000;
  const logger = options.logger ?? silentLogger;
  const basic = Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`, 'utf8').toString('base64');
  let cached: CachedToken | null = null;
  let pending: Promise<CachedToken> | null = null;

  async function exchange(): Promise<CachedToken> {
    const requestedAt = clock.now().getTime();
    let text: string;
    try {
      text = await http.send({
        method: 'POST',
        url: tokenUrl,
        label: LABEL,
        headers: { authorization: `Basic ${basic}` },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      });
    } catch (error) {
      throw tokenEndpointError(error);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ContractError(`${LABEL} answered HTTP 200 with a body that is not JSON`);
    }
    const parsed = tokenResponseSchema.safeParse(json);
    if (!parsed.success) {
      throw new ContractError(`${LABEL} answered HTTP 200 without a usable token: ${describeIssues(parsed.error.issues, json)}`);
    }
    const lifetimeMs = parsed.data.expires_in === undefined ? UNANNOUNCED_LIFETIME_MS : parsed.data.expires_in * 1000;
    // A token shorter-lived than twice the margin would be refreshed on every call; keep half its life.
    const marginMs = Math.min(refreshMarginMs, lifetimeMs / 2);
    logger.debug('access token obtained', { lifetimeSeconds: Math.round(lifetimeMs / 1000) });
    return { value: parsed.data.access_token, refreshAt: requestedAt + lifetimeMs - marginMs };
  }

  return {
    async get() {
      if (cached !== null && clock.now().getTime() < cached.refreshAt) return cached.value;
      pending ??= exchange().finally(() => {
        pending = null;
      });
      cached = await pending;
      return cached.value;
    },
    invalidate(token) {
      if (cached?.value === token) cached = null;
    },
  };
}

function tokenEndpointError(error: unknown): unknown {
  if (!(error instanceof HttpStatusError)) return error;
  return errorFromStatus(error.status, {
    label: LABEL,
    forbiddenRejectsCredentials: true,
    notFound: 'check the token URL (--auth-url)',
  });
}
