/**
 * What the pages read from a URL's query, checked: a value the page cannot use is a 400 page that
 * says which field and what it takes, never a guess.
 */
import { parseSince } from '../cli/options.ts';
import { ACCOUNT_STATES } from '../functions/core/types.ts';
import type { AccountFilter } from '../functions/core/read-model.ts';
import type { AccountFilterForm } from './pages/accounts.tsx';
import { CURSOR_PARAMETER } from './pages/parts.tsx';

/** A query the console cannot answer as asked (a bad filter, an unknown connector): its message is shown. */
export class BadRequestError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 = 400,
  ) {
    super(message);
    this.name = 'BadRequestError';
  }
}

/** Longest text a search or role field takes: a name or an email, not a document. */
const MAX_TEXT = 320;

function text(url: URL, name: string): string {
  const value = (url.searchParams.get(name) ?? '').trim();
  if (value.length > MAX_TEXT) throw new BadRequestError(`${name} is longer than ${MAX_TEXT} characters`);
  return value;
}

function oneOf<T extends string>(url: URL, name: string, allowed: readonly T[], fallback: T): T {
  const value = text(url, name);
  if (value === '') return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new BadRequestError(`${name} must be one of: ${allowed.filter((option) => option !== '').join(', ')}`);
  return value as T;
}

export function cursorOf(url: URL): string | null {
  const cursor = url.searchParams.get(CURSOR_PARAMETER);
  return cursor === null || cursor === '' ? null : cursor;
}

export function searchOf(url: URL): string {
  return text(url, 'q');
}

/** A whole number of days among those the page offers (or the default). */
export function daysOf(url: URL, allowed: readonly number[], fallback: number): number {
  const value = text(url, 'days');
  if (value === '') return fallback;
  const days = Number(value);
  if (!allowed.includes(days)) throw new BadRequestError(`days must be one of: ${allowed.join(', ')}`);
  return days;
}

const STATES = ['', ...ACCOUNT_STATES, 'unknown'] as const;
const PRESENCE = ['active', 'removed', 'all'] as const;

/** The accounts page's filter, as the store takes it and as the form shows it back. */
export function accountFilterOf(url: URL, now: Date): { readonly filter: AccountFilter; readonly form: AccountFilterForm } {
  const form: AccountFilterForm = {
    state: oneOf(url, 'state', STATES, ''),
    role: text(url, 'role'),
    group: text(url, 'group'),
    since: text(url, 'since'),
    presence: oneOf(url, 'presence', PRESENCE, 'active'),
  };
  let firstSeenSince: string | undefined;
  if (form.since !== '') {
    try {
      firstSeenSince = parseSince(form.since, now);
    } catch (error) {
      throw new BadRequestError(`new since: ${error instanceof Error ? error.message : 'not a time'}`);
    }
  }
  const filter: AccountFilter = {
    ...(form.state !== '' ? { state: form.state as AccountFilter['state'] } : {}),
    ...(form.role !== '' ? { role: form.role } : {}),
    ...(form.group !== '' ? { groupId: form.group } : {}),
    ...(firstSeenSince !== undefined ? { firstSeenSince } : {}),
    presence: form.presence as NonNullable<AccountFilter['presence']>,
  };
  return { filter, form };
}
