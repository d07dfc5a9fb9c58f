import { describe, expect, it } from 'vitest';
import { errorFromStatus } from '../../../functions/connectors/http/status-errors.ts';
import { AuthError, classifyError, ConfigError, ContractError, PermissionError, TransientError } from '../../../functions/core/errors.ts';

describe('errorFromStatus: one map from HTTP status to the closed error set', () => {
  const label = 'GET /things';

  it.each([
    [401, AuthError, 'RECONNECT_REQUIRED'],
    [403, PermissionError, 'RECONNECT_REQUIRED'],
    [404, ConfigError, null],
    [429, TransientError, 'ERROR'],
    [500, TransientError, 'ERROR'],
    [503, TransientError, 'ERROR'],
    [400, ContractError, 'ERROR'],
    [409, ContractError, 'ERROR'],
    [302, ContractError, 'ERROR'],
  ] as const)('HTTP %i is a %s, leading to status %s', (status, type, connectorStatus) => {
    const error = errorFromStatus(status, { label });

    expect(error).toBeInstanceOf(type);
    expect(classifyError(error).status).toBe(connectorStatus);
    expect(error.message).toContain(`${label} answered HTTP ${status}`);
  });

  it('says what the endpoint means by 401, 403 and 404', () => {
    const meaning = { label, unauthorized: 'API key rejected', forbidden: 'API key lacks user.read', notFound: 'check the network name (--network)' };

    expect(errorFromStatus(401, meaning).message).toBe('API key rejected (GET /things answered HTTP 401)');
    expect(errorFromStatus(403, meaning).message).toBe('API key lacks user.read (GET /things answered HTTP 403)');
    expect(errorFromStatus(404, meaning).message).toBe('GET /things answered HTTP 404: check the network name (--network)');
  });

  it('makes a 403 at a token endpoint rejected credentials, not a missing permission', () => {
    const error = errorFromStatus(403, { label: 'POST token endpoint', forbiddenRejectsCredentials: true });

    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toBe('credentials rejected (POST token endpoint answered HTTP 403)');
  });
});
