/**
 * The targets of the "Scale and cost" issue, evaluated on measured figures only. Each target
 * yields PASS, FAIL, or n/a (the run did not measure what it needs, e.g. no 100,000-user size);
 * the benchmark exits non-zero when any is FAIL.
 */
import { requestKindOf } from '../../functions/adapters/dynamodb/client.ts';
import type { WorkspaceMeasurement } from './workspace-runner.ts';

export type TargetStatus = 'PASS' | 'FAIL' | 'n/a';

export interface TargetResult {
  readonly id: TargetId;
  readonly description: string;
  /** The workspace size it was checked at; `null` for a check across sizes. */
  readonly users: number | null;
  readonly value: number | null;
  readonly limit: number | null;
  readonly unit: string;
  readonly status: TargetStatus;
  /** How the value was obtained, in words. */
  readonly detail: string;
}

export type TargetId =
  | 'unchanged-poll-writes'
  | 'first-poll-writes'
  | 'poll-to-floor-ratio'
  | 'memory-under-limit'
  | 'memory-linear'
  | 'listing-concurrency'
  | 'table-render'
  | 'cli-help-startup'
  | 'pacing-to-floor-ratio'
  | 'twingate-requests-to-minimum'
  | 'twingate-unchanged-inventory-writes'
  | 'twingate-first-poll-inventory'
  | 'console-page-time'
  | 'console-no-scan';

export const TARGET_LIMITS = {
  /** Write requests of a poll that finds nothing changed (bookkeeping only). */
  unchangedPollWrites: 5,
  /** First poll: data write requests may exceed ceil(items / 25) by this share. */
  firstPollWriteSlack: 0.1,
  batchWriteItems: 25,
  /** Unchanged poll / floor, at the size below and above. */
  pollToFloorRatio: 1.3,
  ratioAtUsers: 100_000,
  memoryLimitMb: 300,
  memoryAtUsers: 100_000,
  /** Torq's listing streams: local and SSO users. */
  listingStreams: 2,
} as const;

export function evaluateTargets(sizes: readonly WorkspaceMeasurement[]): TargetResult[] {
  const results: TargetResult[] = [];
  for (const size of sizes) results.push(unchangedPollWrites(size), firstPollWrites(size));
  results.push(...ratioTargets(sizes));
  results.push(...memoryTargets(sizes));
  for (const size of sizes) results.push(listingConcurrency(size));
  return results;
}

function status(pass: boolean): TargetStatus {
  return pass ? 'PASS' : 'FAIL';
}

function unchangedPollWrites(size: WorkspaceMeasurement): TargetResult {
  const { dynamo, counts } = size.secondPoll;
  const unchanged = counts.new + counts.changed + counts.removed + counts.restored === 0;
  return {
    id: 'unchanged-poll-writes',
    description: 'unchanged workspace: DynamoDB write requests per poll',
    users: size.users,
    value: dynamo.writes,
    limit: TARGET_LIMITS.unchangedPollWrites,
    unit: 'requests',
    status: status(unchanged && dynamo.writes <= TARGET_LIMITS.unchangedPollWrites),
    detail: `${describeWrites(dynamo.byCommand)}${unchanged ? '' : '; the second poll found changes, so it was not unchanged'}`,
  };
}

/** Items the first poll wrote: every account is new, and each new person gets an identity item. */
export function firstPollItems(size: WorkspaceMeasurement): number {
  const { counts } = size.firstPoll;
  return counts.new + counts.restored + counts.changed + counts.newUsers;
}

function firstPollWrites(size: WorkspaceMeasurement): TargetResult {
  const items = firstPollItems(size);
  const minimum = Math.ceil(items / TARGET_LIMITS.batchWriteItems);
  // The unchanged poll's writes are the bookkeeping every poll does (lease, state, run record).
  const bookkeeping = size.secondPoll.dynamo.writes;
  const dataWrites = size.firstPoll.dynamo.writes - bookkeeping;
  const limit = Math.floor(minimum * (1 + TARGET_LIMITS.firstPollWriteSlack));
  return {
    id: 'first-poll-writes',
    description: 'first poll: data write requests within 10 % of ceil(items / 25)',
    users: size.users,
    value: dataWrites,
    limit,
    unit: 'requests',
    status: status(dataWrites <= limit),
    detail: `${size.firstPoll.dynamo.writes} write requests (${describeWrites(size.firstPoll.dynamo.byCommand)}) = ${dataWrites} for ${items} items (accounts + identities; minimum ${minimum}) + ${bookkeeping} bookkeeping`,
  };
}

function ratioTargets(sizes: readonly WorkspaceMeasurement[]): TargetResult[] {
  const description = `second (unchanged) poll / floor at ${TARGET_LIMITS.ratioAtUsers.toLocaleString('en-US')} users`;
  const checked = sizes.filter((size) => size.users >= TARGET_LIMITS.ratioAtUsers);
  if (checked.length === 0) {
    return [na('poll-to-floor-ratio', description, 'x', `needs a size of at least ${TARGET_LIMITS.ratioAtUsers} users (--users)`)];
  }
  return checked.map((size) => ({
    id: 'poll-to-floor-ratio',
    description,
    users: size.users,
    value: size.ratio,
    limit: TARGET_LIMITS.pollToFloorRatio,
    unit: 'x',
    status: status(size.ratio <= TARGET_LIMITS.pollToFloorRatio),
    detail: `poll ${seconds(size.secondPoll.wallMs)} / floor ${seconds(size.floor.wallMs)}, ${size.floor.pages} pages at ${size.latencyMs} ms latency`,
  }));
}

