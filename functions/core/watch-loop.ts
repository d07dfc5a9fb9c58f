/**
 * Background polling without AWS (`rollcall watch`): every enabled connector of an inventory polled
 * on its schedule until stopped. The loop claims due connectors with `claimDueConnectors`, the
 * claim the deployment's dispatcher makes, so two watchers, or a watcher and the dispatcher on one
 * table, never poll one due time twice; it runs at most `concurrency` polls at once and sleeps
 * until the earliest next due time, looking again at least every `rereadMs` so connectors added
 * meanwhile are picked up.
 *
 * The loop holds nothing per connector beyond the polls running and the ids of definitions whose
 * schedule no longer parses: its memory does not grow with the size of the fleet.
 */
import { claimDueConnectors } from './dispatch.ts';
import { classifyError, safeMessage, type ErrorKind } from './errors.ts';
import type { Clock, ConnectorDefinitionStore, Logger } from './ports.ts';
import type { PollResult } from './poll-types.ts';
import type { AppName, ConnectorDefinition, ConnectorStatus, SyncCounts, SyncOutcome } from './types.ts';

/** How often the loop looks at the store at the latest, for connectors added or changed meanwhile. */
export const DEFAULT_WATCH_REREAD_MS = 15_000;

export const DEFAULT_WATCH_CONCURRENCY = 4;

/** Past every due time: `listDue` with it answers the enabled connectors earliest first. */
const END_OF_TIME = '9999-12-31T23:59:59.999Z';

/** The first wait after the store failed; it doubles up to `rereadMs` while the store keeps failing. */
const STORE_RETRY_MS = 1_000;

/** One poll the loop ran (or could not start), as the watcher logs it: ids and counts only. */
export interface WatchPollReport {
  readonly connectorId: string;
  readonly app: AppName;
  /** The poll's outcome; `failed` with `errorKind` too when it could not start (credentials, config). */
  readonly outcome: SyncOutcome;
  /** `null` when the poll did not start. */
  readonly status: ConnectorStatus | null;
  readonly counts: SyncCounts | null;
  readonly durationMs: number;
  /** A message safe to log (never a secret or a payload), or `null`. */
  readonly error: string | null;
  /** Why the poll could not start; `null` when it ran. */
  readonly errorKind: ErrorKind | 'unknown' | null;
}

export interface WatchDependencies {
  readonly definitions: ConnectorDefinitionStore;
  /**
   * Polls one claimed connector. Aborting `signal` (the watcher stopping) ends it `interrupted`
   * with its lease released. A throw (missing credentials, a config the app refuses) is that
   * connector's failure only: it is reported and the others go on.
   */
  readonly poll: (definition: ConnectorDefinition, signal: AbortSignal) => Promise<PollResult>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called once per poll as it ends. */
  readonly onPoll?: (report: WatchPollReport) => void;
  /**
   * Resolves after `ms`, or at once when `wake` is aborted (a poll ended, the watcher stops).
   * @default a `setTimeout`, which fake timers drive in tests
   */
  readonly wait?: (ms: number, wake: AbortSignal) => Promise<void>;
}

export interface WatchOptions {
  /** Polls running at once, at least 1. @default DEFAULT_WATCH_CONCURRENCY */
  readonly concurrency?: number;
  /** @default DEFAULT_WATCH_REREAD_MS */
  readonly rereadMs?: number;
}

export interface WatchSummary {
  /** Polls ended (completed or not), failures to start included. */
  readonly polls: number;
  /** Polls that did not complete (any outcome but `completed` or `partial`), failures to start included. */
  readonly failures: number;
  /** Due times claimed while a poll of the same connector was still running here: skipped. */
  readonly overlaps: number;
}

function waitFor(ms: number, wake: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (wake.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      wake.removeEventListener('abort', done);
      resolve();
    }
    wake.addEventListener('abort', done, { once: true });
  });
}

