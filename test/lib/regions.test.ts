/**
 * Regions whose CloudFormation lacks what the stack would use (lib/region-support.ts): the
 * template leaves it out when the region is known at synth, and the archive can be turned off.
 * Also what the stack keeps when it is deleted: the inventory table, not the secrets it created.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors.ts';
import { parseDeploymentConfig } from '../../lib/deployment-config.ts';
import { RollcallStack } from '../../lib/rollcall-stack.ts';

function templateFor(extra: Record<string, unknown>): Template {
  const config = parseDeploymentConfig({ connectors: [{ id: 'torq', app: 'torq' }], ...extra });
  return Template.fromStack(new RollcallStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Regional', { config }));
}

const busProperties = (template: Template) =>
  Object.values(template.findResources('AWS::Events::EventBus'))[0]?.Properties as Record<string, unknown>;

describe('the event bus and its archive by region', { timeout: 120_000 }, () => {
  it('without a known region: an archive, and no bus description (GovCloud has none)', () => {
    const template = templateFor({});
    template.resourceCountIs('AWS::Events::Archive', 1);
    expect(busProperties(template)).not.toHaveProperty('Description');
  });

  it('in a region with both: the archive and the description', () => {
    const template = templateFor({ awsRegion: 'eu-west-1' });
    template.resourceCountIs('AWS::Events::Archive', 1);
    expect(busProperties(template).Description).toBe('Rollcall inventory changes and connector status');
  });

  it('in ca-west-1 and mx-central-1: no archive, which CloudFormation there cannot create', () => {
    for (const awsRegion of ['ca-west-1', 'mx-central-1']) {
      const template = templateFor({ awsRegion });
      template.resourceCountIs('AWS::Events::Archive', 0);
      template.resourceCountIs('AWS::Events::EventBus', 1);
    }
  });

  it('in GovCloud: the archive, and no description on the bus', () => {
    for (const awsRegion of ['us-gov-west-1', 'us-gov-east-1']) {
      const template = templateFor({ awsRegion });
      template.resourceCountIs('AWS::Events::Archive', 1);
      expect(busProperties(template)).not.toHaveProperty('Description');
    }
  });

  it('leaves the archive out when eventArchive is false, in any region', () => {
    templateFor({ eventArchive: false }).resourceCountIs('AWS::Events::Archive', 0);
    templateFor({ eventArchive: false, awsRegion: 'us-east-1' }).resourceCountIs('AWS::Events::Archive', 0);
  });

  it('refuses an archive asked for where there are none', () => {
    expect(() => templateFor({ eventArchive: true, awsRegion: 'ca-west-1' })).toThrow(ConfigError);
    expect(() => templateFor({ eventArchive: true, awsRegion: 'ca-west-1' })).toThrow(
      'eventArchive: CloudFormation in ca-west-1 has no EventBridge archives (AWS::Events::Archive); set eventArchive to false',
    );
  });

  it('refuses a region that is not a region code', () => {
    expect(() => parseDeploymentConfig({ connectors: [{ id: 'torq', app: 'torq' }], awsRegion: 'Ireland' })).toThrow(
      'cdk.json context "rollcall": awsRegion: must be an AWS region code such as eu-west-1',
    );
  });
});

describe('deleting the stack', { timeout: 120_000 }, () => {
  it('retains the inventory table, and holds no connector secret (they are created at run time and outlive the stack)', () => {
    const template = templateFor({});
    const [table] = Object.values(template.findResources('AWS::DynamoDB::Table'));
    expect(table).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });
});
