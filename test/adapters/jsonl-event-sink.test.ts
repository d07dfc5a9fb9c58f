import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonLinesEventSink, StreamEventSink } from '../../functions/adapters/jsonl-event-sink.ts';
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