type PeakOf = (size: WorkspaceMeasurement) => number;
const MEMORY_PHASES: readonly { readonly name: string; readonly peak: PeakOf }[] = [
  { name: 'first poll', peak: (size) => size.memory.firstPollPeakRssMb },
  { name: 'unchanged poll', peak: (size) => size.memory.secondPollPeakRssMb },
];

function memoryTargets(sizes: readonly WorkspaceMeasurement[]): TargetResult[] {
  const results: TargetResult[] = [];
  for (const phase of MEMORY_PHASES) {
    const description = `${phase.name}: collector peak RSS at ${TARGET_LIMITS.memoryAtUsers.toLocaleString('en-US')} users`;
    const linearDescription = `${phase.name}: peak RSS grows at most linearly with users`;
    const checked = sizes.filter((size) => size.users >= TARGET_LIMITS.memoryAtUsers);
    if (checked.length === 0) {
      results.push(na('memory-under-limit', description, 'MB', `needs a size of at least ${TARGET_LIMITS.memoryAtUsers} users`));
    }
    for (const size of checked) {
      const peak = phase.peak(size);
      results.push({
        id: 'memory-under-limit',
        description,
        users: size.users,
        value: peak,
        limit: TARGET_LIMITS.memoryLimitMb,
        unit: 'MB',
        status: status(peak < TARGET_LIMITS.memoryLimitMb),
        detail: `fresh collector process, baseline ${size.memory.baselineRssMb} MB (code loaded, clients open)`,
      });
    }
    results.push(memoryLinear(sizes, phase.peak, linearDescription));
  }
  return results;
}

/** Marginal MB per 1,000 users between consecutive sizes (sorted by users). */
export function memorySlopes(sizes: readonly WorkspaceMeasurement[], peak: PeakOf): { fromUsers: number; toUsers: number; mbPer1kUsers: number }[] {
  const sorted = [...sizes].sort((a, b) => a.users - b.users);
  const slopes: { fromUsers: number; toUsers: number; mbPer1kUsers: number }[] = [];
  for (let index = 1; index < sorted.length; index++) {
    const from = sorted[index - 1] as WorkspaceMeasurement;
    const to = sorted[index] as WorkspaceMeasurement;
    if (to.users === from.users) continue;
    slopes.push({
      fromUsers: from.users,
      toUsers: to.users,
      mbPer1kUsers: Math.round(((peak(to) - peak(from)) / ((to.users - from.users) / 1000)) * 100) / 100,
    });
  }
  return slopes;
}

/**
 * Superlinear growth shows as a marginal cost per user that rises with size. Fixed costs make the
 * first interval's slope the steepest for linear growth, so the last interval must not exceed it.
 */
function memoryLinear(sizes: readonly WorkspaceMeasurement[], peak: PeakOf, description: string): TargetResult {
  const slopes = memorySlopes(sizes, peak);
  const first = slopes[0];
  const last = slopes[slopes.length - 1];
  if (first === undefined || last === undefined || slopes.length < 2) {
    return na('memory-linear', description, 'MB per 1k users', 'needs at least three sizes');
  }
  const detail = slopes.map((slope) => `${slope.fromUsers}->${slope.toUsers}: ${slope.mbPer1kUsers} MB per 1k users`).join('; ');
  return {
    id: 'memory-linear',
    description,
    users: null,
    value: last.mbPer1kUsers,
    limit: first.mbPer1kUsers,
    unit: 'MB per 1k users',
    status: status(last.mbPer1kUsers <= first.mbPer1kUsers),
    detail,
  };
}

function listingConcurrency(size: WorkspaceMeasurement): TargetResult {
  const polls = [size.firstPoll.http, size.secondPoll.http, size.floor.http];
  const rolesOnce = polls.every((http) => http.byRoute.roles === 1);
  const tokenOnce = polls.every((http) => http.byRoute.token === 1);
  const maxUsers = Math.max(...polls.map((http) => http.maxUsersInFlight));
  const maxAll = Math.max(...polls.map((http) => http.maxInFlight));
  const streamsOverlap = polls.every((http) => http.maxUsersInFlight === TARGET_LIMITS.listingStreams);
  return {
    id: 'listing-concurrency',
    description: 'local and SSO listings concurrently (bounded by the streams), roles and token once',
    users: size.users,
    value: maxUsers,
    limit: TARGET_LIMITS.listingStreams,
    unit: 'requests in flight',
    status: status(rolesOnce && tokenOnce && streamsOverlap && maxAll <= TARGET_LIMITS.listingStreams),
    detail: `per listing: roles ${polls.map((http) => http.byRoute.roles).join('/')}, token ${polls.map((http) => http.byRoute.token).join('/')} (first poll/second poll/floor); at most ${maxUsers} users requests and ${maxAll} requests in flight`,
  };
}

function na(id: TargetId, description: string, unit: string, detail: string): TargetResult {
  return { id, description, users: null, value: null, limit: null, unit, status: 'n/a', detail };
}

function describeWrites(byCommand: Readonly<Record<string, number>>): string {
  const parts = Object.entries(byCommand)
    .filter(([command]) => requestKindOf(command) === 'write')
    .map(([command, count]) => `${count} ${command}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
