/**
 * The console's pages on a large inventory (issue "A web console"): a Torq-like connector of N
 * accounts and a Twingate-like one of N/5 with groups, written through the store as polls write
 * them into dynalite (in a process of its own), then every page of the read model timed (median of
 * several runs) with the DynamoDB requests it took, counted by the SDK client itself (design.md
 * section 10). A page must answer from Queries (and BatchGets of what it names), never a Scan.
 */
import { fileURLToPath } from 'node:url';
import { countRequests, createDynamoClients } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoConsoleReader } from '../../functions/adapters/dynamodb/console-reader.ts';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.ts';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import type { ConsoleReader } from '../../functions/core/read-model.ts';
import {
  ZERO_COUNTS,
  type AccountState,
  type ConnectorState,
  type StoredAccount,
  type StoredGroup,
  type StoredIdentity,
  type StoredMembership,
  type SyncRun,
} from '../../functions/core/types.ts';
import type { BenchEndpoints } from './bench-servers.ts';
import { startJsonChild } from './json-child.ts';
import type { TargetResult } from './targets.ts';

export const DEFAULT_CONSOLE_ACCOUNTS = 100_000;
/** Timed runs per page (after one warm-up run); the median is reported. */
const RUNS = 5;
/** "Well under a second" (the words) for one page; the reports (insights, review) read everything and are not pages. */
export const PAGE_LIMIT_MS = 1_000;
const PAGE_SIZE = 50;
const DAY = 86_400_000;

export interface ConsolePageMeasurement {
  readonly page: string;
  /** A page (bounded reads) or a report (reads every account it covers). */
  readonly kind: 'page' | 'report';
  readonly rows: number;
  readonly medianMs: number;
  readonly requests: Readonly<Record<string, number>>;
  readonly totalRequests: number;
}

export type ConsolePagesResult =
  | { readonly status: 'n/a'; readonly reason: string }
  | {
      readonly status: 'measured';
      readonly accounts: number;
      readonly groupAccounts: number;
      readonly memberships: number;
      readonly seedMs: number;
      readonly pages: readonly ConsolePageMeasurement[];
    };

const SERVERS_ENTRY = fileURLToPath(new URL('../servers.ts', import.meta.url));
const RUN_TS = fileURLToPath(new URL('../../bin/run-ts.mjs', import.meta.url));
const TABLE = 'rollcall-console-bench';

/** A small seeded generator (mulberry32): the same inventory on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const email = (n: number) => `person${String(n).padStart(6, '0')}@example.com`;

export async function measureConsolePages(options: {
  readonly accounts: number;
  readonly onProgress?: (message: string) => void;
}): Promise<ConsolePagesResult> {
  const progress = options.onProgress ?? (() => {});
  const servers = startJsonChild('console servers', [RUN_TS, SERVERS_ENTRY, '--users', '1', '--latency', '0']);
  try {
    const endpoints = (await servers.firstJson) as BenchEndpoints;
    const clients = createDynamoClients({ endpoint: endpoints.dynamoEndpoint });
    try {
      await ensureTable(clients.client, TABLE);
      const now = new Date();
      progress(`console: writing ${options.accounts.toLocaleString('en-US')} + ${Math.floor(options.accounts / 5).toLocaleString('en-US')} accounts into dynalite...`);
      const started = performance.now();
      const seededInventory = await seed(new DynamoInventoryStore(clients.documentClient, TABLE), options.accounts, now);
      const seedMs = performance.now() - started;
      progress(`    written in ${(seedMs / 1000).toFixed(0)} s; timing the pages...`);
      const reader = new DynamoConsoleReader(clients.documentClient, TABLE, { clock: { now: () => now } });
      const counter = countRequests(clients.client);
      try {
        const pages: ConsolePageMeasurement[] = [];
        for (const [name, kind, run] of pageRuns(reader, now, seededInventory)) {
          await run();
          counter.reset();
          const rows = await run();
          const requests = counter.counts();
          const times: number[] = [];
          for (let i = 0; i < RUNS; i++) {
            const t0 = performance.now();
            await run();
            times.push(performance.now() - t0);
          }
          times.sort((a, b) => a - b);
          pages.push({ page: name, kind, rows, medianMs: times[Math.floor(RUNS / 2)] ?? 0, requests: requests.byCommand, totalRequests: requests.total });
        }
        return {
          status: 'measured',
          accounts: options.accounts,
          groupAccounts: seededInventory.groupAccounts,
          memberships: seededInventory.memberships,
          seedMs,
          pages,
        };
      } finally {
        counter.detach();
      }
    } finally {
      clients.client.destroy();
    }
  } finally {
    await servers.stop();
  }
}

interface Seeded {
  readonly groupAccounts: number;
  readonly memberships: number;
  /** A person with accounts in both connectors and groups. */
  readonly person: string;
  readonly groupId: string;
}

