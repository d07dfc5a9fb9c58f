/**
 * What the SCIM simulator can do differently from a by-the-book provider, each settable on its
 * own and off by default. Each one is a behaviour real SCIM servers show (research-twingate-scim.md
 * B1, B2, B5), so a client's handling of it can be tested for real.
 */
import { mergeSwitches } from '../shared/switches.ts';

export interface ScimSimQuirks {
  /** Pages hold at most this many resources, whatever `count` asks, without saying so (RFC 7644 §3.4.2.4 allows fewer). */
  capCount?: number;
  /** `totalResults` of every page but a listing's first is off by this much (index paging is not stateful). */
  totalResultsDrift?: number;
  /** An empty page has no `Resources` key at all (RFC 7644 §3.4.2 requires it only when totalResults is non-zero). */
  omitEmptyResources?: boolean;
  /**
   * Only RFC 9865 cursor paging: `startIndex` is ignored, and a listing's first page (no `cursor`)
   * already carries `nextCursor`.
   */
  cursorOnly?: boolean;
  /** A page with no resources has no `totalResults` (RFC 9865 lets it be omitted when unknown). */
  zeroWithoutTotal?: boolean;
  /** Error bodies carry `status` as a JSON number, not the string RFC 7644 §3.12 asks for. */
  statusAsNumber?: boolean;
  /** Every request answers 401, whatever its token (a revoked token). */
  rejectToken?: boolean;
  /** `/Users` answers 403 (a token without the permission to list users). */
  forbidden?: boolean;
  /** The next `count` requests answer 429, with `Retry-After` (seconds or an HTTP date) when given. */
  rateLimit?: { count: number; retryAfter?: number | string };
  /** The next `count` requests answer `status` (default 503). */
  serverErrors?: { count: number; status?: number };
  /** `/Groups` answers this status: a provider that serves users only, as Quali Torque (research B3). */
  noGroups?: 404 | 501;
  /** The first cursor continuation answers 400 `expiredCursor`; later ones work. */
  expireCursorOnce?: boolean;
  /** `/ServiceProviderConfig` answers 404. */
  noServiceProviderConfig?: boolean;
  /**
   * Pages after a listing's first make no progress: `true` or `'repeat'` serves the first page's
   * resources again (at any later `startIndex`, or behind every `nextCursor`); `'empty'` serves no
   * resources while `totalResults` says more remain.
   */
  stallPage?: boolean | 'repeat' | 'empty';
}

const QUIRK_KEYS = [
  'capCount',
  'totalResultsDrift',
  'omitEmptyResources',
  'cursorOnly',
  'zeroWithoutTotal',
  'statusAsNumber',
  'rejectToken',
  'forbidden',
  'rateLimit',
  'serverErrors',
  'noGroups',
  'expireCursorOnce',
  'noServiceProviderConfig',
  'stallPage',
] as const satisfies readonly (keyof ScimSimQuirks)[];

export const SCIM_QUIRK_KEYS: readonly (keyof ScimSimQuirks)[] = QUIRK_KEYS;

/** Merges `update` into `current`: a key present with `undefined` clears that quirk. Throws `RangeError` on bad values. */
export function mergeScimQuirks(current: ScimSimQuirks, update: Partial<ScimSimQuirks>): ScimSimQuirks {
  return mergeSwitches(QUIRK_KEYS, current, update, 'quirk', validate);
}

function validate(quirks: ScimSimQuirks): void {
  const count = (value: number, name: string, minimum = 0): void => {
    if (!Number.isSafeInteger(value) || value < minimum) throw new RangeError(`${name} must be an integer >= ${minimum}`);
  };
  if (quirks.capCount !== undefined) count(quirks.capCount, 'capCount', 1);
  if (quirks.totalResultsDrift !== undefined && !Number.isSafeInteger(quirks.totalResultsDrift)) {
    throw new RangeError('totalResultsDrift must be an integer');
  }
  if (quirks.rateLimit) {
    count(quirks.rateLimit.count, 'rateLimit.count');
    const after = quirks.rateLimit.retryAfter;
    if (typeof after === 'number') count(after, 'rateLimit.retryAfter');
    else if (after !== undefined && (typeof after !== 'string' || Number.isNaN(Date.parse(after)))) {
      throw new RangeError('rateLimit.retryAfter must be seconds or an HTTP date');
    }
  }
  if (quirks.serverErrors) {
    count(quirks.serverErrors.count, 'serverErrors.count');
    const status = quirks.serverErrors.status;
    if (status !== undefined && (!Number.isSafeInteger(status) || status < 500 || status > 599)) {
      throw new RangeError('serverErrors.status must be a 5xx status');
    }
  }
  if (quirks.noGroups !== undefined && quirks.noGroups !== 404 && quirks.noGroups !== 501) throw new RangeError('noGroups must be 404 or 501');
  if (quirks.stallPage !== undefined && typeof quirks.stallPage !== 'boolean' && quirks.stallPage !== 'repeat' && quirks.stallPage !== 'empty') {
    throw new RangeError("stallPage must be a boolean, 'repeat' or 'empty'");
  }
}
