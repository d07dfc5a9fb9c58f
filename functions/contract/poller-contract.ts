/**
 * The contract between the CDK stack and the poller Lambda: the environment variables the stack
 * sets, the shape of the connector list they carry, and the metric names the alarms watch. Both
 * sides import this module, so a renamed variable or metric fails to compile instead of failing
 * in production. It imports nothing heavier than zod/mini (the connectors' flavour too), so the
 * Lambda bundle carries one zod, not classic zod beside the mini one.
 */
import * as z from 'zod/mini';
import { ConfigError } from '../core/errors.ts';
import { CONNECTOR_ID_PATTERN, type AppName } from '../core/types.ts';

export const POLLER_ENV = {
  /** JSON array of `PollerConnector`. */
  connectors: 'ROLLCALL_CONNECTORS',
  tableName: 'ROLLCALL_TABLE_NAME',
  eventBusName: 'ROLLCALL_EVENT_BUS_NAME',
  /** Share of active accounts above which removals are held (design.md section 4). */
  maxRemovalShare: 'ROLLCALL_MAX_REMOVAL_SHARE',
} as const;

export { CONNECTOR_ID_PATTERN };
export const connectorIdSchema = z
  .string()
  .check(z.regex(CONNECTOR_ID_PATTERN, 'must be 1-48 lower-case letters, digits or inner hyphens'));

/** A complete secret ARN (with Secrets Manager's six-character suffix), so grants need no wildcard. */
export const SECRET_ARN_PATTERN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$/;

/** Any name here; the registry refuses an unknown app at cold start (`createConnectorFactory`). */
const appNameSchema: z.ZodMiniType<AppName> = z.string().check(z.minLength(1));

/** One connector as the poller sees it. `config` is the app's own config, validated by the app at cold start. */
export const pollerConnectorSchema = z.object({
  id: connectorIdSchema,
  app: appNameSchema,
  secretArn: z.string().check(z.regex(SECRET_ARN_PATTERN, 'must be a complete Secrets Manager secret ARN')),
  config: z.record(z.string(), z.unknown()),
});
export type PollerConnector = z.infer<typeof pollerConnectorSchema>;

export const pollerConnectorsSchema = z.array(pollerConnectorSchema).check(
  z.minLength(1, 'must list at least one connector'),
  z.refine((connectors) => new Set(connectors.map((connector) => connector.id)).size === connectors.length, {
    message: 'connector ids must be unique',
  }),
);

/** The event a schedule sends: `{ "connectorId": "<id>" }`. */
export const pollEventSchema = z.object({ connectorId: connectorIdSchema });
export type PollEvent = z.infer<typeof pollEventSchema>;

export interface PollerEnvironment {
  readonly connectors: readonly PollerConnector[];
  readonly tableName: string;
  readonly eventBusName: string;
  readonly maxRemovalShare: number;
}

export const maxRemovalShareSchema = z.number().check(z.gt(0, 'must be above 0'), z.lte(1, 'must be at most 1'));

/** Reads and validates the poller's environment; a `ConfigError` names the variable and field, never the value. */
export function parsePollerEnvironment(env: NodeJS.ProcessEnv): PollerEnvironment {
  const connectors = parseVariable(env, POLLER_ENV.connectors, (raw) => {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new ConfigError(`${POLLER_ENV.connectors}: not valid JSON`);
    }
    return checked(POLLER_ENV.connectors, pollerConnectorsSchema, json);
  });
  const tableName = parseVariable(env, POLLER_ENV.tableName, (raw) => raw);
  const eventBusName = parseVariable(env, POLLER_ENV.eventBusName, (raw) => raw);
  const maxRemovalShare = parseVariable(env, POLLER_ENV.maxRemovalShare, (raw) =>
    checked(POLLER_ENV.maxRemovalShare, maxRemovalShareSchema, raw.trim() === '' ? Number.NaN : Number(raw)),
  );
  return { connectors, tableName, eventBusName, maxRemovalShare };
}

function parseVariable<T>(env: NodeJS.ProcessEnv, name: string, parse: (raw: string) => T): T {
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
/** Dimension added to every poll metric, next to Powertools' own `service` dimension. */
export const CONNECTOR_DIMENSION = 'connectorId';

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