/** Every page the console shows, and the two reports, each returning how many rows it answered. */
function pageRuns(reader: ConsoleReader, now: Date, seededInventory: Seeded): [string, 'page' | 'report', () => Promise<number>][] {
  const today = now.toISOString().slice(0, 10);
  const monthAgo = new Date(now.getTime() - 29 * DAY).toISOString().slice(0, 10);
  const count = async <T>(promise: Promise<{ readonly items: readonly T[] }>) => (await promise).items.length;
  return [
    ['connectors overview', 'page', async () => (await reader.listConnectors()).length],
    ['accounts: first page (torq)', 'page', () => count(reader.listAccounts({ connectorId: 'torq-main', limit: PAGE_SIZE }))],
    [
      'accounts: second page (torq)',
      'page',
      async () => {
        const first = await reader.listAccounts({ connectorId: 'torq-main', limit: PAGE_SIZE });
        return count(reader.listAccounts({ connectorId: 'torq-main', limit: PAGE_SIZE, cursor: first.nextCursor }));
      },
    ],
    ['accounts: filtered, role Owner (torq)', 'page', () => count(reader.listAccounts({ connectorId: 'torq-main', limit: PAGE_SIZE, filter: { role: 'Owner' } }))],
    ['accounts: filtered, pending (torq)', 'page', () => count(reader.listAccounts({ connectorId: 'torq-main', limit: PAGE_SIZE, filter: { state: 'pending' } }))],
    [
      'accounts: filtered, one group (twingate)',
      'page',
      () => count(reader.listAccounts({ connectorId: 'tg-main', limit: PAGE_SIZE, filter: { groupId: seededInventory.groupId } })),
    ],
    ['accounts: first page with groups (twingate)', 'page', () => count(reader.listAccounts({ connectorId: 'tg-main', limit: PAGE_SIZE }))],
    ['people: first page', 'page', () => count(reader.listPeople({ limit: PAGE_SIZE }))],
    ['people: search by name', 'page', () => count(reader.listPeople({ limit: PAGE_SIZE, search: 'surname 0123' }))],
    ['person page', 'page', async () => ((await reader.getPerson(seededInventory.person))?.accounts.length ?? 0)],
    ['runs: first page (torq)', 'page', () => count(reader.listRuns('torq-main', { limit: PAGE_SIZE }))],
    ['changes per day: 30 days', 'page', async () => (await reader.activity({ from: monthAgo, to: today })).length],
    [
      'insights: all accounts',
      'report',
      async () => {
        const insights = await reader.insights({ days: 90 });
        return insights.dormant.length + insights.pendingInvitations.length + insights.offboardingGaps.length + insights.withoutEmail.length;
      },
    ],
    ['access review: torq (every account)', 'report', async () => (await reader.review('torq-main')).length],
  ];
}

const ROLES: readonly [string, number][] = [
  ['Owner', 0.02],
  ['Contributor', 0.2],
  ['Operator', 0.28],
  ['Viewer', 0.5],
];

