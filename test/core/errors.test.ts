import { describe, expect, it } from 'vitest';
import {
  AuthError,
  classifyError,
  ConfigError,
  ContractError,
  LeaseBusyError,
  outcomeExitCode,
  PermissionError,
  PollFailedError,
  safeMessage,
  TransientError,
} from '../../functions/core/errors.ts';

describe('classifyError', () => {
  it.each([
    [new AuthError('credentials rejected'), 'RECONNECT_REQUIRED', 3],
    [new PermissionError('API key lacks user.read'), 'RECONNECT_REQUIRED', 3],
    [new TransientError('429'), 'ERROR', 4],
    [new ContractError('bad page'), 'ERROR', 1],
    [new ConfigError('bad flag'), null, 2],
    [new LeaseBusyError('busy'), null, 4],
    [new PollFailedError('poll of connector x ended in ERROR'), 'ERROR', 1],
    [new Error('boom'), 'ERROR', 1],
  ])('maps %s to status %s and exit code %s', (error, status, exitCode) => {
    expect(classifyError(error)).toMatchObject({ status, exitCode });
  });

  it('keeps the retry-after hint and the cause of a transient error', () => {
    const cause = new Error('socket hang up');
    const error = new TransientError('network error', { cause, retryAfterSeconds: 30 });
    expect(error).toMatchObject({ name: 'TransientError', retryAfterSeconds: 30, cause });
  });

  it('never passes on the message of a foreign error, which may hold a payload', () => {
    expect(safeMessage(new TypeError('token=abc123 leaked'))).toBe('TypeError: unexpected failure');
    expect(safeMessage(new ConfigError('TORQ_CLIENT_ID is not set'))).toBe('TORQ_CLIENT_ID is not set');
    expect(safeMessage('string')).toBe('unexpected failure');
  });
});

describe('outcomeExitCode', () => {
  it.each([
    ['completed', {}, 0],
    ['partial', {}, 0],
    ['skipped', {}, 3],
    ['reconnect-required', {}, 3],
    ['busy', {}, 4],
    ['interrupted', {}, 4],
    ['transient-error', {}, 4],
  ] as const)('derives the exit code of a %s poll from the taxonomy', (outcome, details, code) => {
    expect(outcomeExitCode(outcome, details)).toBe(code);
  });

  it('makes an empty completed listing "anything else", and a failed poll its failure\'s code', () => {
    expect(outcomeExitCode('completed', { emptyListing: true })).toBe(1);
    expect(outcomeExitCode('failed', { failure: new ContractError('bad page') })).toBe(1);
    expect(outcomeExitCode('failed', { failure: new ConfigError('bad config') })).toBe(2);
    expect(outcomeExitCode('failed', { failure: new Error('boom') })).toBe(1);
  });
});
