/**
 * Counts the connector's HTTP requests from the client side: per route, and how many were in
 * flight at once. It wraps `fetch`, below the HTTP client's rate limiter and retries, so a request counts when
 * it goes on the wire, and the concurrency seen is the concurrency the API sees.
 */

export type HttpRoute = 'token' | 'roles' | 'users:local' | 'users:sso' | 'other';

export interface HttpTally {
  readonly requests: number;
  readonly byRoute: Readonly<Record<HttpRoute, number>>;
  /** Most requests of any route in flight at the same moment. */
  readonly maxInFlight: number;
  /** Most users-listing requests in flight at the same moment (Torq: the local and SSO streams). */
  readonly maxUsersInFlight: number;
}

export interface HttpTracker {
  readonly fetch: typeof globalThis.fetch;
  tally(): HttpTally;
  reset(): void;
}

function routeOf(url: URL): HttpRoute {
  if (url.pathname.endsWith('/auth/token')) return 'token';
  if (url.pathname.endsWith('/users/roles')) return 'roles';
  if (url.pathname.endsWith('/users')) return url.searchParams.get('sso_provision') === 'true' ? 'users:sso' : 'users:local';
  return 'other';
}

function urlOf(input: Parameters<typeof globalThis.fetch>[0]): URL {
  if (input instanceof URL) return input;
  if (typeof input === 'string') return new URL(input);
  return new URL(input.url);
}

const emptyRoutes = (): Record<HttpRoute, number> => ({ token: 0, roles: 0, 'users:local': 0, 'users:sso': 0, other: 0 });

export function createHttpTracker(inner: typeof globalThis.fetch = globalThis.fetch): HttpTracker {
  let byRoute = emptyRoutes();
  let requests = 0;
  let inFlight = 0;
  let usersInFlight = 0;
  let maxInFlight = 0;
  let maxUsersInFlight = 0;

  const tracked: typeof globalThis.fetch = async (input, init) => {
    const route = routeOf(urlOf(input));
    const isUsers = route === 'users:local' || route === 'users:sso';
    requests += 1;
    byRoute[route] += 1;
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    if (isUsers) {
      usersInFlight += 1;
      maxUsersInFlight = Math.max(maxUsersInFlight, usersInFlight);
    }
    try {
      return await inner(input, init);
    } finally {
      inFlight -= 1;
      if (isUsers) usersInFlight -= 1;
    }
  };

  return {
    fetch: tracked,
    tally: () => ({ requests, byRoute: { ...byRoute }, maxInFlight, maxUsersInFlight }),
    reset() {
      byRoute = emptyRoutes();
      requests = 0;
      maxInFlight = inFlight;
      maxUsersInFlight = usersInFlight;
    },
  };
}
