import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTableInput, ensureTable } from '../../functions/adapters/dynamodb/create-table.ts';
import { createDynamoClients, type DynamoClients } from '../../functions/adapters/dynamodb/client.ts';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
import { GSI1, GSI2, TABLE_KEYS } from '../../functions/adapters/dynamodb/table-definition.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import { expectedGlobalSecondaryIndexes } from '../support/table-shape.ts';

let embedded: EmbeddedDynamo;
let clients: DynamoClients;

beforeAll(async () => {
  embedded = await startEmbeddedDynamo();
  clients = createDynamoClients({ endpoint: embedded.endpoint });
});

afterAll(async () => {
  clients.client.destroy();
  await embedded.close();
});

const uniqueName = () => `rollcall-table-${randomUUID()}`;

describe('createTableInput', () => {
  it('declares the keys and both indexes of table-definition.ts, on-demand, projecting all attributes', () => {
    const input = createTableInput('t');

    expect(input.BillingMode).toBe('PAY_PER_REQUEST');
    expect(input.KeySchema).toEqual([
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ]);
    expect(input.GlobalSecondaryIndexes).toEqual(
      expectedGlobalSecondaryIndexes(),
    );
    expect(input.AttributeDefinitions?.map((a) => [a.AttributeName, a.AttributeType]).sort()).toEqual(
      [
        [TABLE_KEYS.partitionKey, 'S'],
        [TABLE_KEYS.sortKey, 'S'],
        [GSI1.partitionKey, 'S'],
        [GSI1.sortKey, 'S'],
        [GSI2.partitionKey, 'S'],
        [GSI2.sortKey, 'S'],
      ].sort(),
    );
  });
});

describe('ensureTable', () => {
  it('creates a missing table that is ACTIVE with the definition of table-definition.ts', async () => {
    const tableName = uniqueName();

    expect(await ensureTable(clients.client, tableName)).toBe('created');

    const { Table } = await clients.client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual(createTableInput(tableName).KeySchema);
    expect(
      Table?.GlobalSecondaryIndexes?.map((index) => ({
        IndexName: index.IndexName,
        KeySchema: index.KeySchema,
        Projection: index.Projection,
      })),
    ).toEqual(createTableInput(tableName).GlobalSecondaryIndexes);
  });

  it('is idempotent: a second call finds the table and changes nothing', async () => {
    const tableName = uniqueName();
    await ensureTable(clients.client, tableName);
    const first = await clients.client.send(new DescribeTableCommand({ TableName: tableName }));

    expect(await ensureTable(clients.client, tableName)).toBe('existing');

    const second = await clients.client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(second.Table?.CreationDateTime).toEqual(first.Table?.CreationDateTime);
  });

  it('survives two processes ensuring the same table at once', async () => {
    const tableName = uniqueName();

    const results = await Promise.all([ensureTable(clients.client, tableName), ensureTable(clients.client, tableName)]);

    expect(results).toContain('created');
  });

  it('rejects an existing table of another shape with a ConfigError naming what is missing', async () => {
    const tableName = uniqueName();
    const input = createTableInput(tableName);
    await clients.client.send(
      new CreateTableCommand({ ...input, GlobalSecondaryIndexes: input.GlobalSecondaryIndexes?.slice(0, 1) }),
    );

    const ensuring = ensureTable(clients.client, tableName);

    await expect(ensuring).rejects.toBeInstanceOf(ConfigError);
    await expect(ensuring).rejects.toThrow('GSI2');
  });
});
