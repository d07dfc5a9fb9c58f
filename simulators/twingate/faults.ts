/**
 * Faults the Twingate simulator can inject, each independently settable and off by default. They
 * model what Twingate's API and its own clients show (research-twingate-scim.md A1-A4), so a
 * client's handling of each can be tested for real.
 */
import { mergeSwitches } from '../shared/switches.ts';

export interface TwingateSimFaults {
  /** Every request answers 401, whatever its key (a revoked or IP-restricted API key). */
  rejectKey?: boolean;
  /** Every request answers 404 (no network of that name). */
  unknownNetwork?: boolean;
  /** Every request answers 200 with an HTML sign-in page (a wrong network behind a login page). */
  htmlBody?: boolean;
  /**
   * Every request answers 308 with this `Location` (Twingate's regional hosts,
   * `https://{network}.us1.twingate.com/api/graphql/`), before the key is checked.
   */
  redirectTo?: string;
  /**
   * The next `count` requests answer 429, with `Retry-After: retryAfter` (seconds, or an HTTP date)
   * when given and without the header when absent.
   */
  rateLimit?: { count: number; retryAfter?: number | string };
  /** The next `count` requests answer `status` (default 503). */
  serverErrors?: { count: number; status?: number };
  /**
   * The next `count` queries answer HTTP 200 with `errors[]`: `partial` makes one user's `email`
   * fail to resolve (the field turns `null` beside the error: partial `data`); otherwise the
   * query's first root field fails and `data` is `null`.
   */
  graphqlErrors?: { count: number; partial?: boolean };
  /** Connections return at most this many edges, whatever `first` asks (a server clamping pages). */
  clampPageSize?: number;
  /** Connections answer `hasNextPage: true` with the same `endCursor` for every page (a looping upstream). */
  repeatCursor?: boolean;
  /** The first `count` users of the network (listing order) answer `email: null`. */
  nullEmails?: number;
  /** Extra delay in ms on every answer, on top of `latencyMs`. */
  slowMs?: number;
  /** The next `count` mutations answer 429 (Twingate's write limit), with `Retry-After: retryAfter` seconds when given. */
  writeRateLimit?: { count: number; retryAfter?: number };
  /**
   * The next `count` `groupUpdate` mutations answer HTTP 200 with `ok: false` and `error` (default
   * "Something went wrong"), changing nothing.
   */
  groupUpdateNotOk?: { count: number; error?: string };
}

const FAULT_KEYS = [
  'rejectKey',
  'unknownNetwork',
  'htmlBody',
  'redirectTo',
  'rateLimit',
  'serverErrors',
  'graphqlErrors',
  'clampPageSize',
  'repeatCursor',
  'nullEmails',
  'slowMs',
  'writeRateLimit',
  'groupUpdateNotOk',
] as const satisfies readonly (keyof TwingateSimFaults)[];

export const TWINGATE_FAULT_KEYS: readonly (keyof TwingateSimFaults)[] = FAULT_KEYS;

/** Merges `update` into `current`: a key present with `undefined` clears that fault. Throws `RangeError` on bad values. */
export function mergeTwingateFaults(current: TwingateSimFaults, update: Partial<TwingateSimFaults>): TwingateSimFaults {
  return mergeSwitches(FAULT_KEYS, current, update, 'fault', validate);
}

function validate(faults: TwingateSimFaults): void {
  const count = (value: number, name: string, minimum = 0): void => {
    if (!Number.isSafeInteger(value) || value < minimum) throw new RangeError(`${name} must be an integer >= ${minimum}`);
  };
  if (faults.redirectTo !== undefined) {
    try {
      new URL(faults.redirectTo);
    } catch {
      throw new RangeError('redirectTo must be an absolute URL');
    }
  }
  if (faults.rateLimit) {
    count(faults.rateLimit.count, 'rateLimit.count');
    const after = faults.rateLimit.retryAfter;
    if (typeof after === 'number') count(after, 'rateLimit.retryAfter');
    else if (after !== undefined && (typeof after !== 'string' || Number.isNaN(Date.parse(after)))) {
      throw new RangeError('rateLimit.retryAfter must be seconds or an HTTP date');
    }
  }
  if (faults.serverErrors) {
    count(faults.serverErrors.count, 'serverErrors.count');
    const status = faults.serverErrors.status;
    if (status !== undefined && (!Number.isSafeInteger(status) || status < 500 || status > 599)) {
      throw new RangeError('serverErrors.status must be a 5xx status');
    }
  }
  if (faults.graphqlErrors) count(faults.graphqlErrors.count, 'graphqlErrors.count');
  if (faults.clampPageSize !== undefined) count(faults.clampPageSize, 'clampPageSize', 1);
  if (faults.nullEmails !== undefined) count(faults.nullEmails, 'nullEmails');
  if (faults.slowMs !== undefined) count(faults.slowMs, 'slowMs');
  if (faults.writeRateLimit) {
    count(faults.writeRateLimit.count, 'writeRateLimit.count');
    if (faults.writeRateLimit.retryAfter !== undefined) count(faults.writeRateLimit.retryAfter, 'writeRateLimit.retryAfter');
  }
  if (faults.groupUpdateNotOk) count(faults.groupUpdateNotOk.count, 'groupUpdateNotOk.count');
}
