/**
 * One embedded dynalite per test file, with real SDK clients, started before the file's tests and
 * closed after them; each caller gets its own table, so tests of a file never see each other's items.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.ts';
import { createDynamoClients, type DynamoClients } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';

export interface EmbeddedDynamoBed {
  /** The clients of the running dynalite (valid inside tests and hooks, not at module load). */
  clients(): DynamoClients;
  /** A fresh table named `<prefix>-<uuid>` and a store on it. */
  newStore(prefix: string): Promise<{ readonly store: DynamoInventoryStore; readonly tableName: string }>;
}

/** Registers the file's `beforeAll`/`afterAll`; call it at the top level of a test file. */
export function useEmbeddedDynamo(): EmbeddedDynamoBed {
  let embedded: EmbeddedDynamo | null = null;
  let clients: DynamoClients | null = null;
  beforeAll(async () => {
    embedded = await startEmbeddedDynamo();
    clients = createDynamoClients({ endpoint: embedded.endpoint });
  });
  afterAll(async () => {
    clients?.client.destroy();
    await embedded?.close();
  });
  const running = (): DynamoClients => {
    if (clients === null) throw new Error('the embedded DynamoDB is not running: use it inside a test or hook');
    return clients;
  };
  return {
    clients: running,
    async newStore(prefix) {
      const tableName = `${prefix}-${randomUUID()}`;
      await ensureTable(running().client, tableName);
      return { store: new DynamoInventoryStore(running().documentClient, tableName), tableName };
    },
  };
}
