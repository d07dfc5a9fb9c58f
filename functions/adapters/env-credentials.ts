/**
 * Credentials from environment variables, for `rollcall poll` on a laptop (design.md section 7):
 * `<APP>_CLIENT_ID` and `<APP>_CLIENT_SECRET`, so Torq reads TORQ_CLIENT_ID / TORQ_CLIENT_SECRET.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../core/errors.ts';
import type { ConnectorCredentials, CredentialSource, ResolvedCredentials } from '../core/ports.ts';
import type { AppName } from '../core/types.ts';

/** Versioned, so a change of the scheme changes every fingerprint instead of colliding with old ones. */
const FINGERPRINT_DOMAIN = 'rollcall/env-credentials/v1';

export function credentialVariables(app: AppName): { clientId: string; clientSecret: string } {
  const prefix = app.toUpperCase();
  return { clientId: `${prefix}_CLIENT_ID`, clientSecret: `${prefix}_CLIENT_SECRET` };
}

/**
 * Stands in for a Secrets Manager VersionId: it changes when the credentials change, so a
 * connector left RECONNECT_REQUIRED tries again after new credentials are set (design.md
 * section 5). 64 bits of SHA-256 over a domain-separated, unambiguous encoding of both values:
 * comparing it reveals nothing usable about the secret.
 */
export function credentialFingerprint(credentials: ConnectorCredentials): string {
  return createHash('sha256')
    .update(JSON.stringify([FINGERPRINT_DOMAIN, credentials.clientId, credentials.clientSecret]))
    .digest('hex')
    .slice(0, 16);
}

export class EnvCredentialSource implements CredentialSource {
  constructor(
    private readonly app: AppName,
    /** Read on every `get`, so a long-lived process sees rotated values. */
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async get(_connectorId: string): Promise<ResolvedCredentials> {
    const names = credentialVariables(this.app);
    const credentials: ConnectorCredentials = {
      clientId: this.required(names.clientId),
      clientSecret: this.required(names.clientSecret),
    };
    return { credentials, fingerprint: credentialFingerprint(credentials) };
  }

  /** The message names the variable only; the value never reaches an error. */
  private required(name: string): string {
    const value = this.env[name]?.trim();
    if (value === undefined || value === '') throw new ConfigError(`environment variable ${name} is not set`);
    return value;
  }
}
