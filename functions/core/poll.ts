/**
 * One poll of one connector (design.md section 2): the single path both the Lambda handler and
 * the `rollcall poll` command run. Classified failures are results, not exceptions; only a
 * failure to record the outcome itself (store or event sink down) throws.
 *
 * The gate (`poll-gate.ts`) reads the credentials and takes the lease; the sync below lists,
 * diffs and writes; `poll-checkpoint.ts` carries a listing across invocations; `poll-result.ts`
 * records how the run ended.
 */
import { randomUUID } from 'node:crypto';
import { accessSlice, emailsToLookUp, InventoryDiff, type DiffSlice } from './diff.ts';
import { AuthError, classifyError, ContractError, outcomeExitCode, safeMessage } from './errors.ts';
import { makeEvent, type RollcallEvent } from './events.ts';
import type { GroupInventory } from './group-diff.ts';
import { heldEmails, repairIdentities } from './identity-repair.ts';
import { collectListing, type CollectedListing } from './listing.ts';
import type { Connector } from './ports.ts';
import { addCounts, earlierListing, nextCheckpoint, usableCheckpoint } from './poll-checkpoint.ts';
import { passGate } from './poll-gate.ts';
import { finishRun, unchangedCounts, type RunDetails } from './poll-result.ts';
import { DEFAULT_POLL_SETTINGS, type PollSettings } from './poll-settings.ts';
import type { PollDependencies, PollRequest, PollResult, PollStore, RunContext } from './poll-types.ts';
import { afterFailure, afterPartial, afterSuccess } from './status.ts';
import type { ConnectorState, SyncOutcome } from './types.ts';

export { DEFAULT_POLL_SETTINGS, type PollSettings } from './poll-settings.ts';
export type { PollDependencies, PollRequest, PollResult, PollStore } from './poll-types.ts';

export async function pollConnector(deps: PollDependencies, request: PollRequest): Promise<PollResult> {
  const settings = { ...DEFAULT_POLL_SETTINGS, ...deps.settings };
  const startedAtMs = deps.clock.now().getTime();
  const run: RunContext = {
    connectorId: request.connectorId,
    app: request.app,
    runId: deps.newRunId?.() ?? randomUUID(),
    startedAt: new Date(startedAtMs).toISOString(),
    startedAtMs,
    elapsed: () => Math.max(0, deps.clock.now().getTime() - startedAtMs),
  };
  const gate = await passGate(deps, settings, run);
  if (!gate.open) return gate.result;
  const sync = new Sync(deps, settings, run, gate.before, gate.identitiesVerified, gate.resolved?.fingerprint ?? null);
  try {
    if (gate.resolved === null) {
      // Without usable credentials a person has to act, exactly as when they are rejected.
      return await sync.fail(new AuthError(`credentials unavailable: ${safeMessage(gate.credentialError)}`, { cause: gate.credentialError }));
    }
    return await sync.run(gate.resolved.credentials);
  } catch (error) {
    // The outcome could not be recorded (store or event sink failing): still give the lease back,
    // so a retry need not wait for it to expire, then let the caller see the failure.
    try {
      const transition = afterFailure(gate.before, deps.clock.now().toISOString(), error, gate.resolved?.fingerprint ?? null);
      await deps.store.finishSync({ ...transition.state, identitiesVerified: sync.identitiesVerified }, run.runId);
    } catch {
      deps.logger.warn('lease not released after a failed poll; it expires on its own', { connectorId: run.connectorId, runId: run.runId });
    }
    throw error;
  }
}

/** Everything done under the lease; a throw here leaves the inventory as the next poll will find it. */
class Sync {
  private published = 0;

  constructor(
    private readonly deps: PollDependencies,
    private readonly settings: PollSettings,
    private readonly ctx: RunContext,
    private readonly before: ConnectorState,
    /** Whether every stored account's person has an identity record (else this poll checks). */
    public identitiesVerified: boolean,
    private readonly fingerprint: string | null,
  ) {}

  private finish(state: ConnectorState, outcome: SyncOutcome, details: RunDetails, exitCode: PollResult['exitCode']): Promise<PollResult> {
    return finishRun(this.deps, this.ctx, this.ctx.runId, {
      state,
      identitiesVerified: this.identitiesVerified,
      events: this.published,
      outcome,
      details,
      exitCode,
    });
  }

