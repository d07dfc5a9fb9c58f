/**
 * Helpers for the CLI tests of connectors as data: definitions written into a data dir's embedded
 * store (through its store server, as `rollcall connectors add` writes them), and a credentials file.
 */
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withInventory } from '../../cli/runtime.ts';
import type { ConnectorDefinition } from '../../functions/core/types.ts';

export interface DefinitionSeed {
  readonly connectorId: string;
  readonly app: string;
  readonly config: Record<string, unknown>;
  /** @default 'rate(1 hour)' */
  readonly schedule?: string;
}

/** Enabled definitions due now, as `connectors add` leaves them. */
export async function defineConnectors(dataDir: string, seeds: readonly DefinitionSeed[]): Promise<void> {
  const now = new Date().toISOString();
  await withInventory(
    { dataDir },
    async (inventory) => {
      for (const seed of seeds) {
        const definition: ConnectorDefinition = {
          connectorId: seed.connectorId,
          app: seed.app,
          config: seed.config,
          schedule: seed.schedule ?? 'rate(1 hour)',
          enabled: true,
          origin: 'added',
          secretArn: null,
          createdAt: now,
          updatedAt: now,
          nextDueAt: now,
        };
        await inventory.store.createDefinition(definition);
      }
    },
    { create: true },
  );
}

/** `<dataDir>/credentials.json` (the default location) holding `entries`, at `mode`. */
export async function writeCredentialsFile(dataDir: string, entries: Record<string, Record<string, string>>, mode = 0o600): Promise<string> {
  const path = join(dataDir, 'credentials.json');
  await writeFile(path, JSON.stringify(entries), { mode });
  await chmod(path, mode);
  return path;
}
