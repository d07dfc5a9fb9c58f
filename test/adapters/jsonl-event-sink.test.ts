import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonLinesEventSink, readEventsFile, StreamEventSink } from '../../functions/adapters/jsonl-event-sink.ts';
import { makeEvent, type RollcallEvent } from '../../functions/core/events.ts';
import { ZERO_COUNTS } from '../../functions/core/types.ts';

const base = { connectorId: 'c1', app: 'torq' as const, time: '2026-03-01T00:00:00.000Z' };
const events: RollcallEvent[] = [
  makeEvent('SyncCompleted', base, ['r1'], { runId: 'r1', durationMs: 12, counts: ZERO_COUNTS }),
  makeEvent('ConnectorRecovered', base, ['r1'], { previousReason: 'credentials rejected' }),
];

const scratch: string[] = [];
afterEach(async () => {
  await Promise.all(scratch.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('JsonLinesEventSink', () => {
  it('creates the directory and appends one parseable JSON line per event, across calls', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rollcall-events-'));
    scratch.push(dir);
    const sink = new JsonLinesEventSink(join(dir, 'deep', 'events.jsonl'));

    await sink.publish(events.slice(0, 1));
    await sink.publish([]);
    await sink.publish(events.slice(1));

    const lines = (await readFile(join(dir, 'deep', 'events.jsonl'), 'utf8')).split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((line) => JSON.parse(line))).toEqual(events);
  });
});

describe('a torn last line (a process died mid-append)', () => {
  it('is left behind on its own line: the next process starts on a fresh line, and readers skip the torn one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rollcall-events-'));
    scratch.push(dir);
    const file = join(dir, 'events.jsonl');
    const whole = `${JSON.stringify(events[0])}\n`;
    const torn = JSON.stringify(events[1]).slice(0, 40);
    await writeFile(file, `${whole}${torn}`, 'utf8');

    // A new process: its first append checks the tail; later appends of the same sink do not need to.
    const sink = new JsonLinesEventSink(file);
    await sink.publish(events.slice(1));
    await sink.publish(events.slice(0, 1));

    const text = await readFile(file, 'utf8');
    expect(text).toBe(`${whole}${torn}\n${JSON.stringify(events[1])}\n${JSON.stringify(events[0])}\n`);
    expect(await readEventsFile(file)).toEqual({ events: [events[0], events[1], events[0]], tornLines: 1 });
  });

  it('adds no blank line to a file that ends cleanly, and a missing file reads as empty', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rollcall-events-'));
    scratch.push(dir);
    const file = join(dir, 'events.jsonl');
    expect(await readEventsFile(file)).toEqual({ events: [], tornLines: 0 });
    await appendFile(file, `${JSON.stringify(events[0])}\n`, 'utf8');
    await new JsonLinesEventSink(file).publish(events.slice(1));
    expect((await readFile(file, 'utf8')).split('\n')).toHaveLength(3);
    expect(await readEventsFile(file)).toEqual({ events, tornLines: 0 });
  });
});

describe('StreamEventSink', () => {
  it('writes one JSON line per event to the stream', async () => {
    const stream = new PassThrough();
    const chunks: string[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));

    await new StreamEventSink(stream).publish(events);

    const lines = chunks.join('').trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual(events);
  });
});
