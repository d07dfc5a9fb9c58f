/**
 * A connector of an app other than Torq gets its secret, schedule and poller entry exactly as
 * Torq's do, everything app-specific derived from the app's registry entry: the throwaway app of
 * test/support/acme-app.ts (Twingate-shaped: a required `network`, one `apiKey` credential) beside
 * a Torq connector, synthesized with a registry holding both.
 */
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { pollerConnectorsSchema, POLLER_ENV } from '../../functions/contract/poller-contract.ts';
import { appRegistry, exampleConfig, secretTemplate } from '../../functions/connectors/index.ts';
import { parseDeploymentConfig } from '../../lib/deployment-config.ts';
import { RollcallStack } from '../../lib/rollcall-stack.ts';
import { registryWithAcme } from '../support/acme-app.ts';
import { flatten, logicalIdOf } from './stack-fixture.ts';

const config = parseDeploymentConfig(
  {
    connectors: [
      { id: 'tg', app: 'acme', network: 'acme', schedule: 'rate(30 minutes)' },
      { id: 'torq-prod', app: 'torq', region: 'eu' },
    ],
  },
  registryWithAcme,
);
const stack = new RollcallStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Apps', { config, registry: registryWithAcme });
const template = Template.fromStack(stack);

describe('a connector of another app', () => {
  it('gets an empty secret whose description is the JSON its app expects', () => {
    const descriptions = Object.values(template.findResources('AWS::SecretsManager::Secret')).map(
      (resource) => (resource as { Properties: { Description: string } }).Properties.Description,
    );
    expect(descriptions.sort()).toEqual([
      'Rollcall connector tg (acme): put JSON {"apiKey": "..."}',
      'Rollcall connector torq-prod (torq): put JSON {"clientId": "...", "clientSecret": "..."}',
    ]);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('connector tg'),
      SecretString: Match.absent(),
      GenerateSecretString: Match.absent(),
    });
  });

  it('is scheduled with its expression and its id as the event', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(30 minutes)',
      Target: { Input: JSON.stringify({ connectorId: 'tg' }) },
    });
  });

  it('reaches the poller with its app config (its own fields only), in a list the poller accepts', () => {
    const functionId = logicalIdOf(template, 'AWS::Lambda::Function', (properties) =>
      JSON.stringify(properties).includes(POLLER_ENV.connectors),
    );
    const poller = template.toJSON().Resources[functionId] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    const list = JSON.parse(flatten(poller.Properties.Environment.Variables[POLLER_ENV.connectors])) as { secretArn: string }[];
    const withArns = list.map((entry, index) => ({ ...entry, secretArn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:s${index}-Abc123` }));

    expect(pollerConnectorsSchema.parse(withArns)).toEqual([
      { id: 'tg', app: 'acme', secretArn: expect.any(String), config: { network: 'acme' } },
      { id: 'torq-prod', app: 'torq', secretArn: expect.any(String), config: { region: 'eu' } },
    ]);
    expect(list.every((entry) => /^<.+>$/.test(entry.secretArn))).toBe(true);
  });

  it('outputs its secret ARN with what to put into it', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Description?: string } | undefined>;
    expect(outputs.SecretArnTg?.Description).toBe('Secret of connector tg: put {"apiKey": "..."} into it');
  });
});

describe('a connector of every production app', () => {
  // One connector per registered app at its example config: an app added to the registry is
  // synthesized here with no change to this test (and fails it if its required fields lack examples).
  const everyApp = parseDeploymentConfig({
    connectors: appRegistry.apps.map((app) => ({ id: `${app.name}-example`, app: app.name, ...exampleConfig(app) })),
  });
  const synthesized = Template.fromStack(
    new RollcallStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'EveryApp', { config: everyApp }),
  );

  it.each(appRegistry.apps.map((app) => [app.name, app] as const))('%s: its secret, its schedule and its config', (name, app) => {
    synthesized.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: `Rollcall connector ${name}-example (${name}): put JSON ${secretTemplate(app.credentialFields)}`,
    });
    synthesized.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      Target: { Input: JSON.stringify({ connectorId: `${name}-example` }) },
    });
    const functionId = logicalIdOf(synthesized, 'AWS::Lambda::Function', (properties) =>
      JSON.stringify(properties).includes(POLLER_ENV.connectors),
    );
    const poller = synthesized.toJSON().Resources[functionId] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    const list = JSON.parse(flatten(poller.Properties.Environment.Variables[POLLER_ENV.connectors])) as { id: string; config: unknown }[];
    expect(list.find((entry) => entry.id === `${name}-example`)?.config).toEqual(exampleConfig(app));
  });
});

describe('a Twingate connector as the README deploys it', () => {
  const twingate = parseDeploymentConfig({ connectors: [{ id: 'tg', app: 'twingate', network: 'acme' }] });
  const synthesized = Template.fromStack(
    new RollcallStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Twingate', { config: twingate }),
  );

  it('gets a secret for {"apiKey": ...}, an hourly schedule and its network in the poller config', () => {
    synthesized.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: 'Rollcall connector tg (twingate): put JSON {"apiKey": "..."}',
    });
    synthesized.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      Target: { Input: JSON.stringify({ connectorId: 'tg' }) },
    });
    const functionId = logicalIdOf(synthesized, 'AWS::Lambda::Function', (properties) =>
      JSON.stringify(properties).includes(POLLER_ENV.connectors),
    );
    const poller = synthesized.toJSON().Resources[functionId] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    const list = JSON.parse(flatten(poller.Properties.Environment.Variables[POLLER_ENV.connectors])) as { id: string; app: string; config: unknown }[];
    expect(list).toEqual([expect.objectContaining({ id: 'tg', app: 'twingate', config: { network: 'acme' } })]);
  });

  it.each([
    [{ id: 'tg', app: 'twingate' }, /network/],
    [{ id: 'tg', app: 'twingate', network: 'acme', region: 'eu' }, /region/],
    [{ id: 'tg', app: 'twingate', network: 'acme', pageSize: 'fifty' }, /pageSize/],
  ])('refuses %j at synth, naming the field', (connector, field) => {
    expect(() => parseDeploymentConfig({ connectors: [connector] })).toThrow(field);
  });
});

describe('a SCIM connector as the README deploys it', () => {
  it.each([
    [{ id: 'torque', app: 'scim', preset: 'torque' }, { preset: 'torque' }],
    [{ id: 'torque', app: 'scim', baseUrl: 'https://acme.qtorque.io/api/scim' }, { baseUrl: 'https://acme.qtorque.io/api/scim' }],
  ])('%j gets a secret for {"token": ...}, an hourly schedule and its SCIM base in the poller config', (connector, config) => {
    const synthesized = Template.fromStack(
      new RollcallStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Scim', {
        config: parseDeploymentConfig({ connectors: [connector] }),
      }),
    );
    synthesized.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: 'Rollcall connector torque (scim): put JSON {"token": "..."}',
    });
    synthesized.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      Target: { Input: JSON.stringify({ connectorId: 'torque' }) },
    });
    const outputs = synthesized.toJSON().Outputs as Record<string, { Description?: string } | undefined>;
    expect(outputs.SecretArnTorque?.Description).toBe('Secret of connector torque: put {"token": "..."} into it');
    const functionId = logicalIdOf(synthesized, 'AWS::Lambda::Function', (properties) =>
      JSON.stringify(properties).includes(POLLER_ENV.connectors),
    );
    const poller = synthesized.toJSON().Resources[functionId] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    const list = JSON.parse(flatten(poller.Properties.Environment.Variables[POLLER_ENV.connectors])) as { id: string; app: string; config: unknown }[];
    expect(list).toEqual([expect.objectContaining({ id: 'torque', app: 'scim', config })]);
  });

  it.each([
    [{ id: 'torque', app: 'scim' }, /baseUrl \(--base-url\) is required, or preset/],
    [{ id: 'torque', app: 'scim', preset: 'okta' }, /preset: expected one of torque/],
    [{ id: 'torque', app: 'scim', preset: 'torque', baseUrl: 'https://acme.qtorque.io/api/scim' }, /not both/],
    [{ id: 'torque', app: 'scim', baseUrl: 'http://scim.example.com' }, /plain http is allowed only to loopback/],
  ])('refuses %j at synth, naming the field', (connector, message) => {
    expect(() => parseDeploymentConfig({ connectors: [connector] })).toThrow(message);
  });
});
