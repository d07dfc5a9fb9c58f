/**
 * The local poll (`rollcall poll`, the demo): the core's `pollConnector` with the CLI's adapters
 * (credentials from the environment, a progress bar, this process as the lease holder), and its
 * outcome rendered for a person or a script.
 */
import { EnvCredentialSource } from '../functions/adapters/env-credentials.ts';
import { pollConnector, type PollResult } from '../functions/core/poll.ts';
import type { RollcallEvent } from '../functions/core/events.ts';
import {
  systemClock,
  type Connector,
  type ConnectorCredentials,
  type CredentialSource,
  type EventSink,
  type Logger,
} from '../functions/core/ports.ts';
import type { AppName } from '../functions/core/types.ts';
import { appRegistry } from '../functions/connectors/index.ts';
import type { AppRegistry } from '../functions/connectors/registry.ts';
import { localHolderProbe, thisProcess } from './lease-holder.ts';
import { printable, renderTable } from './output.ts';
import { createProgress } from './progress.ts';
import type { Inventory } from './runtime.ts';
import { COUNT_COLUMNS } from './views.ts';

export interface LocalPollRequest {
  readonly connectorId: string;
  readonly app: AppName;
  /** Where `app` is registered (its credential variables). @default appRegistry */
  readonly registry?: AppRegistry;
  readonly createConnector: (credentials: ConnectorCredentials) => Connector;
  readonly env: NodeJS.ProcessEnv;
  /** Where the credentials come from. @default the app's variables in `env` */
  readonly credentials?: CredentialSource;
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

/** What a poll needs of an open inventory: its store and events (no console pages). */
export type PollInventory = Omit<Inventory, 'reader' | 'reindexPeople'>;

/**
 * One poll against an open inventory (its store and events: a poll reads no console pages), with
 * credentials from the environment unless `request.credentials` says otherwise.
 */
export async function pollLocally(inventory: PollInventory, request: LocalPollRequest): Promise<LocalPollResult> {
  const credentials =
    request.credentials ?? new EnvCredentialSource((request.registry ?? appRegistry).get(request.app).credentialFields, request.env);
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

/** The smallest `--max-removal-share` (two decimals) that lets `held` of `active` accounts go. */
function shareToApply(held: number, active: number): string {
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
    lines.push(renderTable([c], COUNT_COLUMNS));
    // Only apps with groups grant or revoke access; an app without groups keeps the summary as it was.
    if (c.accessGranted > 0 || c.accessRevoked > 0) {
      lines.push(`group access: ${c.accessGranted} granted, ${c.accessRevoked} revoked (memberships)`);
    }
  }
  lines.push(...anomalyLines(result));
  for (const record of result.invalid) lines.push(`invalid record ${printable(record.id ?? '(no id)')}: ${printable(record.reason)}`);
  if (result.error !== null) lines.push(`reason: ${printable(result.error)}`);
  if (result.outcome === 'skipped') {
    lines.push('The API was not called: these credentials were already rejected. Fix them, then run `rollcall reconnect`.');
  }
  return `${lines.join('\n')}\n`;
}
