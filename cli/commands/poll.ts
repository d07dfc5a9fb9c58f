/** `rollcall poll`: one poll of one connector, the same core path the Lambda runs. */
import { Option, type Command } from 'commander';
import { EnvCredentialSource } from '../../functions/adapters/env-credentials.ts';
import { pollConnector, type PollResult } from '../../functions/core/poll.ts';
import { systemClock, type Connector, type ConnectorCredentials, type Logger } from '../../functions/core/ports.ts';
import type { AppName } from '../../functions/core/types.ts';
import { createCliLogger } from '../logger.ts';
import type { ExitCodeSink } from '../main.ts';
import { addStoreOptions, parseConnectorId, parseRequestsPerSecond, parseShare, type StoreOptions } from '../options.ts';
import { renderTable } from '../output.ts';
import { createProgress, progressWanted } from '../progress.ts';
import { withInventory, type Inventory } from '../runtime.ts';

interface PollFlags extends StoreOptions {
  connector: string;
  app: AppName;
  region: 'us' | 'eu';
  apiUrl?: string;
  authUrl?: string;
  maxRemovalShare?: number;
  maxRequestsPerSecond?: number;
  json?: boolean;
}

export interface LocalPollRequest {
  readonly connectorId: string;
  readonly app: AppName;
  readonly createConnector: (credentials: ConnectorCredentials) => Connector;
  readonly env: NodeJS.ProcessEnv;
  readonly maxRemovalShare?: number;
  readonly showProgress: boolean;
  readonly logger: Logger;
}

/** One poll against an open inventory, with credentials from the environment. */
export async function pollLocally(inventory: Inventory, request: LocalPollRequest): Promise<PollResult> {
  const credentials = new EnvCredentialSource(request.app, request.env);
  // Missing variables are a usage error here (exit 2), not a connector status.
  await credentials.get(request.connectorId);
  const progress = createProgress(`Listing ${request.connectorId}`, request.showProgress);
  try {
    return await pollConnector(
      {
        store: inventory.store,
        events: inventory.events,
        credentials,
        createConnector: request.createConnector,
        clock: systemClock,
        logger: request.logger,
        onProgress: (p) => progress.update(p),
        ...(request.maxRemovalShare !== undefined ? { settings: { maxRemovalShare: request.maxRemovalShare } } : {}),
      },
      { connectorId: request.connectorId, app: request.app },
    );
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

export function describePollResult(result: PollResult): string {
  const lines = [
    `${result.connectorId}: ${result.status} (${result.outcome}) in ${(result.durationMs / 1000).toFixed(1)} s`,
  ];
  if (result.outcome === 'completed') {
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
  for (const anomaly of result.anomalies) lines.push(`anomaly: ${anomaly}`);
  for (const record of result.invalid) lines.push(`invalid record ${record.id ?? '(no id)'}: ${record.reason}`);
  if (result.error !== null) lines.push(`reason: ${result.error}`);
  if (result.outcome === 'skipped') {
    lines.push('The API was not called: these credentials were already rejected. Fix them, then run `rollcall reconnect`.');
  }
  return `${lines.join('\n')}\n`;
}

export function registerPollCommand(program: Command, exit: ExitCodeSink): void {
  addStoreOptions(
    program
      .command('poll')
      .description('poll one connector once: list its users, update the inventory, publish what changed')
      .requiredOption('--connector <id>', 'connector id (your name for this workspace)', parseConnectorId)
      .addOption(new Option('--app <app>', 'SaaS application').choices(['torq']).default('torq'))
      .addOption(new Option('--region <region>', 'Torq region preset').choices(['us', 'eu']).default('us'))
      .option('--api-url <url>', 'data API base URL including /public/v1alpha (overrides --region)')
      .option('--auth-url <url>', 'full token endpoint URL (overrides --region)')
      .option('--max-removal-share <share>', 'hold removals above this share of accounts (0-1)', parseShare)
      .option(
        '--max-requests-per-second <n>',
        'most API calls per second (default 50, Torq\'s limit per API key); lower it when other clients share the key',
        parseRequestsPerSecond,
      )
      .option('--json', 'print one JSON object instead of tables'),
  ).action(async (flags: PollFlags) => {
    const logger = createCliLogger();
    const { createConnectorFactory } = await import('../../functions/connectors/index.ts');
    // The connector gets the same logger, so ROLLCALL_LOG_LEVEL also shows its retries, pages and token refreshes.
    const createConnector = createConnectorFactory(
      flags.app,
      {
        region: flags.region,
        ...(flags.apiUrl !== undefined ? { apiUrl: flags.apiUrl } : {}),
        ...(flags.authUrl !== undefined ? { authUrl: flags.authUrl } : {}),
        ...(flags.maxRequestsPerSecond !== undefined ? { requestsPerSecond: flags.maxRequestsPerSecond } : {}),
      },
      { logger },
    );
    const result = await withInventory(flags, (inventory) =>
      pollLocally(inventory, {
        connectorId: flags.connector,
        app: flags.app,
        createConnector,
        env: process.env,
        ...(flags.maxRemovalShare !== undefined ? { maxRemovalShare: flags.maxRemovalShare } : {}),
        showProgress: progressWanted(flags.json === true),
        logger,
      }),
    );
    process.stdout.write(flags.json ? `${JSON.stringify(pollResultJson(result))}\n` : describePollResult(result));
    exit.code = result.exitCode;
  });
}
