/**
 * The failures of a provisioning request (design.md section 6). Each maps onto the closed set of
 * kinds in `errors.ts`, so the CLI's exit codes (design.md section 7) stay those of a poll; none
 * of them changes the connector's status, since a refused write says nothing about whether the
 * credentials can still read.
 */
import { ConfigError, RollcallError } from './errors.ts';

/** The request breaks a rule (a group that is not changeable, an unknown or ambiguous target): exit 2, nothing written. */
export class ProvisioningRefusedError extends ConfigError {}

/**
 * The key reads but may not write (401/403 on a mutation from a read-only key). A
 * configuration matter (exit 2), not a reason for RECONNECT_REQUIRED: polls keep working.
 */
export class WriteNotAllowedError extends ConfigError {}

/**
 * The app answered the change but refused it (a GraphQL payload's `ok: false` in HTTP 200), or the read-back
 * did not show the change: exit 1, nothing written to the inventory.
 */
export class ChangeRejectedError extends RollcallError {
  readonly kind = 'failed' as const;
}
