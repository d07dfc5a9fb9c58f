/**
 * The fleet benchmark's machinery on a small fleet at zero latency: real simulators, real dynalite,
 * the watch loop in its own bundled process, as `npm run bench -- --fleet N` runs it. Asserts the
 * polls and the request counts per connector-poll; never a wall-clock time.
 */
import { describe, expect, it } from 'vitest';
import { measureFleet, renderFleet } from '../../bench/lib/fleet.ts';
import { fleetWorkspaces } from '../../bench/lib/fleet-plan.ts';

describe('fleet benchmark on 24 connectors', () => {
  it('polls every connector through the watch loop with four write requests per unchanged poll', async () => {
    const result = await measureFleet({ connectors: 24, concurrency: 4, latencyMs: 0 });

    expect(result.populate).toMatchObject({ polls: 24, outcomes: { completed: 24 } });
    expect(result.rounds).toHaveLength(1);
    const [round] = result.rounds;
    expect(round).toMatchObject({ connectors: 24, polls: 24, outcomes: { completed: 24 } });
    // Per unchanged connector-poll: the claim, the lease, the final state and the run record.
    expect(round?.dynamo.byCommand).toMatchObject({ UpdateItem: 48, PutItem: 48 });
    expect(round?.writesPerPoll).toBe(4);
    expect(round?.dynamo.byCommand.BatchWriteItem ?? 0).toBe(0);
    // The same accounts as the first polls stored: the 24 connectors' workspaces, the first 24 planned.
    const expectedAccounts = fleetWorkspaces().slice(0, 24).reduce((sum, workspace) => sum + workspace.users, 0);
    expect(round?.accounts).toBe(expectedAccounts);
    expect(result.populate.accounts).toBe(expectedAccounts);
    expect(round?.retainedHeapMb).toBeGreaterThan(0);
    expect(round?.peakRssMb).toBeGreaterThanOrEqual(round?.baselineRssMb ?? Infinity);
    expect(result.targets.every((target) => target.passed)).toBe(true);
    expect(renderFleet(result, true)).toContain('| 24 |');
  }, 300_000);
});
