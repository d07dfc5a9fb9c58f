/** `rollcall simulate`: the Torq simulator on its own, for trying `rollcall poll` and for tests. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  generateWorkspace,
  SIM_USER_FIELDS,
  startTorqSimulator,
  type SimFaults,
  type SimUserField,
} from '../../simulators/torq/index.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import type { ExitCodeSink } from '../command.ts';
import { parsePort, parsePositiveInt } from '../options.ts';

export const SIMULATOR_DEFAULT_CREDENTIALS = { clientId: 'rollcall-demo-client', clientSecret: 'rollcall-demo-secret' };

interface SimulateFlags {
  port: number;
  users: number;
  seed: number;
  latency: number;
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

function collectField(value: string, previous: SimUserField[]): SimUserField[] {
  if (!(SIM_USER_FIELDS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${SIM_USER_FIELDS.join(', ')}`);
  }
  return [...previous, value as SimUserField];
}

export function faultsFromFlags(flags: SimulateFlags): Partial<SimFaults> {
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

/** A port someone else holds, or one this user may not bind, is a usage error (exit 2) that says which. */
function listenError(error: unknown, port: number): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE') return new ConfigError(`port ${port} is in use: choose another --port, or --port 0 for any free one`, { cause: error });
  if (code === 'EACCES') return new ConfigError(`port ${port} needs privileges: choose a port above 1023, or --port 0`, { cause: error });
  return error;
}

export function registerSimulateCommand(program: Command, _exit: ExitCodeSink): void {
  program
    .command('simulate')
    .description('serve a simulated Torq workspace on loopback until interrupted')
    .option('--port <port>', 'port to listen on (0: any free port)', parsePort, 0)
    .option('--users <n>', 'users in the generated workspace', parsePositiveInt, 250)
    .option('--seed <n>', 'seed of the generated workspace', parsePositiveInt, 1)
    .option('--latency <ms>', 'delay before each data answer', parsePositiveInt, 0)
    .option('--unpaginated-users', 'answer users listings in one page without tokens (the vendor\'s documented behaviour)')
    .option('--expire-token-after <calls>', 'fault: a token stops working after this many data calls', parsePositiveInt)
    .option('--reject-credentials', 'fault: 401 at the token endpoint')
    .option('--forbid-users', 'fault: 403 on users listings (key lacks user.read)')
    .option('--rate-limit <count[:seconds]>', 'fault: the next COUNT data calls answer 429 with Retry-After', parseRateLimit)
    .option('--server-errors <count>', 'fault: the next COUNT data calls answer 503', parsePositiveInt)
    .option('--malformed-page <listing:page>', 'fault: that page answers truncated JSON', parseMalformedPage)
    .option('--missing-fields <count>', 'fault: the first COUNT users of each page lack --missing-field fields (default email)', parsePositiveInt)
    .addOption(new Option('--missing-field <field>', 'field to drop (repeatable)').argParser(collectField).default([]))
    .option('--wrong-types <count>', 'fault: the first COUNT users of each page carry wrongly typed fields', parsePositiveInt)
    .option('--repeat-page-token', 'fault: users listings repeat the same next_page_token forever')
    .option('--duplicate-across-listings <n>', 'fault: N SSO users also appear in the local listing', parsePositiveInt)
    .option('--slow <ms>', 'fault: extra delay on every data answer', parsePositiveInt)
    .option(
      '--enforce-rate-limit <n>',
      'admit at most N data calls per second per API key, answering 429 with Retry-After beyond (Torq documents 50)',
      parseRateLimitPerSecond,
    )
    .action(async (flags: SimulateFlags) => {
      const credentials = {
        clientId: process.env.TORQ_CLIENT_ID || SIMULATOR_DEFAULT_CREDENTIALS.clientId,
        clientSecret: process.env.TORQ_CLIENT_SECRET || SIMULATOR_DEFAULT_CREDENTIALS.clientSecret,
      };
      const simulator = await startTorqSimulator({
        workspace: generateWorkspace({ users: flags.users, seed: flags.seed }),
        credentials,
        port: flags.port,
        latencyMs: flags.latency,
        paginateUsers: flags.unpaginatedUsers !== true,
        faults: faultsFromFlags(flags),
        ...(flags.enforceRateLimit !== undefined ? { rateLimitPerSecond: flags.enforceRateLimit } : {}),
      }).catch((error: unknown) => {
        throw listenError(error, flags.port);
      });
      const usingDefaults = !process.env.TORQ_CLIENT_ID && !process.env.TORQ_CLIENT_SECRET;
      process.stdout.write(
        [
          `Torq simulator: ${flags.users} users (seed ${flags.seed})`,
          `api-url:  ${simulator.apiUrl}`,
          `auth-url: ${simulator.authUrl}`,
          ...(flags.enforceRateLimit !== undefined ? [`rate limit: ${flags.enforceRateLimit} data calls per second per API key`] : []),
          '',
          'Poll it from another terminal:',
          ...(usingDefaults
            ? [`  export TORQ_CLIENT_ID=${credentials.clientId} TORQ_CLIENT_SECRET=${credentials.clientSecret}`]
            : ['  (with the TORQ_CLIENT_ID / TORQ_CLIENT_SECRET of this shell)']),
          `  npx rollcall poll --connector sim --api-url ${simulator.apiUrl} --auth-url ${simulator.authUrl}`,
          '',
          'Ctrl-C stops it.',
          '',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await simulator.close();
    });
}
