/** `rollcall poll`: one poll of one connector, the same core path the Lambda runs. */
import type { Command } from 'commander';
import { EnvCredentialSource } from '../../functions/adapters/env-credentials.ts';
import { pollConnector, type PollResult } from '../../functions/core/poll.ts';
import type { RollcallEvent } from '../../functions/core/events.ts';
import { systemClock, type Connector, type ConnectorCredentials, type EventSink, type Logger } from '../../functions/core/ports.ts';
import type { AppName } from '../../functions/core/types.ts';
import { appRegistry } from '../../functions/connectors/index.ts';
import type { AppRegistry } from '../../functions/connectors/registry.ts';
import { addAppOptions, appConfigFromFlags, appHelp } from '../app-flags.ts';
import { localHolderProbe, thisProcess } from '../lease-holder.ts';
import { createCliLogger } from '../logger.ts';
import type { ExitCodeSink } from '../main.ts';
import { chooseEventDestination, openEventBusSink } from '../event-destination.ts';
import { addStoreOptions, parseConnectorId, parseEventBusName, parseShare, type StoreOptions } from '../options.ts';
import { jsonText, printable, renderTable } from '../output.ts';
import { createProgress, progressWanted } from '../progress.ts';
import { withInventory, type Inventory } from '../runtime.ts';

interface PollFlags extends StoreOptions {
  connector: string;
  app: AppName;
  maxRemovalShare?: number;
  json?: boolean;
  eventBus?: string;
  localEvents?: boolean;
}

export interface LocalPollRequest {
  readonly connectorId: string;
  readonly app: AppName;
  /** Where `app` is registered (its credential variables). @default appRegistry */
  readonly registry?: AppRegistry;
  readonly createConnector: (credentials: ConnectorCredentials) => Connector;
  readonly env: NodeJS.ProcessEnv;
  readonly maxRemovalShare?: number;
  readonly showProgress: boolean;
  readonly logger: Logger;
  /** Aborted on SIGINT/SIGTERM: the poll ends `interrupted` and gives its lease back. */
  readonly signal?: AbortSignal;
}

/** What a person should read about a poll beyond its counts, taken from the events it published. */
export interface PollNotes {
  readonly anomalies: readonly { readonly anomaly: string; readonly message: string; readonly heldRemovals?: number }[];
  /** The poll moved the connector out of RECONNECT_REQUIRED (a `ConnectorRecovered` event). */
  readonly recovered: boolean;
}

export type LocalPollResult = PollResult & { readonly notes: PollNotes };

/** Passes every event on, keeping the few a person reads about (never the account events: memory stays flat). */
function noteTaker(events: EventSink): { sink: EventSink; notes: PollNotes } {
  const anomalies: PollNotes['anomalies'][number][] = [];
  const notes = { anomalies, recovered: false };
  const keep = (event: RollcallEvent) => {
    if (event.detailType === 'ConnectorRecovered') notes.recovered = true;
    if (event.detailType === 'SyncAnomaly' && 'anomaly' in event.detail) {
      const { anomaly, message, heldRemovals } = event.detail;
      anomalies.push({ anomaly, message, ...(heldRemovals === undefined ? {} : { heldRemovals }) });
    }
  };
  return {
    notes,
    sink: {
      publish: async (published) => {
        await events.publish(published);
        for (const event of published) keep(event);
      },
    },
  };
}

/** One poll against an open inventory, with credentials from the environment. */
export async function pollLocally(inventory: Inventory, request: LocalPollRequest): Promise<LocalPollResult> {
  const credentials = new EnvCredentialSource((request.registry ?? appRegistry).get(request.app).credentialFields, request.env);
  // Missing variables are a usage error here (exit 2), not a connector status.
  await credentials.get(request.connectorId);
  const progress = createProgress(`Polling ${request.connectorId}`, request.showProgress);
  const { sink, notes } = noteTaker(inventory.events);
  try {
    const result = await pollConnector(
      {
        store: inventory.store,
        events: sink,
        credentials,
        createConnector: request.createConnector,
        clock: systemClock,
        logger: request.logger,
        onProgress: (p) => progress.update(p),
        holder: thisProcess(),
        leaseProbe: localHolderProbe(),
        ...(request.signal !== undefined ? { signal: request.signal } : {}),
        ...(request.maxRemovalShare !== undefined ? { settings: { maxRemovalShare: request.maxRemovalShare } } : {}),
      },
      { connectorId: request.connectorId, app: request.app },
    );
    return { ...result, notes };
  } finally {
    progress.stop();
  }
}