function pickRole(random: () => number): string {
  let x = random();
  for (const [role, share] of ROLES) {
    if (x < share) return role;
    x -= share;
  }
  return 'Viewer';
}

function connector(connectorId: string, app: string, now: Date, total: number): ConnectorState {
  const at = now.toISOString();
  return {
    connectorId,
    app,
    status: 'CONNECTED',
    previousStatus: null,
    statusChangedAt: at,
    statusReason: null,
    lastSyncAt: at,
    lastSuccessAt: at,
    lastError: null,
    counts: { ...ZERO_COUNTS, total },
    rejectedFingerprint: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    leaseHolder: null,
    identitiesVerified: true,
  };
}

/** Writes the inventory in slices, as a first poll does (identities, then accounts, then groups and memberships). */
async function seed(store: DynamoInventoryStore, accounts: number, now: Date): Promise<Seeded> {
  const random = seeded(17);
  const nowMs = now.getTime();
  const iso = (daysAgo: number) => new Date(nowMs - daysAgo * DAY).toISOString();
  const groupAccounts = Math.max(1, Math.floor(accounts / 5));
  const groupCount = 50;
  await store.putConnector(connector('torq-main', 'torq', now, accounts));
  await store.putConnector(connector('tg-main', 'twingate', now, groupAccounts));
  const SLICE = 5_000;
  for (let start = 0; start < accounts; start += SLICE) {
    const putAccounts: StoredAccount[] = [];
    const putIdentities: StoredIdentity[] = [];
    for (let n = start; n < Math.min(accounts, start + SLICE); n++) {
      const firstSeenAt = iso(Math.floor(random() * 180));
      const x = random();
      const state: AccountState = x < 0.03 ? 'pending' : 'active';
      const name = `Person ${n} Surname ${String(n).padStart(4, '0').slice(-4)}`;
      putAccounts.push({
        id: `t${String(n).padStart(6, '0')}`,
        email: email(n),
        emailKey: email(n),
        name,
        login: null,
        externalId: null,
        roleId: null,
        roleName: pickRole(random),
        status: state === 'pending' ? 'INVITATION_SENT' : 'VERIFIED',
        state,
        ssoProvisioned: random() < 0.5,
        createdAt: iso(Math.floor(random() * 200)),
        updatedAt: null,
        lastLoginAt: state === 'pending' ? null : iso(Math.floor(random() * 365)),
        connectorId: 'torq-main',
        app: 'torq',
        firstSeenAt,
        lastChangedAt: firstSeenAt,
        removedAt: x > 0.98 ? iso(Math.floor(random() * 30)) : null,
      });
      putIdentities.push({ emailKey: email(n), firstSeenAt, firstConnectorId: 'torq-main', name });
    }
    await store.applyWrites('torq-main', { putAccounts, putIdentities, removeAccounts: [] });
  }

  const groups: StoredGroup[] = Array.from({ length: groupCount }, (_, g) => ({
    id: `R3JvdXA6${g}`,
    name: `Group ${g}`,
    type: 'MANUAL',
    active: true,
    memberCount: null,
    implicit: false,
    connectorId: 'tg-main',
    firstSeenAt: iso(100),
    lastChangedAt: iso(100),
    removedAt: null,
  }));
  let memberships = 0;
  for (let start = 0; start < groupAccounts; start += SLICE) {
    const putAccounts: StoredAccount[] = [];
    const putMemberships: StoredMembership[] = [];
    for (let n = start; n < Math.min(groupAccounts, start + SLICE); n++) {
      const id = `VXNlcjo${String(n).padStart(6, '0')}`;
      putAccounts.push({
        id,
        email: email(n),
        emailKey: email(n),
        name: null,
        login: null,
        externalId: null,
        roleId: null,
        roleName: random() < 0.01 ? 'ADMIN' : 'MEMBER',
        status: 'ACTIVE',
        state: random() < 0.01 ? 'disabled' : 'active',
        ssoProvisioned: null,
        createdAt: null,
        updatedAt: null,
        lastLoginAt: null,
        connectorId: 'tg-main',
        app: 'twingate',
        firstSeenAt: iso(100),
        lastChangedAt: iso(100),
        removedAt: null,
      });
      for (const g of new Set([n % groupCount, (n * 7 + 3) % groupCount])) {
        putMemberships.push({ connectorId: 'tg-main', groupId: `R3JvdXA6${g}`, accountId: id, grantedAt: iso(90), revokedAt: null });
      }
    }
    memberships += putMemberships.length;
    await store.applyWrites('tg-main', {
      putAccounts,
      putIdentities: [],
      removeAccounts: [],
      ...(start === 0 ? { putGroups: groups } : {}),
      putMemberships,
    });
  }

  for (const connectorId of ['torq-main', 'tg-main']) {
    for (let hour = 30 * 24; hour > 0; hour--) {
      const startedAt = new Date(nowMs - hour * 3_600_000).toISOString();
      const run: SyncRun = {
        connectorId,
        runId: `run-${hour}`,
        startedAt,
        finishedAt: startedAt,
        durationMs: 60_000,
        status: 'CONNECTED',
        outcome: 'completed',
        counts: { ...ZERO_COUNTS, total: accounts, new: Math.floor(random() * 5), changed: Math.floor(random() * 3), removed: Math.floor(random() * 2) },
        error: null,
        anomalies: [],
      };
      await store.recordRun(run);
    }
  }
  return { groupAccounts, memberships, person: email(42), groupId: 'R3JvdXA67' };
}

