/**
 * The contract of provisioning in AWS (design.md section 6), shared by the CDK construct
 * (`lib/provisioning.ts`) and the provisioning function (`functions/handlers/provision.ts`): the
 * events that ask for a change, the shape of their detail, the environment the stack sets, and the
 * names a person types. Like `poller-contract.ts` it imports nothing heavier than zod/mini.
 *
 * A request comes from the user's own automation, never from Rollcall: its source is
 * `PROVISION_REQUEST_SOURCE`, not Rollcall's `rollcall`, so the rule that feeds the function cannot
 * match an event Rollcall publishes (its answers included), and the function's own permission to
 * publish is limited to source `rollcall`.
 */
import * as z from 'zod/mini';
import { ConfigError } from '../core/errors.ts';
import type { ProvisionAction } from '../core/provision.ts';
import { checked, connectorIdSchema, pollerConnectorsSchema, POLLER_ENV, type PollerConnector } from './poller-contract.ts';

/** The EventBridge source of a provisioning request (Rollcall's own events are `rollcall`). */
export const PROVISION_REQUEST_SOURCE = 'rollcall.provisioning';

/** The detail-type of a request, per action. */
export const PROVISION_REQUEST_TYPES = {
  grant: 'AccessRequested',
  revoke: 'AccessRevocationRequested',
} as const satisfies Record<ProvisionAction, string>;

export type ProvisionRequestType = (typeof PROVISION_REQUEST_TYPES)[ProvisionAction];

/** The action a detail-type asks for; `null` for any other detail-type. */
export function actionOfRequestType(detailType: string): ProvisionAction | null {
  if (detailType === PROVISION_REQUEST_TYPES.grant) return 'grant';
  if (detailType === PROVISION_REQUEST_TYPES.revoke) return 'revoke';
  return null;
}

export const PROVISIONER_ENV = {
  /** JSON array of `PollerConnector`: the connectors with `"provisioning": true`, and only those. */
  connectors: 'ROLLCALL_PROVISIONING_CONNECTORS',
  tableName: POLLER_ENV.tableName,
  eventBusName: POLLER_ENV.eventBusName,
} as const;

/** Powertools' service name of the provisioning function's logs. */
export const PROVISIONER_SERVICE_NAME = 'rollcall-provisioner';

/** Ids a request may give: they reach event ids and logs, so printable and short. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/@+=-]{0,127}$/;

/** Printable text without control or format characters (a name a consumer may print). */
const printable = (max: number) =>
  z.string().check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(max, `must be at most ${max} characters`),
    z.refine((value) => value.trim() !== '', 'must not be blank'),
    z.refine((value) => !/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(value), 'must hold no control characters'),
  );

/**
 * The detail of `AccessRequested` and `AccessRevocationRequested` (README, "Provisioning in AWS"):
 * the connector, exactly one of `group` (a name or an id, as `rollcall groups` lists it) and
 * `groupId`, exactly one of `email` and `accountId`, who asks (`requestedBy`, recorded as the
 * change's `initiatedBy`) and an optional `requestId` (the delivering event's id otherwise).
 * Unknown keys are refused, so a misspelt field is an error, not an ignored value.
 */
export const accessRequestDetailSchema = z
  .strictObject({
    connectorId: connectorIdSchema,
    group: z.optional(printable(256)),
    groupId: z.optional(printable(256)),
    email: z.optional(printable(320)),
    accountId: z.optional(printable(256)),
    requestedBy: printable(200),
    requestId: z.optional(z.string().check(z.regex(REQUEST_ID_PATTERN, 'must be 1-128 letters, digits or . _ : / @ + = -, starting with a letter or digit'))),
  })
  .check(
    z.refine((detail) => (detail.group === undefined) !== (detail.groupId === undefined), {
      message: 'give exactly one of group and groupId',
      path: ['group'],
    }),
    z.refine((detail) => (detail.email === undefined) !== (detail.accountId === undefined), {
      message: 'give exactly one of email and accountId',
      path: ['email'],
    }),
  );
export type AccessRequestDetail = z.infer<typeof accessRequestDetailSchema>;

/**
 * An EventBridge event as a rule delivers it to Lambda (the fields the function reads). A replayed
 * event carries `replay-name`: the function refuses it, so replaying an archive never repeats a change.
 */
export const deliveredEventSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  'detail-type': z.string(),
  source: z.string(),
  /** Always set by EventBridge; optional here so that an emulator's delivery without it is still read as an event. */
  account: z.optional(z.string()),
  detail: z.unknown(),
  'replay-name': z.optional(z.string()),
});
export type DeliveredEvent = z.infer<typeof deliveredEventSchema>;

/** A direct invocation: the same detail-type and detail as the event, without the envelope EventBridge adds. */
export const directRequestSchema = z.strictObject({
  'detail-type': z.string(),
  detail: z.unknown(),
});

export interface ProvisionerEnvironment {
  readonly connectors: readonly PollerConnector[];
  readonly tableName: string;
  readonly eventBusName: string;
}

/** Reads and validates the provisioning function's environment; errors name the variable, never its value. */
export function parseProvisionerEnvironment(env: NodeJS.ProcessEnv): ProvisionerEnvironment {
  const variable = (name: string): string => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') throw new ConfigError(`environment variable ${name} is not set`);
    return raw;
  };
  let json: unknown;
  try {
    json = JSON.parse(variable(PROVISIONER_ENV.connectors));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${PROVISIONER_ENV.connectors}: not valid JSON`);
  }
  return {
    connectors: checked(PROVISIONER_ENV.connectors, pollerConnectorsSchema, json),
    tableName: variable(PROVISIONER_ENV.tableName),
    eventBusName: variable(PROVISIONER_ENV.eventBusName),
  };
}
