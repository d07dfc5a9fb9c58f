/**
 * The Torq simulator as `rollcall simulate --app torq` serves it: its fault and pagination flags,
 * and how it starts from them (see `simulators/index.ts`).
 */
import { InvalidArgumentError, Option } from 'commander';
import type { SimulatorEntry } from '../registry.ts';
import { generateWorkspace, SIM_USER_FIELDS, startTorqSimulator, type SimFaults, type SimUserField } from './index.ts';

export const SIMULATOR_DEFAULT_CREDENTIALS = { clientId: 'rollcall-demo-client', clientSecret: 'rollcall-demo-secret' };

interface TorqSimulateFlags {
  unpaginatedUsers?: boolean;
  expireTokenAfter?: number;
  rejectCredentials?: boolean;
  forbidUsers?: boolean;
  rateLimit?: { count: number; retryAfterSeconds: number };
  serverErrors?: number;
  malformedPage?: { listing: 'local' | 'sso'; page: number };
  missingFields?: number;
  missingField: SimUserField[];
  wrongTypes?: number;
  repeatPageToken?: boolean;
  duplicateAcrossListings?: number;
  slow?: number;
  enforceRateLimit?: number;
}

function parseRateLimit(value: string): { count: number; retryAfterSeconds: number } {
  const match = /^(\d+)(?::(\d+))?$/.exec(value);
  if (!match) throw new InvalidArgumentError('expected COUNT or COUNT:RETRY_AFTER_SECONDS, such as 3:2');
  return { count: Number(match[1]), retryAfterSeconds: match[2] === undefined ? 1 : Number(match[2]) };
}

function parseRateLimitPerSecond(value: string): number {
  const limit = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(limit) || limit < 1) {
    throw new InvalidArgumentError('expected a whole number of requests per second of at least 1, such as 50');
  }
  return limit;
}

function parseMalformedPage(value: string): { listing: 'local' | 'sso'; page: number } {
  const match = /^(local|sso):(\d+)$/.exec(value);
  if (!match || Number(match[2]) < 1) throw new InvalidArgumentError('expected local:PAGE or sso:PAGE, such as sso:2');
  return { listing: match[1] as 'local' | 'sso', page: Number(match[2]) };
}

function collectField(value: string, previous: SimUserField[] | undefined): SimUserField[] {
  if (!(SIM_USER_FIELDS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${SIM_USER_FIELDS.join(', ')}`);
  }
  return [...(previous ?? []), value as SimUserField];
}

export function faultsFromFlags(flags: TorqSimulateFlags): Partial<SimFaults> {
  const faults: Partial<SimFaults> = {};
  if (flags.expireTokenAfter !== undefined) faults.tokenExpiresAfterCalls = flags.expireTokenAfter;
  if (flags.rejectCredentials) faults.rejectCredentials = true;
  if (flags.forbidUsers) faults.forbidUsers = true;
  if (flags.rateLimit) faults.rateLimit = flags.rateLimit;
  if (flags.serverErrors !== undefined) faults.serverErrors = { count: flags.serverErrors };
  if (flags.malformedPage) faults.malformedPage = flags.malformedPage;
  if (flags.missingFields !== undefined) {
    faults.missingFields = { count: flags.missingFields, fields: flags.missingField.length > 0 ? flags.missingField : ['email'] };
  }
  if (flags.wrongTypes !== undefined) faults.wrongTypes = { count: flags.wrongTypes };
  if (flags.repeatPageToken) faults.repeatPageToken = true;
  if (flags.duplicateAcrossListings !== undefined) faults.duplicateAcrossListings = flags.duplicateAcrossListings;
  if (flags.slow !== undefined) faults.slowMs = flags.slow;
  return faults;
}

export const torqSimulator: SimulatorEntry = {
  app: 'torq',
  title: 'Torq',
  options: () => [
    new Option('--unpaginated-users', "torq: answer users listings in one page without tokens (the vendor's documented behaviour)"),
    new Option('--expire-token-after <calls>', 'torq fault: a token stops working after this many data calls').argParser(parseCount),
    new Option('--reject-credentials', 'torq fault: 401 at the token endpoint'),
    new Option('--forbid-users', 'torq fault: 403 on users listings (key lacks user.read)'),
    new Option('--rate-limit <count[:seconds]>', 'torq fault: the next COUNT data calls answer 429 with Retry-After').argParser(parseRateLimit),
    new Option('--server-errors <count>', 'torq fault: the next COUNT data calls answer 503').argParser(parseCount),
    new Option('--malformed-page <listing:page>', 'torq fault: that page answers truncated JSON').argParser(parseMalformedPage),
    new Option('--missing-fields <count>', 'torq fault: the first COUNT users of each page lack --missing-field fields (default email)').argParser(parseCount),
    new Option('--missing-field <field>', 'torq: field to drop (repeatable)').argParser(collectField),
    new Option('--wrong-types <count>', 'torq fault: the first COUNT users of each page carry wrongly typed fields').argParser(parseCount),
    new Option('--repeat-page-token', 'torq fault: users listings repeat the same next_page_token forever'),
    new Option('--duplicate-across-listings <n>', 'torq fault: N SSO users also appear in the local listing').argParser(parseCount),
    new Option('--slow <ms>', 'torq fault: extra delay on every data answer').argParser(parseCount),
    new Option(
      '--enforce-rate-limit <n>',
      'torq: admit at most N data calls per second per API key, answering 429 with Retry-After beyond (Torq documents 50)',
    ).argParser(parseRateLimitPerSecond),
  ],
  async start(request) {
    const flags = { ...request.flags, missingField: request.flags.missingField ?? [] } as TorqSimulateFlags;
    const credentials = {
      clientId: request.env.TORQ_CLIENT_ID || SIMULATOR_DEFAULT_CREDENTIALS.clientId,
      clientSecret: request.env.TORQ_CLIENT_SECRET || SIMULATOR_DEFAULT_CREDENTIALS.clientSecret,
    };
    const simulator = await startTorqSimulator({
      workspace: generateWorkspace({ users: request.users, seed: request.seed }),
      credentials,
      port: request.port,
      latencyMs: request.latencyMs,
      paginateUsers: flags.unpaginatedUsers !== true,
      faults: faultsFromFlags(flags),
      ...(flags.enforceRateLimit !== undefined ? { rateLimitPerSecond: flags.enforceRateLimit } : {}),
    });
    const usingDefaults = !request.env.TORQ_CLIENT_ID && !request.env.TORQ_CLIENT_SECRET;
    return {
      banner: [
        `Torq simulator: ${request.users} users (seed ${request.seed})`,
        `api-url:  ${simulator.apiUrl}`,
        `auth-url: ${simulator.authUrl}`,
        ...(flags.enforceRateLimit !== undefined ? [`rate limit: ${flags.enforceRateLimit} data calls per second per API key`] : []),
        '',
        'Poll it from another terminal:',
        ...(usingDefaults
          ? [`  export TORQ_CLIENT_ID=${credentials.clientId} TORQ_CLIENT_SECRET=${credentials.clientSecret}`]
          : ['  (with the TORQ_CLIENT_ID / TORQ_CLIENT_SECRET of this shell)']),
        `  npx rollcall poll --connector sim --api-url ${simulator.apiUrl} --auth-url ${simulator.authUrl}`,
      ],
      close: () => simulator.close(),
    };
  },
};

/** Commander passes the previous value as the second argument; a count ignores it. */
function parseCount(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError('expected a whole number');
  return number;
}
