import type { Logger } from '../../functions/core/ports.ts';

/** Log lines as they were written, message and attributes: what a test scans for secrets and values. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const write = (level: string) => (message: string, attributes?: object) => {
    lines.push(`${level} ${message} ${JSON.stringify(attributes ?? {})}`);
  };
  return { logger: { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') }, lines };
}
