/**
 * Listing checkpoints in the inventory table: one meta item (cursors, counts) and the ids seen so
 * far split over chunk items, because 100,000 ids outgrow DynamoDB's 400 KB item limit. Written
 * only when a listing does not fit in one invocation, so simplicity beats request economy here.
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ContractError } from '../../core/errors.ts';
import type { ListingCheckpoint, StreamPosition } from '../../core/ports.ts';
import type { SyncCounts } from '../../core/types.ts';
import type { StoredItem } from './items.ts';
import { compareStrings, type TableRequests } from './requests.ts';
import { keys } from './table-definition.ts';

/** Bytes of ids per chunk item, well below DynamoDB's 400 KB item limit whatever the ids' length. */
const CHUNK_BYTES = 300_000;

/**
 * Ids cut into lists of at most CHUNK_BYTES bytes. A DynamoDB list, not a joined string: an API's
 * id may contain any character, and one split apart on resume would make its account look absent.
 */
function chunkIds(ids: readonly string[]): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const id of ids) {
    // DynamoDB counts a list element as its value plus one byte, and three per list.
    const size = Buffer.byteLength(id) + 1;
    if (bytes + size > CHUNK_BYTES && current.length > 0) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(id);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

const chunkSk = (index: number) => `${keys.checkpointSk}#${index.toString().padStart(5, '0')}`;

interface CheckpointMetaItem {
  listingId: string;
  startedAt: string;
  streams: Record<string, StreamPosition>;
  counts: SyncCounts;
  unidentified: number;
  invocations: number;
  chunks: number;
}

export class DynamoCheckpointStore {
  constructor(private readonly table: TableRequests) {}

  async load(connectorId: string): Promise<ListingCheckpoint | null> {
    const items = await this.items(connectorId);
    const meta = items.find((item) => item.SK === keys.checkpointSk) as (CheckpointMetaItem & { SK: string }) | undefined;
    if (meta === undefined) return null;
    const chunks = items
      .filter((item) => item.SK !== keys.checkpointSk)
      .sort((a, b) => compareStrings(String(a.SK), String(b.SK)));
    if (chunks.length < meta.chunks) {
      throw new ContractError(`checkpoint of connector ${connectorId} is missing ${meta.chunks - chunks.length} id chunk(s)`);
    }
    const seenIds = chunks
      .slice(0, meta.chunks)
      .flatMap((item) => idsOf(item.ids));
    return {
      connectorId,
      listingId: meta.listingId,
      startedAt: meta.startedAt,
      streams: meta.streams,
      seenIds,
      counts: meta.counts,
      unidentified: meta.unidentified ?? 0,
      invocations: meta.invocations,
    };
  }

  /** Chunks first, meta last: a crash in between leaves the previous meta, which ignores extra chunks. */
  async save(checkpoint: ListingCheckpoint): Promise<void> {
    const pk = keys.connectorPk(checkpoint.connectorId);
    const chunks = chunkIds(checkpoint.seenIds);
    const chunkCount = chunks.length;
    for (const [index, ids] of chunks.entries()) {
      await this.table.call('PutItem checkpoint chunk', () =>
        this.table.db.send(new PutCommand({ TableName: this.table.tableName, Item: { PK: pk, SK: chunkSk(index), ids } })),
      );
    }
    const meta: CheckpointMetaItem = {
      listingId: checkpoint.listingId,
      startedAt: checkpoint.startedAt,
      streams: checkpoint.streams,
      counts: checkpoint.counts,
      unidentified: checkpoint.unidentified,
      invocations: checkpoint.invocations,
      chunks: chunkCount,
    };
    await this.table.call('PutItem checkpoint', () =>
      this.table.db.send(new PutCommand({ TableName: this.table.tableName, Item: { PK: pk, SK: keys.checkpointSk, ...meta } })),
    );
  }

  async clear(connectorId: string): Promise<void> {
    const pk = keys.connectorPk(connectorId);
    for (const item of await this.items(connectorId, true)) {
      await this.table.call('DeleteItem checkpoint', () =>
        this.table.db.send(new DeleteCommand({ TableName: this.table.tableName, Key: { PK: pk, SK: item.SK } })),
      );
    }
  }

  private async items(connectorId: string, keysOnly = false): Promise<StoredItem[]> {
    const items: StoredItem[] = [];
    await this.table.queryAll(
      'Query checkpoint',
      {
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
        ExpressionAttributeValues: { ':pk': keys.connectorPk(connectorId), ':sk': keys.checkpointSk },
        ConsistentRead: true,
        ...(keysOnly ? { ProjectionExpression: 'PK, SK' } : {}),
      },
      (item) => items.push(item),
    );
    return items;
  }
}

/** A chunk's ids: a list; or, from a checkpoint written before lists, newline-joined text. */
function idsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((id): id is string => typeof id === 'string');
  return typeof value === 'string' && value.length > 0 ? value.split('\n') : [];
}