/** Runs until `stop` is aborted, then aborts the running polls, waits for them and answers a summary. */
export async function watchConnectors(deps: WatchDependencies, options: WatchOptions, stop: AbortSignal): Promise<WatchSummary> {
  const concurrency = options.concurrency ?? DEFAULT_WATCH_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a whole number of at least 1');
  const rereadMs = options.rereadMs ?? DEFAULT_WATCH_REREAD_MS;
  const wait = deps.wait ?? waitFor;
  const { logger } = deps;

  const running = new Map<string, Promise<void>>();
  /** Claimed beyond the free slots (see `claim`): started as slots free up. */
  const queued: ConnectorDefinition[] = [];
  /** Due definitions whose schedule does not parse, by id: listed once, skipped after. */
  const invalid = new Set<string>();
  const pollsAbort = new AbortController();
  let wake = new AbortController();
  let polls = 0;
  let failures = 0;
  let overlaps = 0;
  let storeFailures = 0;

  const onStop = () => wake.abort();
  stop.addEventListener('abort', onStop, { once: true });

  const report = (entry: WatchPollReport) => {
    polls += 1;
    if (entry.outcome !== 'completed' && entry.outcome !== 'partial') failures += 1;
    deps.onPoll?.(entry);
  };

  const start = (definition: ConnectorDefinition) => {
    const startedAt = deps.clock.now().getTime();
    const task = (async () => {
      try {
        const result = await deps.poll(definition, pollsAbort.signal);
        report({
          connectorId: result.connectorId,
          app: result.app,
          outcome: result.outcome,
          status: result.status,
          counts: result.counts,
          durationMs: result.durationMs,
          error: result.error,
          errorKind: null,
        });
      } catch (error) {
        report({
          connectorId: definition.connectorId,
          app: definition.app,
          outcome: 'failed',
          status: null,
          counts: null,
          durationMs: deps.clock.now().getTime() - startedAt,
          error: safeMessage(error),
          errorKind: classifyError(error).kind,
        });
      } finally {
        running.delete(definition.connectorId);
        wake.abort();
      }
    })();
    running.set(definition.connectorId, task);
  };

  const startQueued = () => {
    while (running.size < concurrency && queued.length > 0 && !stop.aborted) {
      const next = queued.shift() as ConnectorDefinition;
      if (running.has(next.connectorId)) {
        overlaps += 1;
        logger.warn('due time skipped: the previous poll of this connector is still running', { connectorId: next.connectorId });
      } else {
        start(next);
      }
    }
  };

  /**
   * Claims as many due connectors as there are free slots. Definitions whose schedule does not
   * parse stay due (the claim leaves them as they are), ahead of the others: the limit asks for
   * that many more, so they never take the free slots' place; whatever is claimed beyond the free
   * slots (one of them fixed in between) waits in `queued` for a slot.
   */
  const claim = async (): Promise<boolean> => {
    const free = concurrency - running.size - queued.length;
    if (free <= 0) return false;
    const limit = free + invalid.size;
    const result = await claimDueConnectors(deps.definitions, deps.clock.now(), limit);
    for (const { connectorId, reason } of result.invalid) {
      if (invalid.has(connectorId)) continue;
      invalid.add(connectorId);
      logger.error('connector not polled: its schedule does not parse', { connectorId, reason });
    }
    for (const definition of result.claimed) invalid.delete(definition.connectorId);
    queued.push(...result.claimed);
    startQueued();
    // Every slot asked for came back due: more may be due behind them.
    return result.claimed.length > 0 && result.claimed.length + result.lost + result.invalid.length >= limit;
  };

  /** Milliseconds until the earliest next due time, capped at `rereadMs`. */
  const untilNextDue = async (): Promise<number> => {
    const upcoming = await deps.definitions.listDue(END_OF_TIME, invalid.size + 1);
    const next = upcoming.find((definition) => !invalid.has(definition.connectorId) && definition.nextDueAt !== null);
    if (next?.nextDueAt == null) return rereadMs;
    const ms = Date.parse(next.nextDueAt) - deps.clock.now().getTime();
    return Math.min(rereadMs, Math.max(0, ms));
  };

  try {
    while (!stop.aborted) {
      wake = new AbortController();
      let sleepMs: number;
      try {
        const more = await claim();
        if (stop.aborted) break;
        if (running.size >= concurrency) sleepMs = rereadMs;
        else if (more) continue;
        else sleepMs = await untilNextDue();
        storeFailures = 0;
      } catch (error) {
        // The store failing (its server stopped, throttling) stops no poll already running; look again later.
        storeFailures += 1;
        sleepMs = Math.min(rereadMs, STORE_RETRY_MS * 2 ** Math.min(storeFailures - 1, 16));
        logger.error('could not read the due connectors; trying again', { error: safeMessage(error), retryInMs: sleepMs });
      }
      if (stop.aborted) break;
      // A due time in the past that the claim did not take (a race with another watcher) must not spin the loop.
      await wait(sleepMs === 0 ? 1 : sleepMs, wake.signal);
    }
  } finally {
    stop.removeEventListener('abort', onStop);
    if (queued.length > 0) {
      logger.warn('watch stopped before these claimed polls started: their due time is skipped', { count: queued.length });
      queued.length = 0;
    }
    pollsAbort.abort(stop.reason);
    await Promise.all(running.values());
  }
  return { polls, failures, overlaps };
}
