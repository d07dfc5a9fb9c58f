/**
 * Connector status transitions (design.md section 5). Pure: each function takes the state as it
 * was and returns the state to write plus the status events the transition owes.
 */
import { classifyError, safeMessage } from './errors.ts';
import { makeEvent, type RollcallEvent } from './events.ts';
import { ZERO_COUNTS, type AppName, type ConnectorState, type ConnectorStatus, type SyncCounts } from './types.ts';

/**
 * While RECONNECT_REQUIRED, the same credentials are never tried again: only a new secret
 * version (a new fingerprint) or an explicit reconnect (which clears the fingerprint) lets a poll call the API.
 */
export function shouldSkipPoll(state: ConnectorState | null, fingerprint: string): boolean {
  return (
    state !== null &&
    state.status === 'RECONNECT_REQUIRED' &&
    state.rejectedFingerprint !== null &&
    state.rejectedFingerprint === fingerprint
  );
}

export function initialState(connectorId: string, app: AppName, now: string): ConnectorState {
  return {
    connectorId,
    app,
    status: 'CONNECTED',
    previousStatus: null,
    statusChangedAt: now,
    statusReason: null,
    lastSyncAt: null,
    lastSuccessAt: null,
    lastError: null,
    counts: ZERO_COUNTS,
    rejectedFingerprint: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    leaseHolder: null,
    identitiesVerified: false,
  };
}

export interface Transition {
  readonly state: ConnectorState;
  readonly events: RollcallEvent[];
}

function withStatus(
  before: ConnectorState,
  status: ConnectorStatus,
  now: string,
  patch: Partial<ConnectorState>,
): ConnectorState {
  return {
    ...before,
    ...patch,
    status,
    previousStatus: null,
    statusChangedAt: before.status === status ? before.statusChangedAt : now,
    leaseOwner: null,
    leaseExpiresAt: null,
    leaseHolder: null,
  };
}

function recoveredEvents(before: ConnectorState, now: string): RollcallEvent[] {
  if (before.status !== 'RECONNECT_REQUIRED') return [];
  return [
    makeEvent(
      'ConnectorRecovered',
      { connectorId: before.connectorId, app: before.app, time: now },
      [before.statusChangedAt, before.rejectedFingerprint],
      { previousReason: before.statusReason },
    ),
  ];
}

/**
 * `before` is the state before the sync started (not the SYNCING row). A listing that returned
 * nothing proves the credentials but is no successful sync: `lastSuccessAt` stays where it was.
 */
export function afterSuccess(before: ConnectorState, now: string, counts: SyncCounts, emptyListing = false): Transition {
  const events = recoveredEvents(before, now);
  const state = withStatus(before, 'CONNECTED', now, {
    statusReason: emptyListing ? 'the last listing returned no accounts (anomaly; nothing removed)' : null,
    lastSyncAt: now,
    lastSuccessAt: emptyListing ? before.lastSuccessAt : now,
    lastError: null,
    counts,
    rejectedFingerprint: null,
  });
  return { state, events };
}

/**
 * Part of a listing done, the rest left for the next invocation: the credentials work (CONNECTED),
 * but the last complete sync, and its counts, are still the previous one.
 */
export function afterPartial(before: ConnectorState, now: string, pagesSoFar: number, pagesThisInvocation: number): Transition {
  // Time ran out before a single page came back: nothing proved these credentials, so a connector
  // awaiting reconnection (or in ERROR) keeps its status and reason, and nothing is announced.
  if (pagesThisInvocation === 0 && before.status !== 'CONNECTED') {
    return { state: withStatus(before, before.status, now, { lastSyncAt: now }), events: [] };
  }
  const events = recoveredEvents(before, now);
  const state = withStatus(before, 'CONNECTED', now, {
    statusReason: `listing in progress: ${pagesSoFar} pages so far, continuing in the next invocation`,
    lastSyncAt: now,
    lastError: null,
    rejectedFingerprint: null,
  });
  return { state, events };
}

/**
 * A failed sync. Auth and permission failures need a human: RECONNECT_REQUIRED, these
 * credentials remembered as rejected, one event on the transition. Any other failure is ERROR
 * and keeps the last good inventory and counts, except that a connector awaiting reconnection
 * stays RECONNECT_REQUIRED: new credentials are proven only by a successful sync (which then
 * emits ConnectorRecovered), and they are not marked rejected by a failure that is not theirs.
 */
export function afterFailure(
  before: ConnectorState,
  now: string,
  error: unknown,
  fingerprint: string | null,
): Transition {
  const classification = classifyError(error);
  const reason = safeMessage(error);
  const base = { connectorId: before.connectorId, app: before.app, time: now };
  if (classification.status === 'RECONNECT_REQUIRED') {
    const events =
      before.status === 'RECONNECT_REQUIRED'
        ? []
        : [
            makeEvent('ConnectorReconnectRequired', base, [before.statusChangedAt, fingerprint], {
              reason,
              previousStatus: before.status,
            }),
          ];
    const state = withStatus(before, 'RECONNECT_REQUIRED', now, {
      statusReason: reason,
      lastSyncAt: now,
      lastError: reason,
      rejectedFingerprint: fingerprint,
    });
    return { state, events };
  }
  if (before.status === 'RECONNECT_REQUIRED') {
    return { state: withStatus(before, 'RECONNECT_REQUIRED', now, { lastSyncAt: now, lastError: reason }), events: [] };
  }
  return {
    state: withStatus(before, 'ERROR', now, { statusReason: reason, lastSyncAt: now, lastError: reason }),
    events: [],
  };
}

/** `rollcall reconnect`: forget the rejected credentials so the next poll tries again. */
export function requestReconnect(before: ConnectorState, now: string): ConnectorState {
  return {
    ...before,
    rejectedFingerprint: null,
    statusReason: before.status === 'RECONNECT_REQUIRED' ? `reconnect requested at ${now}` : before.statusReason,
  };
}
