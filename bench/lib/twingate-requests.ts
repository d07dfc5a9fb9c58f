/**
 * Twingate requests against the fewest the API allows (README, "Performance"): a seeded simulated
 * network, polled through the same path as `rollcall poll --app twingate` (the registry's factory,
 * `pollConnector`, the DynamoDB store on an embedded dynalite), requests counted at the simulator.
 *
 * The minimum is computed from the seeded network itself, not from the connector: one request per
 * page of users, one per page of groups (the first page of each group's members rides along), and
 * one per further page of members of each group whose membership is explicit. SYSTEM groups
 * ("Everyone") report a count only and are never paged.
 *
 * Twingate allows 60 reads a minute and the connector spends 50: 1,700 requests take 35 minutes.
 * The benchmark lifts the connector's budget through the runtime option every app understands
 * (`requestsPerSecond`, as tests do) and reports the minutes the same requests take at the default.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.ts';
import { countRequests, createDynamoClients } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import { JsonLinesEventSink } from '../../functions/adapters/jsonl-event-sink.ts';
import { startEmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
import { createConnectorFactory } from '../../functions/connectors/index.ts';
import { DEFAULT_PAGE_SIZE, DEFAULT_REQUESTS_PER_MINUTE, MAX_PAGE_SIZE } from '../../functions/connectors/twingate/index.ts';
import { collectListing } from '../../functions/core/listing.ts';
import { DEFAULT_POLL_SETTINGS, pollConnector } from '../../functions/core/poll.ts';
import { silentLogger, systemClock, type CredentialSource } from '../../functions/core/ports.ts';
import type { SyncCounts } from '../../functions/core/types.ts';
import {
  generateTwingateWorkspace,
  startTwingateSimulator,
  type TwingateSimulator,
  type TwingateSimWorkspace,
} from '../../simulators/twingate/index.ts';
import { countWriteKinds } from './dynamo-write-kinds.ts';
import type { TargetResult } from './targets.ts';

export const DEFAULT_TWINGATE_USERS = 10_000;
export const DEFAULT_TWINGATE_GROUPS = 50;
/** Far above what one loopback client reaches with its two listing streams: the budget never waits. */
export const LIFTED_REQUESTS_PER_SECOND = 1_000;
/** The largest group holds half the network (an "Engineering" of a software company). */
export const LARGE_GROUP_SHARE = 0.5;

const CONNECTOR_ID = 'tg-bench';
const TABLE = 'rollcall-bench-twingate';
const API_KEY = 'tg-bench-key';
const NETWORK = 'acme';

export interface TwingateRequestsOptions {
  readonly users: number;
  /** Groups besides "Everyone". */
  readonly groups: number;
  /** @default LARGE_GROUP_SHARE of `users` */
  readonly largeGroupMembers?: number;
  /** One line per step, for a terminal. */
  readonly onProgress?: (message: string) => void;
}

/** The fewest requests that list a network at a page size, and what they are made of. */
export interface MinimumRequests {
  readonly pageSize: number;
  readonly userPages: number;
  readonly groupPages: number;
  readonly extraMemberPages: number;
  readonly total: number;
}

export interface ListingRequests {
  /** Every request at the simulator's GraphQL path, whatever it answered. */
  readonly requests: number;
  /** Root fields resolved: `users` (user pages), `groups` (group pages), `group` (extra member pages). */
  readonly byRootField: Readonly<Record<'users' | 'groups' | 'group', number>>;
  /** Answers other than 200 (a 429, a 5xx): each one a request beyond the minimum. */
  readonly notOk: number;
  readonly minimum: MinimumRequests;
  /** requests / minimum.total */
  readonly ratio: number;
  /** requests / the connector's default budget of requests per minute. */
  readonly minutesAtDefaultBudget: number;
  readonly wallMs: number;
}

export interface TwingatePollRequests extends ListingRequests {
  readonly counts: SyncCounts;
  /** DynamoDB write requests as the SDK client sent them, split by what they carry. */
  readonly dynamoWrites: { readonly total: number; readonly inventory: number; readonly bookkeeping: number };
}

export interface TwingateGroupSpread {
  /** Groups besides "Everyone". */
  readonly groups: number;
  readonly largest: number;
  readonly smallest: number;
  readonly median: number;
  /** Explicit memberships in all (Everyone's not included). */
  readonly memberships: number;
}

