/**
 * When a connector is due: one set of rules for every way Rollcall polls on a schedule (the
 * deployment's dispatcher and `rollcall watch`), so a connector is polled at the same times
 * wherever it runs.
 *
 * A schedule is written as in cdk.json: `rate(<n> <minute(s)|hour(s)|day(s)>)` or `cron(...)`
 * with EventBridge's six fields (minutes hours day-of-month month day-of-week year) or the
 * standard five (minutes hours day-of-month month day-of-week); `--every 1h` is a shorthand the CLI
 * turns into `rate(1 hour)`. Times are UTC.
 *
 * Spreading: a thousand hourly connectors must not all fire at :00. A `rate` schedule is given a
 * phase inside its period taken from a hash of the connector id (so its polls stay exactly one
 * period apart, and the fleet is spread evenly across the period); a `cron` schedule fires at its
 * times plus a delay of up to `CRON_FLEX_WINDOW_MS` (or a tenth of the gap between two firings,
 * when smaller), also from the hash: EventBridge Scheduler's "flexible time window", made
 * deterministic so every process computes the same due time.
 */
import { createHash } from 'node:crypto';
import { Cron } from 'croner';
import { ConfigError } from './errors.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** The widest delay a cron schedule's firing is spread over. */
export const CRON_FLEX_WINDOW_MS = 15 * MINUTE_MS;

/** The smallest period: a poll per minute per connector is already more than any app's limits like. */
export const MIN_PERIOD_MS = MINUTE_MS;

export type ParsedSchedule =
  | { readonly kind: 'rate'; readonly expression: string; readonly periodMs: number }
  | { readonly kind: 'cron'; readonly expression: string; /** Standard five fields, as croner reads them. */ readonly pattern: string };

const RATE = /^rate\((\d{1,6}) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((.+)\)$/;
const UNIT_MS: Readonly<Record<string, number>> = { minute: MINUTE_MS, hour: HOUR_MS, day: DAY_MS };

/** Parses a schedule expression; a `ConfigError` says what is wrong with it. */
export function parseSchedule(expression: string): ParsedSchedule {
  const text = expression.trim();
  const rate = RATE.exec(text);
  if (rate !== null) {
    const count = Number(rate[1]);
    const unit = rate[2] ?? '';
    const singular = unit.replace(/s$/, '');
    if (count < 1) throw new ConfigError(`schedule ${text}: the count must be at least 1`);
    if ((count === 1) !== (unit === singular)) {
      throw new ConfigError(`schedule ${text}: write rate(1 ${singular}) or rate(<n> ${singular}s)`);
    }
    return { kind: 'rate', expression: text, periodMs: count * (UNIT_MS[singular] ?? DAY_MS) };
  }
  const cron = CRON.exec(text);
  if (cron !== null) return { kind: 'cron', expression: text, pattern: standardCronPattern(text, cron[1] ?? '') };
  throw new ConfigError(`schedule: must be rate(<n> <minute(s)|hour(s)|day(s)>) or cron(<five or six fields>)`);
}

/** `--every 30m|1h|1d` (also `90m`, `2h`) as a rate expression. */
export function rateFromEvery(every: string): string {
  const match = /^(\d{1,6})([mhd])$/.exec(every.trim());
  if (match === null) throw new ConfigError('--every: must be a number and a unit, e.g. 30m, 1h or 1d');
  const count = Number(match[1]);
  if (count < 1) throw new ConfigError('--every: must be at least 1m');
  const unit = { m: 'minute', h: 'hour', d: 'day' }[match[2] as 'm' | 'h' | 'd'];
  return `rate(${count} ${unit}${count === 1 ? '' : 's'})`;
}

/**
 * EventBridge's six fields become croner's five: the year must be `*` (a schedule that ends is not
 * a polling schedule), `?` means "any", and day-of-week numbers move from 1-7 (SUN=1) to 0-6.
 */
function standardCronPattern(expression: string, body: string): string {
  const fields = body.trim().split(/\s+/);
  let standard: string[];
  if (fields.length === 6) {
    const [minutes = '', hours = '', dayOfMonth = '', month = '', dayOfWeek = '', year = ''] = fields;
    if (year !== '*') throw new ConfigError(`schedule ${expression}: the year field must be *`);
    standard = [minutes, hours, dayOfMonth, month, dayOfWeekFromAws(expression, dayOfWeek)];
  } else if (fields.length === 5) {
    standard = fields;
  } else {
    throw new ConfigError(`schedule ${expression}: cron needs five fields (standard) or six (EventBridge)`);
  }
  const pattern = standard.map((field) => (field === '?' ? '*' : field)).join(' ');
  try {
    cronOf(pattern);
  } catch (error) {
    throw new ConfigError(`schedule ${expression}: ${error instanceof Error ? error.message : 'not a valid cron expression'}`);
  }
  return pattern;
}

function dayOfWeekFromAws(expression: string, field: string): string {
  return field.replace(/\d+/g, (digits, offset: number, whole: string) => {
    // The number after `#` is the week of the month (`6#3`: the third Friday), not a day.
    if (whole[offset - 1] === '#') return digits;
    const day = Number(digits);
    if (day < 1 || day > 7) throw new ConfigError(`schedule ${expression}: day-of-week numbers run from 1 (SUN) to 7 (SAT)`);
    return String(day - 1);
  });
}

function cronOf(pattern: string): Cron {
  return new Cron(pattern, { timezone: 'UTC', paused: true, mode: '5-part' });
}

/** A stable number in [0, modulo) from the connector id: its place in a spread schedule. */
export function spreadOffset(connectorId: string, modulo: number): number {
  if (modulo <= 1) return 0;
  const digest = createHash('sha256').update(connectorId).digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(Math.floor(modulo)));
}

/**
 * The first due time strictly after `afterMs` (epoch ms). A connector that missed several firings
 * (a stopped watcher, a paused deployment) is due once, not once per missed firing.
 */
export function nextDueAfter(schedule: ParsedSchedule, connectorId: string, afterMs: number): number {
  if (schedule.kind === 'rate') {
    const phase = spreadOffset(connectorId, schedule.periodMs);
    return Math.floor((afterMs - phase) / schedule.periodMs + 1) * schedule.periodMs + phase;
  }
  const cron = cronOf(schedule.pattern);
  const delay = spreadOffset(connectorId, cronFlexWindowMs(cron, afterMs));
  // The firing whose spread time is the first after `afterMs`: look from `afterMs - delay`.
  const firing = cron.nextRun(new Date(afterMs - delay));
  if (firing === null) throw new ConfigError(`schedule ${schedule.expression}: never fires again`);
  return firing.getTime() + delay;
}

/**
 * How long between two firings (the second and third after `atMs`, so that a cron's irregular
 * first gap does not matter): stale-sync alarms count missed periods in it.
 */
export function schedulePeriodMs(schedule: ParsedSchedule, atMs: number): number {
  if (schedule.kind === 'rate') return schedule.periodMs;
  const runs = cronOf(schedule.pattern).nextRuns(3, new Date(atMs));
  const [, second, third] = runs;
  if (second === undefined || third === undefined) return DAY_MS;
  return Math.max(MIN_PERIOD_MS, third.getTime() - second.getTime());
}

function cronFlexWindowMs(cron: Cron, atMs: number): number {
  const runs = cron.nextRuns(2, new Date(atMs));
  const [first, second] = runs;
  const gap = first !== undefined && second !== undefined ? second.getTime() - first.getTime() : CRON_FLEX_WINDOW_MS * 10;
  return Math.min(CRON_FLEX_WINDOW_MS, Math.floor(gap / 10));
}
