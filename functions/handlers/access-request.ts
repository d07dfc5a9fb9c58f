/**
 * What the provisioning function reads and answers (README, "Provisioning in AWS"): an invocation
 * becomes a core `ProvisionRequest`, or a refusal naming fields and never their values; the
 * outcome becomes `AccessRequestCompleted` or `AccessRequestFailed` on Rollcall's bus.
 *
 * `initiatedBy` is built from the request only: its `requestedBy`, and the channel it came
 * through (the source and account EventBridge reports for an event, the function for a direct
 * invocation). Nothing of the connector's secret can reach it.
 */
import type * as z from 'zod/mini';
import { classifyError, ConfigError, safeMessage } from '../core/errors.ts';
import {
  makeEvent,
  type AccessRequestAnswer,
  type AccessRequestChannel,
  type AccessRequestFailedDetail,
  type RollcallEvent,
} from '../core/events.ts';
import type { ProvisionAction, ProvisionRequest, ProvisionResult } from '../core/provision.ts';
import type { AppName } from '../core/types.ts';
import { describeConfigIssues } from '../contract/poller-contract.ts';
import {
  accessRequestDetailSchema,
  actionOfRequestType,
  deliveredEventSchema,
  directRequestSchema,
  PROVISION_REQUEST_SOURCE,
  PROVISION_REQUEST_TYPES,
  REQUEST_ID_PATTERN,
} from '../contract/provision-contract.ts';
import { CONNECTOR_ID_PATTERN } from '../core/types.ts';

/** The invocation a request arrived in (Lambda's context). */
export interface Invocation {
  readonly invocationId: string;
  readonly functionName: string;
}

export type ReadRequest =
  | { readonly ok: true; readonly request: ProvisionRequest; readonly answer: AccessRequestAnswer }
  | {
      readonly ok: false;
      readonly error: ConfigError;
      readonly answer: AccessRequestAnswer;
      /** The connector named, when the request named one in a valid form. */
      readonly connectorId: string | null;
    };

const DETAIL_FIELDS = Object.keys(accessRequestDetailSchema.def.shape);
const REQUEST_TYPES = `${PROVISION_REQUEST_TYPES.grant} or ${PROVISION_REQUEST_TYPES.revoke}`;

/** Reads an invocation's input: an event a rule delivered, or a direct `{ "detail-type", "detail" }`. */
export function readAccessRequest(input: unknown, invocation: Invocation): ReadRequest {
  const delivered = deliveredEventSchema.safeParse(input);
  let via: AccessRequestChannel;
  let detailType: string;
  let detail: unknown;
  if (delivered.success) {
    const event = delivered.data;
    via = { kind: 'event', source: event.source, account: event.account ?? null, eventId: event.id };
    detailType = event['detail-type'];
    detail = event.detail;
    const fallbackId = eventRequestId(event.id, invocation);
    if (event['replay-name'] !== undefined) {
      return refused('a replayed event is not carried out again: send a new request', via, detail, fallbackId, null);
    }
    if (event.source !== PROVISION_REQUEST_SOURCE) {
      return refused(`a request must come from source ${PROVISION_REQUEST_SOURCE}`, via, detail, fallbackId, null);
    }
  } else {
    via = { kind: 'invoke', functionName: invocation.functionName, invocationId: invocation.invocationId };
    const direct = directRequestSchema.safeParse(input);
    if (!direct.success) {
      return refused(
        `the input is neither an EventBridge event nor a request {"detail-type", "detail"} (${describeConfigIssues(direct.error.issues)})`,
        via,
        undefined,
        invocation.invocationId,
        null,
      );
    }
    detailType = direct.data['detail-type'];
    detail = direct.data.detail;
  }
  const fallbackId = via.kind === 'event' ? eventRequestId(via.eventId, invocation) : invocation.invocationId;
  const action = actionOfRequestType(detailType);
  if (action === null) return refused(`detail-type must be ${REQUEST_TYPES}`, via, detail, fallbackId, null);
  const parsed = accessRequestDetailSchema.safeParse(detail);
  if (!parsed.success) {
    return refused(`request detail: ${describeDetailIssues(parsed.error.issues)}`, via, detail, fallbackId, action);
  }
  const fields = parsed.data;
  const requestId = fields.requestId ?? fallbackId;
  const initiatedBy = `${fields.requestedBy} (${channelText(via)})`;
  return {
    ok: true,
    request: {
      connectorId: fields.connectorId,
      action,
      group: fields.groupId !== undefined ? { groupId: fields.groupId } : { nameOrId: fields.group as string },
      account: fields.accountId !== undefined ? { accountId: fields.accountId } : { email: fields.email as string },
      requestId,
      initiatedBy,
      execute: true,
    },
    answer: { requestId, action, initiatedBy, via },
  };
}

