/**
 * The app registry: the one place that knows which SaaS apps have a connector. A second app adds
 * its folder (config schema + connector) and one line to `APPS`; the core never changes.
 */
import { ConfigError } from '../core/errors.ts';
import type { Clock, Connector, ConnectorCredentials, Logger } from '../core/ports.ts';
import type { AppName } from '../core/types.ts';
import { torqApp } from './torq/index.ts';

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
  /** The most API calls per second (the ceiling of the connector's adaptive pacing); overrides the app config's. */
  readonly requestsPerSecond?: number;
}

/** Builds a connector for one set of credentials (a poll resolves them, then calls this). */
export type ConnectorFactory = (credentials: ConnectorCredentials) => Connector;

export interface AppDefinition {
  readonly app: AppName;
  /** Validates the app's connector config (throws `ConfigError` naming the field) and returns a factory. */
  createFactory(config: unknown, options?: ConnectorRuntimeOptions): ConnectorFactory;
}

const APPS: { readonly [A in AppName]: AppDefinition } = {
  torq: torqApp,
};

export const APP_NAMES = Object.keys(APPS) as AppName[];

export function isAppName(value: string): value is AppName {
  return Object.hasOwn(APPS, value);
}

/**
 * The connector factory of `app`, its `config` validated up front so a bad config fails at cold
 * start or CLI start, before any credentials are read.
 */
export function createConnectorFactory(
  app: AppName,
  config: unknown,
  options?: ConnectorRuntimeOptions,
): ConnectorFactory {
  if (!isAppName(app)) throw new ConfigError(`unknown app: expected one of ${APP_NAMES.join(', ')}`);
  return (APPS[app] as AppDefinition).createFactory(config, options);
}
