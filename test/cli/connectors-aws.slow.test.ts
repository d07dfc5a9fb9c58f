/**
 * `rollcall connectors add` and `remove --purge` against a deployment (--table without --endpoint),
 * with DynamoDB and Secrets Manager served by moto_server on loopback (`AWS_ENDPOINT_URL`, as the
 * SDK's usual chain reads it): `add` creates the connector's secret empty (no value, no version)
 * and prints the command that fills it; `remove --purge` schedules its deletion; `remove` alone
 * keeps it. Slow: moto starts a Python server.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.ts';
import { createDynamoClients, type DynamoClients } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import { startMoto, type MotoServer } from '../aws/tools.ts';
import { CHILD_PROCESS_TIMEOUTS, createTestbed, runCli, type ChildEnv } from './support.ts';

vi.setConfig({ ...CHILD_PROCESS_TIMEOUTS, testTimeout: 120_000 });
const bed = createTestbed();
afterEach(() => bed.cleanup());

const REGION = 'eu-west-1';
const AWS_KEYS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

let moto: MotoServer;
let dynamo: DynamoClients;
let secrets: SecretsManagerClient;
let env: ChildEnv;

beforeAll(async () => {
  moto = await startMoto();
  dynamo = createDynamoClients({ endpoint: moto.endpoint, region: REGION });
  secrets = new SecretsManagerClient({ endpoint: moto.endpoint, region: REGION, credentials: AWS_KEYS });
  env = {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: AWS_KEYS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: AWS_KEYS.secretAccessKey,
    AWS_PROFILE: undefined,
  };
}, 120_000);
afterAll(async () => {
  secrets?.destroy();
  dynamo?.client.destroy();
  await moto?.close();
});

async function deployedTable(): Promise<{ flags: string[]; store: DynamoInventoryStore }> {
  const tableName = `rollcall-${randomUUID()}`;
  await ensureTable(dynamo.client, tableName);
  return { flags: ['--table', tableName], store: new DynamoInventoryStore(dynamo.documentClient, tableName) };
}

async function errorNameOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof Error ? error.name : 'unknown';
  }
  return 'no error';
}

describe('rollcall connectors in a deployment', () => {
  it('add creates the empty secret rollcall/<id> and prints how to fill it; remove --purge schedules its deletion', async () => {
    const { flags, store } = await deployedTable();
    const added = await runCli(['connectors', 'add', '--connector', 'tq', '--app', 'torq', ...flags], env);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('created the empty secret rollcall/tq');
    expect(added.stdout).toContain(
      `aws secretsmanager put-secret-value --secret-id rollcall/tq --secret-string '{"clientId": "...", "clientSecret": "..."}'`,
    );
    expect(await store.getDefinition('tq')).toMatchObject({ app: 'torq', origin: 'added', enabled: true, secretArn: null });

    // No value: no version a poll could read as credentials.
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: 'rollcall/tq' }));
    expect(Object.keys(described.VersionIdsToStages ?? {})).toEqual([]);
    expect(await errorNameOf(secrets.send(new GetSecretValueCommand({ SecretId: 'rollcall/tq' })))).toBe('ResourceNotFoundException');

    const purged = await runCli(['connectors', 'remove', '--connector', 'tq', '--purge', '--yes', ...flags], env);
    expect(purged.code, purged.stderr).toBe(0);
    expect(purged.stdout).toContain('its secret rollcall/tq is deleted in 7 days');
    expect((await secrets.send(new DescribeSecretCommand({ SecretId: 'rollcall/tq' }))).DeletedDate).toBeInstanceOf(Date);
    expect(await store.getDefinition('tq')).toBeNull();
  });

  it('add keeps a secret that exists already, and remove without --purge keeps the secret', async () => {
    const { flags } = await deployedTable();
    await secrets.send(new CreateSecretCommand({ Name: 'rollcall/tg', SecretString: '{"apiKey":"kept-value"}' }));
    const added = await runCli(['connectors', 'add', '--connector', 'tg', '--app', 'twingate', '--network', 'acme', ...flags], env);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('the secret rollcall/tg exists already (kept as it is)');
    expect(added.stdout).not.toContain('kept-value');

    const removed = await runCli(['connectors', 'remove', '--connector', 'tg', ...flags], env);
    expect(removed.code, removed.stderr).toBe(0);
    const value = await secrets.send(new GetSecretValueCommand({ SecretId: 'rollcall/tg' }));
    expect(value.SecretString).toBe('{"apiKey":"kept-value"}');
  });
});
