/**
 * Local event sinks (design.md section 6): one JSON object per line, to a file or to stdout, so
 * `jq`, `tail -f` and tests read the same events EventBridge would carry.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import type { RollcallEvent } from '../core/events.ts';
import type { EventSink } from '../core/ports.ts';

function toLines(events: readonly RollcallEvent[]): string {
  return events.map((event) => `${JSON.stringify(event)}\n`).join('');
}

/** Appends to a JSON-lines file, creating its directory; all events of one call in one append. */
export class JsonLinesEventSink implements EventSink {
  constructor(readonly filePath: string) {}

  async publish(events: readonly RollcallEvent[]): Promise<void> {
    if (events.length === 0) return;
    await mkdir(dirname(this.filePath), { recursive: true });
    await appendFile(this.filePath, toLines(events), 'utf8');
  }
}

/** Writes JSON lines to a stream (stdout by default); resolves once the stream took them. */
export class StreamEventSink implements EventSink {
  constructor(private readonly stream: Writable = process.stdout) {}

  async publish(events: readonly RollcallEvent[]): Promise<void> {
    if (events.length === 0) return;
    await new Promise<void>((resolve, reject) => {
      this.stream.write(toLines(events), 'utf8', (error) => (error ? reject(error) : resolve()));
    });
  }
}
