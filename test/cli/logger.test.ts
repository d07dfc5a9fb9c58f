/**
 * The CLI's logs: one readable line per entry on a terminal, JSON lines when piped, the choice
 * overridable; attributes stay ids and counts, and nothing in a line can drive the terminal.
 */
import { describe, expect, it } from 'vitest';
import { createCliLogger, logFormatFromEnv, prettyLogLine } from '../../cli/logger.ts';

function capture(format: 'json' | 'pretty') {
  const lines: string[] = [];
  const logger = createCliLogger({ level: 'info', format, write: (text) => lines.push(text) });
  return { logger, lines };
}

describe('the CLI logger', () => {
  it('writes one readable line per entry in the pretty format', () => {
    const { logger, lines } = capture('pretty');
    logger.warn('poll not started: another poll holds the lease', { connectorId: 'torq-prod', pages: 3 });
    logger.debug('below the level');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} WARN {2}poll not started: another poll holds the lease connectorId=torq-prod pages=3\n$/);
  });

  it('writes pino JSON lines in the json format', () => {
    const { logger, lines } = capture('json');
    logger.info('poll finished', { connectorId: 'c1', total: 5 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ level: 30, msg: 'poll finished', connectorId: 'c1', total: 5, service: 'rollcall' });
  });

  it('is pretty on a terminal and JSON when piped, unless ROLLCALL_LOG_FORMAT says otherwise', () => {
    expect(logFormatFromEnv({}, true)).toBe('pretty');
    expect(logFormatFromEnv({}, false)).toBe('json');
    expect(logFormatFromEnv({ ROLLCALL_LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormatFromEnv({ ROLLCALL_LOG_FORMAT: 'PRETTY' }, false)).toBe('pretty');
  });

  it('neutralises control characters in a pretty line', () => {
    expect(prettyLogLine(JSON.stringify({ level: 50, time: 0, msg: 'bad\u001b[2J', id: 'x\u009b' }))).toBe(
      '00:00:00.000 ERROR bad\\x1b[2J id=x\\x9b\n',
    );
  });
});
