/**
 * How a poll ends: the results that need no sync (skipped, busy), and the end of a sync under the
 * lease (connector state written, lease released, run recorded, one log line of ids and counts).
 */
import { outcomeExitCode, type LeaseBusyError } from './errors.ts';
import { describeLease } from './lease.ts';
import type { Logger, SyncStore } from './ports.ts';
import type { PollResult, RunContext } from './poll-types.ts';
import { ZERO_COUNTS, type ConnectorState, type SyncCounts, type SyncOutcome, type SyncRun } from './types.ts';

/** The counts of a poll that changed nothing: the active accounts as they were, no changes. */
export function unchangedCounts(state: ConnectorState | null): SyncCounts {
  return { ...ZERO_COUNTS, total: state?.counts.total ?? 0 };
}

/** RECONNECT_REQUIRED with the credentials already rejected: the API is not called. */
export function skippedResult(run: RunContext, state: ConnectorState | null, log: Logger): PollResult {
  log.warn('poll skipped: credentials already rejected', { connectorId: run.connectorId, runId: run.runId });
  return {
    connectorId: run.connectorId,
    app: run.app,
    runId: run.runId,
    status: 'RECONNECT_REQUIRED',
    outcome: 'skipped',
    durationMs: run.elapsed(),
    counts: unchangedCounts(state),
    anomalies: [],
    invalid: [],
    error: state?.statusReason ?? 'credentials rejected',
    events: 0,
    pages: 0,
    exitCode: outcomeExitCode('skipped'),
  };
}

/** Another poll of the connector holds the lease. */
export function busyResult(run: RunContext, existing: ConnectorState | null, error: LeaseBusyError, log: Logger): PollResult {
  log.warn('poll not started: another poll holds the lease', {
    connectorId: run.connectorId,
    runId: run.runId,
    lease: error.lease === null ? null : describeLease(error.lease),
  });
  return {
    connectorId: run.connectorId,
    app: run.app,
    runId: run.runId,
    status: existing?.status ?? 'SYNCING',
    outcome: 'busy',
    durationMs: run.elapsed(),
    counts: unchangedCounts(existing),
    anomalies: [],
    invalid: [],
    error: error.message,
    events: 0,
    pages: 0,
    exitCode: outcomeExitCode('busy'),
  };
}

export interface RunDetails {
  readonly counts: SyncCounts;
  readonly anomalies: readonly string[];
  readonly invalid: PollResult['invalid'];
  readonly error: string | null;
  readonly pages: number;
}

export interface RunEnd {
  readonly state: ConnectorState;
  readonly identitiesVerified: boolean;
  readonly events: number;
  readonly outcome: SyncOutcome;
  readonly details: RunDetails;
  readonly exitCode: PollResult['exitCode'];
}

/** Writes the final connector state (releasing the lease), records the run, and answers the result. */
export async function finishRun(
  deps: { readonly store: Pick<SyncStore, 'finishSync' | 'recordRun'>; readonly clock: { now(): Date }; readonly logger: Logger },
  run: RunContext,
  owner: string,
  end: RunEnd,
): Promise<PollResult> {
  const { connectorId, app, runId, startedAt } = run;
  const { state, outcome, details } = end;
  const finishedAt = deps.clock.now().toISOString();
  const durationMs = run.elapsed();
  await deps.store.finishSync({ ...state, identitiesVerified: end.identitiesVerified }, owner);
  const record: SyncRun = {
    connectorId,
    runId,
    startedAt,
    finishedAt,
    durationMs,
    status: state.status,
    outcome,
    counts: details.counts,
    error: details.error,
    anomalies: details.anomalies,
  };
  await deps.store.recordRun(record);
  deps.logger.info('poll finished', { connectorId, runId, outcome, status: state.status, durationMs, events: end.events, ...details.counts });
  return {
    connectorId,
    app,
    runId,
    status: state.status,
    outcome,
    durationMs,
    counts: details.counts,
    anomalies: details.anomalies,
    invalid: details.invalid,
    error: details.error,
    events: end.events,
    pages: details.pages,
    exitCode: end.exitCode,
  };
}
