/**
 * Provisioning in the stack: absent from a default deployment (no function, rule or write
 * permission at all), and, once one connector sets `"provisioning": true`, exactly the function,
 * its rule and its role, reading that connector's secret and no other, publishing only as
 * `rollcall`, fed only by requests. cdk-nag stays clean with it.
 */
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors.ts';
import { EVENT_SOURCE, EVENT_TYPES } from '../../functions/core/events.ts';
import { PROVISION_LEASE_MS } from '../../functions/core/provision.ts';
import { pollerConnectorsSchema } from '../../functions/contract/poller-contract.ts';
import { PROVISION_REQUEST_SOURCE, PROVISIONER_ENV } from '../../functions/contract/provision-contract.ts';
import { parseDeploymentConfig } from '../../lib/deployment-config.ts';
import { RollcallStack } from '../../lib/rollcall-stack.ts';
import { flatten, synthesizeStack, type SynthesizedStack } from './stack-fixture.ts';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: unknown }>;

const TWINGATE = { app: 'twingate', network: 'acme' };
const connectors = (provisioning: boolean | undefined) => [
  { id: 'torq-prod', app: 'torq', region: 'us' },
  { id: 'tg-prod', ...TWINGATE, ...(provisioning === undefined ? {} : { provisioning }) },
  { id: 'tg-lab', ...TWINGATE },
];

const synth = (provisioning: boolean | undefined): SynthesizedStack => synthesizeStack(parseDeploymentConfig({ connectors: connectors(provisioning) }));

let plain: SynthesizedStack;
let enabled: SynthesizedStack;
let plainResources: Resources;
let enabledResources: Resources;
let added: string[];

beforeAll(() => {
  plain = synth(undefined);
  enabled = synth(true);
  plainResources = plain.template.toJSON().Resources as Resources;
  enabledResources = enabled.template.toJSON().Resources as Resources;
  added = Object.keys(enabledResources).filter((id) => !(id in plainResources));
});

const secretOf = (stack: SynthesizedStack, connectorId: string) =>
  stack.stack.connectors.find((connector) => connector.connectorId === connectorId)?.secret.secretArn;

/** Every statement of the policies attached to the role `roleId`. */
function statementsOf(resources: Resources, roleId: string): { Action: string | string[]; Resource: unknown; Condition?: unknown }[] {
  return Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties?.Roles).includes(`"${roleId}"`))
    .flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: [] }).Statement);
}
const actionsOf = (statement: { Action: string | string[] }) => [statement.Action].flat();

describe('a default deployment', () => {
  it('has no provisioning function, rule, output or write path', () => {
    for (const stack of [plain, synth(false)]) {
      const resources = stack.template.toJSON().Resources as Resources;
      const types = Object.values(resources).map((resource) => resource.Type);
      expect(types.filter((type) => type === 'AWS::Lambda::Function')).toHaveLength(1);
      expect(types).not.toContain('AWS::Events::Rule');
      expect(JSON.stringify(resources)).not.toContain(PROVISION_REQUEST_SOURCE);
      expect(JSON.stringify(resources)).not.toContain(PROVISIONER_ENV.connectors);
      expect(Object.keys(stack.template.toJSON().Outputs)).not.toContain('ProvisioningFunctionName');
      expect(stack.stack.provisioning).toBeUndefined();
      // The only role that may read a secret is the poller's.
      const secretReaders = Object.values(resources).filter(
        (resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties).includes('secretsmanager:'),
      );
      expect(secretReaders).toHaveLength(1);
      expect(JSON.stringify(secretReaders[0]?.Properties?.Roles)).toContain('PollerRole');
    }
    expect(synth(false).template.toJSON()).toEqual(plain.template.toJSON());
  });
});

