/** The SCIM app's config and registry entry: base URL or preset, page size, request budget. */
import { describe, expect, it } from 'vitest';
import { appConfigProblems, appDefinition, exampleConfig } from '../../../functions/connectors/index.ts';
import { parseScimConfig, scimBaseUrl, SCIM_PRESETS } from '../../../functions/connectors/scim/index.ts';

describe('the SCIM base', () => {
  it('comes from the torque preset', () => {
    expect(scimBaseUrl(parseScimConfig({ preset: 'torque' }))).toBe('https://portal.qtorque.io/api/scim');
    expect(SCIM_PRESETS.torque).toBe('https://portal.qtorque.io/api/scim');
  });

  it.each([
    ['https://acme.qtorque.io/api/scim/', 'https://acme.qtorque.io/api/scim'],
    ['https://scim.example.com/v2', 'https://scim.example.com/v2'],
    ['http://127.0.0.1:8080/scim', 'http://127.0.0.1:8080/scim'],
    ['http://localhost:9/scim/v2//', 'http://localhost:9/scim/v2'],
  ])('is %s given as baseUrl, without a trailing slash', (baseUrl, expected) => {
    expect(scimBaseUrl(parseScimConfig({ baseUrl }))).toBe(expected);
  });

  it.each([
    [{}, /baseUrl \(--base-url\) is required, or preset \(--preset torque\)/],
    [{ baseUrl: 'https://a.example/scim', preset: 'torque' }, /not both/],
    [{ baseUrl: 'http://scim.example.com/v2' }, /plain http is allowed only to loopback/],
    [{ baseUrl: 'ftp://scim.example.com' }, /must be an https URL/],
    [{ baseUrl: 'https://user:pw@scim.example.com' }, /must not embed credentials/],
    [{ baseUrl: 'https://scim.example.com/v2?x=1' }, /must not carry a query/],
    [{ baseUrl: 'not a url' }, /not a valid absolute URL/],
    [{ preset: 'okta' }, /preset: invalid/],
    [{ preset: 'torque', pageSize: 0 }, /pageSize \(--page-size\): must be an integer from 1 to 1000/],
    [{ preset: 'torque', pageSize: 1001 }, /pageSize/],
    [{ preset: 'torque', requestsPerSecond: -1 }, /requestsPerSecond \(--max-requests-per-second\)/],
  ])('refuses %j, naming the field and never the value', (config, message) => {
    expect(() => parseScimConfig(config)).toThrow(message);
    try {
      parseScimConfig(config);
    } catch (error) {
      expect((error as Error).message).not.toMatch(/user:pw|okta|not a url/);
    }
  });

  it('defaults to pages of 100 and 10 requests a second', () => {
    expect(parseScimConfig({ preset: 'torque' })).toEqual({ preset: 'torque', pageSize: 100, requestsPerSecond: 10 });
  });
});

describe('the registry entry', () => {
  const app = appDefinition('scim');

  it('declares --base-url, --preset with its choices, --page-size, --max-requests-per-second and SCIM_TOKEN', () => {
    expect(app.configFields.map((field) => field.flag?.name)).toEqual(['--base-url', '--preset', '--page-size', '--max-requests-per-second']);
    expect(app.configFields.find((field) => field.key === 'preset')?.choices).toEqual(['torque']);
    expect(app.credentialFields).toEqual([{ key: 'token', env: 'SCIM_TOKEN', description: expect.any(String) }]);
  });

  it('has a valid example config (the preset), and refuses a preset outside its choices by declaration', () => {
    expect(exampleConfig(app)).toEqual({ preset: 'torque' });
    expect(() => app.createFactory(exampleConfig(app))).not.toThrow();
    expect(appConfigProblems(app, { preset: 'okta' })).toEqual(['field preset: expected one of torque']);
  });

  it('needs a token', () => {
    const factory = app.createFactory({ preset: 'torque' });
    expect(() => factory({})).toThrow("scim credentials lack 'token'");
  });
});
