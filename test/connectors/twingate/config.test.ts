/** The Twingate app's registry entry and config: what it accepts, and errors that name the field, never the value. */
import { describe, expect, it } from 'vitest';
import { appDefinition, APP_NAMES, createConnectorFactory } from '../../../functions/connectors/index.ts';
import { parseTwingateConfig, twingateEndpoint } from '../../../functions/connectors/twingate/index.ts';
import { ConfigError } from '../../../functions/core/errors.ts';

function configError(input: unknown): Error {
  try {
    parseTwingateConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as Error;
  }
  throw new Error('accepted');
}

describe('the twingate registry entry', () => {
  it('is registered, with its config fields and the key read from TWINGATE_API_KEY', () => {
    expect(APP_NAMES).toContain('twingate');
    const app = appDefinition('twingate');
    expect(app.title).toBe('Twingate');
    expect(app.configFields.map((field) => [field.key, field.required, field.default, field.flag?.name])).toEqual([
      ['network', true, undefined, '--network'],
      ['apiUrl', false, undefined, '--api-url'],
      ['pageSize', false, 50, '--page-size'],
      ['requestsPerMinute', false, 50, '--max-requests-per-minute'],
    ]);
    expect(app.credentialFields).toEqual([{ key: 'apiKey', env: 'TWINGATE_API_KEY', description: expect.any(String) }]);
  });

  it('builds a connector with two streams that lists groups', () => {
    const connector = createConnectorFactory('twingate', { network: 'acme' })({ apiKey: 'k' });
    expect(connector).toMatchObject({ app: 'twingate', streams: ['users', 'groups'], listsGroups: true });
  });

  it('refuses credentials without an apiKey, naming the field', () => {
    const factory = createConnectorFactory('twingate', { network: 'acme' });
    expect(() => factory({ apiKey: '  ' })).toThrow("twingate credentials lack 'apiKey'");
    expect(() => factory({ clientId: 'x' })).toThrow(ConfigError);
  });
});

describe('the twingate config', () => {
  it('applies the defaults and derives the endpoint from the network', () => {
    const config = parseTwingateConfig({ network: 'acme-corp' });
    expect(config).toEqual({ network: 'acme-corp', pageSize: 50, requestsPerMinute: 50 });
    expect(twingateEndpoint(config)).toBe('https://acme-corp.twingate.com/api/graphql/');
  });

  it('takes apiUrl as the whole endpoint: https anywhere, plain http only to loopback', () => {
    expect(twingateEndpoint(parseTwingateConfig({ network: 'acme', apiUrl: 'https://proxy.example.com/tg/graphql/' }))).toBe(
      'https://proxy.example.com/tg/graphql/',
    );
    expect(twingateEndpoint(parseTwingateConfig({ network: 'acme', apiUrl: 'http://127.0.0.1:8080/api/graphql/' }))).toBe(
      'http://127.0.0.1:8080/api/graphql/',
    );
  });

  it.each([
    ['a missing network', {}, 'network: missing'],
    ['a host name for a network', { network: 'acme.twingate.com' }, 'twingate config network (--network): not a Twingate network name'],
    ['a network with a path', { network: 'acme/../x-secretvalue' }, 'twingate config network (--network)'],
    ['an upper-case network', { network: 'Acme' }, 'twingate config network (--network)'],
    ['plain http off loopback', { network: 'acme', apiUrl: 'http://tg.example.com/api/graphql/' }, 'apiUrl (--api-url): plain http is allowed only to loopback'],
    ['credentials in the URL', { network: 'acme', apiUrl: 'https://user:secretvalue@x.example.com/' }, 'apiUrl (--api-url): must not embed credentials'],
    ['a URL with a query', { network: 'acme', apiUrl: 'https://x.example.com/?token=secretvalue' }, 'apiUrl (--api-url): must not carry a query'],
    ['not a URL', { network: 'acme', apiUrl: 'secretvalue' }, 'apiUrl (--api-url): not a valid absolute URL'],
    ['a page size of 0', { network: 'acme', pageSize: 0 }, 'pageSize (--page-size)'],
    ['a page size above 100', { network: 'acme', pageSize: 101 }, 'pageSize (--page-size)'],
    ['a budget above the limit', { network: 'acme', requestsPerMinute: 61 }, "at most Twingate's 60"],
    ['a budget of 0', { network: 'acme', requestsPerMinute: 0 }, 'requestsPerMinute (--max-requests-per-minute)'],
  ])('refuses %s, naming the field and never the value', (_case, input, expected) => {
    const error = configError(input);
    expect(error.message).toContain(expected);
    expect(error.message).not.toContain('secretvalue');
    expect(error.message).not.toContain('acme.twingate.com');
  });
});
