/**
 * Credentials from environment variables, for `rollcall poll` on a laptop (design.md section 7).
 * Which variables is the app's declaration (`credentialFields`): an OAuth app reads its client id
 * and secret from two variables, an app with one API key from one.
 */
import { createHash } from 'node:crypto';
import type { CredentialField } from '../connectors/app-definition.ts';
import { ConfigError } from '../core/errors.ts';
import type { ConnectorCredentials, CredentialSource, ResolvedCredentials } from '../core/ports.ts';

/** Versioned, so a change of the scheme changes every fingerprint instead of colliding with old ones. */
const FINGERPRINT_DOMAIN = 'rollcall/env-credentials/v1';

/**
 * Stands in for a Secrets Manager VersionId: it changes when the credentials change, so a
 * connector left RECONNECT_REQUIRED tries again after new credentials are set (design.md
 * section 5). 64 bits of SHA-256 over a domain-separated, unambiguous encoding (a JSON array:
 * the domain, then every value in `keys` order; JSON escapes keep values from running into each
 * other): comparing it reveals nothing usable about the secret. `keys` defaults to the object's
 * own order; the adapter passes the app's declared order, so the fingerprint of one app's
 * credentials never depends on how the object was built.
 */
export function credentialFingerprint(
  credentials: ConnectorCredentials,
  keys: readonly string[] = Object.keys(credentials),
): string {
  return createHash('sha256')
    .update(JSON.stringify([FINGERPRINT_DOMAIN, ...keys.map((key) => credentials[key] ?? null)]))
    .digest('hex')
    .slice(0, 16);
}

export class EnvCredentialSource implements CredentialSource {
  constructor(
    /** The app's declared credential fields (`AppDefinition.credentialFields`). */
    private readonly fields: readonly CredentialField[],
    /** Read on every `get`, so a long-lived process sees rotated values. */
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async get(_connectorId: string): Promise<ResolvedCredentials> {
    const credentials: Record<string, string> = {};
    const missing: string[] = [];
    for (const field of this.fields) {
      const value = this.env[field.env]?.trim();
      if (value === undefined || value === '') missing.push(field.env);
      else credentials[field.key] = value;
    }
    // The message names the variables only; a value never reaches an error.
    if (missing.length === 1) throw new ConfigError(`environment variable ${missing[0]} is not set`);
    if (missing.length > 1) throw new ConfigError(`environment variables ${missing.join(', ')} are not set`);
    return {
      credentials,
      fingerprint: credentialFingerprint(
        credentials,
        this.fields.map((field) => field.key),
      ),
    };
  }
}
