/**
 * Connector secrets named by convention (`rollcall/<connectorId>`, design.md section 8): created
 * EMPTY when absent, never with a value, so no credential, real or placeholder, passes through
 * Rollcall. Until a person puts the app's credential JSON into it, Secrets Manager answers
 * ResourceNotFoundException and the connector reports RECONNECT_REQUIRED: the honest status of an
 * unconfigured connector.
 */
import {
  CreateSecretCommand,
  ResourceExistsException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { TransientError } from '../core/errors.ts';
import { CONNECTOR_SECRET_PREFIX } from '../core/types.ts';

export function connectorSecretName(connectorId: string): string {
  return `${CONNECTOR_SECRET_PREFIX}${connectorId}`;
}

/**
 * What to ask Secrets Manager for: a complete ARN (a secret brought by ARN) as it is, and the ARN
 * of a conventional secret, which has no suffix yet at synth, as its name. Secrets Manager reads an
 * ARN without suffix whose name ends in a hyphen and six characters (`rollcall/tg-abcdef`) as a
 * complete one and finds nothing; the name has no such ambiguity.
 */
export function secretIdOf(reference: string, connectorId: string): string {
  return reference.endsWith(`:secret:${connectorSecretName(connectorId)}`) ? connectorSecretName(connectorId) : reference;
}

/** Creates the connector's empty secret unless one of that name exists; `true` when it created it. */
export async function ensureEmptySecret(client: SecretsManagerClient, connectorId: string, description: string): Promise<boolean> {
  try {
    await client.send(new CreateSecretCommand({ Name: connectorSecretName(connectorId), Description: description }));
    return true;
  } catch (error) {
    if (error instanceof ResourceExistsException || (error instanceof Error && error.name === 'ResourceExistsException')) return false;
    const name = error instanceof Error ? error.name : 'unknown';
    throw new TransientError(`secret of connector ${connectorId} could not be created (${name})`, { cause: error });
  }
}
