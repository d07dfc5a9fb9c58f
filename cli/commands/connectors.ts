/**
 * `rollcall connectors`: the connectors of an inventory, their definitions (connectors as data:
 * app, app config, schedule, enabled) beside their status; and `connectors add|set|enable|disable|
 * remove`, which manage the definitions, locally (--data-dir) and in a deployment's table
 * (--table), without a redeploy. A connector declared in cdk.json is the deployment's: it can be
 * disabled and enabled here, not changed or removed.
 */
import { Option, type Command } from 'commander';
import { appRegistry } from '../../functions/connectors/index.ts';
import { appConfigProblems, type AppRegistry } from '../../functions/connectors/registry.ts';
import type { AppDefinition } from '../../functions/connectors/app-definition.ts';
import { ConnectorNotFoundError } from '../../functions/core/definition-errors.ts';
import { firstDueAt } from '../../functions/core/dispatch.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import type { FleetStore } from '../../functions/core/ports.ts';
import { nextDueAfter, parseSchedule, rateFromEvery } from '../../functions/core/schedule.ts';
import type { ConnectorDefinition } from '../../functions/core/types.ts';
import { addAppOptions, appConfigFromFlags, appConfigGiven, appHelp } from '../app-flags.ts';
import type { ExitCodeSink } from '../command.ts';
import { assertCanConfirm, confirm } from '../confirm.ts';
import {
  SECRET_RECOVERY_DAYS,
  connectorSecretName,
  createConnectorSecret,
  deleteConnectorSecret,
  localCredentialsHint,
  openSecretsClient,
  putSecretCommand,
} from '../connector-secret.ts';
import { addStoreOptions, formatOption, parseConnectorId, type StoreOptions } from '../options.ts';
import { renderRows, type Format } from '../output.ts';
import { describeCounts, isEmpty, purgeConnector, removeDefinition, removeTarget } from '../remove-connector.ts';
import { withInventory } from '../runtime.ts';
import { CONNECTOR_ROW_COLUMNS, connectorRowJson, type ConnectorRow } from '../views.ts';

/** As in cdk.json, where a connector without a schedule is polled hourly. */
export const DEFAULT_SCHEDULE = 'rate(1 hour)';

interface ListFlags extends StoreOptions {
  format: Format;
}

interface ScheduleFlags {
  every?: string;
  cron?: string;
}

interface AddFlags extends StoreOptions, ScheduleFlags {
  connector: string;
  app: string;
  disabled?: boolean;
}

interface SetFlags extends StoreOptions, ScheduleFlags {
  connector: string;
  app: string;
}

interface RemoveFlags extends StoreOptions {
  connector: string;
  purge?: boolean;
  yes?: boolean;
}

const CONNECTORS_HELP = `
Without a subcommand: every connector with its definition and status. A connector without a
schedule has no definition: it was removed without --purge (its inventory kept as history), or it
is polled only by "rollcall poll".

Credentials: in a deployment (--table without --endpoint), "connectors add" creates the empty
secret ${connectorSecretName('<id>')} and prints the command that puts its value. Locally, give
them as ROLLCALL_<ID>_<VARIABLE> environment variables or in <data-dir>/credentials.json.
`;

