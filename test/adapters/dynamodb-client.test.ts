import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countRequests,
  createDynamoClients,
  isLocalEndpoint,
  requestKindOf,
} from '../../functions/adapters/dynamodb/client.ts';
import { toStoreError } from '../../functions/adapters/dynamodb/errors.ts';
import { ConfigError, TransientError } from '../../functions/core/errors.ts';
import { openDynamoFixture, type DynamoFixture } from './fixture.ts';

let fixture: DynamoFixture;

beforeAll(async () => {
  fixture = await openDynamoFixture();
});

afterAll(async () => {
  await fixture.close();
});

describe('createDynamoClients', () => {
  it('gives a local endpoint static placeholder credentials instead of the credential chain', async () => {
    const { client } = createDynamoClients({ endpoint: 'http://127.0.0.1:8000' });

    const credentials = await client.config.credentials();

    expect(credentials).toMatchObject({ accessKeyId: 'local', secretAccessKey: 'local' });
    expect(await client.config.region()).toBe('us-east-1');
    client.destroy();
  });

  it('recognises loopback endpoints only', () => {
    expect(isLocalEndpoint('http://localhost:4567')).toBe(true);
    expect(isLocalEndpoint('http://[::1]:4567')).toBe(true);
    expect(isLocalEndpoint('https://dynamodb.eu-west-1.amazonaws.com')).toBe(false);
    expect(isLocalEndpoint('not a url')).toBe(false);
  });
});

describe('countRequests', () => {
  it('counts requests per operation, as reads, writes and other, from both clients', async () => {
    const counter = countRequests(fixture.client);
    const key = { PK: 'COUNT', SK: 'ONE' };

    await fixture.documentClient.send(new PutCommand({ TableName: fixture.tableName, Item: key }));
    await fixture.documentClient.send(new GetCommand({ TableName: fixture.tableName, Key: key }));
    await fixture.documentClient.send(
      new QueryCommand({
        TableName: fixture.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': 'COUNT' },
      }),
    );
    await fixture.client.send(new DescribeTableCommand({ TableName: fixture.tableName }));

    expect(counter.counts()).toEqual({
      byCommand: { PutItem: 1, GetItem: 1, Query: 1, DescribeTable: 1 },
      reads: 2,
      writes: 1,
      other: 1,
      total: 4,
      itemsWritten: 1,
    });
    counter.detach();
  });

  it('starts over on reset and stops counting once detached', async () => {
    const counter = countRequests(fixture.client);
    await fixture.client.send(new DescribeTableCommand({ TableName: fixture.tableName }));

    counter.reset();
    expect(counter.counts().total).toBe(0);
    counter.detach();
    await fixture.client.send(new DescribeTableCommand({ TableName: fixture.tableName }));

    expect(counter.counts().total).toBe(0);
  });

  it('classifies operations', () => {
    expect(['BatchGetItem', 'Query', 'Scan'].map(requestKindOf)).toEqual(['read', 'read', 'read']);
    expect(['BatchWriteItem', 'UpdateItem', 'DeleteItem'].map(requestKindOf)).toEqual(['write', 'write', 'write']);
    expect(requestKindOf('CreateTable')).toBe('other');
  });
});

describe('toStoreError', () => {
  function sdkError(name: string, httpStatusCode: number): Error {
    return Object.assign(new Error('value alice@example.com rejected'), { name, $metadata: { httpStatusCode } });
  }

  it('keeps the SDK error as cause and its message out of the new message', () => {
    const cause = sdkError('ThrottlingException', 400);

    const mapped = toStoreError(cause, 'Query accounts of connector c1');

    expect(mapped).toBeInstanceOf(TransientError);
    expect((mapped as Error).message).toBe('DynamoDB Query accounts of connector c1 failed (ThrottlingException)');
    expect((mapped as Error).cause).toBe(cause);
  });

  it('maps missing credentials to a ConfigError and leaves other errors untouched', () => {
    expect(toStoreError(sdkError('CredentialsProviderError', 0), 'GetItem')).toBeInstanceOf(ConfigError);
    const validation = sdkError('ValidationException', 400);
    expect(toStoreError(validation, 'GetItem')).toBe(validation);
  });
});