/** What the first poll left in the store, read back after it, beside what the network holds. */
export interface TwingateStoredInventory {
  readonly accounts: number;
  readonly groups: number;
  /** Current memberships (explicit groups only: Everyone's are implicit and never stored). */
  readonly memberships: number;
  /** The network's: users, groups with Everyone, explicit memberships. */
  readonly expected: { readonly accounts: number; readonly groups: number; readonly memberships: number };
}

export interface TwingateRequestsMeasurement {
  readonly status: 'measured';
  readonly users: number;
  readonly spread: TwingateGroupSpread;
  readonly stored: TwingateStoredInventory;
  readonly pageSize: number;
  readonly defaultRequestsPerMinute: number;
  readonly liftedRequestsPerSecond: number;
  readonly firstPoll: TwingatePollRequests;
  /** The same network listed (no store) at the largest page size the connector accepts. */
  readonly largePages: ListingRequests;
  readonly unchangedPoll: TwingatePollRequests;
}

export type TwingateRequestsResult = TwingateRequestsMeasurement | { readonly status: 'n/a'; readonly reason: string };

/** Explicit members of each non-SYSTEM group that are users of the network. */
function explicitGroupSizes(workspace: TwingateSimWorkspace): number[] {
  const userIds = new Set(workspace.users.map((user) => user.id));
  return workspace.groups.filter((group) => group.type !== 'SYSTEM').map((group) => group.memberIds.filter((id) => userIds.has(id)).length);
}

/** One request at least per listing: an empty connection still takes the request that says so. */
const pagesOf = (items: number, pageSize: number): number => Math.max(1, Math.ceil(items / pageSize));

export function minimumRequests(workspace: TwingateSimWorkspace, pageSize: number): MinimumRequests {
  const userPages = pagesOf(workspace.users.length, pageSize);
  const groupPages = pagesOf(workspace.groups.length, pageSize);
  const extraMemberPages = explicitGroupSizes(workspace).reduce((sum, members) => sum + Math.max(0, Math.ceil(members / pageSize) - 1), 0);
  return { pageSize, userPages, groupPages, extraMemberPages, total: userPages + groupPages + extraMemberPages };
}

export function groupSpread(workspace: TwingateSimWorkspace): TwingateGroupSpread {
  const sizes = explicitGroupSizes(workspace).sort((a, b) => a - b);
  return {
    groups: sizes.length,
    largest: sizes.at(-1) ?? 0,
    smallest: sizes[0] ?? 0,
    median: sizes[Math.floor((sizes.length - 1) / 2)] ?? 0,
    memberships: sizes.reduce((sum, size) => sum + size, 0),
  };
}

function requestsAt(simulator: TwingateSimulator, minimum: MinimumRequests, wallMs: number): ListingRequests {
  const stats = simulator.stats();
  const notOk = Object.entries(stats.byStatus).reduce((sum, [status, count]) => sum + (status === '200' ? 0 : count), 0);
  return {
    requests: stats.requests,
    byRootField: { users: stats.byRootField.users ?? 0, groups: stats.byRootField.groups ?? 0, group: stats.byRootField.group ?? 0 },
    notOk,
    minimum,
    ratio: Math.round((stats.requests / minimum.total) * 1000) / 1000,
    minutesAtDefaultBudget: Math.round((stats.requests / DEFAULT_REQUESTS_PER_MINUTE) * 10) / 10,
    wallMs: Math.round(wallMs),
  };
}

