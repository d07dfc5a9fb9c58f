/**
 * The closed set of errors the collector distinguishes (style.md section 5).
 * Each carries ids and a human message, never payloads, emails or secrets: structured loggers
 * serialise every enumerable field of an error.
 */
import type { ConnectorStatus, LeaseInfo, SyncOutcome } from './types.ts';

export abstract class RollcallError extends Error {
  abstract readonly kind: ErrorKind;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export type ErrorKind = 'auth' | 'permission' | 'transient' | 'contract' | 'config' | 'busy' | 'failed';

/** Credentials rejected (401 at the token endpoint, or 401 again right after a fresh token). */
export class AuthError extends RollcallError {
  readonly kind = 'auth' as const;
}

/** Credentials accepted but lacking a permission (403 on a data call). */
export class PermissionError extends RollcallError {
  readonly kind = 'permission' as const;
}

/** 429, 5xx, timeouts, network errors that persisted through retries. */
export class TransientError extends RollcallError {
  readonly kind = 'transient' as const;
  /** Seconds the upstream asked us to wait, when it said so. */
  readonly retryAfterSeconds: number | null;
  constructor(message: string, options?: ErrorOptions & { retryAfterSeconds?: number | null }) {
    super(message, options);
    this.retryAfterSeconds = options?.retryAfterSeconds ?? null;
  }
}

/** The upstream answered something other than what its contract documents (malformed page, looping tokens). */
export class ContractError extends RollcallError {
  readonly kind = 'contract' as const;
}

/** Bad flags, bad config, a secret of the wrong shape. */
export class ConfigError extends RollcallError {
  readonly kind = 'config' as const;
}

/** Another poll of the same connector holds the lease. */
export class LeaseBusyError extends RollcallError {
  readonly kind = 'busy' as const;
  /** The lease in the way, when it could be read: lets the caller free it if its holder is provably gone. */
  readonly lease: LeaseInfo | null;
  constructor(message: string, options?: ErrorOptions & { lease?: LeaseInfo | null }) {
    super(message, options);
    this.lease = options?.lease ?? null;
  }
}

/**
 * A poll that ended in ERROR for a reason that is not transient, or that could not record its
 * outcome (store or event sink failing): the Lambda invocation fails with it, so Lambda retries.
 */
export class PollFailedError extends RollcallError {
  readonly kind = 'failed' as const;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** CLI exit codes, design.md section 7. */
export type ExitCode = 0 | 1 | 2 | 3 | 4;

export interface ErrorClassification {
  readonly kind: ErrorKind | 'unknown';
  /** The connector status this failure leads to; `null` leaves the status as it is. */
  readonly status: ConnectorStatus | null;
  /** CLI exit code, design.md section 7. */
  readonly exitCode: Exclude<ExitCode, 0>;
  readonly logLevel: LogLevel;
}

/** One place that maps each kind of failure to a status, an exit code and a log level. */
const CLASSIFICATIONS: Readonly<Record<ErrorKind | 'unknown', ErrorClassification>> = {
  auth: { kind: 'auth', status: 'RECONNECT_REQUIRED', exitCode: 3, logLevel: 'warn' },
  permission: { kind: 'permission', status: 'RECONNECT_REQUIRED', exitCode: 3, logLevel: 'warn' },
  transient: { kind: 'transient', status: 'ERROR', exitCode: 4, logLevel: 'warn' },
  busy: { kind: 'busy', status: null, exitCode: 4, logLevel: 'warn' },
  contract: { kind: 'contract', status: 'ERROR', exitCode: 1, logLevel: 'error' },
  config: { kind: 'config', status: null, exitCode: 2, logLevel: 'error' },
  failed: { kind: 'failed', status: 'ERROR', exitCode: 1, logLevel: 'error' },
  unknown: { kind: 'unknown', status: 'ERROR', exitCode: 1, logLevel: 'error' },
};

export function classifyError(error: unknown): ErrorClassification {
  return CLASSIFICATIONS[error instanceof RollcallError ? error.kind : 'unknown'];
}

/**
 * The exit code of a poll that returned `outcome`, from the kind of failure the outcome stands
 * for: a skipped poll is one whose credentials were rejected, an interrupted one ended short of
 * time or on request (retry later), a `failed` one is its failure's. A completed listing that was
 * empty is "anything else" (1): nothing went wrong on the wire, but it is not a successful sync.
 */
export function outcomeExitCode(outcome: SyncOutcome, details: { emptyListing?: boolean; failure?: unknown } = {}): ExitCode {
  switch (outcome) {
    case 'completed':
      return details.emptyListing === true ? CLASSIFICATIONS.unknown.exitCode : 0;
    case 'partial':
      return 0;
    case 'skipped':
    case 'reconnect-required':
      return CLASSIFICATIONS.auth.exitCode;
    case 'busy':
      return CLASSIFICATIONS.busy.exitCode;
    case 'interrupted':
    case 'transient-error':
      return CLASSIFICATIONS.transient.exitCode;
    case 'failed':
      return classifyError(details.failure).exitCode;
  }
}

/** A message safe to log or store: only our own errors' messages are trusted to be free of payloads. */
export function safeMessage(error: unknown): string {
  if (error instanceof RollcallError) return error.message;
  if (error instanceof Error) return `${error.name}: unexpected failure`;
  return 'unexpected failure';
}
