/**
 * The CDK app (design.md section 8): one Rollcall stack from the `rollcall` key of cdk.json's
 * context. No account is resolved at synth time and nothing is looked up, so `npx cdk synth`
 * works offline; `cdk deploy` takes the account from the AWS profile in use. The region is
 * `awsRegion` from the context, else the CDK CLI's (CDK_DEFAULT_REGION, from AWS_REGION or the
 * profile), else left open: knowing it, the template leaves out what that region's
 * CloudFormation lacks (lib/region-support.ts).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../functions/core/errors.ts';
import { CONTEXT_KEY, parseDeploymentConfig, type DeploymentConfig } from '../lib/deployment-config.ts';
import { RollcallStack } from '../lib/rollcall-stack.ts';

const app = new App();
/** A configuration error (the context, or a limit the stack checks) ends synth in one line, exit 2. */
function exitOnConfigError(error: unknown): never {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`rollcall: ${error.message}`);
  process.exit(2);
}

let config: DeploymentConfig;
try {
  config = parseDeploymentConfig(app.node.tryGetContext(CONTEXT_KEY));
} catch (error) {
  exitOnConfigError(error);
}

try {
  const cliRegion = process.env.CDK_DEFAULT_REGION;
  new RollcallStack(app, config.stackName, {
    config,
    ...(config.awsRegion === undefined && cliRegion !== undefined && cliRegion !== '' ? { env: { region: cliRegion } } : {}),
    description: 'Rollcall: SaaS user inventory (table, poller, schedules, event bus, alarms)',
  });
} catch (error) {
  exitOnConfigError(error);
}
// cdk-nag runs on every synth: a new finding fails `cdk synth`, not a later review.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