  async fail(error: unknown): Promise<PollResult> {
    const { deps, ctx } = this;
    const classification = classifyError(error);
    deps.logger[classification.logLevel]('poll failed', { connectorId: ctx.connectorId, runId: ctx.runId, errorKind: classification.kind });
    const transition = afterFailure(this.before, deps.clock.now().toISOString(), error, this.fingerprint);
    await deps.events.publish(transition.events);
    this.published = transition.events.length;
    // A listing the API answered wrongly (or whose page token it no longer accepts) starts over next time.
    if (error instanceof ContractError) await deps.store.clearCheckpoint(ctx.connectorId);
    const outcome: SyncOutcome =
      transition.state.status === 'RECONNECT_REQUIRED'
        ? 'reconnect-required'
        : classification.kind === 'transient'
          ? 'transient-error'
          : 'failed';
    return this.finish(
      transition.state,
      outcome,
      { counts: unchangedCounts(this.before), anomalies: [], invalid: [], error: safeMessage(error), pages: 0 },
      outcomeExitCode(outcome, { failure: error }),
    );
  }

  /** Stopped on request or at the end of the time budget: what was written stays, nothing is removed. */
  private interrupted(reason: string, pages: number): Promise<PollResult> {
    const { connectorId, runId } = this.ctx;
    this.deps.logger.info('poll interrupted: lease released, nothing removed', { connectorId, runId, reason, events: this.published });
    return this.finish(
      this.before,
      'interrupted',
      { counts: unchangedCounts(this.before), anomalies: [], invalid: [], error: `interrupted (${reason})`, pages },
      outcomeExitCode('interrupted'),
    );
  }

  private interruption(): string | null {
    const signal = this.deps.signal;
    if (signal?.aborted === true) return typeof signal.reason === 'string' ? signal.reason : 'stop requested';
    const remaining = this.deps.remainingTimeMs;
    if (remaining !== undefined && remaining() < this.settings.releaseReserveMs) return 'time budget ended';
    return null;
  }

  /**
   * Each slice's events go out before its writes: if the writes never happen, the next poll finds
   * the same changes and publishes the same ids again; nothing is lost.
   */
  private async publishThenWrite(part: DiffSlice, extraEvents: readonly RollcallEvent[] = []): Promise<void> {
    const events = extraEvents.length === 0 ? part.events : [...part.events, ...extraEvents];
    await this.deps.events.publish(events);
    this.published += events.length;
    if (!writesNothing(part.writes)) await this.deps.store.applyWrites(this.ctx.connectorId, part.writes);
  }

