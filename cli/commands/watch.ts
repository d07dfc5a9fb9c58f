/**
 * `rollcall watch`: polls every enabled connector of the inventory on its schedule until stopped
 * (`functions/core/watch-loop.ts`), each poll the one `rollcall poll` makes, with the connector's
 * app and config from its definition and its credentials from this machine (`cli/credentials.ts`).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { LocalCredentialSource } from '../../functions/adapters/local-credentials.ts';
import { appRegistry } from '../../functions/connectors/index.ts';
import type { AppRegistry } from '../../functions/connectors/registry.ts';
import { systemClock } from '../../functions/core/ports.ts';
import type { ConnectorDefinition } from '../../functions/core/types.ts';
import { DEFAULT_WATCH_CONCURRENCY, watchConnectors, type WatchPollReport } from '../../functions/core/watch-loop.ts';
import type { ExitCodeSink } from '../command.ts';
import { credentialsFile, credentialsHelp, credentialsOption } from '../credentials.ts';
import { chooseEventDestination, openEventBusSink } from '../event-destination.ts';
import { pollLocally } from '../local-poll.ts';
import { createCliLogger } from '../logger.ts';
import { addStoreOptions, parseEventBusName, type StoreOptions } from '../options.ts';
import { jsonText, printable } from '../output.ts';
import { withInventory, type Inventory } from '../runtime.ts';
import { exitAfterSignal, stopOnSignals } from '../stop-signals.ts';

interface WatchFlags extends StoreOptions {
  concurrency: number;
  credentials?: string;
  eventBus?: string;
  localEvents?: boolean;
  json?: boolean;
}

/** More polls at once than this would exceed what the embedded store and one process serve well. */
const MAX_CONCURRENCY = 64;

function parseConcurrency(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > MAX_CONCURRENCY) {
    throw new InvalidArgumentError(`expected a whole number from 1 to ${MAX_CONCURRENCY}`);
  }
  return number;
}

function watchHelp(registry: AppRegistry): string {
  return `
Polls every enabled connector (rollcall connectors add|enable) when it is due, by the same rules
as a deployment: a rate(...) schedule at a fixed phase in its period, a cron(...) one within its
flexible window. Two watchers, or a watcher and the deployment's dispatcher on one table, never
poll one due time twice. Connectors added, changed or enabled while it runs are seen within 15 s.
${credentialsHelp(registry, { plainVariables: false })}

Output: one line per poll on stdout (--json: one JSON object per line): time, connector id,
outcome, status, counts and duration; ids and counts only. A connector that fails (credentials
missing or rejected, its app down, a config error) is reported and polled again when next due;
the others go on. Logs: stderr, as for rollcall poll.

Stopping: the first Ctrl-C (or SIGTERM) stops claiming, interrupts the polls running (their
leases are released, nothing is removed) and exits 130 (143); a second one exits at once.
`;
}

function reportLine(report: WatchPollReport, at: Date): string {
  const head = `${at.toISOString()} ${report.connectorId} ${report.outcome}`;
  const seconds = `${(report.durationMs / 1000).toFixed(1)} s`;
  if (report.errorKind !== null) return printable(`${head} (${report.errorKind}) in ${seconds}: ${report.error ?? ''}`);
  const counts = report.counts;
  const parts = [head, report.status ?? ''];
  if (counts !== null) {
    parts.push(`total=${counts.total} new=${counts.new} changed=${counts.changed} removed=${counts.removed} invalid=${counts.invalid}`);
  }
  parts.push(`in ${seconds}`);
  if (report.error !== null) parts.push(`reason: ${report.error}`);
  return printable(parts.filter((part) => part !== '').join(' '));
}

function reportJson(report: WatchPollReport, at: Date): Record<string, unknown> {
  return { at: at.toISOString(), ...report };
}

export function registerWatchCommand(program: Command, exit: ExitCodeSink, registry: AppRegistry = appRegistry): void {
  addStoreOptions(
    program
      .command('watch')
      .description('poll every enabled connector on its schedule until stopped')
      .option('--concurrency <n>', `polls running at once (1-${MAX_CONCURRENCY})`, parseConcurrency, DEFAULT_WATCH_CONCURRENCY)
      .addOption(credentialsOption())
      .option('--event-bus <name>', 'publish events to this EventBridge bus (AWS credentials from the usual chain)', parseEventBusName)
      .option('--local-events', 'with --table: append events to <data-dir>/events.jsonl instead of a bus')
      .option('--json', 'print one JSON object per poll instead of a line of text')
      .addHelpText('after', watchHelp(registry)),
  ).action(async (flags: WatchFlags) => {
    const destination = chooseEventDestination(flags);
    const file = credentialsFile(flags);
    const logger = createCliLogger();
    const bus = destination.kind === 'bus' ? await openEventBusSink(destination.eventBusName) : null;
    const stop = stopOnSignals();
    stop.signal.addEventListener('abort', () => process.stderr.write(`${String(stop.received())}: stopping; the polls running are interrupted (press Ctrl-C again to exit at once)\n`), {
      once: true,
    });
    let interrupted = 0;
    try {
      const summary = await withInventory(
        flags,
        async (opened) => {
          const inventory: Inventory = bus === null ? opened : { ...opened, events: bus.events };
          const poll = (definition: ConnectorDefinition, signal: AbortSignal) => {
            // Built per poll from the definition as it is now: nothing is held per connector between polls.
            const app = registry.get(definition.app);
            const createConnector = app.createFactory(definition.config, { logger });
            return pollLocally(inventory, {
              connectorId: definition.connectorId,
              app: app.name,
              registry,
              createConnector,
              env: process.env,
              credentials: new LocalCredentialSource(app.credentialFields, { env: process.env, file, plainVariables: false }),
              showProgress: false,
              logger,
              signal,
            });
          };
          process.stderr.write(
            `watching ${inventory.description}: enabled connectors when due, ${flags.concurrency} at a time; Ctrl-C to stop\n`,
          );
          if ((await inventory.store.listDue('9999-12-31T23:59:59.999Z', 1)).length === 0) {
            process.stderr.write('no enabled connector yet: add one with rollcall connectors add (it is picked up within 15 s)\n');
          }
          return watchConnectors(
            {
              definitions: inventory.store,
              poll,
              clock: systemClock,
              logger,
              onPoll: (report) => {
                if (report.outcome === 'interrupted') interrupted += 1;
                const at = systemClock.now();
                process.stdout.write(`${flags.json === true ? jsonText(reportJson(report, at)) : reportLine(report, at)}\n`);
              },
            },
            { concurrency: flags.concurrency },
            stop.signal,
          );
        },
        { create: true },
      );
      const signal = stop.received();
      process.stderr.write(
        `stopped${signal === null ? '' : ` by ${signal}`}: ${summary.polls} polls, ${summary.failures} not completed ` +
          `(${interrupted} interrupted: leases released, nothing removed)\n`,
      );
      exit.code = signal === null ? 0 : exitAfterSignal(signal);
    } finally {
      // After a signal the handlers stay: another Ctrl-C while the process winds down still exits 130 at once.
      if (stop.received() === null) stop.dispose();
      bus?.close();
    }
  });
}
