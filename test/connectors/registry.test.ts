import { describe, expect, it } from 'vitest';
import type { AppDefinition } from '../../functions/connectors/app-definition.ts';
import { appConfigProblems, appRegistry, createAppRegistry, exampleConfig, secretTemplate } from '../../functions/connectors/index.ts';
import { torqApp } from '../../functions/connectors/torq/index.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import { acmeApp } from '../support/acme-app.ts';

describe('createAppRegistry', () => {
  it('names its apps in registration order and finds each by name', () => {
    const registry = createAppRegistry([torqApp, acmeApp]);

    expect(registry.names).toEqual(['torq', 'acme']);
    expect(registry.get('acme')).toBe(acmeApp);
    expect(registry.has('okta')).toBe(false);
  });

  it('refuses an unknown app with the known ones, never echoing the name given', () => {
    expect(() => appRegistry.get('<script>')).toThrow(new ConfigError(`unknown app: expected one of ${appRegistry.names.join(', ')}`));
  });

  it.each([
    ['a name twice', [acmeApp, acmeApp], /'acme' is registered twice/],
    ['a name with capitals', [{ ...acmeApp, name: 'Acme' }], /must be lower-case/],
    ['no credential field', [{ ...acmeApp, credentialFields: [] }], /declares no credential field/],
    ['a field named like a common key', [{ ...acmeApp, configFields: [{ key: 'schedule', description: 's', required: false }] }], /key every connector has/],
  ] as const)('refuses an entry with %s when it is built', (_case, apps, expected) => {
    expect(() => createAppRegistry(apps as readonly AppDefinition[])).toThrow(expected);
  });
});

describe('what consumers derive from an entry', () => {
  it('the secret template from the credential fields', () => {
    expect(secretTemplate(torqApp.credentialFields)).toBe('{"clientId": "...", "clientSecret": "..."}');
    expect(secretTemplate(acmeApp.credentialFields)).toBe('{"apiKey": "..."}');
  });

  it('a valid example config from the required fields', () => {
    expect(exampleConfig(acmeApp)).toEqual({ network: 'acme-corp' });
    expect(() => acmeApp.createFactory(exampleConfig(acmeApp))).not.toThrow();
    for (const app of appRegistry.apps) expect(() => app.createFactory(exampleConfig(app))).not.toThrow();
  });

  it('config problems by declaration: unknown keys and missing required ones, named', () => {
    expect(appConfigProblems(acmeApp, { network: 'n', pageSize: 3 })).toEqual([]);
    expect(appConfigProblems(acmeApp, { network: 'n', pageSize: '3' })).toEqual(['field pageSize: expected a number']);
    expect(appConfigProblems(torqApp, { region: 'asia' })).toEqual(['field region: expected one of us, eu']);
    expect(appConfigProblems(acmeApp, { region: 'eu' })).toEqual([
      'unknown field "region" (acme fields: network, apiUrl, pageSize)',
      'missing required field network (the Acme network name)',
    ]);
  });

  it('every required config field of a production app has an example (cold start, README, help)', () => {
    const lacking = appRegistry.apps.flatMap((app) =>
      app.configFields.filter((field) => field.required && field.example === undefined).map((field) => `${app.name}.${field.key}`),
    );
    expect(lacking).toEqual([]);
  });

  it('every production app declares distinct credential variables and keys', () => {
    const variables = appRegistry.apps.flatMap((app) => app.credentialFields.map((field) => field.env));
    expect(new Set(variables).size).toBe(variables.length);
    for (const app of appRegistry.apps) {
      const keys = app.credentialFields.map((field) => field.key);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });
});
