/**
 * A deployment holds any number of connectors with the same stack: synthesized with 1 and with
 * 1,000 declared connectors, the resources (types and count) are the same, the functions'
 * environments are the same and under Lambda's 4 KB, and the declared list reaches the one
 * custom resource complete.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { DECLARED_PROPERTY, decodeDeclaredConnectors } from '../../functions/contract/fleet-contract.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import { parseDeploymentConfig } from '../../lib/deployment-config.ts';
import { worstCaseEnvironment } from '../../lib/lambda-environment-size.ts';
import { MAX_DECLARED_SECRET_ARNS } from '../../lib/poller.ts';
import { RollcallStack } from '../../lib/rollcall-stack.ts';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** Ids of the longest length allowed (48), apps and schedules mixed. */
function connectors(count: number): Record<string, unknown>[] {
  const apps = [
    { app: 'torq', region: 'eu' },
    { app: 'twingate', network: 'acme' },
    { app: 'scim', preset: 'torque' },
  ];
  return Array.from({ length: count }, (_, index) => ({
    id: `${'connector-'.padEnd(44, 'x')}${String(index).padStart(4, '0')}`,
    ...apps[index % apps.length],
    schedule: index % 2 === 0 ? 'rate(1 hour)' : 'cron(15 6 * * ? *)',
  }));
}

function synth(count: number, extra: Record<string, unknown> = {}): { stack: RollcallStack; template: Template } {
  const config = parseDeploymentConfig({ connectors: connectors(count), ...extra });
  const stack = new RollcallStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Fleet', { config });
  return { stack, template: Template.fromStack(stack) };
}

function resourceCounts(template: Template): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resource of Object.values(template.toJSON().Resources as Resources)) counts[resource.Type] = (counts[resource.Type] ?? 0) + 1;
  return counts;
}

function environments(stack: RollcallStack): { json: string; bytes: number }[] {
  return [stack.poller.function, stack.dispatcher.function, stack.declared.function].map((fn) =>
    worstCaseEnvironment(fn.node.defaultChild as CfnFunction),
  );
}

let one: { stack: RollcallStack; template: Template };
let thousand: { stack: RollcallStack; template: Template };

// Synthesizing a stack takes seconds on a loaded machine; a thousand connectors add little.
beforeAll(() => {
  one = synth(1);
  thousand = synth(1000);
}, 120_000);

describe('a fleet of 1,000 declared connectors', () => {
  it('synthesizes exactly the resources of one connector: same types, same count', () => {
    expect(resourceCounts(thousand.template)).toEqual(resourceCounts(one.template));
    expect(Object.values(resourceCounts(one.template)).reduce((a, b) => a + b, 0)).toBeLessThan(50);
  });

  it('gives every function the same environment as one connector does, under 4 KB at its longest', () => {
    const small = environments(one.stack);
    const large = environments(thousand.stack);
    expect(large.map((environment) => environment.json)).toEqual(small.map((environment) => environment.json));
    for (const environment of large) expect(environment.bytes).toBeLessThan(4096);
  });

  it('hands all 1,000 to the one reconciliation resource, compressed into a few KB', () => {
    const [resource] = Object.values(thousand.template.findResources('Custom::RollcallDeclaredConnectors'));
    const encoded = resource?.Properties[DECLARED_PROPERTY] as string;
    const declared = decodeDeclaredConnectors(encoded);

    expect(declared).toHaveLength(1000);
    expect(declared[1]).toEqual({
      id: `${'connector-'.padEnd(44, 'x')}0001`,
      app: 'twingate',
      schedule: 'cron(15 6 * * ? *)',
      config: { network: 'acme' },
      secretArn: null,
    });
    expect(encoded.length).toBeLessThan(32 * 1024);
    expect(JSON.stringify(thousand.template.toJSON()).length).toBeLessThan(1024 * 1024);
  });

  it('refuses more declared secret ARNs than one policy can list, saying how to name the secrets instead', () => {
    const arns = Array.from({ length: MAX_DECLARED_SECRET_ARNS + 1 }, (_, index) => ({
      id: `c${index}`,
      app: 'torq',
      secretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:vault/c${index}-AbC123`,
    }));
    const config = parseDeploymentConfig({ connectors: arns });
    expect(() => new RollcallStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Arns', { config })).toThrow(
      new ConfigError(
        `${MAX_DECLARED_SECRET_ARNS + 1} connectors bring a secretArn, more than the ${MAX_DECLARED_SECRET_ARNS} one role's policy can list: name their secrets rollcall/<connector id> instead and leave secretArn out`,
      ),
    );
  });

  it('needs no declared connector at all: connectors can all be added with the CLI', () => {
    const { template } = synth(0);
    expect(resourceCounts(template)).toEqual(resourceCounts(one.template));
  });
});
