/** `rollcall poll`: one poll of one connector, the same core path the Lambda runs. */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { LocalCredentialSource } from '../../functions/adapters/local-credentials.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import type { AppName, ConnectorDefinition } from '../../functions/core/types.ts';
import type { AppDefinition } from '../../functions/connectors/app-definition.ts';
import { appRegistry } from '../../functions/connectors/index.ts';
import type { AppRegistry } from '../../functions/connectors/registry.ts';
import { addAppOptions, appConfigFromFlags, appFlagsGiven, appHelp } from '../app-flags.ts';
import type { ExitCodeSink } from '../command.ts';
import { credentialsFile, credentialsHelp, credentialsOption } from '../credentials.ts';
import { chooseEventDestination, openEventBusSink } from '../event-destination.ts';
import { describePollResult, pollLocally, pollResultJson } from '../local-poll.ts';
import { createCliLogger } from '../logger.ts';
import { addStoreOptions, parseConnectorId, parseEventBusName, parseShare, type StoreOptions } from '../options.ts';
import { jsonText } from '../output.ts';
import { progressWanted } from '../progress.ts';
import { withInventory } from '../runtime.ts';
import { noInventoryError } from '../store/data-dir.ts';
import { exitAfterSignal, stopOnSignals } from '../stop-signals.ts';

interface PollFlags extends StoreOptions {
  connector: string;
  app: AppName;
  credentials?: string;
  maxRemovalShare?: number;
  json?: boolean;
  eventBus?: string;
  localEvents?: boolean;
}

const POLL_HELP = `
App: from the flags when --app or an app flag is given; else from the connector's definition
(rollcall connectors add) when it has one; else --app's default.

Events: appended to <data-dir>/events.jsonl; with --event-bus, published to that EventBridge bus.
A poll of a deployed table (--table without --endpoint) needs --event-bus NAME (the stack output
EventBusName) or an explicit --local-events.

Exit codes:
  0  completed
  1  anything else: the API answered something malformed, or the listing was empty
     (an EMPTY_LISTING anomaly: nothing removed, not a successful sync)
  2  bad usage or configuration (flags, missing credential variables)
  3  RECONNECT_REQUIRED: the credentials were rejected or lack user.read
  4  transient failure (ERROR: rate limits, 5xx, network), or another poll of the connector is running

Logs: stderr, warnings and errors (ROLLCALL_LOG_LEVEL=debug|info for more); readable on a
terminal, JSON lines when piped (ROLLCALL_LOG_FORMAT=json|pretty to choose).
`;

/** `registry` is the production one but in tests of the flags themselves. */
export function registerPollCommand(program: Command, exit: ExitCodeSink, registry: AppRegistry = appRegistry): void {
  const command = program
    .command('poll')
    .description('poll one connector once: list its users, update the inventory, publish what changed')
    .requiredOption('--connector <id>', '(required) connector id (your name for this workspace)', parseConnectorId);
  addAppOptions(command, registry);
  addStoreOptions(
    command
      .option('--max-removal-share <share>', 'hold removals above this share of the active accounts, 0-1 (default: 0.5)', parseShare)
      .option('--event-bus <name>', 'publish events to this EventBridge bus (AWS credentials from the usual chain)', parseEventBusName)
      .option('--local-events', 'with --table: append events to <data-dir>/events.jsonl instead of a bus')
      .option('--json', 'print one JSON object instead of tables')
      .addOption(credentialsOption())
      .addHelpText('after', `\n${appHelp(registry)}\n${credentialsHelp(registry, { plainVariables: true })}\n${POLL_HELP}`),
  ).action(async (flags: PollFlags) => {
    const destination = chooseEventDestination(flags);
    // Before the store is written: a flag of another app, or a missing required one, is a usage error.
    const { app, config } = await appAndConfig(command, registry, flags);
    const logger = createCliLogger();
    // The connector gets the same logger, so ROLLCALL_LOG_LEVEL also shows its retries, pages and token refreshes.
    const createConnector = app.createFactory(config, { logger });
    const credentials = new LocalCredentialSource(app.credentialFields, { env: process.env, file: credentialsFile(flags), plainVariables: true });
    // Missing credentials are a usage error found before the store is opened, so nothing is created.
    await credentials.get(flags.connector);
    const bus = destination.kind === 'bus' ? await openEventBusSink(destination.eventBusName) : null;
    const stop = stopOnSignals();
    try {
      const result = await withInventory(
        flags,
        (inventory) =>
          pollLocally(bus === null ? inventory : { ...inventory, events: bus.events }, {
          connectorId: flags.connector,
          app: app.name,
          registry,
          createConnector,
          env: process.env,
          credentials,
          ...(flags.maxRemovalShare !== undefined ? { maxRemovalShare: flags.maxRemovalShare } : {}),
          showProgress: progressWanted(flags.json === true),
          logger,
          signal: stop.signal,
        }),
        { create: true },
      );
      const signal = stop.received();
      if (result.outcome === 'interrupted' && signal !== null) {
        if (flags.json) process.stdout.write(`${jsonText(pollResultJson(result))}\n`);
        process.stderr.write(`interrupted by ${signal}: lease released, nothing removed\n`);
        exit.code = exitAfterSignal(signal);
        return;
      }
      process.stdout.write(flags.json ? `${jsonText(pollResultJson(result))}\n` : describePollResult(result));
      exit.code = result.exitCode;
    } finally {
      stop.dispose();
      bus?.close();
    }
  });
}

/**
 * The app and config of the poll: from the flags when any app flag is given (as before connectors
 * were data), else from the connector's definition (`rollcall connectors add`) when it has one,
 * else the default app with its defaults. Looking the definition up creates nothing.
 */
async function appAndConfig(
  command: Command,
  registry: AppRegistry,
  flags: PollFlags,
): Promise<{ readonly app: AppDefinition; readonly config: Record<string, unknown> }> {
  if (!appFlagsGiven(command, registry)) {
    const definition = await storedDefinition(flags);
    if (definition !== null) return { app: registry.get(definition.app), config: { ...definition.config } };
  }
  return appConfigFromFlags(command, registry, flags.app);
}

async function storedDefinition(flags: PollFlags): Promise<ConnectorDefinition | null> {
  try {
    return await withInventory(flags, (inventory) => inventory.store.getDefinition(flags.connector));
  } catch (error) {
    // No inventory yet: no definition either, and the poll creates the inventory as before.
    if (error instanceof ConfigError && error.message === noInventoryError(resolve(flags.dataDir)).message) return null;
    throw error;
  }
}