/** Issues by field; an unknown field is named (its name, cut short, never its value), so a misspelling is found at once. */
function describeDetailIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field ${issue.keys.map((key) => JSON.stringify(key.slice(0, 64))).join(', ')} (fields: ${DETAIL_FIELDS.join(', ')})`
        : describeConfigIssues([issue]),
    )
    .join('; ');
}

/** A request without its own id is known by the delivering event's id (EventBridge ids are UUIDs). */
function eventRequestId(eventId: string, invocation: Invocation): string {
  return REQUEST_ID_PATTERN.test(eventId) ? eventId : invocation.invocationId;
}

function channelText(via: AccessRequestChannel): string {
  if (via.kind === 'invoke') return `direct invocation of ${via.functionName}`;
  return via.account === null ? `event from ${via.source}` : `event from ${via.source}, account ${via.account}`;
}

/** A refusal that still names what could be read safely: a valid request id and connector id, never other values. */
function refused(
  reason: string,
  via: AccessRequestChannel,
  detail: unknown,
  fallbackId: string,
  action: ProvisionAction | null,
): ReadRequest {
  const record = typeof detail === 'object' && detail !== null && !Array.isArray(detail) ? (detail as Record<string, unknown>) : {};
  const requestId = typeof record.requestId === 'string' && REQUEST_ID_PATTERN.test(record.requestId) ? record.requestId : fallbackId;
  const connectorId = typeof record.connectorId === 'string' && CONNECTOR_ID_PATTERN.test(record.connectorId) ? record.connectorId : null;
  return { ok: false, error: new ConfigError(reason), answer: { requestId, action, initiatedBy: null, via }, connectorId };
}

/** A stable id per delivery and outcome: a redelivered request's same answer has the same id. */
function answerIdParts(answer: AccessRequestAnswer, outcome: string): string[] {
  const delivery = answer.via.kind === 'event' ? answer.via.eventId : answer.via.invocationId;
  return ['request', answer.requestId, delivery, outcome];
}

export function completedEvent(result: ProvisionResult, answer: AccessRequestAnswer & { initiatedBy: string }, time: string): RollcallEvent<'AccessRequestCompleted'> {
  if (result.outcome === 'planned') throw new Error('a provisioning request in AWS is always carried out, never planned');
  const base = { connectorId: result.connectorId, app: result.app, time };
  return makeEvent('AccessRequestCompleted', base, answerIdParts(answer, result.outcome), {
    ...answer,
    action: result.action,
    outcome: result.outcome,
    group: { ...result.group },
    account: { ...result.account },
    eventIds: [...result.eventIds],
  });
}

/**
 * The answer to a request that failed; `connectorId` and `app` are empty when the request named
 * no connector this deployment provisions.
 */
export function failedEvent(
  error: unknown,
  answer: AccessRequestAnswer,
  connector: { readonly connectorId: string; readonly app: AppName } | null,
  time: string,
): RollcallEvent<'AccessRequestFailed'> {
  const { kind } = classifyError(error);
  const detail: AccessRequestFailedDetail = {
    ...answer,
    kind,
    reason: safeMessage(error),
    retryable: kind === 'transient' || kind === 'busy',
  };
  const base = { connectorId: connector?.connectorId ?? '', app: connector?.app ?? '', time };
  return makeEvent('AccessRequestFailed', base, answerIdParts(answer, kind), detail);
}
