/**
 * The benchmark's Twingate requests measurement on a tiny network: the real simulator, the
 * registry's connector factory, `pollConnector` and the DynamoDB store on an embedded dynalite.
 * Asserts request counts against the minimum and write counts, never a wall-clock time.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../bench/lib/report.ts';
import { runBenchmark } from '../../bench/lib/benchmark.ts';
import {
  measureTwingateRequests,
  minimumRequests,
  twingateSections,
  twingateTargets,
  type TwingateRequestsMeasurement,
} from '../../bench/lib/twingate-requests.ts';
import type { TwingateGroupRecord, TwingateSimWorkspace, TwingateUserRecord } from '../../simulators/twingate/index.ts';

const USERS = 120;
const GROUPS = 3;

function user(index: number): TwingateUserRecord {
  return {
    id: `U${index}`,
    email: `person.${index}@example.com`,
    firstName: 'Ada',
    lastName: 'Lee',
    role: 'MEMBER',
    state: 'ACTIVE',
    type: 'MANUAL',
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
  };
}

function group(id: string, type: TwingateGroupRecord['type'], memberIds: string[]): TwingateGroupRecord {
  return { id, name: id, type, isActive: true, originId: null, createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z', memberIds };
}

describe('the minimum number of Twingate requests', () => {
  const users = Array.from({ length: USERS }, (_, index) => user(index));
  const ids = (count: number) => users.slice(0, count).map((record) => record.id);
  const workspace: TwingateSimWorkspace = {
    network: 'acme',
    users,
    groups: [
      // Implicit membership: never paged, whatever it holds.
      group('everyone', 'SYSTEM', ids(USERS)),
      group('empty', 'MANUAL', []),
      group('one-page', 'MANUAL', ids(50)),
      group('just-over', 'SYNCED', ids(51)),
      group('three-pages', 'MANUAL', ids(120)),
      // A member id that is no user of the network is not listed, so it costs no page.
      group('stale', 'MANUAL', [...ids(50), 'U-gone']),
    ],
    revision: 0,
    now: '2026-01-01T00:00:00.000Z',
  };

  it('is user pages + group pages + the member pages beyond each explicit group first', () => {
    expect(minimumRequests(workspace, 50)).toEqual({ pageSize: 50, userPages: 3, groupPages: 1, extraMemberPages: 0 + 0 + 1 + 2 + 0, total: 7 });
    expect(minimumRequests(workspace, 100)).toEqual({ pageSize: 100, userPages: 2, groupPages: 1, extraMemberPages: 1, total: 4 });
    expect(minimumRequests(workspace, 5)).toMatchObject({ userPages: 24, groupPages: 2, extraMemberPages: 9 + 10 + 23 + 9 });
  });

  it('counts one request for an empty listing: it takes the request that says so', () => {
    expect(minimumRequests({ ...workspace, users: [], groups: [] }, 50)).toMatchObject({ userPages: 1, groupPages: 1, total: 2 });
  });
});

describe(`Twingate requests on a ${USERS}-user network in ${GROUPS} groups`, () => {
  let measured: TwingateRequestsMeasurement;

  beforeAll(async () => {
    measured = await measureTwingateRequests({ users: USERS, groups: GROUPS });
  }, 60_000);

  it('polls at the minimum: every user page, group page and extra member page once, and nothing else', () => {
    const { firstPoll, spread } = measured;
    expect(spread).toMatchObject({ groups: GROUPS, largest: USERS / 2 });
    // The large group (60 members) needs a second member page at 50 a page.
    expect(firstPoll.minimum).toEqual({ pageSize: 50, userPages: 3, groupPages: 1, extraMemberPages: expect.any(Number), total: expect.any(Number) });
    expect(firstPoll.minimum.extraMemberPages).toBeGreaterThanOrEqual(1);
    expect(firstPoll.requests).toBe(firstPoll.minimum.total);
    expect(firstPoll.byRootField).toEqual({ users: 3, groups: 1, group: firstPoll.minimum.extraMemberPages });
    expect(firstPoll.notOk).toBe(0);
    expect(firstPoll.ratio).toBe(1);
    expect(firstPoll.counts).toMatchObject({ total: USERS, new: USERS });
    expect(firstPoll.minutesAtDefaultBudget).toBeCloseTo(firstPoll.requests / 50, 1);
  });

  it('reads back what the first poll stored beside what the network holds', () => {
    expect(measured.stored.expected).toEqual({ accounts: USERS, groups: GROUPS + 1, memberships: measured.spread.memberships });
    expect(measured.stored).toMatchObject({ accounts: USERS, groups: GROUPS + 1, memberships: measured.spread.memberships });
    // Everyone's 120 memberships are implicit: granted and stored are the explicit groups' only.
    expect(measured.firstPoll.counts.accessGranted).toBe(measured.spread.memberships);
  });

  it('lists at page size 100 at the minimum for that size', () => {
    const { largePages } = measured;
    expect(largePages.minimum).toMatchObject({ pageSize: 100, userPages: 2, groupPages: 1, extraMemberPages: 0, total: 3 });
    expect(largePages.requests).toBe(3);
  });

  it('repeats the same requests on an unchanged poll and writes no inventory, only the bookkeeping', () => {
    const { firstPoll, unchangedPoll } = measured;
    expect(unchangedPoll.requests).toBe(unchangedPoll.minimum.total);
    expect(unchangedPoll.counts).toMatchObject({ total: USERS, new: 0, changed: 0, removed: 0, accessGranted: 0, accessRevoked: 0 });
    expect(unchangedPoll.dynamoWrites.inventory).toBe(0);
    expect(unchangedPoll.dynamoWrites.bookkeeping).toBeGreaterThan(0);
    expect(unchangedPoll.dynamoWrites.total).toBe(unchangedPoll.dynamoWrites.bookkeeping);
    // The first poll wrote accounts and identities in batches of 25: the classifier sees inventory.
    expect(firstPoll.dynamoWrites.inventory).toBeGreaterThanOrEqual(Math.ceil((2 * USERS) / 25));
    expect(firstPoll.dynamoWrites.bookkeeping).toBe(unchangedPoll.dynamoWrites.bookkeeping);
  });

  it('passes its targets, and fails them for a listing above the minimum or an unchanged poll that writes', () => {
    expect(twingateTargets(measured).map((target) => [target.id, target.status])).toEqual([
      ['twingate-requests-to-minimum', 'PASS'],
      ['twingate-requests-to-minimum', 'PASS'],
      ['twingate-requests-to-minimum', 'PASS'],
      ['twingate-unchanged-inventory-writes', 'PASS'],
      ['twingate-first-poll-inventory', 'PASS'],
    ]);
    const wasteful: TwingateRequestsMeasurement = {
      ...measured,
      firstPoll: { ...measured.firstPoll, requests: measured.firstPoll.minimum.total + 1 },
      unchangedPoll: { ...measured.unchangedPoll, dynamoWrites: { ...measured.unchangedPoll.dynamoWrites, inventory: 1 } },
      stored: { ...measured.stored, memberships: measured.stored.memberships - 1 },
    };
    expect(twingateTargets(wasteful).map((target) => target.status)).toEqual(['FAIL', 'PASS', 'PASS', 'FAIL', 'FAIL']);
  });

  it('renders a table row per listing with requests, minimum and minutes at the default budget', () => {
    const [section, inventory] = twingateSections(measured);
    if (section === undefined || inventory === undefined) throw new Error('expected two sections');
    expect(section.title).toContain(`${USERS} users, ${GROUPS} groups`);
    expect(section.rows.map((row) => row.slice(0, 3))).toEqual([
      ['first poll', '50', String(measured.firstPoll.requests)],
      ['listing only', '100', '3'],
      ['unchanged poll', '50', String(measured.unchangedPoll.requests)],
    ]);
    expect(section.rows[2]?.[8]).toBe(`0 / ${measured.unchangedPoll.dynamoWrites.bookkeeping}`);
    expect(inventory.rows.map((row) => row[0])).toEqual(['accounts', 'groups', 'memberships']);
    expect(inventory.rows[0]).toEqual(['accounts', String(USERS), String(USERS)]);
    expect(inventory.rows[2]).toEqual(['memberships', String(measured.spread.memberships), String(measured.spread.memberships)]);
  });
});

describe('the benchmark report', () => {
  it('carries the Twingate measurement in JSON and Markdown, and n/a when skipped', async () => {
    const report = await runBenchmark({ users: [], latencyMs: 0, measureHandler: false, tableRows: [], pacing: [], twingate: { users: 60, groups: 1 } });
    expect(report.twingate).toMatchObject({ status: 'measured', users: 60, firstPoll: { ratio: 1 }, unchangedPoll: { dynamoWrites: { inventory: 0 } } });
    expect(JSON.parse(JSON.stringify(report)).twingate.firstPoll.minimum.userPages).toBe(2);
    expect(renderMarkdown(report)).toMatch(/\*\*Twingate requests: 60 users, 1 groups .*\*\*\n\n\| listing \| page size \| requests \|/);
    expect(report.targets.filter((target) => target.id.startsWith('twingate-')).every((target) => target.status === 'PASS')).toBe(true);

    const skipped = await runBenchmark({ users: [], latencyMs: 0, measureHandler: false, tableRows: [], pacing: [] });
    expect(skipped.twingate).toEqual({ status: 'n/a', reason: 'skipped (--no-twingate)' });
    expect(skipped.targets.some((target) => target.id.startsWith('twingate-'))).toBe(false);
  }, 60_000);
});

describe('npm run bench flags', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const bench = (args: string[]) =>
    promisify(execFile)(process.execPath, ['bin/run-ts.mjs', 'bench/run.ts', ...args], { cwd: root, maxBuffer: 16 * 1024 * 1024 });

  it('--twingate-users alone runs only the Twingate measurement (and the table render) and prints it in the JSON', async () => {
    const { stdout } = await bench(['--twingate-users', '60', '--twingate-groups', '1', '--no-handler', '--no-startup', '--json']);
    const report = JSON.parse(stdout) as { sizes: unknown[]; pacing: unknown[]; twingate: { status: string; users: number; spread: { groups: number } } };
    expect(report.sizes).toEqual([]);
    expect(report.pacing).toEqual([]);
    expect(report.twingate).toMatchObject({ status: 'measured', users: 60, spread: { groups: 1 } });
  }, 60_000);

  it('refuses a size that is not a positive whole number with exit code 2', async () => {
    await expect(bench(['--twingate-users', '0', '--no-handler'])).rejects.toMatchObject({ code: 2 });
  }, 30_000);
});
