/**
 * GET requests to a SCIM service provider over the connector kit: the token as a bearer token,
 * SCIM's media type accepted, every answer read as JSON, and refusals read as SCIM errors
 * (RFC 7644 section 3.12).
 *
 * The kit never reads an error's body (one must not reach a message), but SCIM puts what a client
 * must act on there: `scimType` `invalidCursor` or `expiredCursor` on a 400 means "start the
 * listing over" (RFC 9865). So the `fetch` the kit calls reads the body of a final 4xx answer itself
 * (capped), keeps its status and `scimType` only (never `detail`, which may quote values) by the
 * request's URL, and hands the kit the answer without its body. Requests of one stream go one at a
 * time, and the two streams ask different paths, so a URL names one request in flight.
 */
import { ConfigError, ContractError } from '../../core/errors.ts';
import { HttpStatusError, type HttpClient } from '../http/http-client.ts';
import { isScimErrorBody, readScimError, type ScimErrorInfo } from './schema.ts';

/** An error body is a few hundred bytes; anything longer is not one worth reading. */
const ERROR_BODY_BYTES = 64 * 1024;

/** A final refusal of the provider, with what its SCIM error body said. */
export class ScimStatusError extends Error {
  constructor(
    readonly label: string,
    /** The body's `status` when it gave a usable one, else the HTTP status. */
    readonly status: number,
    readonly scimType: string | null,
    readonly httpStatus: number,
  ) {
    super(`${label} answered HTTP ${httpStatus}${scimType === null ? '' : ` (scimType ${scimType})`}`);
    this.name = 'ScimStatusError';
  }
}

export interface ScimClient {
  /** The JSON of a 2xx answer that is not a SCIM error; throws `ScimStatusError` for a refusal, the kit's errors otherwise. */
  get(path: string, params: URLSearchParams, label: string): Promise<unknown>;
}

export interface ScimClientOptions {
  readonly baseUrl: string;
  readonly token: string;
  readonly http: HttpClient;
  /** The URLs whose refusal `errorReadingFetch` read, shared with it. */
  readonly refusals: Map<string, ScimErrorInfo>;
}

export const SCIM_ACCEPT = 'application/scim+json, application/json';

export const CHECK_BASE_URL = 'check the SCIM base URL (--base-url, or --preset)';

export function createScimClient(options: ScimClientOptions): ScimClient {
  const { baseUrl, token, http, refusals } = options;
  const headers = { accept: SCIM_ACCEPT, authorization: `Bearer ${token}` };
  return {
    async get(path, params, label) {
      const url = new URL(`${baseUrl}${path}`);
      url.search = params.toString();
      let text: string;
      try {
        text = await http.send({ method: 'GET', url: url.href, label, headers });
      } catch (error) {
        if (!(error instanceof HttpStatusError)) throw error;
        const info = refusals.get(url.href);
        refusals.delete(url.href);
        throw new ScimStatusError(label, info?.status ?? error.status, info?.scimType ?? null, error.status);
      }
      if (/^\s*</.test(text)) {
        throw new ConfigError(`${label} answered HTML instead of SCIM JSON (a sign-in page: no SCIM API there); ${CHECK_BASE_URL}`);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new ContractError(`${label} answered a 2xx with a body that is not JSON`);
      }
      if (isScimErrorBody(json)) {
        // Some providers wrap a refusal in a 2xx: its own status says what it was.
        const info = readScimError(json);
        if (info.status === null) throw new ContractError(`${label} answered a 2xx carrying a SCIM error without a status`);
        throw new ScimStatusError(label, info.status, info.scimType, info.status);
      }
      return json;
    },
  };
}

/**
 * `fetch` for the kit: a final 4xx answer (not 429, which the kit retries) has its body read here,
 * within `ERROR_BODY_BYTES`, and its SCIM error kept in `refusals` by URL; the kit gets the answer
 * without a body.
 */
export function errorReadingFetch(inner: typeof globalThis.fetch, refusals: Map<string, ScimErrorInfo>): typeof globalThis.fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    if (response.status < 400 || response.status >= 500 || response.status === 429) return response;
    const url = input instanceof URL ? input.href : input instanceof Request ? input.url : String(input);
    refusals.set(url, await readErrorBody(response));
    return new Response(null, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

async function readErrorBody(response: Response): Promise<ScimErrorInfo> {
  const none: ScimErrorInfo = { status: null, scimType: null };
  if (response.body === null) return none;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      if (received > ERROR_BODY_BYTES) {
        await reader.cancel().catch(() => undefined);
        return none;
      }
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    return none;
  }
  try {
    return readScimError(JSON.parse(text + decoder.decode()));
  } catch {
    return none;
  }
}
