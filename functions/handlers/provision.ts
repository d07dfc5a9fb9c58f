/**
 * The provisioning Lambda (design.md section 6; README, "Provisioning in AWS"): a rule on Rollcall's
 * bus invokes it with an `AccessRequested` or `AccessRevocationRequested` event from the user's
 * automation (or a person invokes it directly with the same detail-type and detail), and it runs
 * the same `provisionMembership` as `rollcall grant`/`revoke`, with the app's provisioner.
 *
 * Every request gets exactly one answer on the bus, `AccessRequestCompleted` or
 * `AccessRequestFailed`, which the invocation also returns. A refused or malformed request, a
 * rate limit or a running poll is an answer, not a failed invocation: nothing retries it by
 * itself (the function has no retries), so a bad request can never loop, and the automation
 * decides by `retryable` whether to ask again. Only an answer that cannot be published fails the
 * invocation (it then lands in the dead-letter queue, and its alarm fires).
 */
import { randomUUID } from 'node:crypto';
import { classifyError, ConfigError, safeMessage } from '../core/errors.ts';
import type { RollcallEvent } from '../core/events.ts';
import { provisionMembership } from '../core/provision.ts';
import { ProvisioningRefusedError } from '../core/provision-errors.ts';
import { completedEvent, failedEvent, readAccessRequest } from './access-request.ts';
import { createProvisionerRuntime, type ProvisionerRuntime } from './provisioner-runtime.ts';
import type { LambdaContext } from './poll.ts';

export { createProvisionerRuntime, type ProvisionerRuntime, type ProvisionerRuntimeOptions } from './provisioner-runtime.ts';

/** What an invocation returns: the answer it published. */
export interface ProvisionAnswer {
  readonly eventId: string;
  readonly detailType: 'AccessRequestCompleted' | 'AccessRequestFailed';
  readonly detail: RollcallEvent<'AccessRequestCompleted' | 'AccessRequestFailed'>['detail'];
}

export type ProvisionHandler = (event: unknown, context?: LambdaContext) => Promise<ProvisionAnswer>;

const DEFAULT_FUNCTION_NAME = 'rollcall-provisioner';

export function createProvisionHandler(runtime: ProvisionerRuntime): ProvisionHandler {
  const { logger, log } = runtime;
  return async (input, context) => {
    if (context !== undefined) logger.addContext(context);
    const invocationId = context?.awsRequestId ?? randomUUID();
    const functionName = context?.functionName ?? DEFAULT_FUNCTION_NAME;
    const read = readAccessRequest(input, { invocationId, functionName });
    logger.appendKeys({ requestId: read.answer.requestId });
    try {
      let answer: RollcallEvent<'AccessRequestCompleted' | 'AccessRequestFailed'>;
      if (!read.ok) {
        logger.warn('provisioning request refused: malformed', { reason: read.error.message });
        const known = read.connectorId === null ? null : runtime.connectors.get(read.connectorId);
        answer = failedEvent(read.error, read.answer, read.connectorId === null ? null : { connectorId: read.connectorId, app: known?.app ?? '' }, now(runtime));
      } else {
        const { request } = read;
        logger.appendKeys({ connectorId: request.connectorId });
        const connector = runtime.connectors.get(request.connectorId);
        try {
          if (connector === undefined) {
            throw new ConfigError(
              `connector ${request.connectorId} does not enable provisioning in this deployment (set "provisioning": true on it in cdk.json)`,
            );
          }
          const { credentials } = await runtime.credentials.get(request.connectorId);
          const result = await provisionMembership(
            {
              store: runtime.store,
              events: runtime.events,
              provisioner: connector.createProvisioner(credentials),
              clock: runtime.clock,
              logger: log,
              holder: { kind: 'lambda', requestId: invocationId, functionName },
            },
            request,
          );
          answer = completedEvent(result, { ...read.answer, initiatedBy: request.initiatedBy }, now(runtime));
          logger.info('provisioning request completed', { action: request.action, outcome: result.outcome, groupId: result.group.id });
        } catch (error) {
          const { kind, logLevel } = classifyError(error);
          // A refused request is the requester's to fix, and is answered: a warning, not an error of the function.
          const level = error instanceof ProvisioningRefusedError ? 'warn' : logLevel;
          logger[level]('provisioning request failed', { action: request.action, errorKind: kind, reason: safeMessage(error) });
          answer = failedEvent(error, read.answer, { connectorId: request.connectorId, app: connector?.app ?? '' }, now(runtime));
        }
      }
      await runtime.events.publish([answer]);
      return { eventId: answer.id, detailType: answer.detailType, detail: answer.detail };
    } finally {
      logger.removeKeys(['requestId', 'connectorId']);
    }
  };
}

const now = (runtime: ProvisionerRuntime) => runtime.clock.now().toISOString();

export const handler: ProvisionHandler = createProvisionHandler(createProvisionerRuntime(process.env));
