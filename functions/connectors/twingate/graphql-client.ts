/**
 * Twingate's GraphQL endpoint over the connector kit (research-twingate-scim.md A1, A4): one POST
 * of `{query, variables}` with the key in `X-API-KEY`, answers mapped onto the core's errors.
 *
 * Twingate may answer 308 to a regional host (`{network}.us1.twingate.com`). The kit never follows
 * a redirect; this client follows one, once per connector, and only to an https `*.twingate.com`
 * host, then sends every later request there. The very first request goes alone (the others wait
 * for its answer), so a redirect is met once, not once per stream. The key goes nowhere else.
 */
import { AuthError, ConfigError, ContractError, PermissionError, TransientError } from '../../core/errors.ts';
import type { Logger } from '../../core/ports.ts';
import { HttpRedirectError, HttpStatusError, type HttpClient } from '../http/http-client.ts';
import { isTwingateHost } from './config.ts';
import { describeGraphqlError, describeIssues, envelopeSchema } from './schema.ts';

export interface GraphqlCall {
  /** Names the call in messages and logs, e.g. `users page`. */
  readonly operation: string;
  readonly query: string;
  readonly variables: Readonly<Record<string, unknown>>;
}

export interface GraphqlClient {
  /** The `data` of an answer without `errors[]`; throws the core's errors otherwise. */
  query(call: GraphqlCall): Promise<unknown>;
}

export interface GraphqlClientOptions {
  readonly endpoint: string;
  readonly apiKey: string;
  readonly http: HttpClient;
  readonly logger: Logger;
}

const WRONG_NETWORK = 'check network (--network), or apiUrl (--api-url) when given';

export function createGraphqlClient(options: GraphqlClientOptions): GraphqlClient {
  const { http, apiKey, logger } = options;
  let endpoint = options.endpoint;
  let redirected = false;
  // Settles once the first request has its answer, whatever it was.
  let firstAnswered: Promise<void> | null = null;

  async function post(label: string, body: string): Promise<string> {
    const send = (): Promise<string> =>
      http.send({
        method: 'POST',
        url: endpoint,
        label,
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        body,
      });
    try {
      return await send();
    } catch (error) {
      if (!(error instanceof HttpRedirectError)) throw answerError(error, label);
      followRedirect(error, label);
      try {
        return await send();
      } catch (again) {
        if (again instanceof HttpRedirectError) throw refusedRedirect(again, label, 'from the regional host');
        throw answerError(again, label);
      }
    }
  }

  /** Moves `endpoint` to the regional host a redirect names, or refuses the redirect. */
  function followRedirect(error: HttpRedirectError, label: string): void {
    // Only these two keep the method and body of a POST.
    if (error.status !== 307 && error.status !== 308) throw refusedRedirect(error, label, 'that would turn the POST into a GET');
    if (redirected) throw refusedRedirect(error, label, 'from the regional host');
    const target = error.location;
    if (target === null || !isTwingateHost(target)) {
      throw refusedRedirect(error, label, 'to a host outside twingate.com (the API key is sent to Twingate only)');
    }
    endpoint = target.href;
    redirected = true;
    logger.info('Twingate redirected to its regional host; later requests go there', { request: label, status: error.status });
  }

  async function exchange(call: GraphqlCall): Promise<unknown> {
    const label = `POST graphql (${call.operation})`;
    const text = await post(label, JSON.stringify({ query: call.query, variables: call.variables }));
    if (/^\s*</.test(text)) {
      throw new ConfigError(`${label} answered HTML instead of JSON (a sign-in page: no Twingate API there); ${WRONG_NETWORK}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ContractError(`${label} answered HTTP 200 with a body that is not JSON`);
    }
    const envelope = envelopeSchema.safeParse(json);
    if (!envelope.success) {
      throw new ContractError(`${label} answered HTTP 200 with an unexpected body: ${describeIssues(envelope.error.issues, json)}`);
    }
    const { data, errors } = envelope.data;
    if (errors !== undefined && errors.length > 0) throw graphqlErrors(label, errors, data);
    if (typeof data !== 'object' || data === null) throw new ContractError(`${label} answered HTTP 200 without data`);
    return data;
  }

  return {
    async query(call) {
      if (firstAnswered === null) {
        const first = exchange(call);
        firstAnswered = first.then(
          () => undefined,
          () => undefined,
        );
        return first;
      }
      await firstAnswered;
      return exchange(call);
    },
  };
}

function refusedRedirect(error: HttpRedirectError, label: string, why: string): ContractError {
  return new ContractError(`${label} answered HTTP ${error.status}, a redirect ${why}: refused`);
}

/**
 * A GraphQL answer with `errors[]` fails the page, with or without partial `data`: a field that
 * failed to resolve reads as `null`, so taking the data would store a null email or drop members.
 * The message carries the count, the first error's path (field names) and code, never its text,
 * which may quote ids or values. Without `data` at all the query itself was refused (GraphQL
 * answers so before executing: a field or argument Twingate no longer has), which retrying will
 * not fix; with `data` the execution failed, which the next poll may not meet again.
 */
function graphqlErrors(label: string, errors: readonly unknown[], data: unknown): Error {
  const first = describeGraphqlError(errors[0]);
  const where = [first.path === null ? null : `at ${first.path}`, first.code].filter((part) => part !== null).join(', ');
  const summary = `${errors.length} GraphQL error${errors.length === 1 ? '' : 's'}${where === '' ? '' : ` (first ${where})`}`;
  if (data === undefined) {
    return new ContractError(`${label} refused the query with ${summary}: Twingate's schema may have changed`);
  }
  const partial = typeof data === 'object' && data !== null ? 'with partial data' : 'without data';
  return new TransientError(`${label} answered HTTP 200 with ${summary}, ${partial}: the page failed`);
}

/** A final answer of the kit other than a redirect, as the error the core acts on (design.md section 5). */
function answerError(error: unknown, label: string): unknown {
  if (!(error instanceof HttpStatusError)) return error;
  const { status } = error;
  if (status === 401) return new AuthError(`API key rejected (${label} answered HTTP 401)`);
  if (status === 403) return new PermissionError(`API key lacks permission to read users and groups (${label} answered HTTP 403)`);
  if (status === 404) return new ConfigError(`${label} answered HTTP 404: no Twingate network there; ${WRONG_NETWORK}`);
  if (status >= 500) return new TransientError(`${label} answered HTTP ${status}`);
  return new ContractError(`${label} answered HTTP ${status}`);
}
