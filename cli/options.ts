/** Option parsers shared by the commands. Each rejects bad input with a message naming the flag. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { CONNECTOR_ID_PATTERN } from '../functions/core/types.ts';

const DURATION_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `7d`, `12h`, `30m`, `2w`, or an ISO-8601 date/time; returns the ISO instant it means. */
export function parseSince(value: string, now: Date = new Date()): string {
  const relative = /^(\d+)([mhdw])$/.exec(value.trim());
  if (relative) {
    const [, amount, unit] = relative;
    return new Date(now.getTime() - Number(amount) * (DURATION_UNITS[unit as string] ?? 0)).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const parsed = Date.parse(value);
    if (!Number.isNaN(parsed)) return new Date(parsed).toISOString();
  }
  throw new InvalidArgumentError('expected a duration such as 7d, 12h, 30m, 2w, or an ISO date such as 2026-11-01');
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

/** A rate ceiling such as 50 or 12.5 (requests per second). */
export function parseRequestsPerSecond(value: string): number {
  const rate = Number(value);
  if (value.trim() === '' || !Number.isFinite(rate) || rate <= 0) {
    throw new InvalidArgumentError('expected a positive number of requests per second, such as 25');
  }
  return rate;
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
export function parseUrl(value: string): string {
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
export function parseTableName(value: string): string {
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
