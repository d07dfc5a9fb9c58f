/** Shared by the SCIM connector's tests: small loopback SCIM servers, a connector built through the registry, paging helpers. */
import { capturingLogger } from '../../support/capturing-logger.ts';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConnectorFactory, type ConnectorRuntimeOptions } from '../../../functions/connectors/index.ts';
import type { AccountPage, Connector } from '../../../functions/core/ports.ts';

/** A token no output may ever contain. */
export const TOKEN = 'scim-canary-token-7c41be09';

export const LIST_URN = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';

export interface Exchange {
  readonly method: string;
  /** The path below the SCIM base: `/Users`, `/Groups`, `/ServiceProviderConfig`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
}

export interface Answer {
  readonly status?: number;
  /** JSON-encoded unless a string. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface LoopbackScim {
  /** `http://127.0.0.1:PORT/scim/v2`. */
  readonly baseUrl: string;
  readonly exchanges: Exchange[];
  /** The exchanges below `path`, in order. */
  to(path: string): Exchange[];
}

const running: { close(): Promise<void> }[] = [];

export async function closeAll(): Promise<void> {
  await Promise.all(running.splice(0).map((server) => server.close()));
}

/** A SCIM base on loopback answering every request with `handle`'s answer. */
export async function loopbackScim(handle: (exchange: Exchange) => Answer | Promise<Answer>): Promise<LoopbackScim> {
  const exchanges: Exchange[] = [];
  const server = createServer((request, response) => {
    request.resume();
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const exchange: Exchange = {
      method: request.method ?? 'GET',
      path: url.pathname.replace(/^\/scim\/v2/, ''),
      query: url.searchParams,
      headers: request.headers,
    };
    exchanges.push(exchange);
    void Promise.resolve(handle(exchange)).then((answer) => {
      const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      response.writeHead(answer.status ?? 200, { 'content-type': 'application/scim+json', ...answer.headers }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2`,
    exchanges,
    to: (path) => exchanges.filter((exchange) => exchange.path === path),
  };
}

export interface ScimUserFixture {
  id: string;
  userName: string;
  emails?: { value: string; type?: string; primary?: boolean }[];
  active?: boolean;
  [key: string]: unknown;
}

export function makeUsers(count: number, prefix = 'u'): ScimUserFixture[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `${prefix}${index + 1}`,
    userName: `${prefix}${index + 1}@example.com`,
    emails: [{ value: `${prefix}${index + 1}@example.com`, type: 'work', primary: true }],
    active: true,
  }));
}

export interface PagedOptions {
  /** The most resources one page holds, whatever `count` asks. */
  readonly cap?: number;
  /** `totalResults` of the answer to the page at `startIndex` (default: the list's length). */
  readonly totalResults?: (startIndex: number) => number | undefined;
  /** Leave `Resources` out of an empty page. */
  readonly omitEmptyResources?: boolean;
}

/** A ListResponse of `resources` sliced by the request's `startIndex` and `count`, as RFC 7644 section 3.4.2.4 says. */
export function pagedList(resources: readonly unknown[], query: URLSearchParams, options: PagedOptions = {}): Answer {
  const startIndex = Math.max(1, Number(query.get('startIndex') ?? '1'));
  const count = Math.min(Number(query.get('count') ?? '100'), options.cap ?? Number.POSITIVE_INFINITY);
  const page = resources.slice(startIndex - 1, startIndex - 1 + count);
  const totalResults = options.totalResults ? options.totalResults(startIndex) : resources.length;
  return {
    body: {
      schemas: [LIST_URN],
      ...(totalResults === undefined ? {} : { totalResults }),
      startIndex,
      itemsPerPage: page.length,
      ...(page.length === 0 && options.omitEmptyResources === true ? {} : { Resources: page }),
    },
  };
}

export function scimError(status: number, scimType?: string, detail?: string, statusAsNumber = false): Answer {
  return {
    status,
    body: { schemas: [ERROR_URN], status: statusAsNumber ? status : String(status), ...(scimType ? { scimType } : {}), ...(detail ? { detail } : {}) },
  };
}

export function connect(
  baseUrl: string,
  config: Record<string, unknown> = {},
  options: ConnectorRuntimeOptions = {},
  token: string = TOKEN,
): Connector {
  return createConnectorFactory(
    'scim',
    { baseUrl, ...config },
    { requestsPerSecond: 1_000_000, retry: { limit: 3, backoffLimitMs: 0, maxRetryAfterSeconds: 0 }, ...options },
  )({ token });
}

/** Every page of one stream, in order (the core's own paging, minus its bounds). */
export async function pagesOf(connector: Connector, stream: string, maxPages = 1_000): Promise<AccountPage[]> {
  const pages: AccountPage[] = [];
  let cursor: string | null = null;
  do {
    const page: AccountPage = await connector.listPage(stream, cursor);
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor !== null && pages.length < maxPages);
  if (cursor !== null) throw new Error(`more than ${maxPages} pages`);
  return pages;
}

export function idsOf(pages: readonly AccountPage[]): string[] {
  return pages.flatMap((page) => page.accounts.map((account) => account.id));
}

/** Lets real I/O proceed (setImmediate is never faked) until `condition` holds. */
export async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 20_000; turn++) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error('condition not reached');
}

export { capturingLogger };
