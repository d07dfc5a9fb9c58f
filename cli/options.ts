/** Option parsers shared by the commands. Each rejects bad input with a message naming the flag. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { CONNECTOR_ID_PATTERN } from '../functions/core/types.ts';

const DURATION_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * The instants `--new-since` may name: years 0001 to 9999. Stored times are ISO strings compared
 * as text, which holds only for four-digit years (a year 0000 or past 9999 is written differently).
 */
const EARLIEST_MS = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

const SINCE_HINT = 'expected a duration such as 7d, 12h, 30m, 2w, or an ISO date such as 2026-11-01';

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeapYear(year) ? 1 : 0);
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function inRange(ms: number, what: string): string {
  if (!Number.isFinite(ms) || ms < EARLIEST_MS || ms > LATEST_MS) {
    throw new InvalidArgumentError(`${what} is out of range: the date must fall between the years 0001 and 9999`);
  }
  return new Date(ms).toISOString();
}

/** `7d`, `12h`, `30m`, `2w`, or an ISO-8601 date/time; returns the ISO instant it means. */
export function parseSince(value: string, now: Date = new Date()): string {
  const text = value.trim();
  const relative = /^(\d+)([mhdw])$/.exec(text);
  if (relative) {
    const [, amount, unit] = relative;
    return inRange(now.getTime() - Number(amount) * (DURATION_UNITS[unit as string] ?? 0), `'${text}' ago`);
  }
  if (/^[+-]?\d{5,}-/.test(text)) inRange(Number.NaN, text);
  const iso = ISO_DATE.exec(text);
  if (!iso) throw new InvalidArgumentError(SINCE_HINT);
  const [, year, month, day, hour, minute, second] = iso.map((part) => (part === undefined ? undefined : Number(part)));
  if (year === undefined || month === undefined || day === undefined) throw new InvalidArgumentError(SINCE_HINT);
  // Date.parse rolls 2026-02-30 over into March; an impossible date is a typo, not a wish.
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new InvalidArgumentError(`${text.slice(0, 10)} is not a calendar date`);
  }
  if ((hour ?? 0) > 23 || (minute ?? 0) > 59 || (second ?? 0) > 59) {
    throw new InvalidArgumentError(`${text} is not a valid time of day`);
  }
  return inRange(Date.parse(text), text);
}

export function parseShare(value: string): number {
  const share = Number(value);
  if (value.trim() === '' || !Number.isFinite(share) || share <= 0 || share > 1) {
    throw new InvalidArgumentError('expected a share above 0 and at most 1, such as 0.5');
  }
  return share;
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new InvalidArgumentError('expected a port between 0 and 65535');
  return port;
}

export function parsePositiveInt(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError('expected a whole number');
  return number;
}

export function parseConnectorId(value: string): string {
  if (!CONNECTOR_ID_PATTERN.test(value)) {
    throw new InvalidArgumentError('expected 1-48 lower-case letters, digits or inner hyphens (as in a deployment)');
  }
  return value;
}

/** An http(s) URL; the connector decides later which hosts may use plain http. */
function parseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected a URL such as https://dynamodb.eu-west-1.amazonaws.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidArgumentError('expected an http or https URL');
  return value;
}

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const TABLE_ARN = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}$/;

/** DynamoDB's own naming rule (a name, or a table ARN), checked here so a bad `--table` is a usage error rather than a failed request. */
function parseTableName(value: string): string {
  if (!TABLE_NAME.test(value) && !TABLE_ARN.test(value)) {
    throw new InvalidArgumentError('expected a DynamoDB table name (3-255 letters, digits, underscores, dots or dashes) or a table ARN');
  }
  return value;
}

export interface StoreOptions {
  readonly dataDir: string;
  readonly table?: string;
  readonly endpoint?: string;
}

/** The store flags every command accepts (design.md section 7). */
export function addStoreOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'embedded store directory', '.rollcall')
    .option('--table <name>', 'use this DynamoDB table instead of the embedded store (AWS credentials from the usual chain)', parseTableName)
    .addOption(new Option('--endpoint <url>', 'DynamoDB-compatible endpoint for --table (the table is created if missing)').argParser(parseUrl));
}

export function formatOption(choices: readonly string[]): Option {
  return new Option('--format <format>', 'output format').choices(choices).default(choices[0]);
}

const EVENT_BUS_NAME = /^[A-Za-z0-9._\-/]{1,256}$/;
const EVENT_BUS_ARN = /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[A-Za-z0-9._\-/]{1,256}$/;

/** EventBridge's own naming rule for a bus (a name, or an event-bus ARN). */
export function parseEventBusName(value: string): string {
  if (!EVENT_BUS_NAME.test(value) && !EVENT_BUS_ARN.test(value)) {
    throw new InvalidArgumentError('expected an EventBridge bus name (letters, digits, . _ - /) or an event-bus ARN');
  }
  return value;
}
