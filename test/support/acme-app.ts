/**
 * A throwaway app for the tests that prove the registry is the only place that knows an app:
 * "Acme", shaped like an API-key app (a required `network`, an optional `apiUrl` and `pageSize`, one
 * credential `apiKey` read from ACME_API_KEY), with a real connector built from the shared kit
 * (retrying HTTP client, `errorFromStatus`) and a tiny loopback HTTP API to poll. Nothing outside
 * this file knows it: the tests put it in a registry of their own (`createAppRegistry`).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requiredCredentials, type AppDefinition } from '../../functions/connectors/app-definition.ts';
import { createHttpClient, HttpStatusError } from '../../functions/connectors/http/http-client.ts';
import { errorFromStatus } from '../../functions/connectors/http/status-errors.ts';
import { createAppRegistry } from '../../functions/connectors/registry.ts';
import { torqApp } from '../../functions/connectors/torq/index.ts';
import { ConfigError, ContractError } from '../../functions/core/errors.ts';
import { normaliseEmail } from '../../functions/core/normalise.ts';
import type { Account } from '../../functions/core/types.ts';

export interface AcmeUser {
  readonly id: string;
  readonly email: string;
  readonly status: 'ACTIVE' | 'INVITED';
}

interface AcmeConfig {
  readonly network: string;
  readonly apiUrl: string;
  readonly pageSize: number;
}

function parseAcmeConfig(input: unknown): AcmeConfig {
  const config = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const { network, apiUrl, pageSize = 2 } = config;
  if (typeof network !== 'string' || !/^[a-z0-9-]{1,63}$/.test(network)) {
    throw new ConfigError('acme config network (--network): must be lower-case letters, digits and hyphens');
  }
  if (apiUrl !== undefined && (typeof apiUrl !== 'string' || !/^http:\/\/127\.0\.0\.1:\d+\//.test(apiUrl))) {
    throw new ConfigError('acme config apiUrl (--api-url): must be a loopback http URL in these tests');
  }
  if (typeof pageSize !== 'number' || !Number.isInteger(pageSize) || pageSize < 1) {
    throw new ConfigError('acme config pageSize (--page-size): must be a positive whole number');
  }
  return { network, apiUrl: apiUrl ?? `https://${network}.acme.example/api/`, pageSize };
}

export const acmeApp: AppDefinition = {
  name: 'acme',
  title: 'Acme',
  configFields: [
    { key: 'network', description: 'the Acme network name', required: true, example: 'acme-corp', flag: { name: '--network', value: 'NAME' } },
    { key: 'apiUrl', description: 'the API base URL (tests)', required: false, flag: { name: '--api-url', value: 'URL' } },
    { key: 'pageSize', description: 'users per page', required: false, default: 2, flag: { name: '--page-size', value: 'N' } },
  ],
  credentialFields: [{ key: 'apiKey', env: 'ACME_API_KEY', description: 'an Acme API key' }],
  createFactory(rawConfig, options = {}) {
    const config = parseAcmeConfig(rawConfig);
    const http = createHttpClient({
      retry: { limit: 1, backoffLimitMs: 0, maxRetryAfterSeconds: 0 },
      ...(options.logger !== undefined ? { logger: options.logger } : {}),
    });
    return (credentials) => {
      const { apiKey } = requiredCredentials('acme', credentials, ['apiKey']);
      return {
        app: 'acme',
        streams: ['users'],
        async listPage(_stream, cursor) {
          const label = 'GET /users';
          const searchParams = new URLSearchParams({ limit: String(config.pageSize), network: config.network });
          if (cursor !== null) searchParams.set('cursor', cursor);
          let text: string;
          try {
            text = await http.send({ method: 'GET', url: new URL('users', config.apiUrl).href, label, searchParams, headers: { 'x-api-key': apiKey } });
          } catch (error) {
            if (!(error instanceof HttpStatusError)) throw error;
            throw errorFromStatus(error.status, { label, unauthorized: 'API key rejected', notFound: 'check the network name (--network)' });
          }
          const page = JSON.parse(text) as { users?: AcmeUser[]; next?: string | null };
          if (!Array.isArray(page.users)) throw new ContractError(`${label} answered a page without users`);
          const accounts: Account[] = page.users.map((user) => ({
            id: user.id,
            email: user.email,
            emailKey: normaliseEmail(user.email),
            name: null,
            login: null,
            externalId: null,
            roleId: null,
            roleName: null,
            status: user.status,
            state: user.status === 'ACTIVE' ? 'active' : 'pending',
            ssoProvisioned: null,
            createdAt: null,
            updatedAt: null,
            lastLoginAt: null,
          }));
          return { accounts, invalid: [], nextCursor: page.next ?? null };
        },
      };
    };
  },
};

/** Torq and the throwaway app: a registry as a deployment with two apps would have. */
export const registryWithAcme = createAppRegistry([torqApp, acmeApp]);

export interface AcmeApi {
  /** The `apiUrl` to configure (`http://127.0.0.1:<port>/api/`). */
  readonly apiUrl: string;
  users: AcmeUser[];
  /** Every request's network and api key header, in order. */
  readonly requests: { readonly network: string | null; readonly apiKey: string | undefined }[];
  close(): Promise<void>;
}

/** The Acme API on loopback (an OS-chosen port): pages of `limit` users by offset cursor; 401 without `apiKey`. */
export async function startAcmeApi(apiKey: string, users: AcmeUser[]): Promise<AcmeApi> {
  const requests: { network: string | null; apiKey: string | undefined }[] = [];
  const api = { users, requests } as { users: AcmeUser[]; requests: typeof requests };
  const server: Server = createServer((request: IncomingMessage, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const key = request.headers['x-api-key'];
    requests.push({ network: url.searchParams.get('network'), apiKey: typeof key === 'string' ? key : undefined });
    if (url.pathname !== '/api/users') return void response.writeHead(404).end();
    if (key !== apiKey) return void response.writeHead(401).end();
    const offset = Number(url.searchParams.get('cursor') ?? '0');
    const limit = Number(url.searchParams.get('limit') ?? '2');
    const slice = api.users.slice(offset, offset + limit);
    const next = offset + limit < api.users.length ? String(offset + limit) : null;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ users: slice, next }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    get users() {
      return api.users;
    },
    set users(value) {
      api.users = value;
    },
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
