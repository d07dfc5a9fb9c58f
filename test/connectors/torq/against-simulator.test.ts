/**
 * The connector, built through the app registry, against the built-in Torq simulator: the same
 * pairing `rollcall demo` runs, checked record by record.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { collectListing } from '../../../functions/core/listing.ts';
import { ConfigError } from '../../../functions/core/errors.ts';
import { createConnectorFactory } from '../../../functions/connectors/index.ts';
import {
  generateWorkspace,
  startTorqSimulator,
  type TorqSimulator,
} from '../../../simulators/torq/index.ts';

const CREDENTIALS = { clientId: 'roundtrip-id', clientSecret: 'roundtrip-secret' };
let simulator: TorqSimulator | null = null;

afterEach(async () => {
  await simulator?.close();
  simulator = null;
});

describe('torq connector against the simulator', () => {
  it('lists every user of both streams, paged, with role names and SSO flags', async () => {
    const workspace = generateWorkspace({ users: 250, seed: 11 });
    simulator = await startTorqSimulator({ workspace, credentials: CREDENTIALS });
    const createConnector = createConnectorFactory(
      'torq',
      { apiUrl: simulator.apiUrl, authUrl: simulator.authUrl },
      { requestsPerSecond: 1000 },
    );

    const listing = await collectListing(createConnector(CREDENTIALS), { maxPagesPerStream: 50 });

    expect(listing.invalid).toEqual([]);
    expect(listing.pages).toBeGreaterThan(2);
    const roleNames = new Map(workspace.roles.map((role) => [role.id, role.name]));
    const byId = new Map(listing.accounts.map((account) => [account.id, account]));
    expect(byId.size).toBe(workspace.users.length);
    for (const user of workspace.users) {
      expect(byId.get(user.id)).toEqual({
        id: user.id,
        email: user.email,
        emailKey: user.email.trim().toLowerCase(),
        name: null,
        login: null,
        externalId: null,
        roleId: user.role_id,
        roleName: roleNames.get(user.role_id) ?? null,
        status: user.status,
        state: user.status === 'VERIFIED' ? 'active' : user.status === 'INVITATION_SENT' ? 'pending' : null,
        ssoProvisioned: user.sso_provision,
        createdAt: user.created_time,
        updatedAt: null,
        lastLoginAt: user.last_login_time ?? null,
      });
    }
  });

  it('refuses a config the registry cannot use, naming the field', () => {
    expect(() => createConnectorFactory('torq', { region: 'us', apiUrl: 'http://torq.example/public/v1alpha' })).toThrow(
      ConfigError,
    );
    expect(() => createConnectorFactory('torq', { region: 'mars' })).toThrow('region');
    expect(() => createConnectorFactory('no-such-app', {})).toThrow('unknown app');
  });
});
