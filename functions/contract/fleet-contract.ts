/**
 * The contract between the CDK stack and the fleet's two small functions: the dispatcher (run
 * every minute by one EventBridge Scheduler schedule: claims the due connectors, queues their
 * polls, publishes the fleet's health) and the reconciler (the custom resource that writes the
 * connectors declared in cdk.json into the table at deploy time). Like the poller's contract, the
 * environment is the same size however many connectors there are.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import * as z from 'zod/mini';
import { ConfigError } from '../core/errors.ts';
import { checked, connectorIdSchema, parseVariable, SECRET_ARN_PATTERN } from './poller-contract.ts';

export const DISPATCHER_ENV = {
  tableName: 'ROLLCALL_TABLE_NAME',
  pollQueueUrl: 'ROLLCALL_POLL_QUEUE_URL',
  eventBusName: 'ROLLCALL_EVENT_BUS_NAME',
  /** Connectors claimed per run, at most (the rest stay due and are claimed by the next run). */
  claimLimit: 'ROLLCALL_CLAIM_LIMIT',
  /** Schedule periods without a success before a connector counts as stale. */
  stalePeriods: 'ROLLCALL_STALE_PERIODS',
} as const;

export interface DispatcherEnvironment {
  readonly tableName: string;
  readonly pollQueueUrl: string;
  readonly eventBusName: string;
  readonly claimLimit: number;
  readonly stalePeriods: number;
}

const positiveIntSchema = z.number().check(z.int(), z.gte(1, 'must be at least 1'), z.lte(10_000, 'must be at most 10000'));

export function parseDispatcherEnvironment(env: NodeJS.ProcessEnv): DispatcherEnvironment {
  const integer = (name: string) =>
    parseVariable(env, name, (raw) => checked(name, positiveIntSchema, raw.trim() === '' ? Number.NaN : Number(raw)));
  return {
    tableName: parseVariable(env, DISPATCHER_ENV.tableName, (raw) => raw),
    pollQueueUrl: parseVariable(env, DISPATCHER_ENV.pollQueueUrl, (raw) => raw),
    eventBusName: parseVariable(env, DISPATCHER_ENV.eventBusName, (raw) => raw),
    claimLimit: integer(DISPATCHER_ENV.claimLimit),
    stalePeriods: integer(DISPATCHER_ENV.stalePeriods),
  };
}

export const DISPATCHER_SERVICE_NAME = 'rollcall-dispatcher';

/** The dispatcher's metrics (namespace `Rollcall`, dimension `service` only); lib/alarms.ts watches the Fleet ones. */
export const FLEET_METRICS = {
  /** Enabled connectors. */
  enabled: 'FleetEnabled',
  /** Enabled connectors in RECONNECT_REQUIRED. */
  reconnectRequired: 'FleetReconnectRequired',
  /** Enabled connectors whose last poll ended in ERROR. */
  failing: 'FleetFailing',
  /** Enabled connectors without a success for the stale periods. */
  stale: 'FleetStale',
  /** Polls queued by this run. */
  dispatched: 'PollsDispatched',
  /** Polls claimed but not queued (SQS refused them); their claim was undone, the next run retries. */
  notQueued: 'PollsNotQueued',
  /** Due connectors whose schedule no longer parses. */
  invalidSchedules: 'InvalidSchedules',
} as const;

/** The detail-type of the digest the dispatcher puts on the bus (source `rollcall`) when the health changes. */
export const HEALTH_DIGEST_DETAIL_TYPE = 'ConnectorHealthDigest';

// ---------------------------------------------------------------------------------------------
// Declared connectors (the reconciliation custom resource)
// ---------------------------------------------------------------------------------------------

export const RECONCILER_ENV = {
  tableName: 'ROLLCALL_TABLE_NAME',
} as const;

/** A connector of cdk.json, as the reconciler writes it into the table. */
export const declaredConnectorSchema = z.object({
  id: connectorIdSchema,
  app: z.string().check(z.minLength(1)),
  schedule: z.string().check(z.minLength(1)),
  config: z.record(z.string(), z.unknown()),
  secretArn: z.nullable(z.string().check(z.regex(SECRET_ARN_PATTERN, 'must be a complete Secrets Manager secret ARN'))),
});
export type DeclaredConnector = z.infer<typeof declaredConnectorSchema>;

const declaredListSchema = z.array(declaredConnectorSchema);

/** The custom resource's property that carries the list. */
export const DECLARED_PROPERTY = 'DeclaredConnectors';

/**
 * The list travels gzipped and base64-encoded in one property: a thousand declared connectors are
 * about 100 KB of JSON, sent twice on an update (new and old properties), which would crowd the
 * custom resource's request; compressed, they are a few KB. Deterministic (gzip without a file
 * time), so an unchanged list is an unchanged template.
 */
export function encodeDeclaredConnectors(connectors: readonly DeclaredConnector[]): string {
  return gzipSync(Buffer.from(JSON.stringify(connectors), 'utf8'), { level: 9 }).toString('base64');
}

export function decodeDeclaredConnectors(encoded: unknown): DeclaredConnector[] {
  if (typeof encoded !== 'string' || encoded === '') throw new ConfigError(`${DECLARED_PROPERTY}: missing`);
  let json: unknown;
  try {
    json = JSON.parse(gunzipSync(Buffer.from(encoded, 'base64')).toString('utf8'));
  } catch {
    throw new ConfigError(`${DECLARED_PROPERTY}: not gzipped JSON`);
  }
  return checked(DECLARED_PROPERTY, declaredListSchema, json);
}
