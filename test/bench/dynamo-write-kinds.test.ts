/**
 * The benchmark's split of DynamoDB write requests into bookkeeping and inventory, against a real
 * dynalite through both the document client (plain keys) and the low-level client (typed keys).
 */
import { BatchWriteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DeleteCommand, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { countWriteKinds } from '../../bench/lib/dynamo-write-kinds.ts';
import { useEmbeddedDynamo } from '../support/embedded-dynamo.ts';

const bed = useEmbeddedDynamo();

describe('countWriteKinds', () => {
  it('counts a write request as bookkeeping only when every item it carries is the state, a run record or the checkpoint', async () => {
    const { tableName } = await bed.newStore('write-kinds');
    const { client, documentClient } = bed.clients();
    const counter = countWriteKinds(client);
    try {
      const pk = 'CONNECTOR#c1';
      // Bookkeeping: 4 requests.
      await documentClient.send(new PutCommand({ TableName: tableName, Item: { PK: pk, SK: 'STATE', status: 'OK' } }));
      await documentClient.send(new UpdateCommand({ TableName: tableName, Key: { PK: pk, SK: 'STATE' }, UpdateExpression: 'SET s = :s', ExpressionAttributeValues: { ':s': 1 } }));
      await documentClient.send(new PutCommand({ TableName: tableName, Item: { PK: pk, SK: 'RUN#2026-01-01T00:00:00.000Z#r1' } }));
      await client.send(new PutItemCommand({ TableName: tableName, Item: { PK: { S: pk }, SK: { S: 'CHECKPOINT' } } }));
      // Inventory: 5 requests, two of them mixing a bookkeeping item with an inventory one.
      await documentClient.send(new PutCommand({ TableName: tableName, Item: { PK: pk, SK: 'ACCOUNT#a1' } }));
      await documentClient.send(new DeleteCommand({ TableName: tableName, Key: { PK: pk, SK: 'ACCOUNT#a1' } }));
      await documentClient.send(
        new BatchWriteCommand({
          RequestItems: { [tableName]: [{ PutRequest: { Item: { PK: pk, SK: 'STATE' } } }, { PutRequest: { Item: { PK: 'IDENTITY#x', SK: 'IDENTITY' } } }] },
        }),
      );
      await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: [{ DeleteRequest: { Key: { PK: { S: pk }, SK: { S: 'GROUP#g1' } } } }] } }));
      // dynalite does not implement transactions and refuses this one, after it went on the wire.
      const transaction = documentClient.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: tableName, Item: { PK: pk, SK: 'RUN#2026-01-01T00:00:01.000Z#r2' } } },
            { Update: { TableName: tableName, Key: { PK: pk, SK: 'MEMBER#g1#a2' }, UpdateExpression: 'SET s = :s', ExpressionAttributeValues: { ':s': 1 } } },
          ],
        }),
      );
      await expect(transaction).rejects.toThrow();
      // Reads are neither.
      await documentClient.send(new GetCommand({ TableName: tableName, Key: { PK: pk, SK: 'STATE' } }));
      expect(counter.counts()).toEqual({ bookkeeping: 4, inventory: 5 });

      counter.reset();
      expect(counter.counts()).toEqual({ bookkeeping: 0, inventory: 0 });
      counter.detach();
      await documentClient.send(new PutCommand({ TableName: tableName, Item: { PK: pk, SK: 'ACCOUNT#a3' } }));
      expect(counter.counts()).toEqual({ bookkeeping: 0, inventory: 0 });
    } finally {
      counter.detach();
    }
  });
});
