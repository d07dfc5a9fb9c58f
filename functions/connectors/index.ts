/**
 * The app registry: the one place that knows which SaaS apps have a connector. An app adds its
 * folder (`functions/connectors/<app>/`, exporting its `AppDefinition`) and one entry to the list
 * below; the core, the poller, the deployment config, the credential adapters and the CLI derive
 * everything else from the entry.
 */
import type { AppDefinition, ConnectorFactory, ConnectorRuntimeOptions } from './app-definition.ts';
import type { AppName } from '../core/types.ts';
import { createAppRegistry, type AppRegistry } from './registry.ts';
import { scimApp } from './scim/index.ts';
import { torqApp } from './torq/index.ts';
import { twingateApp } from './twingate/index.ts';

export type { AppConfigField, AppDefinition, ConnectorFactory, ConnectorRuntimeOptions, CredentialField, ProvisionerFactory } from './app-definition.ts';
export { secretTemplate } from './app-definition.ts';
export { appConfigProblems, createAppRegistry, exampleConfig, RESERVED_CONFIG_KEYS, type AppRegistry } from './registry.ts';

/** Every app. Adding an app is one entry here. */
export const appRegistry: AppRegistry = createAppRegistry([torqApp, twingateApp, scimApp]);

export const APP_NAMES: readonly AppName[] = appRegistry.names;

/** The registry entry of `app`; `ConfigError` naming the known apps when there is none. */
export function appDefinition(app: string): AppDefinition {
  return appRegistry.get(app);
}

export function isAppName(value: string): value is AppName {
  return appRegistry.has(value);
}

/**
 * The connector factory of `app`, its `config` validated up front so a bad config fails at cold
 * start or CLI start, before any credentials are read.
 */
export function createConnectorFactory(app: AppName, config: unknown, options?: ConnectorRuntimeOptions): ConnectorFactory {
  return appRegistry.createConnectorFactory(app, config, options);
}
