/**
 * The deployment's configuration: the `rollcall` key of cdk.json's context (design.md section 8),
 * validated before any construct is built, so a typo fails `cdk synth` with the field's path.
 */
import { z } from 'zod';
import { appConfigProblems, appRegistry, exampleConfig, RESERVED_CONFIG_KEYS, type AppRegistry } from '../functions/connectors/index.ts';
import { DEFAULT_POLL_SETTINGS } from '../functions/core/poll.ts';
import { ConfigError } from '../functions/core/errors.ts';
import {
  connectorIdSchema,
  describeConfigIssues,
  maxRemovalShareSchema,
  SECRET_ARN_PATTERN,
} from '../functions/contract/poller-contract.ts';

export const CONTEXT_KEY = 'rollcall';

/**
 * EventBridge Scheduler's `rate(...)` (singular unit for 1, plural otherwise) or a six-field
 * `cron(...)`; Scheduler itself validates the cron fields at deploy time.
 */
export const SCHEDULE_PATTERN =
  /^(?:rate\((?:1 (?:minute|hour|day)|(?:[2-9]|[1-9]\d+) (?:minutes|hours|days))\)|cron\(\S+(?: \S+){5}\))$/;

/**
 * What every connector entry has, whatever its app; the app's own fields (`configFields` of its
 * registry entry: a region, a network name) sit beside them and are checked against
 * the registry after this schema.
 */
const connectorSchema = z
  .object({
    /** Lower-case letters, digits and inner hyphens; it keys the inventory, so keep it stable. */
    id: connectorIdSchema,
    /** A registry name (`functions/connectors/index.ts`). */
    app: z.string().min(1, 'must name an app'),
    /** @default 'rate(1 hour)' */
    schedule: z
      .string()
      .regex(SCHEDULE_PATTERN, 'must be rate(<n> <minute(s)|hour(s)|day(s)>) or cron(<six fields>)')
      .default('rate(1 hour)'),
    /** An existing secret holding the app's credential JSON; without it the stack creates an empty one. */
    secretArn: z.string().regex(SECRET_ARN_PATTERN, 'must be a complete Secrets Manager secret ARN').optional(),
    /**
     * Lets requests on the bus change this connector's group memberships (README, "Provisioning in
     * AWS"): the stack then adds the provisioning function, its rule, and read access to this
     * connector's secret for it. Only for an app with a provisioner. Off by default: a deployment
     * without it has no write path at all. @default false
     */
    provisioning: z.boolean().optional(),
  })
  .catchall(z.unknown());

export type ConnectorConfig = z.infer<typeof connectorSchema>;

const deploymentConfigSchema = z
  .object({
    /** @default 'Rollcall' */
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'must start with a letter and hold only letters, digits and hyphens')
      .default('Rollcall'),
    connectors: z
      .array(connectorSchema)
      .min(1, 'must list at least one connector')
      .refine((connectors) => new Set(connectors.map((connector) => connector.id)).size === connectors.length, {
        message: 'connector ids must be unique',
      }),
    /** Subscribed to the alarm topic (AWS sends a confirmation mail first). */
    alarmEmail: z.email('must be an e-mail address').optional(),
    /** Removals above this share of a connector's active accounts are held (design.md section 4). */
    maxRemovalShare: z._default(maxRemovalShareSchema, DEFAULT_POLL_SETTINGS.maxRemovalShare),
    /**
     * Poller invocations that may run at once (reserved concurrency); schedules that fire together
     * wait in Lambda's asynchronous queue. Lambda refuses a reservation that would leave the
     * account fewer than 10 unreserved executions, so accounts still on a quota of 10 must ask
     * for a higher quota first (README, "Deploying to AWS").
     * @default 2
     */
    pollerConcurrency: z.int().min(1).max(50).default(2),
    /**
     * The AWS region the stack is deployed to, when it must be fixed at synth (the CDK CLI's
     * region is used otherwise). Knowing it, the template leaves out what that region's
     * CloudFormation lacks (lib/region-support.ts).
     */
    awsRegion: z
      .string()
      .regex(/^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/, 'must be an AWS region code such as eu-west-1')
      .optional(),
    /**
     * Archive every event for replay. Without a value: on, except in a region known to have no
     * EventBridge archives in CloudFormation (ca-west-1, mx-central-1).
     */
    eventArchive: z.boolean().optional(),
    /** Days the event archive keeps events for replay; 0 keeps them indefinitely. @default 90 */
    eventArchiveRetentionDays: z.int().min(0).max(3650).default(90),
  })
  .strict();

export type DeploymentConfig = z.infer<typeof deploymentConfigSchema>;

/** The app's own connector config (its declared fields), as its factory and the poller read it. */
export function appConfigOf(connector: ConnectorConfig, registry: AppRegistry = appRegistry): Record<string, unknown> {
  const app = registry.get(connector.app);
  const config: Record<string, unknown> = {};
  for (const field of app.configFields) {
    if (connector[field.key] !== undefined) config[field.key] = connector[field.key];
  }
  return config;
}

/**
 * Validates the context value (an object from cdk.json, or a JSON string from `cdk -c rollcall=...`).
 * Each connector's app comes from `registry`: an unknown app, a field the app does not declare and
 * a missing required field are named here; the app's own parser then checks the values, exactly
 * as the poller will at cold start.
 */
export function parseDeploymentConfig(raw: unknown, registry: AppRegistry = appRegistry): DeploymentConfig {
  const label = `cdk.json context "${CONTEXT_KEY}"`;
  if (raw === undefined || raw === null) {
    const [first] = registry.apps;
    const example = first === undefined ? {} : { id: first.name, app: first.name, ...exampleConfig(first) };
    throw new ConfigError(`${label} is missing: add {"connectors": [${JSON.stringify(example)}]}`);
  }
  let input = raw;
  if (typeof raw === 'string') {
    try {
      input = JSON.parse(raw);
    } catch {
      throw new ConfigError(`${label}: not valid JSON`);
    }
  }
  const result = deploymentConfigSchema.safeParse(input);
  if (!result.success) throw new ConfigError(`${label}: ${describeConfigIssues(result.error.issues)}`);
  result.data.connectors.forEach((connector, index) => {
    const where = `${label}: connectors.${index}`;
    if (!registry.has(connector.app)) {
      throw new ConfigError(`${where}.app: unknown app: expected one of ${registry.names.join(', ')}`);
    }
    const app = registry.get(connector.app);
    const own = Object.fromEntries(Object.entries(connector).filter(([key]) => !RESERVED_CONFIG_KEYS.includes(key)));
    const problems = appConfigProblems(app, own);
    if (problems.length > 0) throw new ConfigError(`${where}: ${problems.join('; ')}`);
    if (connector.provisioning === true && app.createProvisionerFactory === undefined) {
      throw new ConfigError(`${where}.provisioning: ${app.title} connectors are read-only: Rollcall cannot grant or revoke there`);
    }
    try {
      app.createFactory(appConfigOf(connector, registry));
      if (connector.provisioning === true) app.createProvisionerFactory?.(appConfigOf(connector, registry));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw new ConfigError(`${where} (${connector.id}): ${error.message}`, { cause: error });
    }
  });
  return result.data;
}