export async function measureTwingateRequests(options: TwingateRequestsOptions): Promise<TwingateRequestsMeasurement> {
  const progress = options.onProgress ?? (() => {});
  const workspace = generateTwingateWorkspace({
    users: options.users,
    groups: options.groups,
    largeGroupMembers: options.largeGroupMembers ?? Math.round(options.users * LARGE_GROUP_SHARE),
    network: NETWORK,
  });
  const simulator = await startTwingateSimulator({ workspace, apiKey: API_KEY });
  const dynamo = await startEmbeddedDynamo();
  const clients = createDynamoClients({ endpoint: dynamo.endpoint });
  const workDir = await mkdtemp(join(tmpdir(), 'rollcall-bench-twingate-'));
  try {
    await ensureTable(clients.client, TABLE);
    const requestCounter = countRequests(clients.client);
    const writeKinds = countWriteKinds(clients.client);
    const runtime = { requestsPerSecond: LIFTED_REQUESTS_PER_SECOND };
    const factory = (pageSize: number) =>
      createConnectorFactory('twingate', { network: NETWORK, apiUrl: simulator.apiUrl, pageSize }, runtime);
    const credentials: CredentialSource = { get: async () => ({ credentials: { apiKey: API_KEY }, fingerprint: 'tg-bench' }) };
    const store = new DynamoInventoryStore(clients.documentClient, TABLE);
    const events = new JsonLinesEventSink(join(workDir, 'events.jsonl'));
    const minimum = minimumRequests(workspace, DEFAULT_PAGE_SIZE);

    const poll = async (): Promise<TwingatePollRequests> => {
      simulator.resetStats();
      requestCounter.reset();
      writeKinds.reset();
      const started = performance.now();
      const result = await pollConnector(
        { store, events, credentials, createConnector: factory(DEFAULT_PAGE_SIZE), clock: systemClock, logger: silentLogger },
        { connectorId: CONNECTOR_ID, app: 'twingate' },
      );
      const wallMs = performance.now() - started;
      if (result.outcome !== 'completed') throw new Error(`twingate benchmark poll ended ${result.outcome}: ${result.error ?? 'no reason given'}`);
      const kinds = writeKinds.counts();
      return {
        ...requestsAt(simulator, minimum, wallMs),
        counts: result.counts,
        dynamoWrites: { total: requestCounter.counts().writes, ...kinds },
      };
    };

    progress(`twingate: ${options.users.toLocaleString('en-US')} users in ${options.groups} groups: first poll...`);
    const firstPoll = await poll();
    const spread = groupSpread(workspace);
    const [accounts, groups, memberships] = await Promise.all([
      store.loadAccounts(CONNECTOR_ID),
      store.loadGroups(CONNECTOR_ID),
      store.loadMemberships(CONNECTOR_ID),
    ]);
    const stored: TwingateStoredInventory = {
      accounts: accounts.filter((account) => account.removedAt === null).length,
      groups: groups.filter((group) => group.removedAt === null).length,
      memberships: memberships.filter((membership) => membership.revokedAt === null).length,
      expected: { accounts: workspace.users.length, groups: workspace.groups.length, memberships: spread.memberships },
    };
    progress(`twingate: listing at page size ${MAX_PAGE_SIZE}...`);
    simulator.resetStats();
    const started = performance.now();
    await collectListing(factory(MAX_PAGE_SIZE)({ apiKey: API_KEY }), { maxPagesPerStream: DEFAULT_POLL_SETTINGS.maxPagesPerStream });
    const largePages = requestsAt(simulator, minimumRequests(workspace, MAX_PAGE_SIZE), performance.now() - started);
    progress('twingate: unchanged poll...');
    const unchangedPoll = await poll();
    return {
      status: 'measured',
      users: options.users,
      spread,
      stored,
      pageSize: DEFAULT_PAGE_SIZE,
      defaultRequestsPerMinute: DEFAULT_REQUESTS_PER_MINUTE,
      liftedRequestsPerSecond: LIFTED_REQUESTS_PER_SECOND,
      firstPoll,
      largePages,
      unchangedPoll,
    };
  } finally {
    clients.client.destroy();
    await Promise.all([simulator.close(), dynamo.close(), rm(workDir, { recursive: true, force: true })]);
  }
}

/**
 * Requests of every listing at most the minimum; an unchanged poll writes no inventory; the first
 * poll stored every account, group and explicit membership (a count at the minimum proves nothing
 * if pages were dropped).
 */
