/**
 * `rollcall grant` and `rollcall revoke`: add an account to a group of an app, or remove it, on
 * request, through the core's rules (`functions/core/provision.ts`, design.md section 6). Without
 * `--yes` they say what would change and write nothing; on a terminal they then ask. Exit codes
 * are those of `rollcall poll` (design.md section 7).
 */
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { EnvCredentialSource } from '../../functions/adapters/env-credentials.ts';
import { classifyError, ConfigError, safeMessage } from '../../functions/core/errors.ts';
import {
  provisionMembership,
  type AccountTarget,
  type GroupTarget,
  type ProvisionAction,
  type ProvisionRequest,
  type ProvisionResult,
} from '../../functions/core/provision.ts';
import { systemClock } from '../../functions/core/ports.ts';
import type { AppName } from '../../functions/core/types.ts';
import { appRegistry } from '../../functions/connectors/index.ts';
import type { AppRegistry } from '../../functions/connectors/registry.ts';
import { addAppOptions, appConfigFromFlags, appHelp } from '../app-flags.ts';
import type { ExitCodeSink } from '../command.ts';
import { chooseEventDestination, openEventBusSink } from '../event-destination.ts';
import { localHolderProbe, thisProcess } from '../lease-holder.ts';
import { createCliLogger } from '../logger.ts';
import { addStoreOptions, parseConnectorId, parseEventBusName, type StoreOptions } from '../options.ts';
import { jsonText, printable } from '../output.ts';
import { withInventory } from '../runtime.ts';

interface ProvisionFlags extends StoreOptions {
  connector: string;
  app: AppName;
  group?: string;
  groupId?: string;
  email?: string;
  account?: string;
  yes?: boolean;
  json?: boolean;
  eventBus?: string;
  localEvents?: boolean;
}

const PROVISION_HELP = `
Rules: only groups created in the app (MANUAL) can change; SYNCED and SYSTEM groups are
refused. The account and the group must be in the inventory (poll the connector first), each
naming exactly one. Granting a membership that exists, or revoking one that does not, changes
nothing. Every change is read back from the app, then published (AccessGranted / AccessRevoked
with initiatedBy, your OS user name, and a request id) and written to the inventory.

Without --yes: prints what would change and writes nothing (on a terminal, asks first).
The API key needs write access (a key that may write); a read-only key is refused with
exit 2 and leaves the connector's status as it is.

Exit codes:
  0  changed, nothing to change, or a dry run
  1  anything else: the app refused the change (its reason is shown), or the read-back did not show it
  2  bad usage or configuration: flags, credentials, a refused rule, a key that does not allow writes
  3  the credentials were rejected on a read
  4  transient failure (rate limits, 5xx, network), or a poll of the connector is running
`;

