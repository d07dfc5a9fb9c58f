/**
 * What an app's registry entry declares (`functions/connectors/index.ts` lists the entries). The
 * core, the poller contract, the deployment config, the credential adapters and the CLI derive
 * what they need from these declarations and name no app themselves.
 */
import { ConfigError } from '../core/errors.ts';
import type { Clock, Connector, ConnectorCredentials, Logger, Provisioner } from '../core/ports.ts';

/** Runtime knobs every app's HTTP connector understands; an app ignores what it has no use for. */
export interface ConnectorRuntimeOptions {
  /** Ids, counts and status codes only. */
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly fetch?: typeof globalThis.fetch;
  /** Per request attempt, for the whole exchange (connect, headers and body). */
  readonly timeoutMs?: number;
  /** Upper bound of one answer's body in bytes. */
  readonly maxResponseBytes?: number;
  readonly retry?: {
    readonly limit?: number;
    readonly backoffLimitMs?: number;
    readonly maxRetryAfterSeconds?: number;
  };
  /** The most API calls per second (the ceiling of the connector's pacing); overrides the app config's. */
  readonly requestsPerSecond?: number;
  /** The most write requests (provisioning mutations) per second; overrides the app's write budget (tests). */
  readonly writeRequestsPerSecond?: number;
}

/** One field of an app's connector config: a key of its cdk.json entry, and a `rollcall poll` flag. */
export interface AppConfigField {
  /** The key in the config object (cdk.json connector entry, the poller's `config`). */
  readonly key: string;
  /** One line for `--help`, the README and synth errors. */
  readonly description: string;
  readonly required: boolean;
  /** Shown in help; the app's own parser applies it. */
  readonly default?: string | number;
  /**
   * A valid value to show in examples (README, `--help`); a required field must have one, so a
   * configuration of every app can be built for the poller's cold-start measurement. An optional
   * field's example joins that configuration too (`exampleConfig`).
   */
  readonly example?: string | number;
  /** The `rollcall poll` flag that sets it (`--network`), and the name of its value in help (`NAME`). */
  readonly flag?: { readonly name: string; readonly value: string };
  /**
   * How a flag's text becomes the config value: a string as given, or a positive number. When
   * absent, a field whose default or example is a number is a number, any other a string.
   */
  readonly type?: 'string' | 'number';
  /** The only values accepted (`us`, `eu`): the CLI refuses any other before the app is asked. */
  readonly choices?: readonly string[];
}

/** Whether `field`'s values are numbers (declared, or inferred from its default or example). */
export function isNumberField(field: AppConfigField): boolean {
  if (field.type !== undefined) return field.type === 'number';
  return typeof field.default === 'number' || typeof field.example === 'number';
}

/** One named value of an app's credentials: a key of the secret's JSON and a CLI environment variable. */
export interface CredentialField {
  /** The key in the Secrets Manager secret's JSON (`apiKey`). */
  readonly key: string;
  /** The environment variable `rollcall poll` reads it from (`TWINGATE_API_KEY`). */
  readonly env: string;
  readonly description: string;
}

/** Builds a connector for one set of credentials (a poll resolves them, then calls this). */
export type ConnectorFactory = (credentials: ConnectorCredentials) => Connector;

/** Builds a provisioner for one set of credentials (`core/provision.ts` uses it). */
export type ProvisionerFactory = (credentials: ConnectorCredentials) => Provisioner;

export interface AppDefinition {
  /** The registry name: lower-case, as in cdk.json (`"app": "twingate"`) and `--app`. */
  readonly name: string;
  /** As people write it (`Twingate`). */
  readonly title: string;
  readonly configFields: readonly AppConfigField[];
  /** Every field is a required, non-empty string; the credential adapters check them all. */
  readonly credentialFields: readonly CredentialField[];
  /** Validates the app's connector config (throws `ConfigError` naming the field) and returns a factory. */
  createFactory(config: unknown, options?: ConnectorRuntimeOptions): ConnectorFactory;
  /**
   * Present only for an app whose memberships Rollcall can change (design.md section 6): validates
   * the config as `createFactory` does and returns a provisioner factory. An app without it is
   * read-only, and `rollcall grant`/`revoke` refuse it.
   */
  createProvisionerFactory?(config: unknown, options?: ConnectorRuntimeOptions): ProvisionerFactory;
}

/**
 * The declared credential fields of `app`, each present and non-empty, as the app's factory reads
 * them. Errors name the field and never a value.
 */
export function requiredCredentials<K extends string>(
  app: string,
  credentials: ConnectorCredentials,
  keys: readonly K[],
): Readonly<Record<K, string>> {
  const picked = {} as Record<K, string>;
  for (const key of keys) {
    const value = Object.hasOwn(credentials, key) ? credentials[key] : undefined;
    if (typeof value !== 'string' || value.trim() === '') throw new ConfigError(`${app} credentials lack '${key}'`);
    picked[key] = value.trim();
  }
  return picked;
}

/** The JSON a person puts into a connector's secret, with placeholders: `{"apiKey": "..."}`. */
export function secretTemplate(fields: readonly CredentialField[]): string {
  return `{${fields.map((field) => `${JSON.stringify(field.key)}: "..."`).join(', ')}}`;
}
