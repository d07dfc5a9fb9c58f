/** `rollcall connectors`: every connector with its status, last sync, last error and counts. */
import type { Command } from 'commander';
import type { ConnectorState } from '../../functions/core/types.ts';
import type { ExitCodeSink } from '../main.ts';
import { addStoreOptions, formatOption, type StoreOptions } from '../options.ts';
import { renderRows, type Column, type Format } from '../output.ts';
import { withInventory } from '../runtime.ts';

interface ConnectorsFlags extends StoreOptions {
  format: Format;
}

export const CONNECTOR_COLUMNS: readonly Column<ConnectorState>[] = [
  { header: 'connector', value: (c) => c.connectorId },
  { header: 'app', value: (c) => c.app },
  { header: 'status', value: (c) => c.status },
  { header: 'reason', value: (c) => c.statusReason },
  { header: 'last success', value: (c) => c.lastSuccessAt },
  { header: 'last sync', value: (c) => c.lastSyncAt },
  { header: 'accounts', value: (c) => c.counts.total },
];

export function connectorJson(state: ConnectorState): Record<string, unknown> {
  return {
    connectorId: state.connectorId,
    app: state.app,
    status: state.status,
    statusReason: state.statusReason,
    statusChangedAt: state.statusChangedAt,
    lastSyncAt: state.lastSyncAt,
    lastSuccessAt: state.lastSuccessAt,
    lastError: state.lastError,
    counts: state.counts,
  };
}

export function registerConnectorsCommand(program: Command, exit: ExitCodeSink): void {
  addStoreOptions(
    program
      .command('connectors')
      .description('list connectors with their status, last sync and counts')
      .addOption(formatOption(['table', 'json'])),
  ).action(async (flags: ConnectorsFlags) => {
    const connectors = await withInventory(flags, (inventory) => inventory.store.listConnectors());
    connectors.sort((a, b) => a.connectorId.localeCompare(b.connectorId));
    process.stdout.write(renderRows(flags.format, connectors, CONNECTOR_COLUMNS, connectorJson));
    exit.code = 0;
  });
}
