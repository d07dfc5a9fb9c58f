/**
 * Creates the inventory table on a DynamoDB-compatible endpoint (`--endpoint`, the embedded store).
 * In AWS the CDK construct owns the table; both build it from table-definition.ts.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { ConfigError } from '../../core/errors.ts';
import {
  GLOBAL_SECONDARY_INDEXES,
  KEY_ATTRIBUTE_TYPE,
  TABLE_KEYS,
  TTL_ATTRIBUTE,
  type IndexDefinition,
} from './table-definition.ts';
import { hasErrorName, toStoreError } from './errors.ts';

/** The CreateTable request for the inventory table: on-demand billing, both GSIs projecting all attributes. */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const keyAttributes = [
    TABLE_KEYS.partitionKey,
    TABLE_KEYS.sortKey,
    ...GLOBAL_SECONDARY_INDEXES.flatMap((index) => [index.partitionKey, index.sortKey]),
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: keyAttributes.map((name) => ({ AttributeName: name, AttributeType: KEY_ATTRIBUTE_TYPE })),
    KeySchema: [
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: GLOBAL_SECONDARY_INDEXES.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
  };
}

export type EnsureTableResult = 'created' | 'existing';

export interface EnsureTableOptions {
  /** How long to wait for the table to become ACTIVE. Default 300. */
  readonly maxWaitSeconds?: number;
}

/**
 * Creates the table when it is missing and waits until it is ACTIVE; an existing table is checked
 * against the key schema so that `--table` pointing at some other table fails with a clear error.
 * Safe to call on every start and from concurrent processes.
 */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  options: EnsureTableOptions = {},
): Promise<EnsureTableResult> {
  let result: EnsureTableResult = 'existing';
  let description = await describeTable(client, tableName);
  if (description === null) {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
      result = 'created';
    } catch (error) {
      // Another process created it between our DescribeTable and CreateTable.
      if (!hasErrorName(error, 'ResourceInUseException')) {
        throw toStoreError(error, `CreateTable ${tableName}`);
      }
    }
  }
  if (description?.TableStatus !== 'ACTIVE') {
    const maxWaitTime = options.maxWaitSeconds ?? 300;
    try {
      // The waiter checks once right away, so a table that is born ACTIVE (dynalite) costs no delay.
      await waitUntilTableExists({ client, maxWaitTime, minDelay: 0.5, maxDelay: 5 }, { TableName: tableName });
    } catch (error) {
      throw toStoreError(error, `waiting for table ${tableName} to become ACTIVE`);
    }
    description = await describeTable(client, tableName);
  }
  if (description === null) throw new ConfigError(`table ${tableName} disappeared while being created`);
  assertRollcallSchema(description, tableName);
  if (result === 'created') await enableTimeToLive(client, tableName);
  return result;
}

async function describeTable(client: DynamoDBClient, tableName: string): Promise<TableDescription | null> {
  try {
    const answer = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return answer.Table ?? null;
  } catch (error) {
    if (hasErrorName(error, 'ResourceNotFoundException')) return null;
    throw toStoreError(error, `DescribeTable ${tableName}`);
  }
}

/**
 * Sync runs expire by TTL (design.md section 4). dynalite does not implement UpdateTimeToLive;
 * there the runs simply stay, which a laptop store can afford.
 */
async function enableTimeToLive(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  } catch (error) {
    if (hasErrorName(error, 'UnknownOperationException')) return;
    throw toStoreError(error, `UpdateTimeToLive ${tableName}`);
  }
}

function assertRollcallSchema(table: TableDescription, tableName: string): void {
  const hasKeys = (schema: TableDescription['KeySchema'], partitionKey: string, sortKey: string) =>
    schema?.some((key) => key.KeyType === 'HASH' && key.AttributeName === partitionKey) === true &&
    schema.some((key) => key.KeyType === 'RANGE' && key.AttributeName === sortKey);

  if (!hasKeys(table.KeySchema, TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey)) {
    throw new ConfigError(`table ${tableName} does not have Rollcall's key schema (${TABLE_KEYS.partitionKey}, ${TABLE_KEYS.sortKey})`);
  }
  const missing = GLOBAL_SECONDARY_INDEXES.filter((index: IndexDefinition) => {
    const found = table.GlobalSecondaryIndexes?.find((candidate) => candidate.IndexName === index.indexName);
    return found === undefined || !hasKeys(found.KeySchema, index.partitionKey, index.sortKey);
  });
  if (missing.length > 0) {
    const names = missing.map((index) => index.indexName).join(', ');
    throw new ConfigError(`table ${tableName} lacks Rollcall's index ${names}`);
  }
}