  async run(credentials: Parameters<PollDependencies['createConnector']>[0]): Promise<PollResult> {
    const { deps, settings, ctx } = this;
    const { connectorId, app, runId } = ctx;
    const log = deps.logger;
    const signal = deps.signal;
    const remaining = deps.remainingTimeMs;

    let connector: Connector;
    try {
      connector = deps.createConnector(credentials);
    } catch (error) {
      return this.fail(error);
    }

    // The stored accounts (and groups) load while the API pages arrive, so store reads cost no wall time.
    const previousLoad = deps.store.loadAccounts(connectorId);
    previousLoad.catch(() => undefined);
    const groupsLoad = connector.listsGroups === true ? loadGroupInventory(deps.store, connectorId) : null;
    groupsLoad?.catch(() => undefined);
    const storedCheckpoint = await deps.store.loadCheckpoint(connectorId);
    const checkpoint = usableCheckpoint(storedCheckpoint, ctx.startedAtMs, settings.checkpointMaxAgeMs);
    // What the last complete listing left tells the connector how long each stream will be (a
    // resumed listing is partly done, and is paced without it).
    if (checkpoint === null && connector.expectListing) {
      // A pacing hint only: if it fails, the listing is merely paced without it.
      previousLoad.then((held) => connector.expectListing?.(held)).catch(() => undefined);
    }
    let listing: CollectedListing | null;
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
      return this.fail(error);
    }
    if (listing === null || signal?.aborted === true) return this.interrupted(this.interruption() ?? 'stop requested', listing?.pages ?? 0);
    const previous = await previousLoad;
    const groups = groupsLoad === null ? null : await groupsLoad;
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
      ...(groups === null ? {} : { groups: listing.groups.length, storedGroups: groups.groups.length, storedMemberships: groups.memberships.length }),
    });

    if (!this.identitiesVerified) {
      // Events before writes, as for every slice below.
      const known = await deps.store.findKnownIdentities(heldEmails(previous));
      const repair = repairIdentities({ connectorId, app, now: deps.clock.now().toISOString(), previous, known });
      if (repair.repaired > 0) {
        await this.publishThenWrite(repair);
        log.warn('identity records repaired', { connectorId, runId, identities: repair.repaired });
      }
      this.identitiesVerified = true;
    }

    const earlier = earlierListing(checkpoint);
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
      seenEarlier: earlier.seenIds,
      unidentifiedEarlier: earlier.unidentified,
      ...(groups === null
        ? {}
        : { groups: { previous: groups, seenGroupIdsEarlier: earlier.seenGroupIds, seenMembersEarlier: earlier.seenMembers } }),
    });
    for (const record of listing.invalid) {
      log.warn('invalid record skipped', { connectorId, runId, accountId: record.id, reason: record.reason });
    }
    if (listing.repeatedRecords > 0) {
      log.warn('ids repeated within a listing stream', { connectorId, runId, records: listing.repeatedRecords, ids: listing.repeatedIds.length });
    }
    for (const mismatch of listing.countMismatches) {
      log.warn('a listing stream disagrees with its reported total: nothing removed', { connectorId, runId, ...mismatch });
    }

    // Slicing keeps a first sync of a large workspace from holding every event and item at once.
    const toWrite = listing.accounts.length;
    deps.onProgress?.({ phase: 'writing', written: 0, total: toWrite });
    for (let start = 0; start < toWrite; start += settings.sliceSize) {
      const reason = this.interruption();
      if (reason !== null) return this.interrupted(reason, listing.pages);
      await this.publishThenWrite(diff.slice(listing.accounts.slice(start, start + settings.sliceSize)));
      deps.onProgress?.({ phase: 'writing', written: Math.min(start + settings.sliceSize, toWrite), total: toWrite });
    }
    const reason = this.interruption();
    if (reason !== null) return this.interrupted(reason, listing.pages);
    const rest = diff.finish();

    // Groups, then the memberships that name them and the accounts written above, then the rest
    // (removals of accounts and groups, after the revocations a group's removal brings).
    if (rest.groups.putGroups.length > 0) {
      await this.publishThenWrite({ writes: { putAccounts: [], removeAccounts: [], putIdentities: [], putGroups: rest.groups.putGroups }, events: [] });
    }
    for (let start = 0; start < rest.groups.access.length; start += settings.sliceSize) {
      const stop = this.interruption();
      if (stop !== null) return this.interrupted(stop, listing.pages);
      await this.publishThenWrite(accessSlice(rest.groups, start, start + settings.sliceSize));
    }

    const counts = checkpoint ? addCounts(checkpoint.counts, diff.counts) : diff.counts;
    const details: RunDetails = { counts, anomalies: rest.anomalies, invalid: listing.invalid, error: null, pages: listing.pages };

    if (!listing.complete) {
      const pagesSoFar = Object.values(listing.streams).reduce((sum, stream) => sum + stream.pages, 0);
      const transition = afterPartial(this.before, now, pagesSoFar, listing.pages);
      await this.publishThenWrite(rest, transition.events);
      await deps.store.saveCheckpoint(
        nextCheckpoint({
          connectorId,
          runId,
          startedAt: ctx.startedAt,
          previous: checkpoint,
          earlier,
          listing,
          counts,
          unidentified: rest.unidentified,
          listsGroups: groups !== null,
        }),
      );
      return this.finish(transition.state, 'partial', details, outcomeExitCode('partial'));
    }

    const emptyListing = rest.anomalies.includes('EMPTY_LISTING');
    const transition = afterSuccess(this.before, now, counts, emptyListing);
    const completed = makeEvent('SyncCompleted', { connectorId, app, time: now }, [runId], { runId, durationMs: ctx.elapsed(), counts });
    await this.publishThenWrite(rest, [...transition.events, completed]);
    if (storedCheckpoint !== null) await deps.store.clearCheckpoint(connectorId);
    // An empty listing is recorded as completed (nothing went wrong on the wire) but is not a
    // successful sync (design.md section 3): exit 1, "anything else".
    return this.finish(transition.state, 'completed', details, outcomeExitCode('completed', { emptyListing }));
  }
}

/** The connector's groups and memberships, for a connector that lists groups. */
async function loadGroupInventory(store: PollStore, connectorId: string): Promise<GroupInventory> {
  const [groups, memberships] = await Promise.all([store.loadGroups(connectorId), store.loadMemberships(connectorId)]);
  return { groups, memberships };
}

function writesNothing(writes: DiffSlice['writes']): boolean {
  return (
    writes.putAccounts.length === 0 &&
    writes.removeAccounts.length === 0 &&
    writes.putIdentities.length === 0 &&
    (writes.putGroups?.length ?? 0) === 0 &&
    (writes.removeGroups?.length ?? 0) === 0 &&
    (writes.putMemberships?.length ?? 0) === 0 &&
    (writes.revokeMemberships?.length ?? 0) === 0
  );
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