/** Each page under PAGE_LIMIT_MS; no page or report sends a Scan. */
export function consoleTargets(result: ConsolePagesResult): TargetResult[] {
  if (result.status === 'n/a') {
    return [
      {
        id: 'console-page-time',
        description: `console: every page under ${PAGE_LIMIT_MS} ms`,
        users: null,
        value: null,
        limit: PAGE_LIMIT_MS,
        unit: 'ms',
        status: 'n/a',
        detail: result.reason,
      },
    ];
  }
  const pages = result.pages.filter((page) => page.kind === 'page');
  const slowest = pages.reduce((max, page) => Math.max(max, page.medianMs), 0);
  const scans = result.pages.reduce((sum, page) => sum + (page.requests.Scan ?? 0), 0);
  return [
    {
      id: 'console-page-time',
      description: `console: every page under ${PAGE_LIMIT_MS} ms (slowest median)`,
      users: result.accounts,
      value: Math.round(slowest),
      limit: PAGE_LIMIT_MS,
      unit: 'ms',
      status: slowest < PAGE_LIMIT_MS ? 'PASS' : 'FAIL',
      detail: `median of ${RUNS} runs per page`,
    },
    {
      id: 'console-no-scan',
      description: 'console: no Scan for any page or report',
      users: result.accounts,
      value: scans,
      limit: 0,
      unit: 'Scans',
      status: scans === 0 ? 'PASS' : 'FAIL',
      detail: 'counted by the SDK client',
    },
  ];
}

export function consoleSection(result: ConsolePagesResult): { title: string; head: string[]; rows: string[][] } | null {
  if (result.status === 'n/a') return null;
  return {
    title:
      `Console pages: ${result.accounts.toLocaleString('en-US')} Torq-like accounts + ${result.groupAccounts.toLocaleString('en-US')} Twingate-like ` +
      `(${result.memberships.toLocaleString('en-US')} memberships) in dynalite, ${PAGE_SIZE} rows per page, median of ${RUNS} runs`,
    head: ['page', 'rows', 'median ms', 'DynamoDB requests', 'by command'],
    rows: result.pages.map((page) => [
      page.page,
      String(page.rows),
      page.medianMs.toFixed(0),
      String(page.totalRequests),
      Object.entries(page.requests)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([command, count]) => `${command} ${count}`)
        .join(', '),
    ]),
  };
}
