import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EnvCredentialSource, credentialFingerprint } from '../../functions/adapters/env-credentials.ts';
import type { CredentialField } from '../../functions/connectors/app-definition.ts';
import { torqApp } from '../../functions/connectors/torq/index.ts';
import { ConfigError } from '../../functions/core/errors.ts';

const SECRET = 'sup3r-s3cret-value-7f1d';

describe('EnvCredentialSource', () => {
  it('reads TORQ_CLIENT_ID and TORQ_CLIENT_SECRET from the given environment', async () => {
    const source = new EnvCredentialSource(torqApp.credentialFields, { TORQ_CLIENT_ID: 'client-1', TORQ_CLIENT_SECRET: SECRET });

    const resolved = await source.get('torq-main');

    expect(resolved.credentials).toEqual({ clientId: 'client-1', clientSecret: SECRET });
    expect(resolved.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it.each([
    ['TORQ_CLIENT_ID', { TORQ_CLIENT_SECRET: SECRET }],
    ['TORQ_CLIENT_SECRET', { TORQ_CLIENT_ID: 'client-1' }],
    ['TORQ_CLIENT_SECRET', { TORQ_CLIENT_ID: 'client-1', TORQ_CLIENT_SECRET: '   ' }],
  ])('throws a ConfigError naming %s when it is missing or blank', async (name, env) => {
    const getting = new EnvCredentialSource(torqApp.credentialFields, env).get('torq-main');

    await expect(getting).rejects.toBeInstanceOf(ConfigError);
    await expect(getting).rejects.toThrow(name);
  });

  it('never puts the secret in an error message', async () => {
    const getting = new EnvCredentialSource(torqApp.credentialFields, { TORQ_CLIENT_SECRET: SECRET }).get('torq-main');

    await expect(getting).rejects.not.toThrow(SECRET);
  });
});

describe('EnvCredentialSource of any app: the variables are the app\'s declared credential fields', () => {
  const apiKeyApp: readonly CredentialField[] = [{ key: 'apiKey', env: 'ACME_API_KEY', description: 'an Acme API key' }];

  it('reads each declared variable into its declared key, and nothing else', async () => {
    const source = new EnvCredentialSource(apiKeyApp, { ACME_API_KEY: ` ${SECRET}\n`, TORQ_CLIENT_ID: 'client-1' });

    const resolved = await source.get('acme');

    expect(resolved.credentials).toEqual({ apiKey: SECRET });
    expect(resolved.fingerprint).toBe(credentialFingerprint({ apiKey: SECRET }));
  });

  it('names every missing variable at once, never a value', async () => {
    const getting = new EnvCredentialSource(torqApp.credentialFields, {}).get('torq-main');

    await expect(getting).rejects.toThrow(new ConfigError('environment variables TORQ_CLIENT_ID, TORQ_CLIENT_SECRET are not set'));
  });

  it('keeps the fingerprint of Torq credentials as it was before apps declared their fields', async () => {
    const { fingerprint } = await new EnvCredentialSource(torqApp.credentialFields, {
      TORQ_CLIENT_ID: 'client-1',
      TORQ_CLIENT_SECRET: SECRET,
    }).get('torq-main');

    // The value of the former two-field scheme: a connector left RECONNECT_REQUIRED before the
    // upgrade still skips its rejected credentials after it.
    expect(fingerprint).toBe(
      createHash('sha256').update(JSON.stringify(['rollcall/env-credentials/v1', 'client-1', SECRET])).digest('hex').slice(0, 16),
    );
  });
});

describe('credentialFingerprint', () => {
  it('is stable for the same credentials and changes with the secret or the id', () => {
    const base = credentialFingerprint({ clientId: 'client-1', clientSecret: SECRET });

    expect(credentialFingerprint({ clientId: 'client-1', clientSecret: SECRET })).toBe(base);
    expect(credentialFingerprint({ clientId: 'client-1', clientSecret: `${SECRET}x` })).not.toBe(base);
    expect(credentialFingerprint({ clientId: 'client-2', clientSecret: SECRET })).not.toBe(base);
  });

  it('does not contain the secret or any part of it that could be matched', () => {
    const fingerprint = credentialFingerprint({ clientId: 'client-1', clientSecret: SECRET });

    expect(fingerprint).not.toContain(SECRET.slice(0, 6));
    expect(SECRET).not.toContain(fingerprint.slice(0, 6));
  });

  it('covers every field, in the order given', () => {
    const three = { a: 'x', b: 'y', c: 'z' };

    expect(credentialFingerprint(three)).not.toBe(credentialFingerprint({ a: 'x', b: 'y', c: 'z2' }));
    expect(credentialFingerprint(three, ['a', 'b', 'c'])).toBe(credentialFingerprint({ c: 'z', b: 'y', a: 'x' }, ['a', 'b', 'c']));
  });

  it('cannot be made to collide by moving characters between id and secret', () => {
    expect(credentialFingerprint({ clientId: 'ab', clientSecret: 'c' })).not.toBe(
      credentialFingerprint({ clientId: 'a', clientSecret: 'bc' }),
    );
  });
});
