import {
  DecryptionFailure,
  GetSecretValueCommand,
  InternalServiceError,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_SECRET_CACHE_TTL_MS,
  SecretsManagerCredentialSource,
} from '../../functions/adapters/secrets-manager-credentials.ts';
import type { CredentialField } from '../../functions/connectors/app-definition.ts';
import { torqApp } from '../../functions/connectors/torq/index.ts';
import { ConfigError, TransientError } from '../../functions/core/errors.ts';
import type { Clock } from '../../functions/core/ports.ts';
import { rejectionOf } from '../support/rejection.ts';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rollcall/torq-prod-AbCdEf';
const CLIENT_ID = 'client-id-4f1c';
const CLIENT_SECRET = 'sEcReT-VaLuE-do-not-leak-91c2';

const secretsManager = mockClient(SecretsManagerClient);

class ManualClock implements Clock {
  constructor(private ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

function createSource(options: { cacheTtlMs?: number; clock?: Clock; fields?: readonly CredentialField[] } = {}) {
  const { fields = torqApp.credentialFields, ...rest } = options;
  return new SecretsManagerCredentialSource(new SecretsManagerClient({ region: 'us-east-1' }), {
    secrets: new Map([['torq-prod', { secretId: SECRET_ARN, fields }]]),
    ...rest,
  });
}

function answer(secretString: string | undefined, versionId = 'version-1') {
  return { ARN: SECRET_ARN, Name: 'rollcall/torq-prod', VersionId: versionId, SecretString: secretString, VersionStages: ['AWSCURRENT'] };
}


describe('SecretsManagerCredentialSource', () => {
  beforeEach(() => secretsManager.reset());
  afterEach(() => secretsManager.reset());

  it('reads the connector secret by ARN and fingerprints it with the VersionId', async () => {
    secretsManager
      .on(GetSecretValueCommand, { SecretId: SECRET_ARN })
      .resolves(answer(JSON.stringify({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET })));

    const resolved = await createSource().get('torq-prod');

    expect(resolved).toEqual({ credentials: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }, fingerprint: 'version-1' });
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('ignores extra fields and trims pasted whitespace', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolves(answer(JSON.stringify({ clientId: ` ${CLIENT_ID}\n`, clientSecret: CLIENT_SECRET, note: 'prod key' })));

    const resolved = await createSource().get('torq-prod');

    expect(resolved.credentials).toEqual({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  });

  it('rejects a connector it has no secret for without calling Secrets Manager', async () => {
    const error = await rejectionOf(createSource().get('unknown'));

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe('no secret is configured for connector unknown');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  describe('a secret of the wrong shape is a ConfigError naming the field, never the value', () => {
    it.each([
      ['a missing clientSecret', { clientId: CLIENT_ID }, /field clientSecret must be a non-empty string/],
      ['an empty clientId', { clientId: '  ', clientSecret: CLIENT_SECRET }, /field clientId must be a non-empty string/],
      ['a numeric clientId', { clientId: 42, clientSecret: CLIENT_SECRET }, /field clientId must be a non-empty string/],
      ['a JSON array', [CLIENT_ID, CLIENT_SECRET], /the value must be a JSON object/],
    ])('%s', async (_case, payload, expected) => {
      secretsManager.on(GetSecretValueCommand).resolves(answer(JSON.stringify(payload)));

      const error = await rejectionOf(createSource().get('torq-prod'));

      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(/^secret of connector torq-prod/);
      expect(error.message).toMatch(expected);
      expect(error.message).not.toContain(CLIENT_SECRET);
      expect(error.message).not.toContain(CLIENT_ID);
    });

    it('a value that is not JSON', async () => {
      secretsManager.on(GetSecretValueCommand).resolves(answer(`clientSecret=${CLIENT_SECRET}`));

      const error = await rejectionOf(createSource().get('torq-prod'));

      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toBe('secret of connector torq-prod is not JSON; store {"clientId": ..., "clientSecret": ...}');
    });

    it('a binary value', async () => {
      secretsManager.on(GetSecretValueCommand).resolves({ ...answer(undefined), SecretBinary: new Uint8Array([1, 2, 3]) });

      const error = await rejectionOf(createSource().get('torq-prod'));

      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(/has no string value/);
    });
  });

  describe('the shape is the app\'s declared credential fields', () => {
    const apiKeyFields: readonly CredentialField[] = [{ key: 'apiKey', env: 'ACME_API_KEY', description: 'an Acme API key' }];

    it('reads a one-key secret of an API-key app', async () => {
      secretsManager.on(GetSecretValueCommand).resolves(answer(JSON.stringify({ apiKey: ` ${CLIENT_SECRET} ` })));

      const resolved = await createSource({ fields: apiKeyFields }).get('torq-prod');

      expect(resolved).toEqual({ credentials: { apiKey: CLIENT_SECRET }, fingerprint: 'version-1' });
    });

    it('refuses a secret holding another app\'s fields, naming every missing field and no value', async () => {
      secretsManager.on(GetSecretValueCommand).resolves(answer(JSON.stringify({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET })));

      const error = await rejectionOf(createSource({ fields: apiKeyFields }).get('torq-prod'));

      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toBe('secret of connector torq-prod: field apiKey must be a non-empty string');
    });

    it('names both Torq fields when both are wrong, and tells the shape to store', async () => {
      secretsManager.on(GetSecretValueCommand).resolvesOnce(answer(JSON.stringify({ apiKey: CLIENT_SECRET }))).resolves(answer('{'));

      const wrong = await rejectionOf(createSource().get('torq-prod'));
      const notJson = await rejectionOf(createSource().get('torq-prod'));

      expect(wrong.message).toBe(
        'secret of connector torq-prod: field clientId must be a non-empty string; field clientSecret must be a non-empty string',
      );
      expect(notJson.message).toBe('secret of connector torq-prod is not JSON; store {"clientId": ..., "clientSecret": ...}');
      expect(wrong.message).not.toContain(CLIENT_SECRET);
    });
  });

  describe('Secrets Manager failures', () => {
    it('a secret created empty by the stack (no version yet) is a ConfigError telling what to store', async () => {
      secretsManager.on(GetSecretValueCommand).rejects(
        new ResourceNotFoundException({
          message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
          $metadata: {},
        }),
      );

      const error = await rejectionOf(createSource().get('torq-prod'));

      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toBe('secret of connector torq-prod cannot be read: the secret does not exist or has no value yet');
      expect(error.cause).toBeInstanceOf(ResourceNotFoundException);
    });

    it.each([
      // IAM denials reach the SDK as a generic service error named AccessDeniedException.
      ['access denied', Object.assign(new Error('denied'), { name: 'AccessDeniedException' }), /access denied/],
      ['a KMS key that cannot decrypt', new DecryptionFailure({ message: 'kms', $metadata: {} }), /KMS key/],
    ])('%s is a ConfigError', async (_case, failure, expected) => {
      secretsManager.on(GetSecretValueCommand).rejects(failure);

      const error = await rejectionOf(createSource().get('torq-prod'));

      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(expected);
    });

    it('a service or network failure is transient, so the poll is retried rather than marked RECONNECT_REQUIRED', async () => {
      secretsManager.on(GetSecretValueCommand).rejects(new InternalServiceError({ message: 'boom', $metadata: {} }));

      const error = await rejectionOf(createSource().get('torq-prod'));

      expect(error).toBeInstanceOf(TransientError);
      expect(error.message).toBe('secret of connector torq-prod could not be read (InternalServiceError)');
    });
  });

  describe('caching', () => {
    const first = answer(JSON.stringify({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }), 'version-1');
    const rotated = answer(JSON.stringify({ clientId: CLIENT_ID, clientSecret: `${CLIENT_SECRET}-2` }), 'version-2');

    it('reuses a value within the TTL and reads the new version once it has passed', async () => {
      const clock = new ManualClock(Date.parse('2026-11-01T00:00:00Z'));
      const source = createSource({ clock });
      secretsManager.on(GetSecretValueCommand).resolvesOnce(first).resolves(rotated);

      expect((await source.get('torq-prod')).fingerprint).toBe('version-1');
      clock.advance(DEFAULT_SECRET_CACHE_TTL_MS - 1);
      expect((await source.get('torq-prod')).fingerprint).toBe('version-1');
      expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);

      clock.advance(1);
      const after = await source.get('torq-prod');
      expect(after.fingerprint).toBe('version-2');
      expect(after.credentials.clientSecret).toBe(`${CLIENT_SECRET}-2`);
      expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    });

    it('reads on every call with a TTL of 0', async () => {
      const source = createSource({ cacheTtlMs: 0 });
      secretsManager.on(GetSecretValueCommand).resolvesOnce(first).resolves(rotated);

      await source.get('torq-prod');
      const second = await source.get('torq-prod');

      expect(second.fingerprint).toBe('version-2');
      expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    });

    it('does not cache a failure: the next call reads again', async () => {
      const source = createSource();
      secretsManager
        .on(GetSecretValueCommand)
        .rejectsOnce(new ResourceNotFoundException({ message: 'no value', $metadata: {} }))
        .resolves(first);

      await expect(source.get('torq-prod')).rejects.toBeInstanceOf(ConfigError);
      expect((await source.get('torq-prod')).fingerprint).toBe('version-1');
    });
  });
});
