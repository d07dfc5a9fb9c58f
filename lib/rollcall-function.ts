/**
 * One way to build Rollcall's Lambda functions (the poller, the dispatcher, the reconciler): each
 * gets its own role (never the managed basic execution role, which writes to every log group),
 * its own log group with a retention, Node.js 22 on arm64, X-Ray, and the bundling options of
 * lib/poller-bundling.ts (the bundle tests measure exactly what ships).
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { LOCK_FILE, POLLER_BUNDLE, PROJECT_ROOT } from './poller-bundling.ts';

/** How every Rollcall function is bundled: the options the bundle tests build with, locally (no Docker). */
export const FUNCTION_BUNDLING: BundlingOptions = {
  minify: POLLER_BUNDLE.minify,
  sourceMap: POLLER_BUNDLE.sourceMap,
  sourcesContent: POLLER_BUNDLE.sourcesContent,
  target: POLLER_BUNDLE.target,
  format: OutputFormat.ESM,
  mainFields: [...POLLER_BUNDLE.mainFields],
  banner: POLLER_BUNDLE.banner,
  externalModules: [...POLLER_BUNDLE.externalModules],
  bundleAwsSDK: true,
  forceDockerBundling: false,
};

export interface RollcallFunctionProps {
  /** The handler module (functions/handlers/*.ts), exporting `handler`. */
  readonly entry: string;
  readonly description: string;
  /** What the role is for, in its description. */
  readonly roleDescription: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly environment: Record<string, string>;
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: RetentionDays;
}

export interface RollcallFunction {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
}

export function createRollcallFunction(scope: Construct, props: RollcallFunctionProps): RollcallFunction {
  const logGroup = new LogGroup(scope, 'LogGroup', { retention: props.logRetention ?? RetentionDays.THREE_MONTHS });
  const role = new Role(scope, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: props.roleDescription });
  logGroup.grantWrite(role);
  const fn = new NodejsFunction(scope, 'Function', {
    description: props.description,
    entry: props.entry,
    handler: 'handler',
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: LOCK_FILE,
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    memorySize: props.memorySize,
    timeout: props.timeout,
    role,
    logGroup,
    tracing: Tracing.ACTIVE,
    bundling: FUNCTION_BUNDLING,
    environment: {
      ...props.environment,
      // Stack traces point into the TypeScript sources (the bundle ships its source map).
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_LOGGER_LOG_EVENT: 'false',
      // Second guard for style.md section 6: nothing a traced call returns (users) reaches X-Ray.
      POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
      POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
    },
  });
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions; nothing else in this role uses a wildcard resource of its own.',
  });
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason: 'Node.js 22 is the runtime Rollcall is built and tested for (design.md section 8); newer runtimes are adopted deliberately.',
  });
  return { function: fn, role, logGroup };
}
