import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { firstDueAt } from '../../functions/core/dispatch.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import type { PollResult } from '../../functions/core/poll-types.ts';
import type { Clock } from '../../functions/core/ports.ts';
import { HOUR_MS, MINUTE_MS, nextDueAfter, parseSchedule } from '../../functions/core/schedule.ts';
import { ZERO_COUNTS, type ConnectorDefinition } from '../../functions/core/types.ts';
import { watchConnectors, type WatchDependencies, type WatchPollReport, type WatchSummary } from '../../functions/core/watch-loop.ts';
import { MemoryDefinitions } from '../fakes/memory-definitions.ts';
import { capturingLogger } from '../support/capturing-logger.ts';

const START = Date.parse('2026-12-01T10:00:00.000Z');
const clock: Clock = { now: () => new Date() };

function definition(connectorId: string, overrides: Partial<ConnectorDefinition> = {}): ConnectorDefinition {
  return {
    connectorId,
    app: 'acme',
    config: {},
    schedule: 'rate(1 hour)',
    enabled: true,
    origin: 'added',
    secretArn: null,
    createdAt: '2026-12-01T00:00:00.000Z',
    updatedAt: '2026-12-01T00:00:00.000Z',
    nextDueAt: firstDueAt(new Date(START)),
    ...overrides,
  };
}

function result(definition: ConnectorDefinition, durationMs: number, overrides: Partial<PollResult> = {}): PollResult {
  return {
    connectorId: definition.connectorId,
    app: definition.app,
    runId: 'run',
    status: 'CONNECTED',
    outcome: 'completed',
    durationMs,
    counts: { ...ZERO_COUNTS, total: 50 },
    anomalies: [],
    invalid: [],
    error: null,
    events: 1,
    pages: 1,
    exitCode: 0,
    ...overrides,
  };
}

/** A fake poll that takes `durationMs` of (fake) time, ends `interrupted` when aborted, and records when each started. */
function timedPolls(durationMs: (definition: ConnectorDefinition) => number = () => 10_000) {
  const started: { connectorId: string; at: number }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const poll: WatchDependencies['poll'] = (def, signal) => {
    started.push({ connectorId: def.connectorId, at: Date.now() });
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const ms = durationMs(def);
    return new Promise((resolve) => {
      const end = (outcome: PollResult['outcome']) => {
        inFlight -= 1;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(result(def, ms, { outcome }));
      };
      const timer = setTimeout(() => end('completed'), ms);
      const onAbort = () => end('interrupted');
      signal.addEventListener('abort', onAbort, { once: true });
    });
  };
  return {
    poll,
    started,
    get maxInFlight() {
      return maxInFlight;
    },
    get inFlight() {
      return inFlight;
    },
  };
}

interface Running {
  readonly reports: WatchPollReport[];
  readonly stop: AbortController;
  readonly done: Promise<WatchSummary>;
  readonly logLines: string[];
}

function watch(deps: Partial<WatchDependencies> & Pick<WatchDependencies, 'definitions' | 'poll'>, concurrency = 4, rereadMs = 15_000): Running {
  const reports: WatchPollReport[] = [];
  const stop = new AbortController();
  const { logger, lines } = capturingLogger();
  const done = watchConnectors({ clock, logger, onPoll: (report) => reports.push(report), ...deps }, { concurrency, rereadMs }, stop.signal);
  return { reports, stop, done, logLines: lines };
}

