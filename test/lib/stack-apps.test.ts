/**
 * A connector of an app other than Torq is declared exactly as Torq's is, everything
 * app-specific derived from the app's registry entry: the throwaway app of
 * test/support/acme-app.ts (Twingate-shaped: a required `network`, one `apiKey` credential) beside
 * a Torq connector, synthesized with a registry holding both. What reaches the table is the
 * reconciliation resource's list (its secret is created at deploy time: reconcile.test.ts).
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DECLARED_PROPERTY, decodeDeclaredConnectors, type DeclaredConnector } from '../../functions/contract/fleet-contract.ts';
import { appRegistry, exampleConfig } from '../../functions/connectors/index.ts';
import { parseDeploymentConfig, type DeploymentConfig } from '../../lib/deployment-config.ts';
import { RollcallStack } from '../../lib/rollcall-stack.ts';
import type { AppRegistry } from '../../functions/connectors/index.ts';
import { registryWithAcme } from '../support/acme-app.ts';

function declaredOf(config: DeploymentConfig, registry?: AppRegistry): DeclaredConnector[] {
  const stack = new RollcallStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Apps', {
    config,
    ...(registry !== undefined ? { registry } : {}),
  });
  const [resource] = Object.values(Template.fromStack(stack).findResources('Custom::RollcallDeclaredConnectors'));
  return decodeDeclaredConnectors(resource?.Properties[DECLARED_PROPERTY]);
}

describe('a connector of another app', () => {
  it('is declared with its schedule and its app config (its own fields only)', () => {
    const config = parseDeploymentConfig(
      {
        connectors: [
          { id: 'tg', app: 'acme', network: 'acme', schedule: 'rate(30 minutes)' },
          { id: 'torq-prod', app: 'torq', region: 'eu' },
        ],
      },
      registryWithAcme,
    );
    expect(declaredOf(config, registryWithAcme)).toEqual([
      { id: 'tg', app: 'acme', schedule: 'rate(30 minutes)', config: { network: 'acme' }, secretArn: null },
      { id: 'torq-prod', app: 'torq', schedule: 'rate(1 hour)', config: { region: 'eu' }, secretArn: null },
    ]);
  });
});

describe('a connector of every production app', () => {
  // One connector per registered app at its example config: an app added to the registry is
  // synthesized here with no change to this test (and fails it if its required fields lack examples).
  const everyApp = parseDeploymentConfig({
    connectors: appRegistry.apps.map((app) => ({ id: `${app.name}-example`, app: app.name, ...exampleConfig(app) })),
  });
  const declared = declaredOf(everyApp);

  it.each(appRegistry.apps.map((app) => [app.name, app] as const))('%s: declared hourly with its example config', (name, app) => {
    expect(declared.find((entry) => entry.id === `${name}-example`)).toEqual({
      id: `${name}-example`,
      app: name,
      schedule: 'rate(1 hour)',
      config: exampleConfig(app),
      secretArn: null,
    });
  });
});

describe('connectors as the README deploys them', () => {
  it.each([
    [{ id: 'tg', app: 'twingate', network: 'acme' }, { network: 'acme' }],
    [{ id: 'torque', app: 'scim', preset: 'torque' }, { preset: 'torque' }],
    [{ id: 'torque', app: 'scim', baseUrl: 'https://acme.qtorque.io/api/scim' }, { baseUrl: 'https://acme.qtorque.io/api/scim' }],
  ])('%j is declared with its app config', (connector, config) => {
    expect(declaredOf(parseDeploymentConfig({ connectors: [connector] }))).toEqual([
      expect.objectContaining({ id: connector.id, app: connector.app, config }),
    ]);
  });

  it.each([
    [{ id: 'tg', app: 'twingate' }, /network/],
    [{ id: 'tg', app: 'twingate', network: 'acme', region: 'eu' }, /region/],
    [{ id: 'tg', app: 'twingate', network: 'acme', pageSize: 'fifty' }, /pageSize/],
    [{ id: 'torque', app: 'scim' }, /baseUrl \(--base-url\) is required, or preset/],
    [{ id: 'torque', app: 'scim', preset: 'okta' }, /preset: expected one of torque/],
    [{ id: 'torque', app: 'scim', preset: 'torque', baseUrl: 'https://acme.qtorque.io/api/scim' }, /not both/],
    [{ id: 'torque', app: 'scim', baseUrl: 'http://scim.example.com' }, /plain http is allowed only to loopback/],
  ])('refuses %j at synth, naming the field', (connector, message) => {
    expect(() => parseDeploymentConfig({ connectors: [connector] })).toThrow(message);
  });
});
