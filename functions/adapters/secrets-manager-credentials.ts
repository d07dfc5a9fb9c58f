/**
 * Connector credentials from AWS Secrets Manager (design.md section 2): one secret per connector
 * holding `{"clientId": "...", "clientSecret": "..."}`. The fingerprint is the secret's VersionId,
 * so putting a new value (a new version) is what lifts RECONNECT_REQUIRED (design.md section 5).
 *
 * Caching: a value is reused for `cacheTtlMs` (default 60 s), keyed by secret ARN. Polls come from
 * schedules minutes to hours apart, so in practice every poll reads the current version; the
 * cache absorbs only bursts (Lambda's retries of a failed invocation, manual invokes), and a
 * rotated secret is seen at most one TTL later. A longer cache would buy nothing measurable (one
 * GetSecretValue per poll) and would delay recovery after rotation.
 */
import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { ConfigError, TransientError } from '../core/errors.ts';
import { systemClock, type Clock, type CredentialSource, type ResolvedCredentials } from '../core/ports.ts';

export const DEFAULT_SECRET_CACHE_TTL_MS = 60_000;

export interface SecretsManagerCredentialsOptions {
  /** Secret ARN (or name) per connector id. */
  readonly secretIds: ReadonlyMap<string, string>;
  /** How long a value read is reused; 0 reads on every `get`. @default DEFAULT_SECRET_CACHE_TTL_MS */
  readonly cacheTtlMs?: number;
  /** @default systemClock */
  readonly clock?: Clock;
}

const secretPayloadSchema = z.object({
  clientId: z.string().trim().min(1),
  clientSecret: z.string().trim().min(1),
});

/** Secrets Manager errors a person has to fix (missing value, permissions, key); anything else is retried. */
const CONFIG_ERROR_NAMES: Readonly<Record<string, string>> = {
  ResourceNotFoundException: 'the secret does not exist or has no value yet',
  AccessDeniedException: 'access denied',
  DecryptionFailure: 'its KMS key cannot decrypt it',
  InvalidRequestException: 'the secret cannot be read in its current state (e.g. scheduled for deletion)',
  InvalidParameterException: 'the secret id is not valid',
  CredentialsProviderError: 'no AWS credentials found',
};

interface CacheEntry {
  readonly resolved: ResolvedCredentials;
  readonly expiresAtMs: number;
}

export class SecretsManagerCredentialSource implements CredentialSource {
  private readonly secretIds: ReadonlyMap<string, string>;
  private readonly cacheTtlMs: number;
  private readonly clock: Clock;
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly client: SecretsManagerClient,
    options: SecretsManagerCredentialsOptions,
  ) {
    this.secretIds = options.secretIds;
    this.cacheTtlMs = options.cacheTtlMs ?? DEFAULT_SECRET_CACHE_TTL_MS;
    this.clock = options.clock ?? systemClock;
  }

  async get(connectorId: string): Promise<ResolvedCredentials> {
    const secretId = this.secretIds.get(connectorId);
    if (secretId === undefined) throw new ConfigError(`no secret is configured for connector ${connectorId}`);
    const nowMs = this.clock.now().getTime();
    const cached = this.cache.get(secretId);
    if (cached !== undefined && cached.expiresAtMs > nowMs) return cached.resolved;

    const resolved = parseSecret(connectorId, await this.read(connectorId, secretId));
    if (this.cacheTtlMs > 0) this.cache.set(secretId, { resolved, expiresAtMs: nowMs + this.cacheTtlMs });
    return resolved;
  }

  private async read(connectorId: string, secretId: string): Promise<GetSecretValueCommandOutput> {
    try {
      return await this.client.send(new GetSecretValueCommand({ SecretId: secretId }));
    } catch (error) {
      const name = error instanceof Error ? error.name : 'unknown';
      const reason = CONFIG_ERROR_NAMES[name];
      if (reason !== undefined) {
        throw new ConfigError(`secret of connector ${connectorId} cannot be read: ${reason}`, { cause: error });
      }
      throw new TransientError(`secret of connector ${connectorId} could not be read (${name})`, { cause: error });
    }
  }
}

/** Checks the payload; messages name the field and what is wrong with it, never a value. */
function parseSecret(connectorId: string, answer: GetSecretValueCommandOutput): ResolvedCredentials {
  const label = `secret of connector ${connectorId}`;
  if (answer.SecretString === undefined) {
    throw new ConfigError(`${label} has no string value; store JSON {"clientId": ..., "clientSecret": ...}`);
  }
  let payload: unknown;
  try {
    payload = JSON.parse(answer.SecretString);
  } catch {
    throw new ConfigError(`${label} is not JSON; store {"clientId": ..., "clientSecret": ...}`);
  }
  const result = secretPayloadSchema.safeParse(payload);
  if (!result.success) {
    const fields = result.error.issues.map((issue) => issue.path.map(String).join('.') || '(root)');
    const problems = [...new Set(fields)].map((field) =>
      field === '(root)' ? 'the value must be a JSON object' : `field ${field} must be a non-empty string`,
    );
    throw new ConfigError(`${label}: ${problems.join('; ')}`);
  }
  if (answer.VersionId === undefined) {
    // GetSecretValue always names the version it returns; without one, rotation could not be detected.
    throw new TransientError(`${label} was returned without a VersionId`);
  }
  return { credentials: result.data, fingerprint: answer.VersionId };
}