describe('watchConnectors', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: START });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('polls each connector at its due times: at once when added, then on its schedule, never before', async () => {
    const store = new MemoryDefinitions();
    await store.createDefinition(definition('hourly'));
    await store.createDefinition(definition('half-hourly', { schedule: 'rate(30 minutes)' }));
    const polls = timedPolls();
    const run = watch({ definitions: store, poll: polls.poll });

    await vi.advanceTimersByTimeAsync(2 * HOUR_MS);
    run.stop.abort();
    await run.done;

    const expected = (id: string, expression: string) => {
      const times = [START];
      for (;;) {
        const next = nextDueAfter(parseSchedule(expression), id, times.at(-1) as number);
        if (next > START + 2 * HOUR_MS) return times;
        times.push(next);
      }
    };
    const startedAt = (id: string) => polls.started.filter((entry) => entry.connectorId === id).map((entry) => entry.at);
    expect(startedAt('hourly')).toEqual(expected('hourly', 'rate(1 hour)'));
    expect(startedAt('half-hourly')).toEqual(expected('half-hourly', 'rate(30 minutes)'));
    expect(startedAt('half-hourly').length).toBeGreaterThanOrEqual(4);
  });

  it('runs at most `concurrency` polls at once and starts the next due one as a slot frees', async () => {
    const store = new MemoryDefinitions();
    // Daily, so that no second due time falls inside the few minutes this test runs.
    for (let index = 0; index < 10; index += 1) await store.createDefinition(definition(`c${index}`, { schedule: 'rate(1 day)' }));
    const polls = timedPolls(() => MINUTE_MS);
    const run = watch({ definitions: store, poll: polls.poll }, 3);

    await vi.advanceTimersByTimeAsync(0);
    expect(polls.inFlight).toBe(3);
    await vi.advanceTimersByTimeAsync(MINUTE_MS);
    // The three ended at the same instant; the next three started then, not at the next re-read.
    expect(polls.started.filter((entry) => entry.at === START + MINUTE_MS)).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(3 * MINUTE_MS);
    run.stop.abort();
    const summary = await run.done;

    expect(polls.maxInFlight).toBe(3);
    expect(new Set(polls.started.map((entry) => entry.connectorId)).size).toBe(10);
    expect(summary).toEqual({ polls: 10, failures: 0, overlaps: 0 });
    // Claimed only as slots were free: nothing claimed and left waiting at any time.
    expect(store.claims).toBe(10);
  });

  it('reports a connector whose poll throws, polls the others, and tries it again at its next due time', async () => {
    const store = new MemoryDefinitions();
    await store.createDefinition(definition('no-credentials'));
    await store.createDefinition(definition('rejected'));
    await store.createDefinition(definition('fine'));
    const attempts: string[] = [];
    const fine = timedPolls();
    const poll: WatchDependencies['poll'] = async (def, signal) => {
      attempts.push(def.connectorId);
      if (def.connectorId === 'no-credentials') throw new ConfigError('no credentials for connector no-credentials: set ROLLCALL_NO_CREDENTIALS_API_KEY');
      if (def.connectorId === 'rejected') {
        return result(def, 5, { status: 'RECONNECT_REQUIRED', outcome: 'reconnect-required', error: 'credentials rejected', exitCode: 3 });
      }
      return fine.poll(def, signal);
    };
    const run = watch({ definitions: store, poll }, 1);

    await vi.advanceTimersByTimeAsync(HOUR_MS + MINUTE_MS);
    run.stop.abort();
    const summary = await run.done;

    const first = run.reports.slice(0, 3);
    expect(first.map((report) => report.connectorId).sort()).toEqual(['fine', 'no-credentials', 'rejected']);
    expect(first.find((report) => report.connectorId === 'no-credentials')).toMatchObject({
      outcome: 'failed',
      status: null,
      counts: null,
      errorKind: 'config',
      error: expect.stringContaining('ROLLCALL_NO_CREDENTIALS_API_KEY'),
    });
    expect(first.find((report) => report.connectorId === 'rejected')).toMatchObject({ outcome: 'reconnect-required', errorKind: null });
    expect(first.find((report) => report.connectorId === 'fine')).toMatchObject({ outcome: 'completed', counts: { total: 50 } });
    // The next hour: every connector again, the failing ones included.
    expect(attempts.filter((id) => id === 'no-credentials')).toHaveLength(2);
    expect(attempts.filter((id) => id === 'fine')).toHaveLength(2);
    expect(summary.failures).toBe(4);
  });

  it('picks up a connector added while it runs within one re-read period', async () => {
    const store = new MemoryDefinitions();
    const polls = timedPolls();
    const run = watch({ definitions: store, poll: polls.poll }, 4, 15_000);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(polls.started).toEqual([]);

    await store.createDefinition(definition('added', { nextDueAt: firstDueAt(new Date()) }));
    await vi.advanceTimersByTimeAsync(15_000);
    run.stop.abort();
    await run.done;

    expect(polls.started).toHaveLength(1);
    expect(polls.started[0]?.connectorId).toBe('added');
    // Seen within one re-read period of being added.
    expect((polls.started[0]?.at ?? 0) - (START + 20_000)).toBeLessThanOrEqual(15_000);
  });

  it('on stop claims nothing more, aborts the running polls and resolves once they have ended', async () => {
    const store = new MemoryDefinitions();
    for (let index = 0; index < 6; index += 1) await store.createDefinition(definition(`c${index}`));
    const polls = timedPolls(() => HOUR_MS);
    const run = watch({ definitions: store, poll: polls.poll }, 2);
    await vi.advanceTimersByTimeAsync(MINUTE_MS);
    expect(polls.inFlight).toBe(2);

    run.stop.abort('SIGINT');
    const summary = await run.done;
    expect(polls.inFlight).toBe(0);
    expect(run.reports.map((report) => report.outcome)).toEqual(['interrupted', 'interrupted']);
    expect(summary).toEqual({ polls: 2, failures: 2, overlaps: 0 });
    const claims = store.claims;
    await vi.advanceTimersByTimeAsync(2 * HOUR_MS);
    expect(store.claims).toBe(claims);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives each due time to one of two watchers sharing a store', async () => {
    const store = new MemoryDefinitions();
    for (let index = 0; index < 12; index += 1) await store.createDefinition(definition(`c${index}`, { schedule: 'rate(10 minutes)' }));
    const a = timedPolls(() => 30_000);
    const b = timedPolls(() => 30_000);
    const runA = watch({ definitions: store, poll: a.poll }, 3);
    const runB = watch({ definitions: store, poll: b.poll }, 3);

    await vi.advanceTimersByTimeAsync(HOUR_MS);
    runA.stop.abort();
    runB.stop.abort();
    await Promise.all([runA.done, runB.done]);

    const all = [...a.started, ...b.started].map((entry) => `${entry.connectorId}@${entry.at}`);
    expect(new Set(all).size).toBe(all.length);
    expect(a.started.length).toBeGreaterThan(0);
    expect(b.started.length).toBeGreaterThan(0);
    // Each connector: its first poll plus one per 10 minutes of the hour that followed.
    for (let index = 0; index < 12; index += 1) {
      const polled = all.filter((entry) => entry.startsWith(`c${index}@`));
      expect(polled.length).toBeGreaterThanOrEqual(6);
      expect(polled.length).toBeLessThanOrEqual(7);
    }
  });

  it('keeps a definition whose schedule no longer parses from taking the only slot', async () => {
    const store = new MemoryDefinitions();
    // Due earlier than the valid one, so it leads every listing of due connectors.
    await store.createDefinition(definition('broken', { schedule: 'hourly', nextDueAt: '2026-12-01T09:00:00.000Z' }));
    await store.createDefinition(definition('fine'));
    const polls = timedPolls();
    const run = watch({ definitions: store, poll: polls.poll }, 1);
    await vi.advanceTimersByTimeAsync(HOUR_MS + MINUTE_MS);
    run.stop.abort();
    await run.done;

    expect(polls.started.map((entry) => entry.connectorId)).toEqual(['fine', 'fine']);
    const errors = run.logLines.filter((line) => line.includes('schedule does not parse'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('"connectorId":"broken"');
  });

  it('survives the store failing for a while, backing off, and polls once it answers again', async () => {
    const store = new MemoryDefinitions();
    await store.createDefinition(definition('c1'));
    let failing = 3;
    const listDue = store.listDue.bind(store);
    store.listDue = async (now, limit) => {
      if (failing > 0) {
        failing -= 1;
        throw new Error('connect ECONNREFUSED 127.0.0.1:4567');
      }
      return listDue(now, limit);
    };
    const polls = timedPolls();
    const run = watch({ definitions: store, poll: polls.poll });
    await vi.advanceTimersByTimeAsync(10_000);
    run.stop.abort();
    await run.done;

    expect(polls.started.map((entry) => entry.connectorId)).toEqual(['c1']);
    // Waits of 1 s, 2 s and 4 s between the three failures and the claim that worked.
    expect(polls.started[0]?.at).toBe(START + 7_000);
    const failures = run.logLines.filter((line) => line.startsWith('error could not read the due connectors'));
    expect(failures.map((line) => /"retryInMs":(\d+)/.exec(line)?.[1])).toEqual(['1000', '2000', '4000']);
    // safeMessage: the raw error text (which could carry anything) is not logged.
    expect(JSON.stringify(failures)).not.toContain('127.0.0.1');
  });

  it('skips a due time that comes while the previous poll of the same connector still runs', async () => {
    const store = new MemoryDefinitions();
    await store.createDefinition(definition('slow', { schedule: 'rate(1 minute)' }));
    const polls = timedPolls(() => 150_000);
    const run = watch({ definitions: store, poll: polls.poll }, 2);
    await vi.advanceTimersByTimeAsync(4 * MINUTE_MS);
    run.stop.abort();
    const summary = await run.done;
    expect(polls.maxInFlight).toBe(1);
    expect(summary.overlaps).toBeGreaterThanOrEqual(1);
  });

  it('refuses a concurrency below 1', async () => {
    const deps = { definitions: new MemoryDefinitions(), poll: vi.fn(), clock, logger: capturingLogger().logger };
    await expect(watchConnectors(deps, { concurrency: 0 }, new AbortController().signal)).rejects.toThrow(RangeError);
  });
});
