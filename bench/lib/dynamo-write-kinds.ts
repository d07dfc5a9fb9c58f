/**
 * Tells a poll's DynamoDB write requests apart by what they write: the poll's own bookkeeping
 * (the connector's state item with its lease, the run record, a listing checkpoint: a fixed few
 * per poll, design.md section 10) or the inventory (accounts, identities, groups, memberships,
 * whatever the store keeps beside them). A poll that finds nothing changed writes no inventory.
 *
 * It reads the keys each request carries from the SDK client's own middleware stack, as
 * `countRequests` counts them, so each request that reached the wire counts once.
 */
import { requestKindOf } from '../../functions/adapters/dynamodb/client.ts';
import { keys } from '../../functions/adapters/dynamodb/table-definition.ts';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface WriteKindCounts {
  /** Write requests that carry at least one inventory item. */
  readonly inventory: number;
  /** Write requests that carry only bookkeeping items. */
  readonly bookkeeping: number;
}

export interface WriteKindCounter {
  counts(): WriteKindCounts;
  reset(): void;
  detach(): void;
}

let sequence = 0;

/** A key attribute as the document client gives it (a string) or as the wire carries it (`{ S }`). */
function stringOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { S?: unknown }).S === 'string') return (value as { S: string }).S;
  return null;
}

/** Sort keys of the items a write request touches (puts, updates, deletes, condition checks alike). */
function sortKeysOf(command: string, input: unknown): (string | null)[] {
  const record = (input ?? {}) as Record<string, unknown>;
  const skOf = (item: unknown): string | null => stringOf((item as Record<string, unknown> | undefined)?.SK);
  switch (command) {
    case 'PutItem':
      return [skOf(record.Item)];
    case 'UpdateItem':
    case 'DeleteItem':
      return [skOf(record.Key)];
    case 'BatchWriteItem': {
      const tables = (record.RequestItems ?? {}) as Record<string, readonly Record<string, { Item?: unknown; Key?: unknown }>[]>;
      return Object.values(tables)
        .flat()
        .map((request) => skOf(request.PutRequest?.Item ?? request.DeleteRequest?.Key));
    }
    case 'TransactWriteItems': {
      const items = (record.TransactItems ?? []) as readonly Record<string, { Item?: unknown; Key?: unknown }>[];
      return items.map((item) => {
        const action = item.Put ?? item.Update ?? item.Delete ?? item.ConditionCheck;
        return skOf(action?.Item ?? action?.Key);
      });
    }
    default:
      return [null];
  }
}

function isBookkeeping(sortKey: string | null): boolean {
  return sortKey !== null && (sortKey === keys.stateSk || sortKey === keys.checkpointSk || sortKey.startsWith(keys.runSkPrefix));
}

export function countWriteKinds(client: Pick<DynamoDBClient, 'middlewareStack'>): WriteKindCounter {
  sequence += 1;
  const name = `rollcallWriteKinds${sequence}`;
  let inventory = 0;
  let bookkeeping = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      if (requestKindOf(command) === 'write') {
        // An item whose key cannot be read counts as inventory: the check errs towards a failure.
        if (sortKeysOf(command, args.input).every(isBookkeeping)) bookkeeping += 1;
        else inventory += 1;
      }
      return next(args);
    },
    { step: 'deserialize', name, priority: 'high' },
  );
  return {
    counts: () => ({ inventory, bookkeeping }),
    reset() {
      inventory = 0;
      bookkeeping = 0;
    },
    detach() {
      client.middlewareStack.remove(name);
    },
  };
}
