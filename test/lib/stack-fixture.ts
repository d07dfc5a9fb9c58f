/**
 * One synthesized Rollcall stack for the CDK tests: two connectors (one with a secret created by
 * the stack, one with an existing secret and EU endpoints), an alarm e-mail. No account, region
 * or credentials, exactly like `npx cdk synth` on a fresh clone.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseDeploymentConfig, type DeploymentConfig } from '../../lib/deployment-config.ts';
import { RollcallStack } from '../../lib/rollcall-stack.ts';

export const EXISTING_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rollcall/torq-eu-AbC123';

export const TEST_CONFIG: DeploymentConfig = parseDeploymentConfig({
  connectors: [
    { id: 'torq-prod', app: 'torq', region: 'us', schedule: 'rate(1 hour)' },
    {
      id: 'torq-eu',
      app: 'torq',
      region: 'eu',
      schedule: 'cron(15 6 * * ? *)',
      apiUrl: 'https://api.eu.torq.io/v1alpha',
      secretArn: EXISTING_SECRET_ARN,
    },
  ],
  alarmEmail: 'secops@example.com',
  maxRemovalShare: 0.3,
  pollerConcurrency: 3,
});

export interface SynthesizedStack {
  readonly app: App;
  readonly stack: RollcallStack;
  readonly template: Template;
}

export function synthesizeStack(config: DeploymentConfig = TEST_CONFIG): SynthesizedStack {
  // Bundling is covered by poller-bundle.test.ts (same options, esbuild's JS API); skipping it
  // here keeps the template tests fast.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new RollcallStack(app, config.stackName, { config });
  return { app, stack, template: Template.fromStack(stack) };
}

type CfnValue = string | number | boolean | null | CfnValue[] | { [key: string]: CfnValue };

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Resolves the intrinsic functions the stack uses in values (`Ref`, `Fn::GetAtt`, `Fn::Join`) into
 * readable strings: `Ref X` becomes `<X>`, `GetAtt X.Arn` becomes `<X.Arn>`.
 */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isObject(value)) {
    if ('Ref' in value) return `<${String(value.Ref)}>`;
    if ('Fn::GetAtt' in value) return `<${(value['Fn::GetAtt'] as string[]).join('.')}>`;
    if ('Fn::Join' in value) {
      const [separator, parts] = value['Fn::Join'] as [string, unknown[]];
      return parts.map(flatten).join(separator);
    }
  }
  return JSON.stringify(value);
}

/** The logical id of the only resource of `type` whose properties match `predicate`. */
export function logicalIdOf(template: Template, type: string, predicate: (properties: Record<string, CfnValue>) => boolean = () => true): string {
  const matches = Object.entries(template.findResources(type)).filter(([, resource]) =>
    predicate((resource as { Properties?: Record<string, CfnValue> }).Properties ?? {}),
  );
  if (matches.length !== 1) throw new Error(`expected one ${type}, found ${matches.length}`);
  return (matches[0] as [string, unknown])[0];
}
