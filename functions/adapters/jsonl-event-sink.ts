/**
 * Local event sinks (design.md section 6): one JSON object per line, to a file or to stdout, so
 * `jq`, `tail -f` and tests read the same events EventBridge would carry.
 */
import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import type { RollcallEvent } from '../core/events.ts';
import type { EventSink } from '../core/ports.ts';

function toLines(events: readonly RollcallEvent[]): string {
  return events.map((event) => `${JSON.stringify(event)}\n`).join('');
}

/** The file's last byte is not a newline: a write was cut short (a crash mid-append) and left a torn line. */
async function endsTorn(filePath: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(filePath, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    await handle.close();
  }
}

/**
 * Appends to a JSON-lines file, creating its directory; all events of one call in one append.
 * The first append of a sink starts on a fresh line: after a process died mid-append, the torn
 * line stays torn (readers skip it) instead of swallowing the next event.
 */
export class JsonLinesEventSink implements EventSink {
  private checkedTail = false;

  constructor(readonly filePath: string) {}

  async publish(events: readonly RollcallEvent[]): Promise<void> {
    if (events.length === 0) return;
    await mkdir(dirname(this.filePath), { recursive: true });
    let text = toLines(events);
    if (!this.checkedTail) {
      if (await endsTorn(this.filePath)) text = `\n${text}`;
      this.checkedTail = true;
    }
    await appendFile(this.filePath, text, 'utf8');
  }
}

export interface EventsFileContents {
  readonly events: RollcallEvent[];
  /** Lines that are not a whole JSON object (torn by a crash mid-append): skipped, counted. */
  readonly tornLines: number;
}

/** Reads a JSON-lines events file, skipping torn lines; a missing file has no events. */
export async function readEventsFile(filePath: string): Promise<EventsFileContents> {
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], tornLines: 0 };
    throw error;
  }
  const events: RollcallEvent[] = [];
  let tornLines = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const parsed: unknown = JSON.parse(line);
      if (parsed !== null && typeof parsed === 'object' && 'detailType' in parsed) events.push(parsed as RollcallEvent);
      else tornLines++;
    } catch {
      tornLines++;
    }
  }
  return { events, tornLines };
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
