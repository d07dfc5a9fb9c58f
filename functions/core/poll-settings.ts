/** The knobs of one poll (design.md sections 4 and 5), with the defaults the stack and the CLI use. */
import { DEFAULT_LISTING_BOUNDS } from './listing.ts';

export interface PollSettings {
  /** Removals above this share of the active accounts are held as an anomaly (design.md section 4); also per group for revocations. */
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
  /** Accounts (and then access changes) diffed, published and written at a time (bounds a large first sync's memory). */
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
