/**
 * The contract between the CDK stack and the poller Lambda: the environment variables the stack
 * sets, the events the poller is sent, and the metric names the alarms watch. Both sides import
 * this module, so a renamed variable or metric fails to compile instead of failing in production.
 * It imports nothing heavier than zod/mini (the connectors' flavour too), so the Lambda bundle
 * carries one zod, not classic zod beside the mini one.
 *
 * The environment is the same size whatever the number of connectors: the poller reads a
 * connector's definition (app, app config, secret) from the inventory table for each poll.
 */
import * as z from 'zod/mini';
import { ConfigError } from '../core/errors.ts';
import { CONNECTOR_ID_PATTERN, type AppName } from '../core/types.ts';

export const POLLER_ENV = {
  tableName: 'ROLLCALL_TABLE_NAME',
  eventBusName: 'ROLLCALL_EVENT_BUS_NAME',
  /** Share of active accounts above which removals are held (design.md section 4). */
  maxRemovalShare: 'ROLLCALL_MAX_REMOVAL_SHARE',
  /** The poll queue: a listing that ran out of time continues through it (`SqsContinuation`). */
  pollQueueUrl: 'ROLLCALL_POLL_QUEUE_URL',
} as const;

export { CONNECTOR_ID_PATTERN };
export const connectorIdSchema = z
  .string()
  .check(z.regex(CONNECTOR_ID_PATTERN, 'must be 1-48 lower-case letters, digits or inner hyphens'));

/** A complete secret ARN (with Secrets Manager's six-character suffix), so grants need no wildcard. */
export const SECRET_ARN_PATTERN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$/;

/**
 * A secret as a function may be told to read it: a complete ARN, or the ARN of a connector
 * secret named by convention (`rollcall/<id>`) without the random suffix, which Secrets Manager
 * accepts as a secret id too (the stack knows the name, not the suffix).
 */
export const SECRET_REFERENCE_PATTERN = new RegExp(
  `${SECRET_ARN_PATTERN.source}|^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\\d{12}:secret:rollcall/[a-z0-9-]+$`,
);

/** Any name here; the registry refuses an unknown app where the connector is used. */
const appNameSchema: z.ZodMiniType<AppName> = z.string().check(z.minLength(1));

/**
 * A connector as a function's environment carries it: the provisioning function's, which serves
 * only the few connectors that enable provisioning (the poller reads definitions from the table).
 * `config` is the app's own config, validated by the app at cold start.
 */
export const pollerConnectorSchema = z.object({
  id: connectorIdSchema,
  app: appNameSchema,
  secretArn: z.string().check(z.regex(SECRET_REFERENCE_PATTERN, 'must be a complete Secrets Manager secret ARN, or the ARN of rollcall/<id> without its suffix')),
  config: z.record(z.string(), z.unknown()),
});
export type PollerConnector = z.infer<typeof pollerConnectorSchema>;

export const pollerConnectorsSchema = z.array(pollerConnectorSchema).check(
  z.minLength(1, 'must list at least one connector'),
  z.refine((connectors) => new Set(connectors.map((connector) => connector.id)).size === connectors.length, {
    message: 'connector ids must be unique',
  }),
);

/**
 * What asks for one poll: `{ "connectorId": "<id>" }`, as the body of a poll-queue message (the
 * dispatcher's, or a continuation's) or as the event of a direct invocation (`aws lambda invoke`).
 */
export const pollEventSchema = z.object({ connectorId: connectorIdSchema });
export type PollEvent = z.infer<typeof pollEventSchema>;

/** The fields of an SQS event the poller reads (Lambda's event source mapping, batch size 1). */
export const sqsEventSchema = z.object({
  Records: z.array(z.object({ messageId: z.string(), body: z.string(), eventSource: z.literal('aws:sqs') })),
});
export type SqsEvent = z.infer<typeof sqsEventSchema>;

/** The answer to an SQS batch with `ReportBatchItemFailures`: the messages to deliver again. */
export interface SqsBatchResponse {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

export interface PollerEnvironment {
  readonly tableName: string;
  readonly eventBusName: string;
  readonly maxRemovalShare: number;
  /** Absent outside the deployment (tests, a manual run): a partial listing then waits for its next due time. */
  readonly pollQueueUrl: string | null;
}

export const maxRemovalShareSchema = z.number().check(z.gt(0, 'must be above 0'), z.lte(1, 'must be at most 1'));

/** Reads and validates the poller's environment; a `ConfigError` names the variable and field, never the value. */
export function parsePollerEnvironment(env: NodeJS.ProcessEnv): PollerEnvironment {
  const tableName = parseVariable(env, POLLER_ENV.tableName, (raw) => raw);
  const eventBusName = parseVariable(env, POLLER_ENV.eventBusName, (raw) => raw);
  const maxRemovalShare = parseVariable(env, POLLER_ENV.maxRemovalShare, (raw) =>
    checked(POLLER_ENV.maxRemovalShare, maxRemovalShareSchema, raw.trim() === '' ? Number.NaN : Number(raw)),
  );
  const queueUrl = env[POLLER_ENV.pollQueueUrl];
  return { tableName, eventBusName, maxRemovalShare, pollQueueUrl: queueUrl === undefined || queueUrl.trim() === '' ? null : queueUrl };
}

export function parseVariable<T>(env: NodeJS.ProcessEnv, name: string, parse: (raw: string) => T): T {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') throw new ConfigError(`environment variable ${name} is not set`);
  return parse(raw);
}

/** Validates `input`; the message lists each failing path with zod's reason for it. */
export function checked<T>(label: string, schema: z.ZodMiniType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(`${label}: ${describeConfigIssues(result.error.issues)}`);
}

/**
 * `path: reason` per issue. The reasons are our own schema messages or zod's type and option
 * messages, which name what was expected; the offending value is never quoted.
 */
export function describeConfigIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join('.') || '(root)';
      const reason = issue.code === 'invalid_type' ? `expected ${issue.expected}` : issue.message;
      return `${path}: ${reason}`;
    })
    .join('; ');
}

// ---------------------------------------------------------------------------------------------
// Metrics (Powertools EMF); the alarms in lib/alarms.ts watch these names
// ---------------------------------------------------------------------------------------------

export const METRICS_NAMESPACE = 'Rollcall';
export const SERVICE_NAME = 'rollcall-poller';
/**
 * Poll metrics carry only Powertools' `service` dimension: a `connectorId` dimension would make
 * each metric a custom metric per connector (a thousand connectors: twelve thousand metrics, each
 * billed monthly). The connector id rides in each metric record as a property instead (EMF
 * metadata, searchable in CloudWatch Logs Insights), under this name.
 */
export const CONNECTOR_PROPERTY = 'connectorId';

export const POLL_METRICS = {
  accounts: 'Accounts',
  newAccounts: 'NewAccounts',
  newUsers: 'NewUsers',
  associations: 'Associations',
  changedAccounts: 'ChangedAccounts',
  removals: 'Removals',
  invalidRecords: 'InvalidRecords',
  anomalies: 'SyncAnomalies',
  syncDuration: 'SyncDuration',
  /** 1 on every poll that ends (or is skipped) in RECONNECT_REQUIRED, 0 otherwise. */
  reconnectRequired: 'ReconnectRequired',
  /** 1 on a poll that ended in ERROR, 0 otherwise. */
  syncFailed: 'SyncFailed',
  /** 1 on a poll that ran out of time and saved a checkpoint (the next one resumes), 0 otherwise. */
  partialSyncs: 'PartialSyncs',
} as const;
