/**
 * One poll of one connector (design.md section 2): the single path both the Lambda handler and
 * the `rollcall poll` command run. Classified failures are results, not exceptions; only a
 * failure to record the outcome itself (store or event sink down) throws.
 */
import { randomUUID } from 'node:crypto';
import { emailsToLookUp, InventoryDiff, type DiffSlice } from './diff.ts';
import { heldEmails, repairIdentities } from './identity-repair.ts';
import { describeLease, holderIsGone } from './lease.ts';
import { AuthError, classifyError, ConfigError, LeaseBusyError, safeMessage } from './errors.ts';
import { makeEvent, type RollcallEvent } from './events.ts';
import { collectListing, DEFAULT_LISTING_BOUNDS } from './listing.ts';
import { ContractError } from './errors.ts';
import type {
  Clock,
  Connector,
  ConnectorCredentials,
  CredentialSource,
  EventSink,
  InventoryStore,
  LeaseHolderProbe,
  ListingCheckpoint,
  Logger,
  PollProgress,
  ResolvedCredentials,
} from './ports.ts';
import { afterFailure, afterPartial, afterSuccess, initialState, shouldSkipPoll } from './status.ts';
import {
  ZERO_COUNTS,
  type AppName,
  type ConnectorState,
  type ConnectorStatus,
  type LeaseHolder,
  type SyncCounts,
  type SyncOutcome,
  type SyncRun,
} from './types.ts';

export interface PollSettings {
  /** Removals above this share of the active accounts are held as an anomaly (design.md section 4). */
  readonly maxRemovalShare: number;
  /**
   * How long a lease protects a running poll without a time budget (the CLI); longer than the
   * longest poll. With a budget the lease ends `leaseMarginMs` after the budget does.
   */
  readonly leaseMs: number;
  /**
   * With a time budget: the lease outlives the invocation by this much only, so an invocation
   * killed at its timeout blocks the next poll for no longer than that. It covers the difference
   * between the clocks of the hosts that compare lease times.
   */
  readonly leaseMarginMs: number;
  /**
   * With a time budget: stop between write slices when less than this is left, and end the run
   * `interrupted`, releasing the lease before the invocation is killed.
   */
  readonly releaseReserveMs: number;
  readonly maxPagesPerStream: number;
  /** With a time budget: stop listing when less than this is left, to write what was found and a checkpoint. */
  readonly reserveMs: number;
  /** An older checkpoint is dropped and the listing starts over (page tokens do not live forever). */
  readonly checkpointMaxAgeMs: number;
  /** Accounts diffed, published and written at a time (bounds a large first sync's memory). */
  readonly sliceSize: number;
  /**
   * With `maxPagesPerStream`, the bounds of a listing (see `DEFAULT_LISTING_BOUNDS`): reaching one
   * fails the sync with a message naming it.
   */
  readonly maxRecordsHeld: number;
  readonly maxListingMs: number;
}

export const DEFAULT_POLL_SETTINGS: PollSettings = {
  maxRemovalShare: 0.5,
  leaseMs: 16 * 60 * 1000,
  leaseMarginMs: 10_000,
  releaseReserveMs: 15_000,
  maxPagesPerStream: 10_000,
  reserveMs: 120_000,
  checkpointMaxAgeMs: 6 * 60 * 60 * 1000,
  sliceSize: 2_000,
  maxRecordsHeld: DEFAULT_LISTING_BOUNDS.maxRecordsHeld,
  maxListingMs: DEFAULT_LISTING_BOUNDS.maxListingMs,
};

export interface PollDependencies {
  readonly store: InventoryStore;
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
  readonly exitCode: 0 | 1 | 2 | 3 | 4;
}

