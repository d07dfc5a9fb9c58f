import { GLOBAL_SECONDARY_INDEXES } from '../../functions/adapters/dynamodb/table-definition.ts';

/** The GlobalSecondaryIndexes every table built from table-definition.ts must declare. */
export function expectedGlobalSecondaryIndexes() {
  return GLOBAL_SECONDARY_INDEXES.map((index) => ({
    IndexName: index.indexName,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: 'HASH' },
      { AttributeName: index.sortKey, KeyType: 'RANGE' },
    ],
    Projection: { ProjectionType: 'ALL' },
  }));
}
