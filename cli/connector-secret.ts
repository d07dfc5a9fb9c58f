/**
 * A connector's secret in a deployment (design.md section 8): `rollcall/<connectorId>`, the name
 * prefix the poller may read. `rollcall connectors add` creates it empty (no value, so no
 * version: never a placeholder a poll could mistake for credentials) and prints the command that
 * puts the value; `rollcall connectors remove --purge` deletes it with a recovery window.
 * Locally nothing is created: how to give a local connector its credentials is printed instead.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { secretTemplate, type AppDefinition } from '../functions/connectors/app-definition.ts';
import { ConfigError, TransientError } from '../functions/core/errors.ts';
import { CONNECTOR_SECRET_PREFIX } from '../functions/core/types.ts';

/**
 * Days a purged connector's secret can still be restored (`aws secretsmanager restore-secret`):
 * Secrets Manager's shortest window. A purge is deliberate, and while the window lasts the name
 * cannot be created again, so `connectors add` of the same id has to wait or restore it.
 */
export const SECRET_RECOVERY_DAYS = 7;

export function connectorSecretName(connectorId: string): string {
  return `${CONNECTOR_SECRET_PREFIX}${connectorId}`;
}

/** The command that gives the secret its value, with the app's fields as placeholders. */
export function putSecretCommand(connectorId: string, app: AppDefinition): string {
  return `aws secretsmanager put-secret-value --secret-id ${connectorSecretName(connectorId)} --secret-string '${secretTemplate(app.credentialFields)}'`;
}

/**
 * How a local connector gets its credentials (`rollcall watch` and `rollcall poll`): variables
 * named for the connector, or its entry in the credentials file (chmod 600).
 */
export function localCredentialsHint(connectorId: string, app: AppDefinition): string {
  const prefix = `ROLLCALL_${connectorId.toUpperCase().replaceAll('-', '_')}_`;
  const variables = app.credentialFields.map((field) => `${prefix}${field.env}=...`).join(' ');
  const entry = `{"${connectorId}": ${secretTemplate(app.credentialFields)}}`;
  return [
    `Credentials stay on this machine; give them either as environment variables:`,
    `  ${variables}`,
    `or as an entry of the credentials file (<data-dir>/credentials.json, chmod 600):`,
    `  ${entry}`,
  ].join('\n');
}

export async function openSecretsClient(): Promise<SecretsManagerClient> {
  const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  return new SecretsManagerClient({});
}

/** Creates the connector's secret without a value; one that exists already is kept as it is. */
export async function createConnectorSecret(client: SecretsManagerClient, connectorId: string, app: AppDefinition): Promise<'created' | 'existed'> {
  const { CreateSecretCommand } = await import('@aws-sdk/client-secrets-manager');
  const name = connectorSecretName(connectorId);
  try {
    await client.send(
      new CreateSecretCommand({
        Name: name,
        Description: `Rollcall connector ${connectorId} (${app.title}): ${secretTemplate(app.credentialFields)}`,
        Tags: [{ Key: 'rollcall:connector', Value: connectorId }],
      }),
    );
    return 'created';
  } catch (error) {
    if (errorName(error) === 'ResourceExistsException') return 'existed';
    if (errorName(error) === 'InvalidRequestException') {
      throw new ConfigError(
        `secret ${name} is scheduled for deletion (a purge of a connector of the same id): ` +
          `restore it with "aws secretsmanager restore-secret --secret-id ${name}", then run "rollcall connectors add" again`,
        { cause: error },
      );
    }
    throw secretError(error, `CreateSecret ${name}`);
  }
}

/** Schedules the secret's deletion; a secret that is gone already (or scheduled) is no error. */
export async function deleteConnectorSecret(client: SecretsManagerClient, connectorId: string): Promise<'scheduled' | 'absent'> {
  const { DeleteSecretCommand } = await import('@aws-sdk/client-secrets-manager');
  const name = connectorSecretName(connectorId);
  try {
    await client.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: SECRET_RECOVERY_DAYS }));
    return 'scheduled';
  } catch (error) {
    // Absent, or already scheduled for deletion by an earlier run of the same purge.
    if (errorName(error) === 'ResourceNotFoundException' || errorName(error) === 'InvalidRequestException') return 'absent';
    throw secretError(error, `DeleteSecret ${name}`);
  }
}

function errorName(error: unknown): string | null {
  return error instanceof Error ? error.name : null;
}

/** Names the operation and the SDK error's name, never its message (it may echo request values). */
function secretError(error: unknown, operation: string): Error {
  const name = errorName(error) ?? 'unknown error';
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (name === 'AccessDeniedException' || name === 'CredentialsProviderError' || name === 'UnrecognizedClientException') {
    return new ConfigError(`Secrets Manager ${operation} failed (${name}): check the AWS credentials and permissions`, { cause: error });
  }
  if (status !== undefined && status < 500 && name !== 'ThrottlingException') {
    return new ConfigError(`Secrets Manager ${operation} failed (${name})`, { cause: error });
  }
  return new TransientError(`Secrets Manager ${operation} failed (${name})`, { cause: error });
}
