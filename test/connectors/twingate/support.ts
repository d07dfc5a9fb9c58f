/** Shared by the Twingate connector's tests: the simulator, a connector built through the registry, and loopback helpers. */
import { capturingLogger } from '../../support/capturing-logger.ts';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConnectorFactory, type ConnectorRuntimeOptions } from '../../../functions/connectors/index.ts';
import type { AccountPage, Connector } from '../../../functions/core/ports.ts';
import {
  generateTwingateWorkspace,
  startTwingateSimulator,
  type GenerateTwingateWorkspaceOptions,
  type TwingateSimFaults,
  type TwingateSimulator,
  type TwingateSimWorkspace,
} from '../../../simulators/twingate/index.ts';

/** A key no output may ever contain. */
export const API_KEY = 'tgk-canary-5e81f0c2d7';

const running: { close(): Promise<void> }[] = [];

export async function closeAll(): Promise<void> {
  await Promise.all(running.splice(0).map((server) => server.close()));
}

export async function simulator(
  workspace: TwingateSimWorkspace | GenerateTwingateWorkspaceOptions,
  faults: Partial<TwingateSimFaults> = {},
): Promise<TwingateSimulator> {
  const sim = await startTwingateSimulator({
    workspace: 'revision' in workspace ? workspace : generateTwingateWorkspace(workspace),
    apiKey: API_KEY,
    faults,
  });
  running.push(sim);
  return sim;
}

export function connect(
  apiUrl: string,
  config: Record<string, unknown> = {},
  options: ConnectorRuntimeOptions = {},
  apiKey: string = API_KEY,
): Connector {
  return createConnectorFactory(
    'twingate',
    { network: 'acme', apiUrl, ...config },
    { requestsPerSecond: 1_000_000, retry: { limit: 3, backoffLimitMs: 0, maxRetryAfterSeconds: 0 }, ...options },
  )({ apiKey });
}

/** Every page of one stream, in order (the core's own paging, minus its bounds). */
export async function pagesOf(connector: Connector, stream: string, maxPages = 10_000): Promise<AccountPage[]> {
  const pages: AccountPage[] = [];
  let cursor: string | null = null;
  do {
    const page: AccountPage = await connector.listPage(stream, cursor);
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor !== null && pages.length < maxPages);
  return pages;
}

/** Members per group id across pages, in listing order. */
export function membersByGroup(pages: readonly AccountPage[]): Map<string, string[]> {
  const members = new Map<string, string[]>();
  for (const page of pages) {
    for (const entry of page.members ?? []) {
      const list = members.get(entry.groupId) ?? [];
      list.push(...entry.accountIds);
      members.set(entry.groupId, list);
    }
  }
  return members;
}

/** The fewest requests a complete listing can take: user pages + group pages + extra member pages. */
export function minimumRequests(workspace: TwingateSimWorkspace, pageSize: number): number {
  const pages = (count: number) => Math.max(1, Math.ceil(count / pageSize));
  let extraMemberPages = 0;
  for (const group of workspace.groups) {
    if (group.type !== 'SYSTEM') extraMemberPages += pages(group.memberIds.length) - 1;
  }
  return pages(workspace.users.length) + pages(workspace.groups.length) + extraMemberPages;
}

/** A loopback server standing in for a host the key must never reach: it records whatever arrives. */
export async function foreignHost(): Promise<{ origin: string; received: IncomingHttpHeaders[] }> {
  const received: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    received.push(request.headers);
    request.resume();
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

/**
 * A loopback server answering every request with `status` and `body` (for answers the simulator
 * never gives, such as a GraphQL validation error).
 */
export async function fixedAnswer(status: number, body: string, contentType = 'application/json'): Promise<string> {
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(status, { 'content-type': contentType }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/graphql/`;
}

/**
 * `fetch` with a hosts file: requests to a mapped host name go to that loopback origin instead
 * (no DNS here; Twingate's regional hosts are stood in for by loopback servers). The URL the
 * client asked for is recorded.
 */
export function fetchWithHosts(hosts: Record<string, string>, asked: string[] = []): typeof globalThis.fetch {
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    asked.push(url.href);
    const origin = hosts[url.hostname];
    return fetch(origin === undefined ? url : new URL(`${url.pathname}${url.search}`, origin), init);
  };
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
