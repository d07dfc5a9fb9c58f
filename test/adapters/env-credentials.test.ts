import { describe, expect, it } from 'vitest';
import { EnvCredentialSource, credentialFingerprint } from '../../functions/adapters/env-credentials.ts';
import { ConfigError } from '../../functions/core/errors.ts';

const SECRET = 'sup3r-s3cret-value-7f1d';

describe('EnvCredentialSource', () => {
  it('reads TORQ_CLIENT_ID and TORQ_CLIENT_SECRET from the given environment', async () => {
    const source = new EnvCredentialSource('torq', { TORQ_CLIENT_ID: 'client-1', TORQ_CLIENT_SECRET: SECRET });

    const resolved = await source.get('torq-main');

    expect(resolved.credentials).toEqual({ clientId: 'client-1', clientSecret: SECRET });
    expect(resolved.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it.each([
    ['TORQ_CLIENT_ID', { TORQ_CLIENT_SECRET: SECRET }],
    ['TORQ_CLIENT_SECRET', { TORQ_CLIENT_ID: 'client-1' }],
    ['TORQ_CLIENT_SECRET', { TORQ_CLIENT_ID: 'client-1', TORQ_CLIENT_SECRET: '   ' }],
  ])('throws a ConfigError naming %s when it is missing or blank', async (name, env) => {
    const getting = new EnvCredentialSource('torq', env).get('torq-main');

    await expect(getting).rejects.toBeInstanceOf(ConfigError);
    await expect(getting).rejects.toThrow(name);
  });

  it('never puts the secret in an error message', async () => {
    const getting = new EnvCredentialSource('torq', { TORQ_CLIENT_SECRET: SECRET }).get('torq-main');

    await expect(getting).rejects.not.toThrow(SECRET);
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

  it('cannot be made to collide by moving characters between id and secret', () => {
    expect(credentialFingerprint({ clientId: 'ab', clientSecret: 'c' })).not.toBe(
      credentialFingerprint({ clientId: 'a', clientSecret: 'bc' }),
    );
  });
});
