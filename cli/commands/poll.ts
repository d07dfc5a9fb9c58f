/** `rollcall poll`: one poll of one connector, the same core path the Lambda runs. */
import type { Command } from 'commander';
import { EnvCredentialSource } from '../../functions/adapters/env-credentials.ts';
import type { AppName } from '../../functions/core/types.ts';
import { appRegistry } from '../../functions/connectors/index.ts';
import type { AppRegistry } from '../../functions/connectors/registry.ts';
import { addAppOptions, appConfigFromFlags, appHelp } from '../app-flags.ts';
import type { ExitCodeSink } from '../command.ts';
import { chooseEventDestination, openEventBusSink } from '../event-destination.ts';
import { describePollResult, pollLocally, pollResultJson } from '../local-poll.ts';
import { createCliLogger } from '../logger.ts';
import { addStoreOptions, parseConnectorId, parseEventBusName, parseShare, type StoreOptions } from '../options.ts';
import { jsonText } from '../output.ts';
import { progressWanted } from '../progress.ts';
import { withInventory } from '../runtime.ts';

interface PollFlags extends StoreOptions {
  connector: string;
  app: AppName;
  maxRemovalShare?: number;
  json?: boolean;
  eventBus?: string;
  localEvents?: boolean;
}

const POLL_HELP = `
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
      .addHelpText('after', `\n${appHelp(registry)}\n${POLL_HELP}`),
  ).action(async (flags: PollFlags) => {
    // Before anything else: a flag of another app, or a missing required one, is a usage error.
    const { app, config } = appConfigFromFlags(command, registry, flags.app);
    const destination = chooseEventDestination(flags);
    const logger = createCliLogger();
    // The connector gets the same logger, so ROLLCALL_LOG_LEVEL also shows its retries, pages and token refreshes.
    const createConnector = app.createFactory(config, { logger });
    // Missing credentials are a usage error found before the store is opened, so nothing is created.
    await new EnvCredentialSource(app.credentialFields, process.env).get(flags.connector);
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
        exit.code = 128 + SIGNAL_NUMBERS[signal];
        // A page request abandoned by the interruption must not hold the process open.
        setTimeout(() => process.exit(exit.code), 2_000).unref();
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

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;
type StopSignal = keyof typeof SIGNAL_NUMBERS;

/**
 * The first SIGINT/SIGTERM asks the poll to stop (it releases its lease; exit 130 or 143); a
 * second one ends the process at once, as a user pressing Ctrl-C twice expects. The lease of a
 * process ended that way is still freed by the next poll on this host, as its pid is gone.
 */
function stopOnSignals(): { signal: AbortSignal; received(): StopSignal | null; dispose(): void } {
  const controller = new AbortController();
  let received: StopSignal | null = null;
  const onSignal = (signal: StopSignal) => {
    if (received !== null) process.exit(128 + SIGNAL_NUMBERS[signal]);
    received = signal;
    controller.abort(signal);
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    received: () => received,
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
