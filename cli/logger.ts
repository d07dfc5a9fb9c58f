/**
 * The CLI's logger: pino on stderr, so stdout carries only results (`--json` stays one object).
 * Quiet by default (warnings and errors); ROLLCALL_LOG_LEVEL=debug|info for more. JSON lines when
 * stderr is piped (for machines), one readable line per entry on a terminal; ROLLCALL_LOG_FORMAT=
 * json|pretty overrides the choice. The readable form is a few lines here rather than pino-pretty
 * and its dependencies.
 */
import { pino } from 'pino';
import type { LogAttributes, Logger } from '../functions/core/ports.ts';
import { printable } from './output.ts';

const LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type CliLogLevel = (typeof LEVELS)[number];
export type CliLogFormat = 'json' | 'pretty';

function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): CliLogLevel {
  const wanted = env.ROLLCALL_LOG_LEVEL?.toLowerCase();
  return (LEVELS as readonly string[]).includes(wanted ?? '') ? (wanted as CliLogLevel) : 'warn';
}

export function logFormatFromEnv(env: NodeJS.ProcessEnv = process.env, stderrIsTty = process.stderr.isTTY === true): CliLogFormat {
  const wanted = env.ROLLCALL_LOG_FORMAT?.toLowerCase();
  if (wanted === 'json' || wanted === 'pretty') return wanted;
  return stderrIsTty ? 'pretty' : 'json';
}

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** pino's own fields, shown in the line's head rather than as attributes. */
const HEAD_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service']);

/** One pino JSON line as `HH:MM:SS.mmm LEVEL message key=value ...`. */
export function prettyLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const level = (LEVEL_NAMES[entry.level as number] ?? String(entry.level)).padEnd(5);
  const attributes = Object.entries(entry)
    .filter(([key]) => !HEAD_FIELDS.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return `${printable([time, level, String(entry.msg ?? ''), ...attributes].filter((part) => part !== '').join(' '))}\n`;
}

export interface CliLoggerOptions {
  readonly level?: CliLogLevel;
  readonly format?: CliLogFormat;
  /** Where lines go; stderr unless a test captures them. */
  readonly write?: (text: string) => void;
}

export function createCliLogger(options: CliLoggerOptions = {}): Logger {
  const level = options.level ?? logLevelFromEnv();
  const format = options.format ?? logFormatFromEnv();
  const write = options.write;
  const destination =
    format === 'pretty'
      ? { write: (line: string) => (write ?? ((text: string) => process.stderr.write(text)))(prettyLogLine(line)) }
      : write !== undefined
        ? { write }
        : pino.destination({ fd: 2, sync: true });
  const base = pino({ level, base: { service: 'rollcall' } }, destination);
  const at =
    (method: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, attributes?: LogAttributes): void => {
      base[method](attributes ?? {}, message);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
