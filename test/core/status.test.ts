import { describe, expect, it } from 'vitest';
import { AuthError, ConfigError, TransientError } from '../../functions/core/errors.ts';
import { afterFailure, afterPartial, afterSuccess, initialState, shouldSkipPoll } from '../../functions/core/status.ts';
import { ZERO_COUNTS, type ConnectorState } from '../../functions/core/types.ts';

const T0 = '2026-11-01T00:00:00.000Z';
const T1 = '2026-11-01T01:00:00.000Z';
const T2 = '2026-11-01T02:00:00.000Z';

const connected: ConnectorState = { ...initialState('c1', 'torq', T0), lastSuccessAt: T0 };
const awaitingReconnect: ConnectorState = afterFailure(connected, T1, new AuthError('credentials rejected'), 'fp-1').state;

describe('connector status transitions', () => {
  it('asks for reconnect once, remembering the rejected credentials by fingerprint', () => {
    expect(awaitingReconnect).toMatchObject({ status: 'RECONNECT_REQUIRED', rejectedFingerprint: 'fp-1', statusReason: 'credentials rejected' });
    expect(shouldSkipPoll(awaitingReconnect, 'fp-1')).toBe(true);
    expect(shouldSkipPoll(awaitingReconnect, 'fp-2')).toBe(false);
    const again = afterFailure(awaitingReconnect, T2, new AuthError('credentials rejected'), 'fp-2');
    expect(again.events).toEqual([]);
    expect(again.state).toMatchObject({ status: 'RECONNECT_REQUIRED', rejectedFingerprint: 'fp-2', statusChangedAt: T1 });
  });

  it('turns a configuration failure of a working connector into ERROR, not a silent success', () => {
    const { state, events } = afterFailure(connected, T1, new ConfigError('GET /users answered HTTP 404'), 'fp-1');
    expect(state).toMatchObject({ status: 'ERROR', rejectedFingerprint: null, lastError: 'GET /users answered HTTP 404' });
    expect(events).toEqual([]);
  });

  it('keeps a connector awaiting reconnection there when new credentials meet a failure that is not theirs', () => {
    for (const error of [new TransientError('GET /users answered HTTP 503'), new ConfigError('GET /users answered HTTP 404')]) {
      const { state, events } = afterFailure(awaitingReconnect, T2, error, 'fp-2');
      expect(events).toEqual([]);
      // fp-1 stays the rejected one: the new credentials (fp-2) are tried again on the next poll.
      expect(state).toMatchObject({ status: 'RECONNECT_REQUIRED', rejectedFingerprint: 'fp-1', statusReason: 'credentials rejected', lastError: error.message });
      expect(shouldSkipPoll(state, 'fp-2')).toBe(false);
      const recovered = afterSuccess(state, T2, ZERO_COUNTS);
      expect(recovered.events.map((event) => event.detailType)).toEqual(['ConnectorRecovered']);
      expect(recovered.state).toMatchObject({ status: 'CONNECTED', rejectedFingerprint: null, lastSuccessAt: T2 });
    }
  });

  it('recovers on a partial listing only when this invocation fetched a page', () => {
    const none = afterPartial(awaitingReconnect, T2, 0, 0);
    expect(none.events).toEqual([]);
    expect(none.state).toMatchObject({ status: 'RECONNECT_REQUIRED', rejectedFingerprint: 'fp-1', statusReason: 'credentials rejected', statusChangedAt: T1 });
    const some = afterPartial(awaitingReconnect, T2, 3, 3);
    expect(some.events.map((event) => event.detailType)).toEqual(['ConnectorRecovered']);
    expect(some.state).toMatchObject({ status: 'CONNECTED', rejectedFingerprint: null });
  });
});
