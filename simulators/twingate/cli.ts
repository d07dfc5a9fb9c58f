/**
 * The Twingate simulator as `rollcall simulate --app twingate` serves it: the network's shape, its
 * read limit and its fault matrix as flags, and how it starts from them (see `simulators/index.ts`).
 * Its flags are named apart from Torq's (`simulate` adds a flag name once, with the first
 * simulator's description and parser); a slow network is the common `--latency`.
 */
import { InvalidArgumentError, Option } from 'commander';
import type { SimulatorEntry } from '../registry.ts';
import { generateTwingateWorkspace, startTwingateSimulator, type TwingateSimFaults } from './index.ts';

/** The key the simulator accepts when `TWINGATE_API_KEY` is unset; it opens nothing but a loopback simulator. */
export const TWINGATE_SIMULATOR_DEFAULT_API_KEY = 'rollcall-demo-twingate-key';
export const TWINGATE_SIMULATOR_DEFAULT_NETWORK = 'acme';
/** The read-only key `--read-only-key` adds when `TWINGATE_READ_ONLY_API_KEY` is unset: it reads, and its mutations answer 403. */
export const TWINGATE_SIMULATOR_DEFAULT_READ_ONLY_KEY = 'rollcall-demo-twingate-readonly-key';
/** Where `--read-only-key` takes its key from, when set (never printed then). */
export const TWINGATE_READ_ONLY_KEY_ENV = 'TWINGATE_READ_ONLY_API_KEY';

interface TwingateSimulateFlags {
  network?: string;
  groups?: number;
  largeGroup?: number;
  enforceReadLimit?: number;
  enforceWriteLimit?: number;
  readOnlyKey?: boolean;
  throttleWrites?: { count: number; retryAfterSeconds?: number };
  groupUpdateNotOk?: number;
  rejectKey?: boolean;
  unknownNetwork?: boolean;
  htmlBody?: boolean;
  throttle?: { count: number; retryAfterSeconds?: number };
  unavailable?: number;
  graphqlErrors?: number;
  partialData?: boolean;
  clampPageSize?: number;
  repeatCursor?: boolean;
  nullEmails?: number;
}

/** Commander passes the previous value as the second argument; a count ignores it. */
function parseCount(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number)) throw new InvalidArgumentError('expected a whole number');
  return number;
}

function parsePositive(value: string): number {
  const number = parseCount(value);
  if (number < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return number;
}

function parseThrottle(value: string): { count: number; retryAfterSeconds?: number } {
  const match = /^(\d+)(?::(\d+))?$/.exec(value);
  if (!match) throw new InvalidArgumentError('expected COUNT or COUNT:RETRY_AFTER_SECONDS, such as 2 or 2:1');
  return { count: Number(match[1]), ...(match[2] === undefined ? {} : { retryAfterSeconds: Number(match[2]) }) };
}

function parseNetwork(value: string): string {
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(value)) {
    throw new InvalidArgumentError('expected a network name: lower-case letters, digits and inner hyphens');
  }
  return value;
}

export function twingateFaultsFromFlags(flags: TwingateSimulateFlags): Partial<TwingateSimFaults> {
  const faults: Partial<TwingateSimFaults> = {};
  if (flags.rejectKey) faults.rejectKey = true;
  if (flags.unknownNetwork) faults.unknownNetwork = true;
  if (flags.htmlBody) faults.htmlBody = true;
  if (flags.throttle) {
    const { count, retryAfterSeconds } = flags.throttle;
    faults.rateLimit = retryAfterSeconds === undefined ? { count } : { count, retryAfter: retryAfterSeconds };
  }
  if (flags.unavailable !== undefined) faults.serverErrors = { count: flags.unavailable };
  if (flags.graphqlErrors !== undefined) faults.graphqlErrors = { count: flags.graphqlErrors, ...(flags.partialData ? { partial: true } : {}) };
  if (flags.clampPageSize !== undefined) faults.clampPageSize = flags.clampPageSize;
  if (flags.repeatCursor) faults.repeatCursor = true;
  if (flags.nullEmails !== undefined) faults.nullEmails = flags.nullEmails;
  if (flags.throttleWrites) {
    const { count, retryAfterSeconds } = flags.throttleWrites;
    faults.writeRateLimit = retryAfterSeconds === undefined ? { count } : { count, retryAfter: retryAfterSeconds };
  }
  if (flags.groupUpdateNotOk !== undefined) faults.groupUpdateNotOk = { count: flags.groupUpdateNotOk };
  return faults;
}