describe('one connector with "provisioning": true', () => {
  it("adds exactly the function, its role, log group and policy, its rule and the rule's invoke permission; only the dead-letter queue's policy changes", () => {
    expect(added.map((id) => enabledResources[id]?.Type).sort()).toEqual(
      [
        'AWS::IAM::Policy',
        'AWS::IAM::Role',
        'AWS::Lambda::EventInvokeConfig',
        'AWS::Lambda::Function',
        'AWS::Lambda::Permission',
        'AWS::Logs::LogGroup',
        'AWS::Events::Rule',
      ].sort(),
    );
    const changed = Object.keys(plainResources).filter((id) => JSON.stringify(plainResources[id]) !== JSON.stringify(enabledResources[id]));
    expect(changed.map((id) => plainResources[id]?.Type)).toEqual(['AWS::SQS::QueuePolicy']);
    // The rule's dead-letter queue is the poller's (its alarm watches it): the rule may send to it, nothing else changes.
    const statements = (policy: Resources[string] | undefined) => (policy?.Properties?.PolicyDocument as { Statement: { Principal: unknown; Condition: unknown }[] }).Statement;
    const [before, after] = [statements(plainResources[changed[0] as string]), statements(enabledResources[changed[0] as string])];
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length)).toEqual([
      expect.objectContaining({ Action: 'sqs:SendMessage', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [added.find((id) => enabledResources[id]?.Type === 'AWS::Events::Rule'), 'Arn'] } } } }),
    ]);
    expect(Object.keys(enabled.template.toJSON().Outputs).filter((key) => !(key in plain.template.toJSON().Outputs))).toEqual(['ProvisioningFunctionName']);
  });

  it("lets the function read that connector's secret and no other, publish only as rollcall, and use the table without Scan", () => {
    const provisioning = enabled.stack.provisioning;
    if (provisioning === undefined) throw new Error('no provisioning construct');
    const roleId = enabled.stack.getLogicalId(provisioning.role.node.defaultChild as never);
    const statements = statementsOf(enabledResources, roleId);
    const secretStatements = statements.filter((statement) => actionsOf(statement).some((action) => action.startsWith('secretsmanager:')));

    expect(secretStatements).toHaveLength(1);
    expect([secretStatements[0]?.Resource].flat().map(flatten)).toEqual([flatten(enabled.stack.resolve(secretOf(enabled, 'tg-prod')))]);
    expect(actionsOf(secretStatements[0] as never).sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);

    const putEvents = statements.filter((statement) => actionsOf(statement).includes('events:PutEvents'));
    expect(putEvents).toEqual([expect.objectContaining({ Condition: { StringEquals: { 'events:source': EVENT_SOURCE } } })]);
    const actions = statements.flatMap(actionsOf);
    expect(actions).not.toContain('dynamodb:Scan');
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    for (const statement of statements) expect([statement.Resource].flat()).not.toContain('*');
  });

  it('hands the function only that connector, in a list the function accepts', () => {
    const [, fn] = Object.entries(enabledResources).find(([id, resource]) => added.includes(id) && resource.Type === 'AWS::Lambda::Function') ?? [];
    const variables = (fn?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
    const list = JSON.parse(flatten(variables[PROVISIONER_ENV.connectors]).replace(/<[^>]+>/g, (ref) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${ref.slice(1, 7)}-AbCdEf`)) as unknown;
    const parsed = pollerConnectorsSchema.parse(list);
    expect(parsed.map((connector) => connector.id)).toEqual(['tg-prod']);
    expect(parsed[0]).toMatchObject({ app: 'twingate', config: { network: 'acme' } });
    expect(fn?.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], ReservedConcurrentExecutions: 1 });
    expect((fn?.Properties?.Timeout as number) * 1000).toBeLessThan(PROVISION_LEASE_MS);
    enabled.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: {} } });
  });

  it('feeds it only requests: source rollcall.provisioning, the two request types, never an event Rollcall publishes', () => {
    const [ruleId, rule] = Object.entries(enabledResources).find(([, resource]) => resource.Type === 'AWS::Events::Rule') ?? [];
    const pattern = rule?.Properties?.EventPattern as { source: string[]; 'detail-type': string[] };
    expect(pattern).toEqual({ source: [PROVISION_REQUEST_SOURCE], 'detail-type': ['AccessRequested', 'AccessRevocationRequested'] });
    expect(pattern.source).not.toContain(EVENT_SOURCE);
    for (const type of EVENT_TYPES) expect(pattern['detail-type']).not.toContain(type);
    expect(flatten(rule?.Properties?.EventBusName)).toMatch(/^<EventsBus/);
    const [target] = rule?.Properties?.Targets as { Arn: unknown; DeadLetterConfig: { Arn: unknown }; RetryPolicy: unknown }[];
    expect(flatten(target?.Arn)).toMatch(/^<ProvisioningFunction.*\.Arn>$/);
    expect(flatten(target?.DeadLetterConfig.Arn)).toMatch(/^<PollerDeadLetterQueue.*\.Arn>$/);
    enabled.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
  });

  it('keeps cdk-nag AwsSolutions clean, acknowledging only the runtime finding the poller has too', () => {
    const report = new AwsSolutionsChecks(enabled.app).validateScope(enabled.stack);
    expect(report.violations.map((violation) => `${violation.ruleName}: ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    const acknowledged = enabled.stack.node
      .findAll()
      .filter((construct) => construct.node.path.includes('/Provisioning'))
      .flatMap((construct) =>
        construct.node.metadata
          .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((entry) => Object.keys(entry.data as object).map((id) => `${construct.node.path} ${id.replace(/^Annotation::/i, '')}`)),
      );
    expect(acknowledged).toEqual([`${enabled.stack.stackName}/Provisioning/Function AwsSolutions-L1`]);
  });
});

describe('the connector setting', () => {
  it('is refused for an app without a provisioner, and must be a boolean', () => {
    expect(() => parseDeploymentConfig({ connectors: [{ id: 'torq-prod', app: 'torq', provisioning: true }] })).toThrow(
      new ConfigError('cdk.json context "rollcall": connectors.0.provisioning: Torq connectors are read-only: Rollcall cannot grant or revoke there'),
    );
    expect(() => parseDeploymentConfig({ connectors: [{ id: 'tg', ...TWINGATE, provisioning: 'yes' }] })).toThrow(/connectors\.0\.provisioning: expected boolean/);
    expect(parseDeploymentConfig({ connectors: [{ id: 'torq-prod', app: 'torq', provisioning: false }] }).connectors[0]?.provisioning).toBe(false);
  });

  it('names each enabling connector: two of them give one function reading both secrets', () => {
    const config = parseDeploymentConfig({
      connectors: [
        { id: 'tg-a', ...TWINGATE, provisioning: true },
        { id: 'tg-b', ...TWINGATE, provisioning: true },
        { id: 'tg-c', ...TWINGATE },
      ],
    });
    const stack = new RollcallStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Two', { config });
    const resources = Template.fromStack(stack).toJSON().Resources as Resources;
    const roleId = stack.getLogicalId(stack.provisioning?.role.node.defaultChild as never);
    const secrets = statementsOf(resources, roleId)
      .filter((statement) => actionsOf(statement).includes('secretsmanager:GetSecretValue'))
      .flatMap((statement) => [statement.Resource].flat().map(flatten));
    const secretArn = (id: string) => flatten(stack.resolve(stack.connectors.find((connector) => connector.connectorId === id)?.secret.secretArn));
    expect(secrets.sort()).toEqual([secretArn('tg-a'), secretArn('tg-b')].sort());
    expect(Object.values(resources).filter((resource) => resource.Type === 'AWS::Events::Rule')).toHaveLength(1);
  });
});
