import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors.ts';
import {
  CRON_FLEX_WINDOW_MS,
  HOUR_MS,
  MINUTE_MS,
  nextDueAfter,
  parseSchedule,
  rateFromEvery,
  schedulePeriodMs,
  spreadOffset,
} from '../../functions/core/schedule.ts';

const at = (iso: string) => Date.parse(iso);

describe('parseSchedule', () => {
  it('reads rate expressions as cdk.json writes them', () => {
    expect(parseSchedule('rate(1 hour)')).toEqual({ kind: 'rate', expression: 'rate(1 hour)', periodMs: HOUR_MS });
    expect(parseSchedule('rate(15 minutes)')).toMatchObject({ periodMs: 15 * MINUTE_MS });
    expect(parseSchedule('rate(2 days)')).toMatchObject({ periodMs: 48 * HOUR_MS });
  });

  it('refuses a rate whose unit does not agree with its count, a zero count and anything else', () => {
    expect(() => parseSchedule('rate(2 hour)')).toThrow('write rate(1 hour) or rate(<n> hours)');
    expect(() => parseSchedule('rate(1 hours)')).toThrow(ConfigError);
    expect(() => parseSchedule('rate(0 minutes)')).toThrow('at least 1');
    expect(() => parseSchedule('every hour')).toThrow('must be rate(');
  });

  it('turns EventBridge six-field cron into the standard five: ? is any, day-of-week 1-7 becomes 0-6', () => {
    expect(parseSchedule('cron(0 9 ? * 2-6 *)')).toMatchObject({ kind: 'cron', pattern: '0 9 * * 1-5' });
    expect(parseSchedule('cron(30 6 ? * 6#3 *)')).toMatchObject({ pattern: '30 6 * * 5#3' });
    expect(parseSchedule('cron(0 9 ? * MON-FRI *)')).toMatchObject({ pattern: '0 9 * * MON-FRI' });
    expect(parseSchedule('cron(15 */2 * * *)')).toMatchObject({ pattern: '15 */2 * * *' });
  });

  it('refuses a cron with a year, a day-of-week out of range, a wrong field count or a bad field', () => {
    expect(() => parseSchedule('cron(0 9 * * ? 2027)')).toThrow('the year field must be *');
    expect(() => parseSchedule('cron(0 9 ? * 8 *)')).toThrow('1 (SUN) to 7 (SAT)');
    expect(() => parseSchedule('cron(0 9 *)')).toThrow('five fields');
    expect(() => parseSchedule('cron(99 9 * * *)')).toThrow(ConfigError);
  });
});

describe('rateFromEvery', () => {
  it('writes the shorthand as a rate', () => {
    expect(rateFromEvery('1h')).toBe('rate(1 hour)');
    expect(rateFromEvery('30m')).toBe('rate(30 minutes)');
    expect(rateFromEvery('2d')).toBe('rate(2 days)');
  });
  it('refuses other forms', () => {
    expect(() => rateFromEvery('1 hour')).toThrow('e.g. 30m, 1h or 1d');
    expect(() => rateFromEvery('0m')).toThrow('at least 1m');
  });
});

describe('nextDueAfter', () => {
  const hourly = parseSchedule('rate(1 hour)');

  it('keeps a rate connector exactly one period apart, at its own phase, strictly after the given time', () => {
    const first = nextDueAfter(hourly, 'acme', at('2026-12-01T10:00:00Z'));
    expect(first).toBeGreaterThan(at('2026-12-01T10:00:00Z'));
    expect(first - at('2026-12-01T10:00:00Z')).toBeLessThanOrEqual(HOUR_MS);
    expect(nextDueAfter(hourly, 'acme', first)).toBe(first + HOUR_MS);
    expect(nextDueAfter(hourly, 'acme', first - 1)).toBe(first);
    expect(first % HOUR_MS).toBe(spreadOffset('acme', HOUR_MS));
  });

  it('is due once after missed firings, not once per missed firing', () => {
    const due = nextDueAfter(hourly, 'acme', at('2026-12-01T10:00:00Z'));
    const afterADayAway = nextDueAfter(hourly, 'acme', due + 24 * HOUR_MS + 1);
    expect(afterADayAway).toBe(due + 25 * HOUR_MS);
  });

  it('spreads a thousand hourly connectors across the hour instead of firing them together', () => {
    const now = at('2026-12-01T10:00:00Z');
    const perMinute = new Array<number>(60).fill(0);
    for (let index = 0; index < 1000; index += 1) {
      const due = nextDueAfter(hourly, `tenant-${index}`, now);
      perMinute[Math.floor((due - now) / MINUTE_MS)]! += 1;
    }
    // Evenly: about 17 per minute; none of the 60 minutes gets more than three times that.
    expect(Math.max(...perMinute)).toBeLessThan(50);
    expect(perMinute.filter((count) => count > 0)).toHaveLength(60);
  });

  it('fires a cron connector at its time plus a delay within the flexible window', () => {
    const weekdays = parseSchedule('cron(0 9 ? * MON-FRI *)');
    const due = nextDueAfter(weekdays, 'acme', at('2026-12-04T12:00:00Z')); // a Friday, after 09:00
    const monday = at('2026-12-07T09:00:00Z');
    expect(due).toBeGreaterThanOrEqual(monday);
    expect(due).toBeLessThan(monday + CRON_FLEX_WINDOW_MS);
    expect(nextDueAfter(weekdays, 'acme', due)).toBe(due + 24 * HOUR_MS);
  });

  it('never delays a frequent cron by more than a tenth of its gap', () => {
    const everyFive = parseSchedule('cron(*/5 * * * *)');
    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      const due = nextDueAfter(everyFive, id, at('2026-12-01T10:00:00Z'));
      expect((due - at('2026-12-01T10:00:00Z')) % (5 * MINUTE_MS)).toBeLessThan(30_000);
    }
  });
});

describe('schedulePeriodMs', () => {
  it('is the rate, or the gap between two cron firings', () => {
    expect(schedulePeriodMs(parseSchedule('rate(6 hours)'), 0)).toBe(6 * HOUR_MS);
    expect(schedulePeriodMs(parseSchedule('cron(0 */2 * * *)'), at('2026-12-01T10:30:00Z'))).toBe(2 * HOUR_MS);
  });
});