export const twingateSimulator: SimulatorEntry = {
  app: 'twingate',
  title: 'Twingate',
  options: () => [
    new Option('--network <name>', `twingate: the network's name (default: ${TWINGATE_SIMULATOR_DEFAULT_NETWORK})`).argParser(parseNetwork),
    new Option('--groups <n>', 'twingate: groups besides the SYSTEM group Everyone (default: 6)').argParser(parseCount),
    new Option('--large-group <n>', 'twingate: members of the first group, capped at --users (default: 350)').argParser(parseCount),
    new Option(
      '--enforce-read-limit <n>',
      'twingate: admit at most N requests per minute per API key, answering 429 with Retry-After beyond (Twingate documents 60)',
    ).argParser(parsePositive),
    new Option(
      '--enforce-write-limit <n>',
      'twingate: admit at most N mutations (groupUpdate) per minute per API key, apart from reads, answering 429 with Retry-After beyond (Twingate documents 20)',
    ).argParser(parsePositive),
    new Option(
      '--read-only-key',
      `twingate: also accept a Read-only key (${TWINGATE_READ_ONLY_KEY_ENV}, or a printed default): it reads, and its mutations answer 403`,
    ),
    new Option('--reject-key', 'twingate fault: every request answers 401 (a revoked key)'),
    new Option('--unknown-network', 'twingate fault: every request answers 404 (no network of that name)'),
    new Option('--html-body', 'twingate fault: every request answers 200 with an HTML sign-in page'),
    new Option('--throttle <count[:seconds]>', 'twingate fault: the next COUNT requests answer 429, with Retry-After when SECONDS is given').argParser(
      parseThrottle,
    ),
    new Option('--unavailable <count>', 'twingate fault: the next COUNT requests answer 503').argParser(parseCount),
    new Option('--graphql-errors <count>', 'twingate fault: the next COUNT queries answer HTTP 200 with errors[]').argParser(parseCount),
    new Option('--partial-data', 'twingate: with --graphql-errors, errors[] beside partial data (one email null)'),
    new Option('--clamp-page-size <n>', 'twingate fault: pages of at most N edges, whatever a query asks').argParser(parsePositive),
    new Option('--repeat-cursor', 'twingate fault: every page says hasNextPage with the same endCursor'),
    new Option('--null-emails <count>', 'twingate fault: the first COUNT users answer email null').argParser(parseCount),
    new Option(
      '--throttle-writes <count[:seconds]>',
      'twingate fault: the next COUNT mutations answer 429, with Retry-After when SECONDS is given',
    ).argParser(parseThrottle),
    new Option('--group-update-not-ok <count>', 'twingate fault: the next COUNT groupUpdate mutations answer ok: false, changing nothing').argParser(
      parseCount,
    ),
  ],
  async start(request) {
    const flags = request.flags as TwingateSimulateFlags;
    const apiKey = request.env.TWINGATE_API_KEY || TWINGATE_SIMULATOR_DEFAULT_API_KEY;
    const network = flags.network ?? TWINGATE_SIMULATOR_DEFAULT_NETWORK;
    const readOnlyFromEnv = request.env[TWINGATE_READ_ONLY_KEY_ENV];
    const readOnlyKey = flags.readOnlyKey === true ? readOnlyFromEnv || TWINGATE_SIMULATOR_DEFAULT_READ_ONLY_KEY : null;
    const workspace = generateTwingateWorkspace({
      users: request.users,
      seed: request.seed,
      network,
      ...(flags.groups !== undefined ? { groups: flags.groups } : {}),
      ...(flags.largeGroup !== undefined ? { largeGroupMembers: flags.largeGroup } : {}),
    });
    const simulator = await startTwingateSimulator({
      workspace,
      apiKey,
      port: request.port,
      latencyMs: request.latencyMs,
      faults: twingateFaultsFromFlags(flags),
      ...(flags.enforceReadLimit !== undefined ? { readRequestsPerMinute: flags.enforceReadLimit } : {}),
      ...(flags.enforceWriteLimit !== undefined ? { writeRequestsPerMinute: flags.enforceWriteLimit } : {}),
      ...(readOnlyKey !== null ? { readOnlyApiKey: readOnlyKey } : {}),
    });
    const explicitGroups = workspace.groups.filter((group) => group.type !== 'SYSTEM').length;
    return {
      banner: [
        `Twingate simulator: network ${network}, ${request.users} users, ${explicitGroups} groups and Everyone (seed ${request.seed})`,
        `api-url:  ${simulator.apiUrl}`,
        ...(flags.enforceReadLimit !== undefined ? [`read limit: ${flags.enforceReadLimit} requests per minute per API key`] : []),
        ...(flags.enforceWriteLimit !== undefined ? [`write limit: ${flags.enforceWriteLimit} mutations per minute per API key`] : []),
        ...(readOnlyKey === null
          ? []
          : [
              readOnlyFromEnv
                ? `read-only key: the ${TWINGATE_READ_ONLY_KEY_ENV} of this shell (reads; grant and revoke answer "the API key does not allow writes")`
                : `read-only key: ${readOnlyKey} (reads; grant and revoke answer "the API key does not allow writes")`,
            ]),
        '',
        'Poll it from another terminal:',
        request.env.TWINGATE_API_KEY ? '  (with the TWINGATE_API_KEY of this shell)' : `  export TWINGATE_API_KEY=${apiKey}`,
        `  npx rollcall poll --connector tg --app twingate --network ${network} --api-url ${simulator.apiUrl}`,
        '  (Rollcall spaces requests under Twingate\'s 60 per minute: about one a second with --max-requests-per-minute 60)',
      ],
      close: () => simulator.close(),
    };
  },
};