/** `registry` is the production one but in tests of the flags themselves. */
export function registerConnectorsCommand(program: Command, exit: ExitCodeSink, registry: AppRegistry = appRegistry): void {
  // `connectors` and its subcommands both take the store options: those after a subcommand's name
  // must be the subcommand's own. Commander honours that only when the program enables it (it
  // changes nothing for commands without subcommands: their options follow their name anyway).
  program.enablePositionalOptions();
  const connectors = addStoreOptions(
    program
      .command('connectors')
      .description('list connectors with their schedule and status; add, change, enable, disable or remove them')
      .addOption(formatOption(['table', 'json']))
      .enablePositionalOptions()
      .addHelpText('after', CONNECTORS_HELP),
  ).action(async (flags: ListFlags) => {
    const rows = await withInventory(flags, (inventory) => connectorRows(inventory.store));
    process.stdout.write(renderRows(flags.format, rows, CONNECTOR_ROW_COLUMNS, connectorRowJson));
    exit.code = 0;
  });

  const add = connectors
    .command('add')
    .description('add a connector: polled on its schedule (by the deployment, or by "rollcall watch")')
    .requiredOption('--connector <id>', '(required) connector id (your name for this workspace)', parseConnectorId);
  addAppOptions(add, registry);
  addStoreOptions(
    addScheduleOptions(add)
      .option('--disabled', 'add it without polling it yet ("connectors enable" starts)')
      .addHelpText('after', `\n${appHelp(registry)}\n`),
  ).action(async (flags: AddFlags) => {
    if (add.getOptionValueSource('app') !== 'cli') throw new ConfigError(`--app is required: one of ${registry.names.join(', ')}`);
    const { app, config } = appConfigFromFlags(add, registry, flags.app);
    checkAppConfig(app, config);
    const schedule = scheduleOf(flags) ?? DEFAULT_SCHEDULE;
    const now = new Date();
    const enabled = flags.disabled !== true;
    const definition: ConnectorDefinition = {
      connectorId: flags.connector,
      app: app.name,
      config,
      schedule,
      enabled,
      origin: 'added',
      secretArn: null,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      nextDueAt: enabled ? firstDueAt(now) : null,
    };
    await withInventory(flags, (inventory) => inventory.store.createDefinition(definition), { create: true });
    const when = enabled ? 'first poll due now' : 'disabled: "rollcall connectors enable" starts its polling';
    process.stdout.write(`added ${definition.connectorId} (${app.name}, ${schedule}; ${when})\n`);
    if (isDeployment(flags)) {
      const client = await openSecretsClient();
      try {
        const secret = await createConnectorSecret(client, definition.connectorId, app).catch((error: unknown) => {
          // The definition is written: say so, and how to finish by hand, before the error itself.
          process.stderr.write(
            `the connector is added, but its secret could not be created: create it with ` +
              `"aws secretsmanager create-secret --name ${connectorSecretName(definition.connectorId)}", then put its value\n`,
          );
          throw error;
        });
        const name = connectorSecretName(definition.connectorId);
        process.stdout.write(
          `${secret === 'created' ? `created the empty secret ${name}` : `the secret ${name} exists already (kept as it is)`}; ` +
            `put the credentials into it (a poll before that fails and says so):\n  ${putSecretCommand(definition.connectorId, app)}\n`,
        );
      } finally {
        client.destroy();
      }
    } else {
      process.stdout.write(`${localCredentialsHint(definition.connectorId, app)}\nThen "rollcall watch" polls it on its schedule.\n`);
    }
    exit.code = 0;
  });

  const set = connectors
    .command('set')
    .description("change a connector's app options or schedule (the app stays)")
    .requiredOption('--connector <id>', '(required) connector id', parseConnectorId);
  addAppOptions(set, registry);
  addStoreOptions(addScheduleOptions(set)).action(async (flags: SetFlags) => {
    const message = await withInventory(flags, (inventory) => setConnector(inventory.store, set, registry, flags));
    process.stdout.write(message);
    exit.code = 0;
  });

  for (const enabled of [false, true]) {
    const verb = enabled ? 'enable' : 'disable';
    addStoreOptions(
      connectors
        .command(verb)
        .description(enabled ? 'poll a connector on its schedule again (due at once)' : 'stop polling a connector (its definition and inventory stay)')
        .requiredOption('--connector <id>', '(required) connector id', parseConnectorId),
    ).action(async (flags: StoreOptions & { connector: string }) => {
      const message = await withInventory(flags, (inventory) => switchConnector(inventory.store, flags.connector, enabled));
      process.stdout.write(message);
      exit.code = 0;
    });
  }

  addStoreOptions(
    connectors
      .command('remove')
      .description('stop polling a connector; with --purge, delete its inventory too')
      .requiredOption('--connector <id>', '(required) connector id', parseConnectorId)
      .option('--purge', "also delete its accounts, groups, memberships, runs, checkpoint and status, and the people known only through it")
      .option('--yes', 'purge without asking (needed without a terminal)')
      .addHelpText(
        'after',
        `\nWithout --purge the inventory stays, as history. --purge asks first (or --yes), then prints what went;\n` +
          `a purge that was interrupted is finished by running it again. In a deployment it also deletes the\n` +
          `secret ${connectorSecretName('<id>')}, restorable for ${SECRET_RECOVERY_DAYS} days (aws secretsmanager restore-secret).\n`,
      ),
  ).action(async (flags: RemoveFlags) => {
    const purge = flags.purge === true;
    // Before anything is read or changed: a purge nobody can confirm is refused (exit 2).
    if (purge) assertCanConfirm(flags.yes === true, `purging connector ${flags.connector}`);
    const message = await withInventory(flags, async (inventory) => {
      const target = await removeTarget(inventory.store, flags.connector, purge);
      if (!purge) return removeDefinition(inventory.store, target);
      if (flags.yes !== true) {
        // What is about to go, counted for the question only: with --yes nobody reads it.
        const plan = await inventory.store.planPurge(flags.connector);
        const what = `${target.definition === null ? '' : 'its definition, '}${describeCounts(plan)}`;
        const secret = isDeployment(flags) ? ` and its secret ${connectorSecretName(flags.connector)}` : '';
        if (!(await confirm(`Delete connector ${flags.connector}: ${what}${secret}?`))) return null;
      }
      const counts = await purgeConnector(inventory.store, target);
      let secretLine = '';
      if (isDeployment(flags)) {
        const client = await openSecretsClient();
        try {
          const secret = await deleteConnectorSecret(client, flags.connector);
          secretLine =
            secret === 'scheduled'
              ? `its secret ${connectorSecretName(flags.connector)} is deleted in ${SECRET_RECOVERY_DAYS} days (aws secretsmanager restore-secret undoes it until then)\n`
              : `its secret ${connectorSecretName(flags.connector)} was gone already\n`;
        } finally {
          client.destroy();
        }
      }
      const definition = target.definition === null ? '' : 'its definition, ';
      const summary = isEmpty(counts) && target.definition === null ? 'nothing was left' : `${definition}${describeCounts(counts)}`;
      return `purged ${flags.connector}: ${summary}\n${secretLine}`;
    });
    if (message === null) {
      process.stderr.write('nothing deleted\n');
      exit.code = 1;
      return;
    }
    process.stdout.write(message);
    exit.code = 0;
  });
}

