/**
 * The app registry: the one place that knows which SaaS apps have a connector. A second app adds
 * its folder (config schema + connector) and one line to `APPS`; the core never changes.
 */
import { ConfigError } from '../core/errors.ts';
import type { AppDefinition, ConnectorFactory, ConnectorRuntimeOptions } from './app-definition.ts';
import type { AppName } from '../core/types.ts';
import { torqApp } from './torq/index.ts';
import { twingateApp } from './twingate/index.ts';

export type { AppConfigField, AppDefinition, ConnectorFactory, ConnectorRuntimeOptions, CredentialField } from './app-definition.ts';

/** Every app, by registry name. Adding an app is one line here. */
const APPS: Readonly<Record<string, AppDefinition>> = Object.fromEntries([torqApp, twingateApp].map((app) => [app.name, app]));

export const APP_NAMES = Object.keys(APPS) as AppName[];

/** The registry entry of `app`; `ConfigError` naming the known apps when there is none. */
export function appDefinition(app: string): AppDefinition {
  if (!isAppName(app)) throw new ConfigError(`unknown app: expected one of ${APP_NAMES.join(', ')}`);
  return APPS[app] as AppDefinition;
}

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
  return appDefinition(app).createFactory(config, options);
}
