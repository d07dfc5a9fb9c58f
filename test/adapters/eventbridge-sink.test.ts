import {
  EventBridgeClient,
  InternalException,
  PutEventsCommand,
  ResourceNotFoundException,
  type PutEventsCommandInput,
  type PutEventsCommandOutput,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  batchEntries,
  entrySize,
  EventBridgeEventSink,
  MAX_REQUEST_BYTES,
  toEntry,
  type EventBridgeSinkOptions,
} from '../../functions/adapters/eventbridge-sink.ts';
import { ConfigError, ContractError, TransientError } from '../../functions/core/errors.ts';
import { makeEvent, type RollcallEvent } from '../../functions/core/events.ts';
import { rejectionOf } from '../support/rejection.ts';

const BUS = 'rollcall-bus';
const eventBridge = mockClient(EventBridgeClient);

function accountRemoved(index: number, email = `user${index}@example.com`): RollcallEvent {
  return makeEvent(
    'AccountRemoved',
    { connectorId: 'torq-prod', app: 'torq', time: '2026-11-01T00:00:00.000Z' },
    [`account-${index}`],
    { account: { accountId: `account-${index}`, email, roleName: 'Viewer', status: 'VERIFIED', state: 'active' }, firstSeenAt: '2026-01-01T00:00:00.000Z' },
  );
}

function events(count: number): RollcallEvent[] {
  return Array.from({ length: count }, (_, index) => accountRemoved(index));
}

function createSink(options: EventBridgeSinkOptions = {}) {
  const delays: number[] = [];
  const sink = new EventBridgeEventSink(new EventBridgeClient({ region: 'us-east-1' }), BUS, {
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...options,
  });
  return { sink, delays };
}

/** Accepts every entry of a request, as PutEvents does when nothing fails. */
function acceptAll(input: PutEventsCommandInput): PutEventsCommandOutput {
  const entries = input.Entries ?? [];
  return { FailedEntryCount: 0, Entries: entries.map((_, index) => ({ EventId: `eb-${index}` })), $metadata: {} };
}

function sentEntries(): NonNullable<PutEventsCommandInput['Entries']>[] {
  return eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);
}


