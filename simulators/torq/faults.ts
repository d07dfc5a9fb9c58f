/**
 * Faults the simulator can inject, each independently settable and off by default. They model the
 * failures design.md sections 3 and 5 name, so a client's handling of each can be tested for real.
 */
import { mergeSwitches } from '../shared/switches.ts';

export type SimUserField =
  | 'id'
  | 'email'
  | 'role_id'
  | 'status'
  | 'sso_provision'
  | 'created_time'
  | 'last_login_time';

export type SimUserListing = 'local' | 'sso';

export interface SimFaults {
  /** A token answers 401 on data calls once K data calls were made with it; a fresh token works again. */
  tokenExpiresAfterCalls?: number;
  /** The token endpoint answers 401 even to the right credentials (a revoked API key). */
  rejectCredentials?: boolean;
  /** Users listings answer 403 PERMISSION_DENIED (the key lacks `user.read`). */
  forbidUsers?: boolean;
  /** The next `count` data calls answer 429 with `Retry-After: retryAfterSeconds`. */
  rateLimit?: { count: number; retryAfterSeconds: number };
  /** The next `count` data calls answer `status` (default 503). */
  serverErrors?: { count: number; status?: number };
  /**
   * That page (1-based; page 1 is the only page when users are not paged) of that users listing
   * answers 200 with a truncated JSON body, every time it is asked for.
   */
  malformedPage?: { listing: SimUserListing; page: number };
  /** The first `count` users of every users answer lack these fields. */
  missingFields?: { count: number; fields: SimUserField[] };
  /** The first `count` users of every users answer carry `email: 42` and `sso_provision: "yes"`. */
  wrongTypes?: { count: number };
  /** Paged users listings answer the same `next_page_token` forever (a looping upstream). */
  repeatPageToken?: boolean;
  /** That many SSO users (lowest ids first) also appear in the local listing, under the same id. */
  duplicateAcrossListings?: number;
  /** Extra delay in ms on every data answer, on top of `latencyMs`. */
  slowMs?: number;
}

const FAULT_KEYS = [
  'tokenExpiresAfterCalls',
  'rejectCredentials',
  'forbidUsers',
  'rateLimit',
  'serverErrors',
  'malformedPage',
  'missingFields',
  'wrongTypes',
  'repeatPageToken',
  'duplicateAcrossListings',
  'slowMs',
] as const satisfies readonly (keyof SimFaults)[];

export const SIM_USER_FIELDS: readonly SimUserField[] = [
  'id',
  'email',
  'role_id',
  'status',
  'sso_provision',
  'created_time',
  'last_login_time',
];

/** Merges `update` into `current`: a key present with `undefined` clears that fault. Throws `RangeError` on bad values. */
export function mergeFaults(current: SimFaults, update: Partial<SimFaults>): SimFaults {
  return mergeSwitches(FAULT_KEYS, current, update, 'fault', validateFaults);
}

function validateFaults(faults: SimFaults): void {
  const count = (value: number, name: string, minimum = 0): void => {
    if (!Number.isSafeInteger(value) || value < minimum) {
      throw new RangeError(`${name} must be an integer >= ${minimum}`);
    }
  };
  if (faults.tokenExpiresAfterCalls !== undefined) count(faults.tokenExpiresAfterCalls, 'tokenExpiresAfterCalls');
  if (faults.rateLimit) {
    count(faults.rateLimit.count, 'rateLimit.count');
    count(faults.rateLimit.retryAfterSeconds, 'rateLimit.retryAfterSeconds');
  }
  if (faults.serverErrors) {
    count(faults.serverErrors.count, 'serverErrors.count');
    const status = faults.serverErrors.status;
    if (status !== undefined && (!Number.isSafeInteger(status) || status < 500 || status > 599)) {
      throw new RangeError('serverErrors.status must be a 5xx status');
    }
  }
  if (faults.malformedPage) {
    if (faults.malformedPage.listing !== 'local' && faults.malformedPage.listing !== 'sso') {
      throw new RangeError("malformedPage.listing must be 'local' or 'sso'");
    }
    count(faults.malformedPage.page, 'malformedPage.page', 1);
  }
  if (faults.missingFields) {
    count(faults.missingFields.count, 'missingFields.count');
    for (const field of faults.missingFields.fields) {
      if (!SIM_USER_FIELDS.includes(field)) throw new RangeError(`missingFields.fields holds an unknown field ${field}`);
    }
  }
  if (faults.wrongTypes) count(faults.wrongTypes.count, 'wrongTypes.count');
  if (faults.duplicateAcrossListings !== undefined) count(faults.duplicateAcrossListings, 'duplicateAcrossListings');
  if (faults.slowMs !== undefined) count(faults.slowMs, 'slowMs');
}
