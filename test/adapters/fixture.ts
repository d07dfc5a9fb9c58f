/**
 * Shared setup of the adapter tests: a real embedded dynalite, real SDK clients, and a fresh table
 * per test file; plus builders of domain objects.
 */
import { randomUUID } from 'node:crypto';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.ts';
import { createDynamoClients, type DynamoClients } from '../../functions/adapters/dynamodb/client.ts';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
import type { StoredAccount, StoredIdentity } from '../../functions/core/types.ts';

export interface DynamoFixture extends DynamoClients {
  readonly embedded: EmbeddedDynamo;
  readonly tableName: string;
  close(): Promise<void>;
}

export async function openDynamoFixture(): Promise<DynamoFixture> {
  const embedded = await startEmbeddedDynamo();
  const clients = createDynamoClients({ endpoint: embedded.endpoint });
  const tableName = `rollcall-test-${randomUUID()}`;
  await ensureTable(clients.client, tableName);
  return {
    ...clients,
    embedded,
    tableName,
    async close() {
      clients.client.destroy();
      await embedded.close();
    },
  };
}

export function account(connectorId: string, id: string, overrides: Partial<StoredAccount> = {}): StoredAccount {
  const email = overrides.email === undefined ? `${id}@example.com` : overrides.email;
  return {
    id,
    email,
    emailKey: email === null ? null : email.trim().toLowerCase(),
    name: null,
    login: null,
    externalId: null,
    roleId: 'role-viewer',
    roleName: 'Viewer',
    status: 'VERIFIED',
    state: 'active',
    ssoProvisioned: false,
    createdAt: '2026-01-02T03:04:05.000Z',
    updatedAt: null,
    lastLoginAt: null,
    connectorId,
    app: 'torq',
    firstSeenAt: '2026-03-01T00:00:00.000Z',
    lastChangedAt: '2026-03-01T00:00:00.000Z',
    removedAt: null,
    ...overrides,
  };
}

export function identity(emailKey: string, firstSeenAt: string, firstConnectorId = 'torq-main'): StoredIdentity {
  return { emailKey, firstSeenAt, firstConnectorId };
}

export const NO_WRITES = { putAccounts: [], removeAccounts: [], putIdentities: [] } as const;
