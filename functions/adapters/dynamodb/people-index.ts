/**
 * The one-off backfill of the people index (GSI1 `PEOPLE#<shard>`, table-definition.ts): identity
 * items written before the index existed lack its keys, so the console's people page would not list
 * them. Every person an account names is found by Queries of each connector's accounts (never a
 * Scan); their identity items are read in BatchGets, and each one without the index keys gets them
 * in one conditional UpdateItem (with the name of one of the person's accounts, for search, when
 * the item has none). Items that have the keys cost no write: running it twice writes nothing more.
 */
import { BatchGetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { searchKey } from '../../core/normalise.ts';
import { isConditionalCheckFailed, toStoreError } from './errors.ts';
import { identityKey, peopleIndexAttributes } from './items.ts';
import { BATCH_GET_LIMIT, chunk, runWithConcurrency, type TableRequests } from './requests.ts';
import type { ConnectorStates } from './state.ts';
import { GSI1, keys } from './table-definition.ts';

export interface PeopleIndexReport {
  /** People (normalised emails) the connectors' accounts name. */
  readonly people: number;
  /** Identity items given the index keys now. */
  readonly indexed: number;
  /** People without an identity item at all: the next poll of their connector repairs them (identity-repair.ts). */
  readonly withoutIdentity: number;
}

export async function reindexPeople(table: TableRequests, connectors: ConnectorStates): Promise<PeopleIndexReport> {
  const names = new Map<string, string | null>();
  for (const state of await connectors.list()) {
    await table.queryAll(
      `Query account emails of connector ${state.connectorId}`,
      {
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ProjectionExpression: 'emailKey, #name',
        ExpressionAttributeNames: { '#name': 'name' },
        ExpressionAttributeValues: { ':pk': keys.connectorPk(state.connectorId), ':prefix': keys.accountSkPrefix },
      },
      (item) => {
        if (typeof item.emailKey !== 'string') return;
        const name = typeof item.name === 'string' ? item.name : null;
        if (!names.has(item.emailKey) || (names.get(item.emailKey) === null && name !== null)) names.set(item.emailKey, name);
      },
    );
  }

  let indexed = 0;
  let withoutIdentity = 0;
  const { db, tableName } = table;
  await runWithConcurrency(chunk([...names.keys()], BATCH_GET_LIMIT), table.readConcurrency, async (emailKeys) => {
    const found = new Map<string, { indexed: boolean; named: boolean }>();
    let pending: Record<string, unknown>[] = emailKeys.map((emailKey) => identityKey(emailKey));
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) await table.backoffOrGiveUp('BatchGetItem identities for the people index', attempt - 1, pending.length);
      const answer = await table.call('BatchGetItem identities for the people index', () =>
        db.send(
          new BatchGetCommand({
            RequestItems: { [tableName]: { Keys: pending, ProjectionExpression: 'emailKey, #pk, #name', ExpressionAttributeNames: { '#pk': GSI1.partitionKey, '#name': 'name' } } },
          }),
        ),
      );
      for (const item of answer.Responses?.[tableName] ?? []) {
        if (typeof item.emailKey === 'string') {
          found.set(item.emailKey, { indexed: typeof item[GSI1.partitionKey] === 'string', named: typeof item.name === 'string' });
        }
      }
      pending = answer.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
    for (const emailKey of emailKeys) {
      const identity = found.get(emailKey);
      if (identity === undefined) withoutIdentity += 1;
      else if (!identity.indexed && (await addToIndex(table, emailKey, identity.named ? null : (names.get(emailKey) ?? null)))) indexed += 1;
    }
  });
  return { people: names.size, indexed, withoutIdentity };
}

/** Sets the index keys (and a name when the item has none) on an existing identity item; `false` if it is gone. */
async function addToIndex(table: TableRequests, emailKey: string, name: string | null): Promise<boolean> {
  const index = peopleIndexAttributes(emailKey);
  const values: Record<string, string> = { ':pk': index.GSI1PK, ':sk': index.GSI1SK };
  let update = 'SET #pk = :pk, #sk = :sk';
  const attributeNames: Record<string, string> = { '#pk': GSI1.partitionKey, '#sk': GSI1.sortKey };
  if (name !== null) {
    update += ', #name = :name, searchName = :searchName';
    attributeNames['#name'] = 'name';
    values[':name'] = name;
    values[':searchName'] = searchKey(name);
  }
  try {
    await table.db.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: identityKey(emailKey),
        UpdateExpression: update,
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: attributeNames,
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw toStoreError(error, 'UpdateItem identity for the people index');
  }
}
