/**
 * An app registry: the apps a deployment or a CLI knows, by name, and the checks every consumer
 * derives from their declarations (config keys, required fields). The production registry is
 * `appRegistry` in `index.ts`; a test builds its own with a throwaway app instead of mutating
 * that one, so no test can leak an app into another (the registry is a value passed in, with the
 * production registry as every consumer's default).
 */
import { ConfigError } from '../core/errors.ts';
import type { AppName } from '../core/types.ts';
import { isNumberField, type AppDefinition, type ConnectorFactory, type ConnectorRuntimeOptions } from './app-definition.ts';

/** Lower-case letters and digits, as in cdk.json and `--app`. */
const APP_NAME_PATTERN = /^[a-z][a-z0-9]{0,31}$/;

export interface AppRegistry {
  /** Registry names, in registration order. */
  readonly names: readonly AppName[];
  readonly apps: readonly AppDefinition[];
  has(name: string): name is AppName;
  /** The registry entry of `name`; a `ConfigError` naming the known apps (never the value given) when there is none. */
  get(name: string): AppDefinition;
  /**
   * The connector factory of `app`, its `config` validated up front so a bad config fails at cold
   * start or CLI start, before any credentials are read.
   */
  createConnectorFactory(app: AppName, config: unknown, options?: ConnectorRuntimeOptions): ConnectorFactory;
}

/** Checks the entries' own declarations, so a malformed entry fails the first import, not a deployment. */
export function createAppRegistry(apps: readonly AppDefinition[]): AppRegistry {
  const byName = new Map<string, AppDefinition>();
  for (const app of apps) {
    if (!APP_NAME_PATTERN.test(app.name)) throw new Error(`app registry: name '${app.name}' must be lower-case letters and digits`);
    if (byName.has(app.name)) throw new Error(`app registry: '${app.name}' is registered twice`);
    if (app.credentialFields.length === 0) throw new Error(`app registry: ${app.name} declares no credential field`);
    const keys = new Set<string>();
    for (const field of app.configFields) {
      if (keys.has(field.key)) throw new Error(`app registry: ${app.name} declares config field '${field.key}' twice`);
      keys.add(field.key);
      if (RESERVED_CONFIG_KEYS.includes(field.key)) {
        throw new Error(`app registry: ${app.name} config field '${field.key}' is a key every connector has`);
      }
    }
    byName.set(app.name, app);
  }
  const names = [...byName.keys()];
  const registry: AppRegistry = {
    names,
    apps: [...apps],
    has: (name: string): name is AppName => byName.has(name),
    get(name) {
      const app = byName.get(name);
      if (app === undefined) throw new ConfigError(`unknown app: expected one of ${names.join(', ')}`);
      return app;
    },
    createConnectorFactory: (app, config, options) => registry.get(app).createFactory(config, options),
  };
  return registry;
}

/** Keys of a deployment's connector entry that belong to no app (design.md section 8). */
export const RESERVED_CONFIG_KEYS: readonly string[] = ['id', 'app', 'schedule', 'secretArn', 'provisioning'];

/**
 * What is wrong with an app's config object by its declarations alone: keys it does not declare,
 * required keys that are missing, a value outside the declared choices, a number field holding
 * something else. Each problem names the key, never a value. The app's own parser
 * (`createFactory`) checks types and values afterwards.
 */
export function appConfigProblems(app: AppDefinition, config: Readonly<Record<string, unknown>>): string[] {
  const declared = new Set(app.configFields.map((field) => field.key));
  const problems: string[] = [];
  for (const key of Object.keys(config)) {
    if (!declared.has(key)) {
      problems.push(`unknown field ${JSON.stringify(key)} (${app.name} fields: ${[...declared].join(', ') || 'none'})`);
    }
  }
  for (const field of app.configFields) {
    const value = config[field.key];
    if (value === undefined || value === null) {
      if (field.required) problems.push(`missing required field ${field.key} (${field.description})`);
    } else if (field.choices !== undefined && !field.choices.includes(String(value))) {
      problems.push(`field ${field.key}: expected one of ${field.choices.join(', ')}`);
    } else if (isNumberField(field) && typeof value !== 'number') {
      problems.push(`field ${field.key}: expected a number`);
    }
  }
  return problems;
}

/**
 * An app's config with its required fields at their examples (or defaults), and its optional fields
 * that declare an example (an app that needs one of two fields, as a SCIM base URL or a preset,
 * declares the example on one): valid by the app's declarations, when every required field
 * declares an example (the registry's tests check that of every production app).
 */
export function exampleConfig(app: AppDefinition): Record<string, string | number> {
  return Object.fromEntries(
    app.configFields.flatMap((field) => {
      const value = field.required ? (field.example ?? field.default) : field.example;
      return value !== undefined ? [[field.key, value]] : [];
    }),
  );
}