/** Who asked, for the audit trail: the OS user name (never a secret). */
function initiatedBy(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

export function registerProvisionCommands(program: Command, exit: ExitCodeSink, registry: AppRegistry = appRegistry): void {
  register(program, exit, registry, 'grant', 'add an account to a group of the app (only groups created in the app)');
  register(program, exit, registry, 'revoke', 'remove an account from a group of the app (only groups created in the app)');
}

function register(program: Command, exit: ExitCodeSink, registry: AppRegistry, action: ProvisionAction, description: string): void {
  const command = program
    .command(action)
    .description(description)
    .requiredOption('--connector <id>', '(required) connector id (your name for this workspace)', parseConnectorId);
  addAppOptions(command, registry);
  addStoreOptions(
    command
      .option('--group <name>', "the group's name or id, as `rollcall groups` lists it")
      .option('--group-id <id>', "the group's id (never ambiguous)")
      .option('--email <email>', "the account's email")
      .option('--account <id>', "the account's id in the app")
      .option('--yes', 'make the change (without it: print what would change and write nothing)')
      .option('--json', 'print one JSON object')
      .option('--event-bus <name>', 'publish the event to this EventBridge bus (AWS credentials from the usual chain)', parseEventBusName)
      .option('--local-events', 'with --table: append the event to <data-dir>/events.jsonl instead of a bus')
      .addHelpText('after', `\n${appHelp(registry)}\n${PROVISION_HELP}`),
  ).action(async (flags: ProvisionFlags) => {
    const { app, config } = appConfigFromFlags(command, registry, flags.app);
    const group = groupTarget(flags);
    const account = accountTarget(flags);
    if (app.createProvisionerFactory === undefined) {
      throw new ConfigError(`${app.title} connectors are read-only: Rollcall cannot grant or revoke there`);
    }
    const destination = chooseEventDestination(flags);
    const logger = createCliLogger();
    const createProvisioner = app.createProvisionerFactory(config, { logger });
    const { credentials } = await new EnvCredentialSource(app.credentialFields, process.env).get(flags.connector);
    const provisioner = createProvisioner(credentials);
    const request: ProvisionRequest = {
      connectorId: flags.connector,
      action,
      group,
      account,
      requestId: randomUUID(),
      initiatedBy: initiatedBy(),
      execute: false,
    };
    const bus = destination.kind === 'bus' ? await openEventBusSink(destination.eventBusName) : null;
    try {
      const result = await withInventory(flags, async (inventory) => {
        const deps = {
          store: inventory.store,
          events: bus?.events ?? inventory.events,
          provisioner,
          clock: systemClock,
          logger,
          holder: thisProcess(),
          leaseProbe: localHolderProbe(),
        };
        const plan = await provisionMembership(deps, request);
        if (plan.outcome !== 'planned') return { result: plan, dryRun: false };
        if (flags.yes !== true && !(await confirmed(plan, flags.json === true))) return { result: plan, dryRun: true };
        return { result: await provisionMembership(deps, { ...request, execute: true }), dryRun: false };
      });
      process.stdout.write(flags.json === true ? `${jsonText(resultJson(result.result, result.dryRun))}\n` : describe(result.result, result.dryRun));
      exit.code = 0;
    } catch (error) {
      if (flags.json === true) {
        const { kind, exitCode } = classifyError(error);
        process.stdout.write(`${jsonText({ requestId: request.requestId, connectorId: request.connectorId, action, outcome: 'failed', kind, exitCode, error: safeMessage(error) })}\n`);
      }
      throw error;
    } finally {
      bus?.close();
    }
  });
}

function groupTarget(flags: ProvisionFlags): GroupTarget {
  if ((flags.group === undefined) === (flags.groupId === undefined)) throw new ConfigError('give the group with exactly one of --group and --group-id');
  return flags.group !== undefined ? { nameOrId: flags.group } : { groupId: flags.groupId as string };
}

function accountTarget(flags: ProvisionFlags): AccountTarget {
  if ((flags.email === undefined) === (flags.account === undefined)) throw new ConfigError('give the account with exactly one of --email and --account');
  return flags.email !== undefined ? { email: flags.email } : { accountId: flags.account as string };
}

/** On a terminal (and not with --json, which scripts read), asks before writing; elsewhere a run without --yes is a dry run. */
async function confirmed(plan: ProvisionResult, json: boolean): Promise<boolean> {
  if (json || !process.stdin.isTTY || !process.stdout.isTTY) return false;
  process.stdout.write(`would ${change(plan)}\n`);
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await prompt.question('Make this change? [y/N] ');
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}

function change(result: ProvisionResult): string {
  const who = `${printable(result.account.email ?? '(no email)')} (account ${printable(result.account.id)})`;
  const where = `group ${printable(result.group.name ?? '(no name)')} (${printable(result.group.id)}, ${printable(result.group.type ?? 'no type')}) of ${printable(result.connectorId)}`;
  return result.action === 'grant' ? `add ${who} to ${where}` : `remove ${who} from ${where}`;
}

/** The outcome for a person; inventory values pass through `printable`. */
function describe(result: ProvisionResult, dryRun: boolean): string {
  switch (result.outcome) {
    case 'unchanged': {
      const state = result.action === 'grant' ? 'is already a member' : 'is not a member';
      const note = result.inventoryHeld === (result.action === 'grant') ? '' : ' (the inventory differs: the next poll records it)';
      return `nothing to change: the account ${state}${note}; ${change(result)} not needed\nrequest ${result.requestId}\n`;
    }
    case 'planned':
      return `would ${change(result)}\n${dryRun ? '(dry run: nothing changed; add --yes to make the change)\n' : ''}`;
    case 'changed':
      return `done: ${change(result)}, read back and recorded\nrequest ${result.requestId}, event ${result.eventIds.join(', ')}\n`;
  }
}

function resultJson(result: ProvisionResult, dryRun: boolean): Record<string, unknown> {
  return { ...result, dryRun };
}