function addScheduleOptions(command: Command): Command {
  return command
    .addOption(new Option('--every <period>', `poll every period: 30m, 1h, 1d (default: ${DEFAULT_SCHEDULE})`).conflicts('cron'))
    .addOption(new Option('--cron <expression>', 'poll on a cron schedule, UTC: "0 6 * * *" or cron(0 6 * * ? *)'));
}

/** The schedule the flags ask for, checked by the one set of due-time rules; `null` when none. */
function scheduleOf(flags: ScheduleFlags): string | null {
  let schedule: string | null = null;
  if (flags.every !== undefined) schedule = rateFromEvery(flags.every);
  else if (flags.cron !== undefined) schedule = /^\s*cron\(/.test(flags.cron) ? flags.cron.trim() : `cron(${flags.cron.trim()})`;
  if (schedule !== null) parseSchedule(schedule);
  return schedule;
}

/**
 * An app's config checked exactly as a deployment checks a cdk.json entry
 * (lib/deployment-config.ts): by the app's declarations, then by the app's own parser.
 */
function checkAppConfig(app: AppDefinition, config: Readonly<Record<string, unknown>>): void {
  const problems = appConfigProblems(app, config);
  if (problems.length > 0) throw new ConfigError(`--app ${app.name}: ${problems.join('; ')}`);
  app.createFactory(config);
}

function isDeployment(flags: StoreOptions): boolean {
  return flags.table !== undefined && flags.endpoint === undefined;
}

/** Definitions and states side by side, by connector id. */
async function connectorRows(store: FleetStore): Promise<ConnectorRow[]> {
  const [definitions, states] = await Promise.all([store.listDefinitions(), store.listConnectors()]);
  const rows = new Map<string, { definition: ConnectorDefinition | null; state: ConnectorRow['state'] }>();
  for (const definition of definitions) rows.set(definition.connectorId, { definition, state: null });
  for (const state of states) {
    const row = rows.get(state.connectorId);
    if (row === undefined) rows.set(state.connectorId, { definition: null, state });
    else row.state = state;
  }
  return [...rows.entries()]
    .map(([connectorId, row]) => ({ connectorId, ...row }))
    .sort((a, b) => (a.connectorId < b.connectorId ? -1 : a.connectorId > b.connectorId ? 1 : 0));
}

async function existingDefinition(store: FleetStore, connectorId: string): Promise<ConnectorDefinition> {
  const definition = await store.getDefinition(connectorId);
  if (definition === null) throw new ConnectorNotFoundError(connectorId);
  return definition;
}

/** A new `updatedAt`: the update's condition needs it to differ from the one read. */
function nextUpdatedAt(previous: string, now: Date): string {
  const previousMs = Date.parse(previous);
  return new Date(Number.isNaN(previousMs) ? now.getTime() : Math.max(now.getTime(), previousMs + 1)).toISOString();
}

async function setConnector(store: FleetStore, command: Command, registry: AppRegistry, flags: SetFlags): Promise<string> {
  const current = await existingDefinition(store, flags.connector);
  if (current.origin === 'declared') {
    throw new ConfigError(`connector ${current.connectorId} is declared in cdk.json, which owns its app options and schedule: change them there and deploy`);
  }
  if (command.getOptionValueSource('app') === 'cli' && flags.app !== current.app) {
    throw new ConfigError(`connector ${current.connectorId} is a ${current.app} connector; its app cannot change: remove it and add a new one`);
  }
  if (!registry.has(current.app)) throw new ConfigError(`connector ${current.connectorId}: its app is not one of ${registry.names.join(', ')}`);
  const { app, config: given } = appConfigGiven(command, registry, current.app);
  const schedule = scheduleOf(flags);
  if (Object.keys(given).length === 0 && schedule === null) {
    throw new ConfigError('nothing to change: give app options (see --help), --every or --cron');
  }
  const config = { ...current.config, ...given };
  checkAppConfig(app, config);
  const now = new Date();
  const newSchedule = schedule ?? current.schedule;
  const rescheduled = newSchedule !== current.schedule && current.enabled;
  const next: ConnectorDefinition = {
    ...current,
    config,
    schedule: newSchedule,
    updatedAt: nextUpdatedAt(current.updatedAt, now),
    // A new schedule takes effect at once: the next due time is its first firing from now.
    nextDueAt: rescheduled
      ? new Date(nextDueAfter(parseSchedule(newSchedule), current.connectorId, now.getTime())).toISOString()
      : current.nextDueAt,
  };
  await store.updateDefinition(next, current.updatedAt);
  const changed = [...Object.keys(given).map((key) => key), ...(schedule === null ? [] : ['schedule'])].join(', ');
  return `changed ${current.connectorId} (${changed})${rescheduled ? `; next poll due ${next.nextDueAt}` : ''}\n`;
}

async function switchConnector(store: FleetStore, connectorId: string, enabled: boolean): Promise<string> {
  const current = await existingDefinition(store, connectorId);
  if (current.enabled === enabled) return `${connectorId} is ${enabled ? 'enabled' : 'disabled'} already\n`;
  const now = new Date();
  await store.updateDefinition(
    { ...current, enabled, nextDueAt: enabled ? firstDueAt(now) : null, updatedAt: nextUpdatedAt(current.updatedAt, now) },
    current.updatedAt,
  );
  return enabled
    ? `enabled ${connectorId}: first poll due now, then ${current.schedule}\n`
    : `disabled ${connectorId}: it is not polled until "rollcall connectors enable"; its inventory stays\n`;
}
