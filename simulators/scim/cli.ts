/**
 * The SCIM simulator as `rollcall simulate --app scim` serves it: its workspace and quirk flags,
 * and how it starts from them (see `simulators/index.ts`). Flags another simulator also declares
 * (`--groups`, `--large-group`, `--forbid-users`, `--throttle`, `--server-errors`) share its
 * spelling and value shape, as the command adds each flag once.
 */
import { InvalidArgumentError, Option } from 'commander';
import type { SimulatorEntry } from '../registry.ts';
import type { ScimSimQuirks } from './quirks.ts';
import { startScimSimulator } from './server.ts';
import { generateScimWorkspace } from './workspace.ts';

/** The token the simulator accepts when `SCIM_TOKEN` is unset; printed, as it guards nothing real. */
export const SCIM_SIMULATOR_DEFAULT_TOKEN = 'rollcall-demo-scim-token';

interface ScimSimulateFlags {
  groups?: number;
  largeGroup?: number;
  maxPageSize?: number;
  capCount?: number;
  totalResultsDrift?: number;
  omitEmptyResources?: boolean;
  cursorOnly?: boolean;
  zeroWithoutTotal?: boolean;
  statusAsNumber?: boolean;
  rejectToken?: boolean;
  forbidUsers?: boolean;
  throttle?: { count: number; retryAfterSeconds?: number };
  serverErrors?: number;
  withoutGroups?: 404 | 501;
  expireCursorOnce?: boolean;
  withoutServiceProviderConfig?: boolean;
  stallPage?: true | 'repeat' | 'empty';
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

function parseDrift(value: string): number {
  const number = Number(value);
  if (!/^[+-]?\d+$/.test(value.trim()) || !Number.isSafeInteger(number)) throw new InvalidArgumentError('expected a whole number, such as 3 or -3');
  return number;
}

function parseThrottle(value: string): { count: number; retryAfterSeconds?: number } {
  const match = /^(\d+)(?::(\d+))?$/.exec(value);
  if (!match) throw new InvalidArgumentError('expected COUNT or COUNT:RETRY_AFTER_SECONDS, such as 2 or 2:1');
  return { count: Number(match[1]), ...(match[2] === undefined ? {} : { retryAfterSeconds: Number(match[2]) }) };
}

function parseNoGroupsStatus(value: string): 404 | 501 {
  if (value === '404' || value === '501') return Number(value) as 404 | 501;
  throw new InvalidArgumentError('expected 404 or 501');
}

function parseStall(value: string): 'repeat' | 'empty' {
  if (value === 'repeat' || value === 'empty') return value;
  throw new InvalidArgumentError('expected repeat or empty');
}

export function scimQuirksFromFlags(flags: ScimSimulateFlags): Partial<ScimSimQuirks> {
  const quirks: Partial<ScimSimQuirks> = {};
  if (flags.capCount !== undefined) quirks.capCount = flags.capCount;
  if (flags.totalResultsDrift !== undefined) quirks.totalResultsDrift = flags.totalResultsDrift;
  if (flags.omitEmptyResources) quirks.omitEmptyResources = true;
  if (flags.cursorOnly) quirks.cursorOnly = true;
  if (flags.zeroWithoutTotal) quirks.zeroWithoutTotal = true;
  if (flags.statusAsNumber) quirks.statusAsNumber = true;
  if (flags.rejectToken) quirks.rejectToken = true;
  if (flags.forbidUsers) quirks.forbidden = true;
  if (flags.throttle) {
    quirks.rateLimit = { count: flags.throttle.count, ...(flags.throttle.retryAfterSeconds === undefined ? {} : { retryAfter: flags.throttle.retryAfterSeconds }) };
  }
  if (flags.serverErrors !== undefined) quirks.serverErrors = { count: flags.serverErrors };
  if (flags.withoutGroups !== undefined) quirks.noGroups = flags.withoutGroups;
  if (flags.expireCursorOnce) quirks.expireCursorOnce = true;
  if (flags.withoutServiceProviderConfig) quirks.noServiceProviderConfig = true;
  if (flags.stallPage !== undefined) quirks.stallPage = flags.stallPage;
  return quirks;
}

function describeQuirks(quirks: Partial<ScimSimQuirks>): string {
  return Object.entries(quirks)
    .map(([key, value]) => (value === true ? key : `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`))
    .join(', ');
}

export const scimSimulator: SimulatorEntry = {
  app: 'scim',
  title: 'SCIM 2.0',
  options: () => [
    new Option('--groups <n>', 'scim: groups in the workspace (default: 8)').argParser(parseCount),
    new Option('--large-group <n>', 'scim: members of the first group, capped at --users (default: 350)').argParser(parseCount),
    new Option('--max-page-size <n>', 'scim: the most resources one page holds, advertised in /ServiceProviderConfig (default: 200)').argParser(parsePositive),
    new Option('--cap-count <n>', 'scim quirk: pages hold at most N resources, whatever count asks, silently').argParser(parsePositive),
    new Option('--total-results-drift <n>', 'scim quirk: totalResults of pages after the first is off by N (e.g. --total-results-drift=-3)').argParser(parseDrift),
    new Option('--omit-empty-resources', 'scim quirk: an empty page has no Resources key'),
    new Option('--cursor-only', 'scim quirk: only cursor paging (RFC 9865); startIndex ignored, the first page carries nextCursor'),
    new Option('--zero-without-total', 'scim quirk: a page with no results has no totalResults'),
    new Option('--status-as-number', 'scim quirk: error bodies carry status as a number'),
    new Option('--reject-token', 'scim quirk: every request answers 401 (a revoked token)'),
    new Option('--forbid-users', 'fault: 403 on users listings (the credential lacks the permission to read users)'),
    new Option('--throttle <count[:seconds]>', 'fault: the next COUNT requests answer 429, with Retry-After when SECONDS is given').argParser(parseThrottle),
    new Option('--server-errors <count>', 'fault: the next COUNT data calls answer 503').argParser(parseCount),
    new Option('--without-groups <status>', 'scim quirk: /Groups answers 404 or 501, a provider without groups (as Quali Torque)').argParser(parseNoGroupsStatus),
    new Option('--expire-cursor-once', 'scim quirk: the first cursor continuation answers 400 expiredCursor'),
    new Option('--without-service-provider-config', 'scim quirk: /ServiceProviderConfig answers 404'),
    new Option('--stall-page [mode]', 'scim quirk: pages after the first make no progress: repeat the first page (default) or come back empty').argParser(parseStall),
  ],
  async start(request) {
    const flags = request.flags as ScimSimulateFlags;
    const token = request.env.SCIM_TOKEN || SCIM_SIMULATOR_DEFAULT_TOKEN;
    const quirks = scimQuirksFromFlags(flags);
    const workspace = generateScimWorkspace({
      users: request.users,
      seed: request.seed,
      ...(flags.groups !== undefined ? { groups: flags.groups } : {}),
      ...(flags.largeGroup !== undefined ? { largeGroupMembers: flags.largeGroup } : {}),
    });
    const simulator = await startScimSimulator({
      workspace,
      token,
      quirks,
      port: request.port,
      latencyMs: request.latencyMs,
      ...(flags.maxPageSize !== undefined ? { maxPageSize: flags.maxPageSize } : {}),
    });
    const described = describeQuirks(quirks);
    return {
      banner: [
        `SCIM simulator: ${workspace.users.length} users, ${workspace.groups.length} groups (seed ${request.seed})`,
        `base-url: ${simulator.baseUrl}`,
        ...(described === '' ? [] : [`quirks:   ${described}`]),
        '',
        'Poll it from another terminal:',
        request.env.SCIM_TOKEN
          ? `  (with the SCIM_TOKEN of this shell) npx rollcall poll --connector scim-sim --app scim --base-url ${simulator.baseUrl}`
          : `  SCIM_TOKEN=${token} npx rollcall poll --connector scim-sim --app scim --base-url ${simulator.baseUrl}`,
      ],
      close: () => simulator.close(),
    };
  },
};