describe('EventBridgeEventSink', () => {
  beforeEach(() => eventBridge.reset());

  it('publishes each event with source rollcall, its detail-type and the whole event as detail', async () => {
    eventBridge.on(PutEventsCommand).callsFake(acceptAll);
    const event = accountRemoved(1);

    await createSink().sink.publish([event]);

    const [entries] = sentEntries();
    expect(entries).toEqual([
      {
        EventBusName: BUS,
        Source: 'rollcall',
        DetailType: 'AccountRemoved',
        Detail: JSON.stringify(event),
        Time: new Date('2026-11-01T00:00:00.000Z'),
      },
    ]);
    expect(JSON.parse(entries?.[0]?.Detail ?? '')).toMatchObject({ id: event.id, connectorId: 'torq-prod', app: 'torq' });
  });

  it('sends nothing for no events', async () => {
    await createSink().sink.publish([]);

    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('sends at most 10 entries per request, every event exactly once', async () => {
    eventBridge.on(PutEventsCommand).callsFake(acceptAll);
    const published = events(25);

    await createSink().sink.publish(published);

    const requests = sentEntries();
    expect(requests.map((entries) => entries.length)).toEqual([10, 10, 5]);
    const ids = requests.flat().map((entry) => (JSON.parse(entry.Detail ?? '') as RollcallEvent).id);
    expect(ids.sort()).toEqual(published.map((event) => event.id).sort());
  });

  it('keeps each request within 256 KB', async () => {
    eventBridge.on(PutEventsCommand).callsFake(acceptAll);
    const large = Array.from({ length: 5 }, (_, index) => accountRemoved(index, `${'x'.repeat(100 * 1024)}@example.com`));

    await createSink().sink.publish(large);

    const requests = sentEntries();
    expect(requests.map((entries) => entries.length)).toEqual([2, 2, 1]);
    for (const entries of requests) {
      expect(entries.reduce((sum, entry) => sum + entrySize(entry), 0)).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
    }
  });

  it('refuses an event above the 256 KB entry limit, naming its id and type, before sending anything', async () => {
    eventBridge.on(PutEventsCommand).callsFake(acceptAll);
    const huge = accountRemoved(1, `${'x'.repeat(MAX_REQUEST_BYTES)}@example.com`);

    const error = await rejectionOf(createSink().sink.publish([accountRemoved(0), huge]));

    expect(error).toBeInstanceOf(ContractError);
    expect(error.message).toMatch(new RegExp(`^event ${huge.id} \\(AccountRemoved\\) is \\d+ bytes`));
    expect(error.message).not.toContain('xxxx');
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('re-sends only the entries PutEvents failed, after a backoff', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: Array.from({ length: 10 }, (_, index) =>
          index === 3 || index === 7 ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' } : { EventId: `eb-${index}` },
        ),
      })
      .callsFake(acceptAll);
    const published = events(10);
    const { sink, delays } = createSink();

    await sink.publish(published);

    const [first, retry] = sentEntries();
    expect(first).toHaveLength(10);
    expect(retry?.map((entry) => (JSON.parse(entry.Detail ?? '') as RollcallEvent).id)).toEqual([published[3]?.id, published[7]?.id]);
    expect(delays).toEqual([200]);
  });

  it('throws TransientError when entries keep failing, after a bounded number of attempts', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => ({
      FailedEntryCount: 1,
      Entries: (input.Entries ?? []).map((_, index) =>
        index === 0 ? { ErrorCode: 'InternalFailure', ErrorMessage: 'user1@example.com' } : { EventId: `eb-${index}` },
      ),
    }));
    const { sink, delays } = createSink({ maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 500 });

    const error = await rejectionOf(sink.publish(events(3)));

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe('EventBridge did not accept 1 of 3 events after 4 attempts (InternalFailure x1)');
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(4);
    expect(delays).toEqual([200, 400, 500]);
  });

  it('counts entries missing from a short answer as failed', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-0' }] })
      .callsFake(acceptAll);

    await createSink().sink.publish(events(2));

    expect(sentEntries().map((entries) => entries.length)).toEqual([2, 1]);
  });

  it('maps a missing bus to ConfigError', async () => {
    eventBridge.on(PutEventsCommand).rejects(new ResourceNotFoundException({ message: 'Event bus rollcall-bus does not exist.', $metadata: {} }));

    const missing = await rejectionOf(createSink().sink.publish(events(1)));

    expect(missing).toBeInstanceOf(ConfigError);
    expect(missing.message).toBe('EventBridge PutEvents failed: the event bus does not exist');
  });

  it('maps a service failure that outlasted the SDK retries to TransientError', async () => {
    eventBridge.on(PutEventsCommand).rejects(new InternalException({ message: 'internal', $metadata: {} }));

    const failed = await rejectionOf(createSink().sink.publish(events(1)));

    expect(failed).toBeInstanceOf(TransientError);
    expect(failed.message).toBe('EventBridge PutEvents failed (InternalException)');
  });

  it('keeps at most `concurrency` requests in flight and starts no new one after a failure', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let calls = 0;
    eventBridge.on(PutEventsCommand).callsFake(async (input: PutEventsCommandInput) => {
      calls += 1;
      const call = calls;
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      if (call === 2) throw new InternalException({ message: 'internal', $metadata: {} });
      return acceptAll(input);
    });

    const error = await rejectionOf(createSink({ concurrency: 2 }).sink.publish(events(100)));

    expect(error).toBeInstanceOf(TransientError);
    expect(maxInFlight).toBe(2);
    // Batches 1 and 2 run together; after 2 fails only the worker of batch 1 could have taken batch 3.
    expect(calls).toBeLessThanOrEqual(3);
  });
});

describe('batching helpers', () => {
  it('sizes an entry as EventBridge does: 14 bytes of Time plus UTF-8 bytes of the strings', () => {
    expect(entrySize({ Source: 'rollcall', DetailType: 'X', Detail: '{"e":"é"}', Time: new Date(0) })).toBe(14 + 8 + 1 + 10);
    expect(entrySize({ Source: 'rollcall', DetailType: 'X', Resources: ['arn:a'] })).toBe(8 + 1 + 5);
  });

  it('keeps order across batches', () => {
    const entries = events(12).map((event) => toEntry(event, BUS));

    expect(batchEntries(entries).flat()).toEqual(entries);
  });
});
