/**
 * The CLI's composition root: opens the inventory store the flags ask for (embedded dynalite
 * under --data-dir, or a DynamoDB table) and the local event sink. Everything a command needs,
 * built once, closed once.
 */
import { join, resolve } from 'node:path';
import { ConfigError } from '../functions/core/errors.ts';
import type { EventSink, InventoryStore } from '../functions/core/ports.ts';
import type { StoreOptions } from './options.ts';

/** Table name inside the embedded store. */
export const EMBEDDED_TABLE = 'rollcall-inventory';

export interface Inventory {
  readonly store: InventoryStore;
  readonly events: EventSink;
  /** Where events are appended (JSON lines). */
  readonly eventsFile: string;
  /** Human description of the store, for messages. */
  readonly description: string;
  close(): Promise<void>;
}

export async function openInventory(options: StoreOptions): Promise<Inventory> {
  // Loaded here, not at the top: `--help` and usage errors then start without the AWS SDK.
  const [{ ensureTable }, { createDynamoClients }, { DynamoInventoryStore }, { JsonLinesEventSink }, { startEmbeddedDynamo }] =
    await Promise.all([
      import('../functions/adapters/create-table.ts'),
      import('../functions/adapters/dynamodb-client.ts'),
      import('../functions/adapters/dynamodb-store.ts'),
      import('../functions/adapters/jsonl-event-sink.ts'),
      import('../functions/adapters/local-dynamodb.ts'),
    ]);
  const dataDir = resolve(options.dataDir);
  const eventsFile = join(dataDir, 'events.jsonl');
  const events = new JsonLinesEventSink(eventsFile);
  if (options.endpoint !== undefined && options.table === undefined) {
    throw new ConfigError('--endpoint needs --table: the table to use at that endpoint');
  }

  if (options.table !== undefined) {
    const clients = createDynamoClients(options.endpoint !== undefined ? { endpoint: options.endpoint } : {});
    try {
      await clients.client.config.region();
    } catch (error) {
      clients.client.destroy();
      throw new ConfigError('--table needs an AWS region: set AWS_REGION, or a region in your AWS profile', { cause: error });
    }
    // Only an explicit endpoint (DynamoDB Local, a test) gets its table created; in AWS the stack owns it.
    if (options.endpoint !== undefined) await ensureTable(clients.client, options.table);
    return {
      store: new DynamoInventoryStore(clients.documentClient, options.table),
      events,
      eventsFile,
      description: `DynamoDB table ${options.table}${options.endpoint ? ` at ${options.endpoint}` : ''}`,
      close: async () => clients.client.destroy(),
    };
  }

  const embedded = await startEmbeddedDynamo({ dataDir: join(dataDir, 'dynamodb') }).catch((error: unknown) => {
    throw new ConfigError(
      `cannot open the embedded store under ${dataDir} (is another rollcall command using it?)`,
      { cause: error },
    );
  });
  const clients = createDynamoClients({ endpoint: embedded.endpoint });
  try {
    await ensureTable(clients.client, EMBEDDED_TABLE);
  } catch (error) {
    clients.client.destroy();
    await embedded.close();
    throw error;
  }
  return {
    store: new DynamoInventoryStore(clients.documentClient, EMBEDDED_TABLE),
    events,
    eventsFile,
    description: `embedded store in ${dataDir}`,
    close: async () => {
      clients.client.destroy();
      await embedded.close();
    },
  };
}

/** Opens the inventory, runs `work`, and always closes it. */
export async function withInventory<T>(options: StoreOptions, work: (inventory: Inventory) => Promise<T>): Promise<T> {
  const inventory = await openInventory(options);
  try {
    return await work(inventory);
  } finally {
    await inventory.close();
  }
}