export function twingateTargets(result: TwingateRequestsResult): TargetResult[] {
  if (result.status !== 'measured') return [];
  const { firstPoll, unchangedPoll, largePages, stored } = result;
  const described = (listing: ListingRequests) =>
    `${listing.requests} requests (${listing.byRootField.users} users, ${listing.byRootField.groups} groups, ${listing.byRootField.group} group pages; ${listing.notOk} not 200) / minimum ${listing.minimum.total} (${listing.minimum.userPages} + ${listing.minimum.groupPages} + ${listing.minimum.extraMemberPages}) at page size ${listing.minimum.pageSize}`;
  const ratioTarget = (what: string, listing: ListingRequests): TargetResult => ({
    id: 'twingate-requests-to-minimum',
    description: `Twingate ${what}: requests / minimum (page size ${listing.minimum.pageSize})`,
    users: result.users,
    value: listing.ratio,
    limit: 1,
    unit: 'x',
    status: listing.requests <= listing.minimum.total ? 'PASS' : 'FAIL',
    detail: described(listing),
  });
  return [
    ratioTarget('first poll', firstPoll),
    ratioTarget('listing', largePages),
    ratioTarget('unchanged poll', unchangedPoll),
    {
      id: 'twingate-unchanged-inventory-writes',
      description: 'Twingate unchanged poll: DynamoDB write requests carrying inventory',
      users: result.users,
      value: unchangedPoll.dynamoWrites.inventory,
      limit: 0,
      unit: 'requests',
      status: unchangedPoll.dynamoWrites.inventory === 0 ? 'PASS' : 'FAIL',
      detail: `${unchangedPoll.dynamoWrites.total} write requests in all, ${unchangedPoll.dynamoWrites.bookkeeping} of them bookkeeping (lease, state, run record)`,
    },
    {
      id: 'twingate-first-poll-inventory',
      description: 'Twingate first poll: accounts, groups and memberships stored / in the network',
      users: result.users,
      value: stored.accounts + stored.groups + stored.memberships,
      limit: stored.expected.accounts + stored.expected.groups + stored.expected.memberships,
      unit: 'items',
      status:
        stored.accounts === stored.expected.accounts && stored.groups === stored.expected.groups && stored.memberships === stored.expected.memberships
          ? 'PASS'
          : 'FAIL',
      detail: `stored ${stored.accounts} accounts, ${stored.groups} groups, ${stored.memberships} memberships; the network has ${stored.expected.accounts}, ${stored.expected.groups}, ${stored.expected.memberships}`,
    },
  ];
}

interface Section {
  readonly title: string;
  readonly head: string[];
  readonly rows: string[][];
}

/** The report's tables of the measurement: requests per listing, then what the first poll stored. */
export function twingateSections(result: TwingateRequestsResult): Section[] {
  if (result.status !== 'measured') {
    return [{ title: 'Twingate requests', head: ['listing', 'result'], rows: [['twingate', result.reason]] }];
  }
  const int = (value: number) => value.toLocaleString('en-US');
  const { spread } = result;
  const row = (name: string, listing: ListingRequests, writes: TwingatePollRequests['dynamoWrites'] | null): string[] => [
    name,
    String(listing.minimum.pageSize),
    int(listing.requests),
    `${int(listing.byRootField.users)} / ${int(listing.byRootField.groups)} / ${int(listing.byRootField.group)}`,
    `${int(listing.minimum.total)} (${int(listing.minimum.userPages)} + ${int(listing.minimum.groupPages)} + ${int(listing.minimum.extraMemberPages)})`,
    listing.ratio.toFixed(3),
    listing.minutesAtDefaultBudget.toFixed(1),
    (listing.wallMs / 1000).toFixed(1),
    writes === null ? 'n/a (no store)' : `${int(writes.inventory)} / ${int(writes.bookkeeping)}`,
  ];
  const requests: Section = {
    title:
      `Twingate requests: ${int(result.users)} users, ${spread.groups} groups (members ${int(spread.smallest)}-${int(spread.largest)}, median ${int(spread.median)}; ` +
      `${int(spread.memberships)} memberships) plus Everyone; budget lifted to ${result.liftedRequestsPerSecond}/s, minutes at the default ${result.defaultRequestsPerMinute}/min`,
    head: [
      'listing',
      'page size',
      'requests',
      'users / groups / group pages',
      'minimum (users + groups + extra members)',
      'requests / minimum',
      `minutes at ${result.defaultRequestsPerMinute}/min`,
      's (lifted budget)',
      'DDB writes: inventory / bookkeeping',
    ],
    rows: [
      row('first poll', result.firstPoll, result.firstPoll.dynamoWrites),
      row('listing only', result.largePages, null),
      row('unchanged poll', result.unchangedPoll, result.unchangedPoll.dynamoWrites),
    ],
  };
  const { stored } = result;
  const inventory: Section = {
    title: 'Twingate inventory after the first poll (read back from the store; Everyone is stored as a group, its memberships are implicit)',
    head: ['', 'stored', 'in the network'],
    rows: [
      ['accounts', int(stored.accounts), int(stored.expected.accounts)],
      ['groups', int(stored.groups), int(stored.expected.groups)],
      ['memberships', int(stored.memberships), int(stored.expected.memberships)],
    ],
  };
  return [requests, inventory];
}
