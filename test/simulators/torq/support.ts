/** Shared helpers for the simulator tests: start/close servers, get a token, walk a listing. */
import {
  generateWorkspace,
  startTorqSimulator,
  type SimCredentials,
  type TorqSimulator,
  type TorqSimulatorOptions,
} from '../../../simulators/torq/index.ts';

export const CREDENTIALS: SimCredentials = { clientId: 'sim-client-id', clientSecret: 'sim-client-secret' };

/** Starts simulators and closes every one of them in `closeAll` (call it from `afterEach`). */
export function simulatorPool() {
  const running: TorqSimulator[] = [];
  return {
    async start(overrides: Partial<TorqSimulatorOptions> = {}): Promise<TorqSimulator> {
      const simulator = await startTorqSimulator({
        workspace: overrides.workspace ?? generateWorkspace({ users: 120, seed: 7 }),
        credentials: CREDENTIALS,
        ...overrides,
      });
      running.push(simulator);
      return simulator;
    },
    async closeAll(): Promise<void> {
      await Promise.all(running.splice(0).map((simulator) => simulator.close()));
    },
  };
}

export function basicAuth(credentials: SimCredentials): string {
  return `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64')}`;
}

export function requestToken(
  simulator: TorqSimulator,
  credentials: SimCredentials = CREDENTIALS,
  body: URLSearchParams = new URLSearchParams({ grant_type: 'client_credentials' }),
): Promise<Response> {
  return fetch(simulator.authUrl, { method: 'POST', headers: { authorization: basicAuth(credentials) }, body });
}

export async function getToken(simulator: TorqSimulator, credentials: SimCredentials = CREDENTIALS): Promise<string> {
  const response = await requestToken(simulator, credentials);
  if (response.status !== 200) throw new Error(`token exchange answered ${response.status}`);
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}

export function getData(simulator: TorqSimulator, pathAndQuery: string, token: string): Promise<Response> {
  return fetch(`${simulator.apiUrl}${pathAndQuery}`, { headers: { authorization: `Bearer ${token}` } });
}

export interface UsersPage {
  users: Record<string, unknown>[];
  next_page_token?: string;
}

export function usersQuery(listing: 'local' | 'sso', pageSize?: number, pageToken?: string): string {
  const query = new URLSearchParams();
  if (listing === 'sso') query.set('sso_provision', 'true');
  if (pageSize !== undefined) query.set('page_size', String(pageSize));
  if (pageToken) query.set('page_token', pageToken);
  const text = query.toString();
  return `/users${text ? `?${text}` : ''}`;
}

/** Follows `next_page_token` to the end of a users listing, failing on a non-200 or after `maxPages`. */
export async function listAllUsers(
  simulator: TorqSimulator,
  token: string,
  listing: 'local' | 'sso',
  pageSize?: number,
  maxPages = 10_000,
): Promise<{ users: Record<string, unknown>[]; pageLengths: number[] }> {
  const users: Record<string, unknown>[] = [];
  const pageLengths: number[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const response = await getData(simulator, usersQuery(listing, pageSize, pageToken), token);
    if (response.status !== 200) throw new Error(`users page answered ${response.status}`);
    const body = (await response.json()) as UsersPage;
    users.push(...body.users);
    pageLengths.push(body.users.length);
    pageToken = body.next_page_token;
    if (!pageToken) return { users, pageLengths };
  }
  throw new Error(`listing did not end within ${maxPages} pages`);
}
