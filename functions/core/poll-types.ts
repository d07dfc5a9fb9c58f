/** What a poll takes and what it answers: shared by the poll's modules and its callers. */
import type {
  Clock,
  Connector,
  ConnectorCredentials,
  CredentialSource,
  EventSink,
  LeaseHolderProbe,
  Logger,
  PollProgress,
  SyncStore,
} from './ports.ts';
import type { ExitCode } from './errors.ts';
import type { PollSettings } from './poll-settings.ts';
import type { AppName, ConnectorStatus, LeaseHolder, SyncCounts, SyncOutcome } from './types.ts';

/** The store a poll writes through: what a sync needs, no reader queries. */
export type PollStore = SyncStore;

export interface PollDependencies {
  readonly store: PollStore;
  readonly events: EventSink;
  readonly credentials: CredentialSource;
  readonly createConnector: (credentials: ConnectorCredentials) => Connector;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings?: Partial<PollSettings>;
  /** Listing pages as they arrive, then accounts diffed and written of those listed. */
  readonly onProgress?: (progress: PollProgress) => void;
  readonly newRunId?: () => string;
  /**
   * Time left in this invocation (Lambda's `getRemainingTimeInMillis`). Without it there is no
   * deadline and a listing always runs to its end.
   */
  readonly remainingTimeMs?: () => number;
  /** Stored with the lease: where this poll runs (host and pid, or the Lambda request). */
  readonly holder?: LeaseHolder;
  /** Proves a lease's holder gone (a dead pid on this host): its lease is then taken over at once. */
  readonly leaseProbe?: LeaseHolderProbe;
  /**
   * Aborted on SIGINT/SIGTERM: the listing stops, nothing more is written after the slice in
   * progress, nothing is removed, and the run ends `interrupted` with the lease released.
   */
  readonly signal?: AbortSignal;
}

export interface PollRequest {
  readonly connectorId: string;
  readonly app: AppName;
}

export interface PollResult {
  readonly connectorId: string;
  readonly app: AppName;
  readonly runId: string;
  readonly status: ConnectorStatus;
  readonly outcome: SyncOutcome;
  readonly durationMs: number;
  readonly counts: SyncCounts;
  readonly anomalies: readonly string[];
  /** Invalid records by id and reason (never their content). */
  readonly invalid: readonly { id: string | null; reason: string }[];
  readonly error: string | null;
  readonly events: number;
  /** Listing pages fetched by this invocation (0 when the API was not listed). */
  readonly pages: number;
  /**
   * design.md section 7: 0 completed, 3 RECONNECT_REQUIRED, 4 transient (and busy, and interrupted:
   * the CLI reports an interruption by its signal instead), 1 anything else.
   */
  readonly exitCode: ExitCode;
}

/** One run of a poll: who, since when. */
export interface RunContext {
  readonly connectorId: string;
  readonly app: AppName;
  readonly runId: string;
  readonly startedAt: string;
  readonly startedAtMs: number;
  /** Milliseconds since the start, by the injected clock. */
  readonly elapsed: () => number;
}
