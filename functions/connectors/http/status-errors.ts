/**
 * HTTP status to the collector's closed error taxonomy (`core/errors.ts`), once for every app, as
 * baton-sdk maps a status to its closed set once (style.md). What the core then does with each
 * kind is design.md section 5: auth and permission -> RECONNECT_REQUIRED, transient -> ERROR and
 * a retry, config -> a person fixes a setting, contract -> ERROR, the listing starts over.
 */
import { AuthError, ConfigError, ContractError, PermissionError, TransientError, type RollcallError } from '../../core/errors.ts';

/** What a status means at one endpoint; each message ends with the request's label and the status. */
export interface StatusMeaning {
  /** Names the request: `GET /users (stream sso)`. */
  readonly label: string;
  /** Why a 401 happened. @default 'credentials rejected' */
  readonly unauthorized?: string;
  /** Why a 403 happened. @default 'the credentials lack a permission' */
  readonly forbidden?: string;
  /**
   * A 403 here rejects the credentials themselves (a token endpoint) rather than refusing one
   * permission: an `AuthError`, not a `PermissionError`. Both end in RECONNECT_REQUIRED.
   */
  readonly forbiddenRejectsCredentials?: boolean;
  /** Which setting a 404 points at, e.g. `check the API base URL (--api-url)`. @default 'check the configured URL' */
  readonly notFound?: string;
}

/**
 * The error a final answer with `status` (not 2xx, not retried away) stands for. Messages carry
 * the label and the status only, never the body or a header.
 */
export function errorFromStatus(status: number, meaning: StatusMeaning): RollcallError {
  const answered = `${meaning.label} answered HTTP ${status}`;
  if (status === 401) return new AuthError(`${meaning.unauthorized ?? 'credentials rejected'} (${answered})`);
  if (status === 403) {
    return meaning.forbiddenRejectsCredentials === true
      ? new AuthError(`${meaning.forbidden ?? 'credentials rejected'} (${answered})`)
      : new PermissionError(`${meaning.forbidden ?? 'the credentials lack a permission'} (${answered})`);
  }
  if (status === 404) return new ConfigError(`${answered}: ${meaning.notFound ?? 'check the configured URL'}`);
  if (status === 429 || status >= 500) return new TransientError(answered);
  return new ContractError(answered);
}