export function pollResultJson(result: PollResult): Record<string, unknown> {
  return {
    connectorId: result.connectorId,
    app: result.app,
    runId: result.runId,
    status: result.status,
    outcome: result.outcome,
    durationMs: result.durationMs,
    counts: result.counts,
    anomalies: result.anomalies,
    invalid: result.invalid,
    error: result.error,
    events: result.events,
  };
}

/**
 * The exit code of design.md section 7, where a listing that returned nothing counts as "anything
 * else" (1): it is an anomaly that proves nothing about the workspace, not a completed sync.
 */
/** The smallest `--max-removal-share` (two decimals) that lets `held` of `active` accounts go. */
export function shareToApply(held: number, active: number): string {
  if (active <= 0) return '1';
  return (Math.min(100, Math.ceil((100 * held) / active)) / 100).toFixed(2).replace(/\.?0+$/, '');
}

function anomalyLines(result: PollResult & { readonly notes?: PollNotes }): string[] {
  const lines: string[] = [];
  const notes = result.notes?.anomalies ?? [];
  for (const kind of result.anomalies) {
    const note = notes.find((candidate) => candidate.anomaly === kind);
    lines.push(note === undefined ? `anomaly: ${printable(kind)}` : `anomaly ${printable(kind)}: ${printable(note.message)}`);
    if (kind === 'MASS_REMOVAL_HELD') {
      // Removals were held, so the active accounts before the sync are those after it, less the ones it added or restored.
      const active = result.counts.total - result.counts.new - result.counts.restored;
      const held = note?.heldRemovals;
      lines.push(
        held === undefined
          ? '  If these accounts really left, poll again with a higher --max-removal-share (0-1) to apply the removals.'
          : `  If these ${held} accounts really left, apply the removals: poll again with --max-removal-share ${shareToApply(held, active)} (now ${held} of ${active}).`,
      );
    }
  }
  return lines;
}

/** The poll's outcome for a person; every value from the API passes through `printable`. */
export function describePollResult(result: PollResult & { readonly notes?: PollNotes }): string {
  const emptyListing = result.outcome === 'completed' && result.anomalies.includes('EMPTY_LISTING');
  const outcome = emptyListing ? 'empty listing: nothing removed, not counted as a successful sync' : result.outcome;
  const lines = [`${printable(result.connectorId)}: ${result.status} (${outcome}) in ${(result.durationMs / 1000).toFixed(1)} s`];
  if (result.notes?.recovered === true) {
    lines.push('ConnectorRecovered: the credentials work again; the connector is out of RECONNECT_REQUIRED.');
  }
  if (result.outcome === 'completed' && !emptyListing) {
    const c = result.counts;
    lines.push(
      renderTable(
        [c],
        [
          { header: 'active', value: (r) => r.total },
          { header: 'new', value: (r) => r.new },
          { header: 'changed', value: (r) => r.changed },
          { header: 'removed', value: (r) => r.removed },
          { header: 'restored', value: (r) => r.restored },
          { header: 'new users', value: (r) => r.newUsers },
          { header: 'associations', value: (r) => r.associations },
          { header: 'invalid', value: (r) => r.invalid },
        ],
      ),
    );
  }
  lines.push(...anomalyLines(result));
  for (const record of result.invalid) lines.push(`invalid record ${printable(record.id ?? '(no id)')}: ${printable(record.reason)}`);
  if (result.error !== null) lines.push(`reason: ${printable(result.error)}`);
  if (result.outcome === 'skipped') {
    lines.push('The API was not called: these credentials were already rejected. Fix them, then run `rollcall reconnect`.');
  }
  return `${lines.join('\n')}\n`;
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
