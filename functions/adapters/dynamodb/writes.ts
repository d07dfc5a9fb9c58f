/**
 * What one sync writes (`InventoryWrites`), in an order that keeps the inventory consistent if the
 * process dies part-way; unchanged things are not in the writes, so they cost nothing.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AccountChangeRecord, InventoryWrites } from '../../core/ports.ts';
import type { StoredAccount, StoredGroup, StoredIdentity, StoredMembership } from '../../core/types.ts';
import { isConditionalCheckFailed, toStoreError } from './errors.ts';
import { accountKey, accountToItem, groupKey, groupToItem, historyToItem, identityToItem, membershipKey, membershipToItem } from './items.ts';
import { keys } from './table-definition.ts';
import { BATCH_WRITE_LIMIT, batchesOf, drainWithConcurrency, type PutRequest, type TableRequests } from './requests.ts';

export class InventoryWriter {
  constructor(private readonly table: TableRequests) {}

  /**
   * Identities first, then accounts and removals: puts go in batches of 25, several in flight;
   * each removal is one UpdateItem that sets `removedAt` (the port hands over only id and time, and
   * removals are rare: the core holds mass removals back), conditional on the account still
   * existing so a removal never creates a stub item.
   *
   * Why identities first: an account item is what makes later polls see its person as known to
   * this connector, and then nothing writes that person's identity again. Were accounts written
   * first, a poll killed (or a Lambda timed out) between the two would leave people without an
   * identity record for good. In this order every account item that exists has its identity.
   *
   * Identities are batch-put, although a batch put cannot be conditional. A first sync of
   * 100,000 people would otherwise cost 100,000 single conditional PutItems instead of 4,000
   * batches. It is safe: the core only asks to write identities that `findKnownIdentities` found
   * absent moments before; the lease serialises polls of one connector, so the only possible
   * overwrite is by a poll of another connector that saw the same new person within those
   * moments, and then both items say something true ("first seen then, in that connector").
   * The identity's `firstSeenAt` and `firstConnectorId` are informational; no decision reads them.
   *
   * Each account's history goes with it: a change's entry in the account's own batches, a removal's
   * once the removal took, in the next phase. Only changes have entries, so an unchanged poll
   * still writes nothing.
   *
   * Then groups (and their removals), then memberships (grants, then revocations), for the same
   * reason: a membership names an account and a group, and in this order a poll that dies part-way
   * leaves no membership naming an account or group the store does not hold. A revocation sets
   * `revokedAt` on the kept item (the history the console shows) and, like a removal, never creates
   * an item.
   */
  async apply(connectorId: string, writes: InventoryWrites): Promise<void> {
    // A batch must not name one key twice; the last write of a key wins, as it would one by one.
    const accounts = new Map<string, StoredAccount>();
    for (const account of writes.putAccounts) accounts.set(`${account.connectorId}\u0000${account.id}`, account);
    const identities = new Map<string, StoredIdentity>();
    for (const identity of writes.putIdentities) identities.set(identity.emailKey, identity);

    // Items are built batch by batch as the batches go out, not all up front: a first sync of
    // 100,000 people writes 200,000 items, and holding them all at once added about 100 MB to
    // the benchmark's peak RSS (README, "Performance").
    await this.phase(connectorId, putRequests(identities.values(), identityToItem), []);
    // A removal's history entry is written once the removal took (an account that is gone gets
    // none), batched with the group puts of the next phase rather than one PutItem each.
    const removedRecords: AccountChangeRecord[] = [];
    const removals = writes.removeAccounts.map((removal) => async () => {
      const removed = await this.setIfPresent(
        accountKey(connectorId, removal.id),
        'removedAt',
        removal.removedAt,
        `UpdateItem removal in connector ${connectorId}`,
      );
      if (removed) removedRecords.push({ connectorId, accountId: removal.id, at: removal.removedAt, kind: 'removed', changes: [] });
    });
    // Each change's history entry goes with its account, in the same batches.
    const accountPuts = (function* () {
      yield* putRequests(accounts.values(), accountToItem);
      yield* putRequests(writes.recordChanges ?? [], historyToItem);
    })();
    await this.phase(connectorId, accountPuts, removals);

    const groups = new Map<string, StoredGroup>();
    for (const group of writes.putGroups ?? []) groups.set(group.id, group);
    const groupRemovals = (writes.removeGroups ?? []).map((removal) => async () => {
      await this.setIfPresent(groupKey(connectorId, removal.id), 'removedAt', removal.removedAt, `UpdateItem group removal in connector ${connectorId}`);
    });
    const groupPhasePuts = (function* () {
      yield* putRequests(removedRecords, historyToItem);
      yield* putRequests(groups.values(), groupToItem);
    })();
    await this.phase(connectorId, groupPhasePuts, groupRemovals);

    const memberships = new Map<string, StoredMembership>();
    for (const membership of writes.putMemberships ?? []) {
      memberships.set(`${membership.connectorId}\u0000${keys.membershipSk(membership.groupId, membership.accountId)}`, membership);
    }
    const revocations = (writes.revokeMemberships ?? []).map(
      (revocation) => async () => {
        await this.setIfPresent(
          membershipKey(connectorId, revocation.groupId, revocation.accountId),
          'revokedAt',
          revocation.revokedAt,
          `UpdateItem membership revocation in connector ${connectorId}`,
        );
      },
    );
    await this.phase(connectorId, putRequests(memberships.values(), membershipToItem), revocations);
  }

  /** Batch puts, then single updates, through the one pool; the next phase starts when this one is done. */
  private async phase(connectorId: string, puts: Iterable<PutRequest>, updates: readonly (() => Promise<void>)[]): Promise<void> {
    const operation = `BatchWriteItem for connector ${connectorId}`;
    const table = this.table;
    function* tasks(): Generator<() => Promise<void>> {
      for (const batch of batchesOf(puts, BATCH_WRITE_LIMIT)) yield () => table.batchWrite(operation, batch);
      yield* updates;
    }
    await drainWithConcurrency(tasks(), this.table.writeConcurrency, (task) => task());
  }

  /** Sets one time attribute of an existing item; an item that is gone has nothing left to mark (`false`). */
  private async setIfPresent(key: Record<string, string>, attribute: 'removedAt' | 'revokedAt', value: string, operation: string): Promise<boolean> {
    try {
      await this.table.db.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: key,
          UpdateExpression: 'SET #attribute = :value',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeNames: { '#attribute': attribute },
          ExpressionAttributeValues: { ':value': value },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw toStoreError(error, operation);
    }
  }
}

function* putRequests<T>(values: Iterable<T>, toItem: (value: T) => PutRequest['PutRequest']['Item']): Generator<PutRequest> {
  for (const value of values) yield { PutRequest: { Item: toItem(value) } };
}
