import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../functions/core/errors.ts';
import { parseTorqConfig, resolveTorqEndpoints } from '../../../functions/connectors/torq/config.ts';

function endpointsOf(config: unknown) {
  return resolveTorqEndpoints(parseTorqConfig(config));
}

describe('resolveTorqEndpoints', () => {
  it.each([
    [{}, 'https://api.torq.io/public/v1alpha', 'https://auth.torq.io/v1/auth/token'],
    [undefined, 'https://api.torq.io/public/v1alpha', 'https://auth.torq.io/v1/auth/token'],
    [{ region: 'us' }, 'https://api.torq.io/public/v1alpha', 'https://auth.torq.io/v1/auth/token'],
    [{ region: 'eu' }, 'https://api.eu.torq.io/public/v1alpha', 'https://auth.eu.torq.io/v1/auth/token'],
  ])('presets %j', (config, apiBaseUrl, tokenUrl) => {
    expect(endpointsOf(config)).toEqual({ apiBaseUrl, tokenUrl });
  });

  it('lets each URL override its preset, dropping a trailing slash from the API base', () => {
    expect(endpointsOf({ region: 'eu', apiUrl: 'https://torq.internal.example/v1alpha/', authUrl: 'https://torq.internal.example/token' })).toEqual({
      apiBaseUrl: 'https://torq.internal.example/v1alpha',
      tokenUrl: 'https://torq.internal.example/token',
    });
    expect(endpointsOf({ authUrl: 'https://sso.example/token' }).tokenUrl).toBe('https://sso.example/token');
  });

  it.each([
    [{ apiUrl: 'https://torq.internal.example/v1alpha' }],
    [{ region: 'eu', apiUrl: 'https://api.torq.io.example/public/v1alpha' }],
    [{ apiUrl: 'http://127.0.0.1:8080/public/v1alpha' }],
  ])('refuses an API URL off the Torq region hosts without a token endpoint: %j', (config) => {
    const attempt = () => endpointsOf(config);

    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow('torq config apiUrl (--api-url) is not on a Torq region host: give the token endpoint too (authUrl, --auth-url)');
  });

  it.each([
    [{ apiUrl: 'https://api.torq.io/v1alpha' }, 'https://auth.torq.io/v1/auth/token'],
    [{ region: 'us', apiUrl: 'https://api.eu.torq.io/public/v1alpha' }, 'https://auth.eu.torq.io/v1/auth/token'],
  ])('gives an API URL on a region host that region\'s token endpoint: %j', (config, tokenUrl) => {
    expect(endpointsOf(config).tokenUrl).toBe(tokenUrl);
  });

  it.each([
    'http://127.0.0.1:8080/public/v1alpha',
    'http://127.8.9.10/public/v1alpha',
    'http://localhost:4000/public/v1alpha',
    'http://[::1]:4000/public/v1alpha',
  ])('allows plain http to loopback: %s', (apiUrl) => {
    expect(endpointsOf({ apiUrl, authUrl: apiUrl.replace('/public/v1alpha', '/v1/auth/token') }).apiBaseUrl).toBe(apiUrl);
  });

  it.each([
    ['apiUrl', '--api-url', 'http://api.torq.io/public/v1alpha', 'loopback'],
    ['authUrl', '--auth-url', 'http://10.0.0.5/v1/auth/token', 'loopback'],
    ['apiUrl', '--api-url', 'http://127.0.0.1.evil.example/public/v1alpha', 'loopback'],
    ['apiUrl', '--api-url', 'ftp://api.torq.io/public', 'https'],
    ['apiUrl', '--api-url', 'api.torq.io/public/v1alpha', 'not a valid absolute URL'],
    ['authUrl', '--auth-url', 'https://user:pw@auth.torq.io/v1/auth/token', 'credentials'],
    ['apiUrl', '--api-url', 'https://api.torq.io/public/v1alpha?x=1', 'query'],
  ])('refuses %s %s', (field, flag, value, reason) => {
    const attempt = () => endpointsOf({ [field]: value });

    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(`torq config ${field} (${flag})`);
    expect(attempt).toThrow(reason);
    expect(attempt).not.toThrow(value);
  });
});

describe('parseTorqConfig', () => {
  it.each([
    [{ region: 'apac' }, 'region'],
    [{ apiUrl: 7 }, 'apiUrl: expected string, got number'],
    [{ authUrl: '' }, 'authUrl: must not be empty'],
    ['us', 'record: expected object, got string'],
    [{ requestsPerSecond: '50' }, 'requestsPerSecond: expected number, got string'],
    [{ requestsPerSecond: 0 }, 'torq config requestsPerSecond: must be a positive number of requests per second'],
    [{ requestsPerSecond: -5 }, 'torq config requestsPerSecond: must be a positive number of requests per second'],
  ])('refuses %j naming the field', (config, message) => {
    expect(() => parseTorqConfig(config)).toThrow(ConfigError);
    expect(() => parseTorqConfig(config)).toThrow(message);
  });
});
