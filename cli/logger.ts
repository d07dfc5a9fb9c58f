/**
 * The CLI's logger: pino, JSON lines on stderr, so stdout carries only results (`--json` stays one
 * object). Quiet by default (warnings and errors); ROLLCALL_LOG_LEVEL=debug|info for more.
 */
import { pino } from 'pino';
import type { LogAttributes, Logger } from '../functions/core/ports.ts';

const LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type CliLogLevel = (typeof LEVELS)[number];

export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): CliLogLevel {
  const wanted = env.ROLLCALL_LOG_LEVEL?.toLowerCase();
  return (LEVELS as readonly string[]).includes(wanted ?? '') ? (wanted as CliLogLevel) : 'warn';
}

export function createCliLogger(level: CliLogLevel = logLevelFromEnv()): Logger {
  const base = pino({ level, base: { service: 'rollcall' } }, pino.destination({ fd: 2, sync: true }));
  const at =
    (method: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, attributes?: LogAttributes): void => {
      base[method](attributes ?? {}, message);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
