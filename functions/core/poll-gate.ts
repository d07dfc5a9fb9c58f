/**
 * The gate of a poll, before any listing: the time budget is enough, the credentials are read,
 * credentials already rejected are not tried again (design.md section 5), and the lease is taken
 * so that two polls of one connector never overlap. What passes holds the lease.
 */
import { ConfigError, LeaseBusyError } from './errors.ts';
import { holderIsGone } from './lease.ts';
import type { ResolvedCredentials } from './ports.ts';
import { busyResult, skippedResult } from './poll-result.ts';
import type { PollSettings } from './poll-settings.ts';
import type { PollDependencies, PollResult, RunContext } from './poll-types.ts';
import { initialState, shouldSkipPoll } from './status.ts';
import type { AppName, ConnectorState } from './types.ts';

export type Gate =
  | { readonly open: false; readonly result: PollResult }
  | {
      readonly open: true;
      /** The connector's state before this sync (a row left SYNCING by a dead poll counts as its previous status). */
      readonly before: ConnectorState;
      /** Every stored account's person has an identity record (else this poll checks). */
      readonly identitiesVerified: boolean;
      /** `null` when the credentials could not be read (`credentialError` says why). */
      readonly resolved: ResolvedCredentials | null;
      readonly credentialError: unknown;
    };

export async function passGate(deps: PollDependencies, settings: PollSettings, run: RunContext): Promise<Gate> {
  const { connectorId, app, runId } = run;
  const log = deps.logger;
  // A budget at or below the reserve would end every poll partial before its first page, and
  // would mark a RECONNECT_REQUIRED connector recovered without trying its credentials. The stack
  // refuses such a timeout at synth; a function whose timeout was changed later lands here.
  const budgetMs = deps.remainingTimeMs?.();
  if (budgetMs !== undefined && budgetMs <= settings.reserveMs) {
    throw new ConfigError(
      `the poll started with ${budgetMs} ms left, not more than the ${settings.reserveMs} ms it keeps to write what it listed: ` +
        'raise the function timeout (at least 3 minutes)',
    );
  }

  const existing = await deps.store.getConnector(connectorId);
  let resolved: ResolvedCredentials | null = null;
  let credentialError: unknown = null;
  try {
    resolved = await deps.credentials.get(connectorId);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    credentialError = error;
  }
  // Checked before taking the lease (the common case costs no write) and again after it, in case
  // a poll that just finished rejected these very credentials.
  if (resolved !== null && shouldSkipPoll(existing, resolved.fingerprint)) return { open: false, result: skippedResult(run, existing, log) };

  try {
    const remainingAtStart = deps.remainingTimeMs?.();
    const lease = {
      connectorId,
      app,
      owner: runId,
      holder: deps.holder ?? null,
      now: run.startedAt,
      nowMs: run.startedAtMs,
      leaseMs:
        remainingAtStart === undefined
          ? settings.leaseMs
          : Math.max(0, Math.min(settings.leaseMs, remainingAtStart + settings.leaseMarginMs)),
    };
    let previousState: ConnectorState | null;
    try {
      previousState = await deps.store.acquireLease(lease);
    } catch (error) {
      // A lease whose holder is provably gone (a killed process on this host) is free at once.
      if (!(error instanceof LeaseBusyError) || error.lease === null || !holderIsGone(error.lease, deps.leaseProbe)) throw error;
      log.warn('lease of a poll that is gone taken over', { connectorId, runId, staleOwner: error.lease.owner });
      previousState = await deps.store.acquireLease({ ...lease, takeOverFrom: error.lease.owner });
    }
    // A poll that died holding the lease may have died between writes: check identities again.
    const identitiesVerified = previousState !== null && previousState.identitiesVerified && previousState.leaseOwner === null;
    const before = stateBeforeSync(previousState, connectorId, app, run.startedAt);
    if (resolved !== null && shouldSkipPoll(before, resolved.fingerprint)) {
      await deps.store.finishSync(before, runId);
      return { open: false, result: skippedResult(run, before, log) };
    }
    return { open: true, before, identitiesVerified, resolved, credentialError };
  } catch (error) {
    if (!(error instanceof LeaseBusyError)) throw error;
    return { open: false, result: busyResult(run, existing, error, log) };
  }
}

/** A row left SYNCING by a poll that died (its lease expired) counts as the status it had before. */
function stateBeforeSync(previous: ConnectorState | null, connectorId: string, app: AppName, now: string): ConnectorState {
  if (previous === null) return initialState(connectorId, app, now);
  if (previous.status !== 'SYNCING') return previous;
  return { ...previous, status: previous.previousStatus ?? 'ERROR', previousStatus: null };
}