export async function pollConnector(deps: PollDependencies, request: PollRequest): Promise<PollResult> {
  const settings = { ...DEFAULT_POLL_SETTINGS, ...deps.settings };
  const { connectorId, app } = request;
  const startedAtMs = deps.clock.now().getTime();
  const startedAt = new Date(startedAtMs).toISOString();
  const runId = deps.newRunId?.() ?? randomUUID();
  const log = deps.logger;
  const elapsed = () => Math.max(0, deps.clock.now().getTime() - startedAtMs);
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

  const skipped = (state: ConnectorState | null): PollResult => {
    log.warn('poll skipped: credentials already rejected', { connectorId, runId });
    return {
      connectorId,
      app,
      runId,
      status: 'RECONNECT_REQUIRED',
      outcome: 'skipped',
      durationMs: elapsed(),
      counts: unchangedCounts(state),
      anomalies: [],
      invalid: [],
      error: state?.statusReason ?? 'credentials rejected',
      events: 0,
      pages: 0,
      exitCode: 3,
    };
  };
  // Checked before taking the lease (the common case costs no write) and again after it, in case
  // a poll that just finished rejected these very credentials.
  if (resolved !== null && shouldSkipPoll(existing, resolved.fingerprint)) return skipped(existing);

  const owner = runId;
  let before: ConnectorState;
  /** Whether every stored account's person has an identity record (else this poll checks). */
  let identitiesVerified: boolean;
  try {
    const remainingAtStart = deps.remainingTimeMs?.();
    const lease = {
      connectorId,
      app,
      owner,
      holder: deps.holder ?? null,
      now: startedAt,
      nowMs: startedAtMs,
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
    identitiesVerified = previousState !== null && previousState.identitiesVerified && previousState.leaseOwner === null;
    before = stateBeforeSync(previousState, connectorId, app, startedAt);
    if (resolved !== null && shouldSkipPoll(before, resolved.fingerprint)) {
      await deps.store.finishSync(before, owner);
      return skipped(before);
    }
  } catch (error) {
    if (!(error instanceof LeaseBusyError)) throw error;
    log.warn('poll not started: another poll holds the lease', {
      connectorId,
      runId,
      lease: error.lease === null ? null : describeLease(error.lease),
    });
    return {
      connectorId,
      app,
      runId,
      status: existing?.status ?? 'SYNCING',
      outcome: 'busy',
      durationMs: elapsed(),
      counts: unchangedCounts(existing),
      anomalies: [],
      invalid: [],
      error: error.message,
      events: 0,
      pages: 0,
      exitCode: 4,
    };
  }

  /** Everything done under the lease; a throw here leaves the inventory as the next poll will find it. */
  const sync = async (): Promise<PollResult> => {
    const finish = async (
      state: ConnectorState,
      eventCount: number,
      outcome: SyncOutcome,
      details: { counts: SyncCounts; anomalies: string[]; invalid: PollResult['invalid']; error: string | null; pages: number },
      exitCode: PollResult['exitCode'],
    ): Promise<PollResult> => {
      const finishedAt = deps.clock.now().toISOString();
      const durationMs = elapsed();
      await deps.store.finishSync({ ...state, identitiesVerified }, owner);
      const run: SyncRun = {
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
      await deps.store.recordRun(run);
      log.info('poll finished', {
        connectorId,
        runId,
        outcome,
        status: state.status,
        durationMs,
        events: eventCount,
        ...details.counts,
      });
      const { pages, ...rest } = details;
      return { connectorId, app, runId, status: state.status, outcome, durationMs, ...rest, events: eventCount, pages, exitCode };
    };

    const fail = async (error: unknown): Promise<PollResult> => {
      const classification = classifyError(error);
      log[classification.logLevel]('poll failed', { connectorId, runId, errorKind: classification.kind });
      const transition = afterFailure(before, deps.clock.now().toISOString(), error, resolved?.fingerprint ?? null);
      await deps.events.publish(transition.events);
      // A listing the API answered wrongly (or whose page token it no longer accepts) starts over next time.
      if (error instanceof ContractError) await deps.store.clearCheckpoint(connectorId);
      const outcome: SyncOutcome =
        transition.state.status === 'RECONNECT_REQUIRED'
          ? 'reconnect-required'
          : classification.kind === 'transient'
            ? 'transient-error'
            : 'failed';
      return finish(
        transition.state,
        transition.events.length,
        outcome,
        { counts: unchangedCounts(before), anomalies: [], invalid: [], error: safeMessage(error), pages: 0 },
        transition.state.status === 'RECONNECT_REQUIRED' ? 3 : classification.exitCode,
      );
    };

    /** Stopped on request or at the end of the time budget: what was written stays, nothing is removed. */
    const interrupted = (reason: string, eventCount: number, pages: number): Promise<PollResult> => {
      log.info('poll interrupted: lease released, nothing removed', { connectorId, runId, reason, events: eventCount });
      return finish(
        before,
        eventCount,
        'interrupted',
        { counts: unchangedCounts(before), anomalies: [], invalid: [], error: `interrupted (${reason})`, pages },
        4,
      );
    };
    const signal = deps.signal;
    const interruption = (): string | null => {
      if (signal?.aborted === true) return typeof signal.reason === 'string' ? signal.reason : 'stop requested';
      if (remaining !== undefined && remaining() < settings.releaseReserveMs) return 'time budget ended';
      return null;
    };
    const remaining = deps.remainingTimeMs;

    if (resolved === null) {
      // Without usable credentials a person has to act, exactly as when they are rejected.
      return fail(new AuthError(`credentials unavailable: ${safeMessage(credentialError)}`, { cause: credentialError }));
    }

    let connector: Connector;
    try {
      connector = deps.createConnector(resolved.credentials);
    } catch (error) {
      return fail(error);
    }

    // The stored accounts load while the API pages arrive, so store reads cost no wall time.
    const previousLoad = deps.store.loadAccounts(connectorId);
    previousLoad.catch(() => undefined);
    const storedCheckpoint = await deps.store.loadCheckpoint(connectorId);
    const checkpoint = usableCheckpoint(storedCheckpoint, startedAtMs, settings.checkpointMaxAgeMs);
    // What the last complete listing left tells the connector how long each stream will be (a
    // resumed listing is partly done, and is paced without it).
    if (checkpoint === null && connector.expectListing) {
      // A pacing hint only: if it fails, the listing is merely paced without it.
      previousLoad.then((held) => connector.expectListing?.(held)).catch(() => undefined);
    }
    let listing;
    try {
      const listed = collectListing(connector, {
        maxPagesPerStream: settings.maxPagesPerStream,
        ...(deps.onProgress ? { onProgress: (p) => deps.onProgress?.({ phase: 'listing', ...p }) } : {}),
        ...(checkpoint ? { resumeFrom: checkpoint.streams } : {}),
        shouldStop: () => signal?.aborted === true || (remaining !== undefined && remaining() < settings.reserveMs),
        maxRecordsHeld: settings.maxRecordsHeld,
        maxListingMs: settings.maxListingMs,
        clock: deps.clock,
      });
      // An interruption does not wait for a page in flight (or a rate-limit wait): the listing is dropped.
      listing = await untilAborted(listed, signal);
    } catch (error) {
      return fail(error);
    }
    if (listing === null || signal?.aborted === true) {
      previousLoad.catch(() => undefined);
      return interrupted(interruption() ?? 'stop requested', 0, listing?.pages ?? 0);
    }
    const previous = await previousLoad;
    log.debug('listing done', {
      connectorId,
      runId,
      complete: listing.complete,
      resumed: checkpoint !== null,
      pages: listing.pages,
      accounts: listing.accounts.length,
      invalid: listing.invalid.length,
      duplicates: listing.duplicates,
      stored: previous.length,
    });

    let published = 0;
    if (!identitiesVerified) {
      // Events before writes, as for every slice below.
      const known = await deps.store.findKnownIdentities(heldEmails(previous));
      const repair = repairIdentities({ connectorId, app, now: deps.clock.now().toISOString(), previous, known });
      if (repair.repaired > 0) {
        await deps.events.publish(repair.events);
        published += repair.events.length;
        await deps.store.applyWrites(connectorId, repair.writes);
        log.warn('identity records repaired', { connectorId, runId, identities: repair.repaired });
      }
      identitiesVerified = true;
    }

    const seenEarlier = new Set(checkpoint?.seenIds ?? []);
    const knownEmails = await deps.store.findKnownIdentities(emailsToLookUp(previous, listing.accounts));
    const now = deps.clock.now().toISOString();
    const diff = new InventoryDiff({
      connectorId,
      app,
      runId,
      now,
      previous,
      listing,
      knownEmails,
      maxRemovalShare: settings.maxRemovalShare,
      complete: listing.complete,
      seenEarlier,
      unidentifiedEarlier: checkpoint?.unidentified ?? 0,
    });
    for (const record of listing.invalid) {
      log.warn('invalid record skipped', { connectorId, runId, accountId: record.id, reason: record.reason });
    }
    if (listing.repeatedRecords > 0) {
      log.warn('ids repeated within a listing stream', { connectorId, runId, records: listing.repeatedRecords, ids: listing.repeatedIds.length });
    }

    // Each slice's events go out before its writes: if the writes never happen, the next poll finds
    // the same changes and publishes the same ids again; nothing is lost. Slicing keeps a first
    // sync of a large workspace from holding every event and item at once.
    const publishThenWrite = async (part: DiffSlice, extraEvents: readonly RollcallEvent[] = []) => {
      const events = extraEvents.length === 0 ? part.events : [...part.events, ...extraEvents];
      await deps.events.publish(events);
      published += events.length;
      await deps.store.applyWrites(connectorId, part.writes);
    };
    const toWrite = listing.accounts.length;
    deps.onProgress?.({ phase: 'writing', written: 0, total: toWrite });
    for (let start = 0; start < toWrite; start += settings.sliceSize) {
      const reason = interruption();
      if (reason !== null) return interrupted(reason, published, listing.pages);
      await publishThenWrite(diff.slice(listing.accounts.slice(start, start + settings.sliceSize)));
      deps.onProgress?.({ phase: 'writing', written: Math.min(start + settings.sliceSize, toWrite), total: toWrite });
    }
    const reason = interruption();
    if (reason !== null) return interrupted(reason, published, listing.pages);
    const rest = diff.finish();
    const counts = checkpoint ? addCounts(checkpoint.counts, diff.counts) : diff.counts;
    const details = { counts, anomalies: rest.anomalies, invalid: listing.invalid, error: null, pages: listing.pages };

    if (!listing.complete) {
      const pagesSoFar = Object.values(listing.streams).reduce((sum, stream) => sum + stream.pages, 0);
      const transition = afterPartial(before, now, pagesSoFar, listing.pages);
      await publishThenWrite(rest, transition.events);
      await deps.store.saveCheckpoint({
        connectorId,
        listingId: checkpoint?.listingId ?? runId,
        startedAt: checkpoint?.startedAt ?? startedAt,
        streams: listing.streams,
        seenIds: [...seenEarlier, ...listing.accounts.map((a) => a.id), ...listing.invalid.flatMap((r) => (r.id === null ? [] : [r.id]))],
        counts,
        unidentified: (checkpoint?.unidentified ?? 0) + rest.unidentified,
        invocations: (checkpoint?.invocations ?? 0) + 1,
      });
      return finish(transition.state, published, 'partial', details, 0);
    }

    const transition = afterSuccess(before, now, counts, rest.anomalies.includes('EMPTY_LISTING'));
    const completed = makeEvent('SyncCompleted', { connectorId, app, time: now }, [runId], { runId, durationMs: elapsed(), counts });
    await publishThenWrite(rest, [...transition.events, completed]);
    if (storedCheckpoint !== null) await deps.store.clearCheckpoint(connectorId);
    // An empty listing is recorded as completed (nothing went wrong on the wire) but is not a
    // successful sync (design.md section 3): exit 1, "anything else".
    return finish(transition.state, published, 'completed', details, rest.anomalies.includes('EMPTY_LISTING') ? 1 : 0);
  };

  try {
    return await sync();
  } catch (error) {
    // The outcome could not be recorded (store or event sink failing): still give the lease back,
    // so a retry need not wait for it to expire, then let the caller see the failure.
    try {
      const transition = afterFailure(before, deps.clock.now().toISOString(), error, resolved?.fingerprint ?? null);
      await deps.store.finishSync({ ...transition.state, identitiesVerified }, owner);
    } catch {
      log.warn('lease not released after a failed poll; it expires on its own', { connectorId, runId });
    }
    throw error;
  }
}

/** The listing, or `null` once the signal aborts first (the listing's own failure is then ignored). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T | null> {
  if (signal === undefined) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.resolve(null);
  }
  return new Promise<T | null>((resolve, reject) => {
    const onAbort = () => {
      work.catch(() => undefined);
      resolve(null);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** The counts of a poll that changed nothing: the active accounts as they were, no changes. */
function unchangedCounts(state: ConnectorState | null): SyncCounts {
  return { ...ZERO_COUNTS, total: state?.counts.total ?? 0 };
}

function usableCheckpoint(checkpoint: ListingCheckpoint | null, nowMs: number, maxAgeMs: number): ListingCheckpoint | null {
  if (checkpoint === null) return null;
  return nowMs - Date.parse(checkpoint.startedAt) > maxAgeMs ? null : checkpoint;
}

/** Changes add up across the invocations of one listing; `total` is always the latest. */
function addCounts(earlier: SyncCounts, latest: SyncCounts): SyncCounts {
  return {
    total: latest.total,
    new: earlier.new + latest.new,
    changed: earlier.changed + latest.changed,
    removed: earlier.removed + latest.removed,
    restored: earlier.restored + latest.restored,
    newUsers: earlier.newUsers + latest.newUsers,
    associations: earlier.associations + latest.associations,
    invalid: earlier.invalid + latest.invalid,
    accessGranted: earlier.accessGranted + latest.accessGranted,
    accessRevoked: earlier.accessRevoked + latest.accessRevoked,
  };
}

/** A row left SYNCING by a poll that died (its lease expired) counts as the status it had before. */
function stateBeforeSync(
  previous: ConnectorState | null,
  connectorId: string,
  app: AppName,
  now: string,
): ConnectorState {
  if (previous === null) return initialState(connectorId, app, now);
  if (previous.status !== 'SYNCING') return previous;
  return { ...previous, status: previous.previousStatus ?? 'ERROR', previousStatus: null };
}
