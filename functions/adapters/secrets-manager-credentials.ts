/**
 * Connector credentials from AWS Secrets Manager (design.md section 2): one secret per connector
 * holding a JSON object with the app's declared credential fields (`credentialFields`: an API-key
 * app's `{"apiKey": "..."}`), each a non-empty string; other keys are ignored. The fingerprint is
 * the secret's VersionId, so putting a new value (a new version) is what lifts RECONNECT_REQUIRED
 * (design.md section 5).
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
import type { CredentialField } from '../connectors/app-definition.ts';
import { ConfigError, TransientError } from '../core/errors.ts';
import { systemClock, type Clock, type CredentialSource, type ResolvedCredentials } from '../core/ports.ts';

export const DEFAULT_SECRET_CACHE_TTL_MS = 60_000;

/** Where a connector's credentials are, and what its app expects in them. */
export interface ConnectorSecret {
  /** Secret ARN (or name). */
  readonly secretId: string;
  /** The app's declared credential fields (`AppDefinition.credentialFields`). */
  readonly fields: readonly CredentialField[];
}

/** Where each connector's secret is: a fixed map, or a look-up answered from the connector's definition. */
export interface SecretLocator {
  get(connectorId: string): ConnectorSecret | undefined;
}

export interface SecretsManagerCredentialsOptions {
  /** Per connector id. */
  readonly secrets: SecretLocator;
  /** How long a value read is reused; 0 reads on every `get`. @default DEFAULT_SECRET_CACHE_TTL_MS */
  readonly cacheTtlMs?: number;
  /** @default systemClock */
  readonly clock?: Clock;
}

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
  private readonly secrets: SecretLocator;
  private readonly cacheTtlMs: number;
  private readonly clock: Clock;
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly client: SecretsManagerClient,
    options: SecretsManagerCredentialsOptions,
  ) {
    this.secrets = options.secrets;
    this.cacheTtlMs = options.cacheTtlMs ?? DEFAULT_SECRET_CACHE_TTL_MS;
    this.clock = options.clock ?? systemClock;
  }

  async get(connectorId: string): Promise<ResolvedCredentials> {
    const secret = this.secrets.get(connectorId);
    if (secret === undefined) throw new ConfigError(`no secret is configured for connector ${connectorId}`);
    const { secretId, fields } = secret;
    const nowMs = this.clock.now().getTime();
    const cached = this.cache.get(secretId);
    if (cached !== undefined && cached.expiresAtMs > nowMs) return cached.resolved;

    const resolved = parseSecret(connectorId, fields, await this.read(connectorId, secretId));
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

/** Checks the payload against the app's fields; messages name the fields and what is wrong, never a value. */
function parseSecret(
  connectorId: string,
  fields: readonly CredentialField[],
  answer: GetSecretValueCommandOutput,
): ResolvedCredentials {
  const label = `secret of connector ${connectorId}`;
  const shape = `{${fields.map((field) => `${JSON.stringify(field.key)}: ...`).join(', ')}}`;
  if (answer.SecretString === undefined) throw new ConfigError(`${label} has no string value; store JSON ${shape}`);
  let payload: unknown;
  try {
    payload = JSON.parse(answer.SecretString);
  } catch {
    throw new ConfigError(`${label} is not JSON; store ${shape}`);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new ConfigError(`${label}: the value must be a JSON object ${shape}`);
  }
  const record = payload as Record<string, unknown>;
  const credentials: Record<string, string> = {};
  const wrong: string[] = [];
  for (const { key } of fields) {
    const value = Object.hasOwn(record, key) ? record[key] : undefined;
    if (typeof value === 'string' && value.trim() !== '') credentials[key] = value.trim();
    else wrong.push(key);
  }
  if (wrong.length > 0) {
    throw new ConfigError(`${label}: ${wrong.map((key) => `field ${key} must be a non-empty string`).join('; ')}`);
  }
  if (answer.VersionId === undefined) {
    // GetSecretValue always names the version it returns; without one, rotation could not be detected.
    throw new TransientError(`${label} was returned without a VersionId`);
  }
  return { credentials, fingerprint: answer.VersionId };
}
