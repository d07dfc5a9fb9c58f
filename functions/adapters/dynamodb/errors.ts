/**
 * The one table of AWS errors the DynamoDB adapter knows: which SDK failures are transient, which
 * are configuration errors, and the conditional-check refusal that the lease and removals rely on.
 */
import { ConfigError, RollcallError, TransientError } from '../../core/errors.ts';

const TRANSIENT_ERROR_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/**
 * Maps an SDK failure (after the SDK's own retries) onto the core's error set: throttling, 5xx and
 * network failures become `TransientError`, a missing table or missing AWS credentials a
 * `ConfigError`. Messages name the operation and the SDK error's name only: SDK messages can echo
 * attribute values, so they stay in `cause`.
 */
export function toStoreError(error: unknown, operation: string): unknown {
  if (error instanceof RollcallError || !(error instanceof Error)) return error;
  const { name } = error;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = (error as { code?: unknown }).code;
  if (
    TRANSIENT_ERROR_NAMES.has(name) ||
    (status !== undefined && status >= 500) ||
    (typeof code === 'string' && NETWORK_ERROR_CODES.has(code))
  ) {
    return new TransientError(`DynamoDB ${operation} failed (${name})`, { cause: error });
  }
  if (name === 'ResourceNotFoundException') {
    return new ConfigError(`DynamoDB ${operation} failed: table not found`, { cause: error });
  }
  if (name === 'CredentialsProviderError') {
    return new ConfigError(`DynamoDB ${operation} failed: no AWS credentials found`, { cause: error });
  }
  return error;
}

/** DynamoDB refused a conditional write: the condition (a lease, an item's existence) did not hold. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return hasErrorName(error, 'ConditionalCheckFailedException');
}

/** An SDK error by its name (`ResourceNotFoundException`, `ResourceInUseException`...). */
export function hasErrorName(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}
