/**
 * The benchmark's machinery on a tiny workspace (design.md section 10): real simulator, real
 * dynalite, real SDK clients, each phase in its own collector process as `npm run bench` runs it.
 * Asserts the report's shape and the request-count targets; never a wall-clock time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runBenchmark } from '../../bench/lib/benchmark.ts';
import type { BenchmarkReport } from '../../bench/lib/report.ts';
import { renderMarkdown, renderTables } from '../../bench/lib/report.ts';

const USERS = 200;
/** Enough pages for the pacing run to go through the limiter for a while: 20 users pages and the roles. */
const PACING_USERS = 2_000;

describe('benchmark on a 200-user workspace at zero latency', () => {
  let report: BenchmarkReport;

  beforeAll(async () => {
    report = await runBenchmark({ users: [USERS], latencyMs: 0, measureHandler: false, tableRows: [1_000], pacing: [PACING_USERS] });
  }, 60_000);

  it('measures both polls, the floor, CPU, memory and item sizes for the size', () => {
    expect(report.schema).toBe('rollcall-bench/1');
    expect(report.settings).toMatchObject({ users: [USERS], latencyMs: 0, requestsPerSecond: 50, pageSize: 100 });
    expect(report.sizes).toHaveLength(1);
    const [size] = report.sizes;
    expect(size).toMatchObject({
      users: USERS,
      firstPoll: { counts: { total: USERS, new: USERS, newUsers: USERS, changed: 0, removed: 0 } },
      secondPoll: { counts: { total: USERS, new: 0, newUsers: 0, changed: 0, removed: 0 }, events: 1 },
      floor: { accounts: USERS },
      items: { accounts: { count: USERS }, identities: { count: USERS } },
    });
    expect(size?.firstPoll.events).toBe(2 * USERS + 1);
    expect(size?.ratio).toBeGreaterThan(0);
    expect(size?.cpu.pollMsPer1kAccounts).toBeGreaterThan(0);
    expect(size?.memory.firstPollPeakRssMb).toBeGreaterThanOrEqual(size?.memory.baselineRssMb ?? Infinity);
    expect(size?.items.accounts.meanBytes).toBeGreaterThan(100);
  });

  it('counts DynamoDB requests from the SDK client: batches of 25 on the first poll, bookkeeping only after', () => {
    const [size] = report.sizes;
    // 200 accounts + 200 identities in batches of 25, plus the lease, the final state and the run record.
    expect(size?.firstPoll.dynamo.byCommand.BatchWriteItem).toBe(Math.ceil((2 * USERS) / 25));
    expect(size?.secondPoll.dynamo.byCommand.BatchWriteItem).toBeUndefined();
    expect(size?.secondPoll.dynamo.writes).toBeLessThanOrEqual(5);
    expect(size?.firstPoll.dynamo.writes).toBe(Math.ceil((2 * USERS) / 25) + (size?.secondPoll.dynamo.writes ?? NaN));
  });

  it('passes the write-request targets and reports size-bound targets as n/a', () => {
    const byId = (id: string) => report.targets.filter((target) => target.id === id);
    expect(byId('unchanged-poll-writes')).toEqual([expect.objectContaining({ users: USERS, value: 3, limit: 5, status: 'PASS' })]);
    expect(byId('first-poll-writes')).toEqual([expect.objectContaining({ users: USERS, value: 16, limit: 17, status: 'PASS' })]);
    expect(byId('poll-to-floor-ratio').map((target) => target.status)).toEqual(['n/a']);
    expect(byId('memory-under-limit').map((target) => target.status)).toEqual(['n/a', 'n/a']);
    expect(report.handler).toEqual({ status: 'n/a', entry: 'functions/handlers/poll.ts', reason: 'skipped (--no-handler)' });
  });

  it('prices the measured requests', () => {
    const [size] = report.sizes;
    const [cost] = report.cost.sizes;
    if (size === undefined || cost === undefined) throw new Error('no size measured');
    // Lease and final state write the connector item and its GSI1 entry; the run record is one item.
    expect(cost.unchangedPoll.writeUnits).toBe(5);
    // The accounts cost one unit per 4 KB read; the state and every other read at least one each.
    const accountUnits = Math.ceil(size.items.accounts.totalBytes / 4096);
    expect(cost.unchangedPoll.readUnits).toBe(accountUnits + size.secondPoll.dynamo.reads - size.items.accountQueryPages);
    // Every account is written to the table and two indexes, every identity to the table and one.
    expect(cost.firstPoll.writeUnits).toBe(3 * USERS + 2 * USERS + 5);
    expect(cost.monthlyUsd).toBeGreaterThan(report.cost.prices.secretPerMonth);
  });

  it('times the users table render and reports its 50,000-row target as n/a below that size', () => {
    expect(report.tableRender).toEqual([expect.objectContaining({ rows: 1_000, bytes: expect.any(Number) })]);
    expect(report.tableRender[0]?.bytes).toBeGreaterThan(1_000 * 100);
    expect(report.targets.filter((target) => target.id === 'table-render').map((target) => target.status)).toEqual(['n/a']);
    expect(renderTables(report)).toContain('rollcall users: table render');
  });

  it('runs an unchanged poll against the simulator enforcing 50 requests/s and judges it against the floor', () => {
    expect(report.pacing).toHaveLength(1);
    const [pacing] = report.pacing;
    if (pacing === undefined) throw new Error('no pacing measured');
    expect(pacing).toMatchObject({ users: PACING_USERS, limitPerSecond: 50, outcome: 'completed', error: null, accounts: PACING_USERS });
    // Every page once (the users pages of both listings and the roles page); every other call a 429.
    expect(pacing.dataCalls.ok).toBeGreaterThanOrEqual(PACING_USERS / 100 + 1);
    expect(pacing.dataCalls.ok).toBeLessThanOrEqual(PACING_USERS / 100 + 3);
    expect(pacing.dataCalls.requests).toBe(pacing.dataCalls.ok + pacing.dataCalls.throttled);
    expect(pacing.dataCalls.failed).toBe(0);
    expect(pacing.floorMs).toBe(((pacing.dataCalls.ok - 1) * 1000) / 50);
    // The listing alone and the poll at the former 40/s budget ran too, for comparison.
    expect(pacing.listingMs).toBeGreaterThan(0);
    expect(pacing.formerWallMs).toBeGreaterThan(0);
    const [target] = report.targets.filter((result) => result.id === 'pacing-to-floor-ratio');
    expect(target).toMatchObject({ users: PACING_USERS, value: pacing.ratio, limit: 1.15 });
  });

  it('renders the tables and the Markdown with a verdict', () => {
    expect(renderTables(report)).toContain('first poll: data write requests within 10 % of ceil(items / 25)');
    expect(renderTables(report)).toContain('Pacing: simulator enforcing 50 requests/s per API key');
    expect(renderMarkdown(report)).toMatch(/\| users \| first poll s \|/);
  });
});
