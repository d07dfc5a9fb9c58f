/**
 * The CLI's composition root: opens the inventory store the flags ask for (the embedded store
 * under --data-dir, reached through its store server, or a DynamoDB table) and the local event
 * sink. Everything a command needs, built once, closed once.
 */
import { join, resolve } from 'node:path';
import { ConfigError } from '../functions/core/errors.ts';
import type { EventSink, FleetStore } from '../functions/core/ports.ts';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { StoreOptions } from './options.ts';
import { noInventoryError, prepareDataDir } from './store/data-dir.ts';

/** Table name inside the embedded store. */
export const EMBEDDED_TABLE = 'rollcall-inventory';

export interface Inventory {
  readonly store: FleetStore;
  readonly events: EventSink;
  /** Where events are appended (JSON lines). */
  readonly eventsFile: string;
  /** Human description of the store, for messages. */
  readonly description: string;
  close(): Promise<void>;
}

export interface OpenInventoryOptions {
  /**
   * `true` for the commands that write an inventory (poll, demo): a missing data dir and store are
   * created. Otherwise a data dir without an inventory is a usage error and nothing is created.
   */
  readonly create?: boolean;
  /** Stop the embedded store's server once no command uses it any more (the demo, tests). */
  readonly stopStoreServer?: boolean;
  /** The script that runs `rollcall`, for starting the store server (default: this process's, or the repository's bin script). */
  readonly entryScript?: string;
}

export async function openInventory(options: StoreOptions, open: OpenInventoryOptions = {}): Promise<Inventory> {
  // Loaded here, not at the top: `--help` and usage errors then start without the AWS SDK.
  const [{ ensureTable }, { createDynamoClients }, { DynamoInventoryStore }, { JsonLinesEventSink }, { connectStore }] =
    await Promise.all([
      import('../functions/adapters/dynamodb/create-table.ts'),
      import('../functions/adapters/dynamodb/client.ts'),
      import('../functions/adapters/dynamodb/store.ts'),
      import('../functions/adapters/jsonl-event-sink.ts'),
      import('./store/connect.ts'),
    ]);
  const create = open.create === true;
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

  await prepareDataDir(dataDir, { create });
  const connection = await connectStore(dataDir, {
    create,
    ...(open.entryScript !== undefined ? { entryScript: open.entryScript } : {}),
  });
  const detach = () => connection.detach({ stopServer: open.stopStoreServer === true });
  const clients = createDynamoClients({ endpoint: connection.endpoint, accessKeyId: connection.accessKeyId });
  try {
    if (create) await ensureTable(clients.client, EMBEDDED_TABLE);
    else if (!(await tableExists(clients.client))) throw noInventoryError(dataDir);
  } catch (error) {
    clients.client.destroy();
    await detach();
    throw error;
  }
  return {
    store: new DynamoInventoryStore(clients.documentClient, EMBEDDED_TABLE),
    events,
    eventsFile,
    description: `embedded store in ${dataDir}`,
    close: async () => {
      clients.client.destroy();
      await detach();
    },
  };
}

/** A store whose table was never created (a poll that failed before it) holds no inventory either. */
async function tableExists(client: DynamoDBClient): Promise<boolean> {
  const { DescribeTableCommand } = await import('@aws-sdk/client-dynamodb');
  const { toStoreError } = await import('../functions/adapters/dynamodb/errors.ts');
  try {
    await client.send(new DescribeTableCommand({ TableName: EMBEDDED_TABLE }));
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return false;
    throw toStoreError(error, `DescribeTable ${EMBEDDED_TABLE}`);
  }
}

/** Opens the inventory, runs `work`, and always closes it. */
export async function withInventory<T>(
  options: StoreOptions,
  work: (inventory: Inventory) => Promise<T>,
  open: OpenInventoryOptions = {},
): Promise<T> {
  const inventory = await openInventory(options, open);
  try {
    return await work(inventory);
  } finally {
    await inventory.close();
  }
}
