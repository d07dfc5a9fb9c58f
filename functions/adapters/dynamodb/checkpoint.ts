/**
 * Listing checkpoints in the inventory table: one meta item (cursors, counts) and what was seen so
 * far split over chunk items, because 100,000 ids outgrow DynamoDB's 400 KB item limit. Three
 * chunk sequences, each counted in the meta item: account ids (`CHECKPOINT#00000`...), group ids
 * (`CHECKPOINT#GROUPS#00000`...) and members per group (`CHECKPOINT#MEMBERS#00000`...). Written
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

/** DynamoDB counts a list element as its value plus one byte, and three bytes per list. */
const listElementBytes = (value: string) => Buffer.byteLength(value, 'utf8') + 1;
const LIST_BYTES = 3;

/**
 * Ids cut into lists of at most CHUNK_BYTES bytes. A DynamoDB list, not a joined string: an API's
 * id may contain any character, and one split apart on resume would make its account look absent.
 */
function chunkIds(ids: readonly string[]): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const id of ids) {
    const size = listElementBytes(id);
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

/**
 * Members per group as chunk items of two parallel lists: `groups[i]` and the account ids
 * `members[i]` listed in it. A group with more members than fit in one chunk continues in the
 * next under the same group id, so any group size fits; a group with no member yet keeps its
 * empty list.
 */
interface MemberChunk {
  groups: string[];
  members: string[][];
}

function chunkMembers(seenMembers: Readonly<Record<string, readonly string[]>>): MemberChunk[] {
  const chunks: MemberChunk[] = [];
  let current: MemberChunk = { groups: [], members: [] };
  let bytes = 0;
  const flush = () => {
    chunks.push(current);
    current = { groups: [], members: [] };
    bytes = 0;
  };
  for (const [groupId, accountIds] of Object.entries(seenMembers)) {
    const entryBytes = listElementBytes(groupId) + LIST_BYTES + 1;
    if (bytes + entryBytes > CHUNK_BYTES && current.groups.length > 0) flush();
    let list: string[] = [];
    current.groups.push(groupId);
    current.members.push(list);
    bytes += entryBytes;
    for (const accountId of accountIds) {
      const size = listElementBytes(accountId);
      if (bytes + size > CHUNK_BYTES && list.length > 0) {
        flush();
        list = [];
        current.groups.push(groupId);
        current.members.push(list);
        bytes += entryBytes;
      }
      list.push(accountId);
      bytes += size;
    }
  }
  if (current.groups.length > 0) chunks.push(current);
  return chunks;
}

const ID_CHUNK = /^CHECKPOINT#\d+$/;
const GROUP_CHUNK_PREFIX = `${keys.checkpointSk}#GROUPS#`;
const MEMBER_CHUNK_PREFIX = `${keys.checkpointSk}#MEMBERS#`;
const sequence = (index: number) => index.toString().padStart(5, '0');
const chunkSk = (index: number) => `${keys.checkpointSk}#${sequence(index)}`;

interface CheckpointMetaItem {
  listingId: string;
  startedAt: string;
  streams: Record<string, StreamPosition>;
  counts: SyncCounts;
  unidentified: number;
  invocations: number;
  chunks: number;
  /** Absent when the listing kept no group ids (and in checkpoints written before groups). */
  groupChunks?: number;
  /** Absent when the listing kept no members (and in checkpoints written before groups). */
  memberChunks?: number;
}

export class DynamoCheckpointStore {
  constructor(private readonly table: TableRequests) {}

  async load(connectorId: string): Promise<ListingCheckpoint | null> {
    const items = await this.items(connectorId);
    const meta = items.find((item) => item.SK === keys.checkpointSk) as (CheckpointMetaItem & { SK: string }) | undefined;
    if (meta === undefined) return null;
    const sequenceOf = (matches: (sk: string) => boolean, count: number, what: string): StoredItem[] => {
      const chunks = items
        .filter((item) => typeof item.SK === 'string' && matches(item.SK))
        .sort((a, b) => compareStrings(String(a.SK), String(b.SK)));
      if (chunks.length < count) {
        throw new ContractError(`checkpoint of connector ${connectorId} is missing ${count - chunks.length} ${what} chunk(s)`);
      }
      // Chunks beyond the count are left over from a larger checkpoint the meta item replaced.
      return chunks.slice(0, count);
    };
    const checkpoint: ListingCheckpoint = {
      connectorId,
      listingId: meta.listingId,
      startedAt: meta.startedAt,
      streams: meta.streams,
      seenIds: sequenceOf((sk) => ID_CHUNK.test(sk), meta.chunks, 'id').flatMap((item) => idsOf(item.ids)),
      counts: meta.counts,
      unidentified: meta.unidentified ?? 0,
      invocations: meta.invocations,
    };
    const groupChunks = typeof meta.groupChunks === 'number' ? meta.groupChunks : null;
    const memberChunks = typeof meta.memberChunks === 'number' ? meta.memberChunks : null;
    return {
      ...checkpoint,
      ...(groupChunks === null
        ? {}
        : {
            seenGroupIds: sequenceOf((sk) => sk.startsWith(GROUP_CHUNK_PREFIX), groupChunks, 'group id').flatMap((item) =>
              idsOf(item.ids),
            ),
          }),
      ...(memberChunks === null
        ? {}
        : { seenMembers: membersOf(sequenceOf((sk) => sk.startsWith(MEMBER_CHUNK_PREFIX), memberChunks, 'member')) }),
    };
  }

  /** Chunks first, meta last: a crash in between leaves the previous meta, which ignores extra chunks. */
  async save(checkpoint: ListingCheckpoint): Promise<void> {
    const pk = keys.connectorPk(checkpoint.connectorId);
    const put = (item: Record<string, unknown>) =>
      this.table.call('PutItem checkpoint chunk', () =>
        this.table.db.send(new PutCommand({ TableName: this.table.tableName, Item: { PK: pk, ...item } })),
      );
    const chunks = chunkIds(checkpoint.seenIds);
    for (const [index, ids] of chunks.entries()) await put({ SK: chunkSk(index), ids });
    const groupChunks = checkpoint.seenGroupIds === undefined ? null : chunkIds(checkpoint.seenGroupIds);
    for (const [index, ids] of (groupChunks ?? []).entries()) await put({ SK: `${GROUP_CHUNK_PREFIX}${sequence(index)}`, ids });
    const memberChunks = checkpoint.seenMembers === undefined ? null : chunkMembers(checkpoint.seenMembers);
    for (const [index, chunk] of (memberChunks ?? []).entries()) {
      await put({ SK: `${MEMBER_CHUNK_PREFIX}${sequence(index)}`, groups: chunk.groups, members: chunk.members });
    }
    const meta: CheckpointMetaItem = {
      listingId: checkpoint.listingId,
      startedAt: checkpoint.startedAt,
      streams: checkpoint.streams,
      counts: checkpoint.counts,
      unidentified: checkpoint.unidentified,
      invocations: checkpoint.invocations,
      chunks: chunks.length,
    };
    if (groupChunks !== null) meta.groupChunks = groupChunks.length;
    if (memberChunks !== null) meta.memberChunks = memberChunks.length;
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

/** Members per group, reassembled from chunks in order (a group may continue over several). */
function membersOf(chunks: readonly StoredItem[]): Record<string, string[]> {
  // A Map, not an object literal: a group id may be any string, `__proto__` included.
  const members = new Map<string, string[]>();
  for (const chunk of chunks) {
    const groups = Array.isArray(chunk.groups) ? chunk.groups : [];
    const lists = Array.isArray(chunk.members) ? chunk.members : [];
    for (const [index, groupId] of groups.entries()) {
      if (typeof groupId !== 'string') continue;
      let list = members.get(groupId);
      if (list === undefined) members.set(groupId, (list = []));
      for (const accountId of idsOf(lists[index])) list.push(accountId);
    }
  }
  return Object.fromEntries(members);
}
