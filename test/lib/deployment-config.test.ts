import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors.ts';
import { appConfigOf, parseDeploymentConfig } from '../../lib/deployment-config.ts';
import { appRegistry } from '../../functions/connectors/index.ts';
import { registryWithAcme } from '../support/acme-app.ts';

const torq = { id: 'torq-prod', app: 'torq', region: 'us', schedule: 'rate(1 hour)' };

function errorOf(raw: unknown): ConfigError {
  try {
    parseDeploymentConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseDeploymentConfig', () => {
  it('accepts a deployment with no declared connector: connectors can all be added with the CLI', () => {
    expect(parseDeploymentConfig({ connectors: [] }).connectors).toEqual([]);
    expect(parseDeploymentConfig({}).connectors).toEqual([]);
  });

  it('applies the documented defaults', () => {
    const config = parseDeploymentConfig({ connectors: [{ id: 'torq', app: 'torq' }] });

    expect(config).toEqual({
      stackName: 'Rollcall',
      // The app's own defaults (Torq's region us) are its parser's: absent here, applied by the poller.
      connectors: [{ id: 'torq', app: 'torq', schedule: 'rate(1 hour)' }],
      maxRemovalShare: 0.5,
      pollerConcurrency: 2,
      eventArchiveRetentionDays: 90,
    });
  });

  it('accepts the context as a JSON string, as `cdk -c rollcall=...` passes it', () => {
    const config = parseDeploymentConfig(JSON.stringify({ connectors: [torq], alarmEmail: 'secops@example.com' }));

    expect(config.alarmEmail).toBe('secops@example.com');
    expect(config.connectors[0]?.id).toBe('torq-prod');
  });

  it('accepts rate and six-field cron schedules', () => {
    for (const schedule of ['rate(1 minute)', 'rate(15 minutes)', 'rate(1 day)', 'rate(12 hours)', 'cron(0 6 * * ? *)']) {
      expect(parseDeploymentConfig({ connectors: [{ ...torq, schedule }] }).connectors[0]?.schedule).toBe(schedule);
    }
  });

  it('passes only the app config fields to the app', () => {
    const [connector] = parseDeploymentConfig({
      connectors: [{ ...torq, region: 'eu', authUrl: 'https://auth.eu.torq.io/v1/auth/token' }],
    }).connectors;

    expect(connector && appConfigOf(connector)).toEqual({ region: 'eu', authUrl: 'https://auth.eu.torq.io/v1/auth/token' });
  });

  it('carries the request ceiling of a connector to the app config the poller reads', () => {
    const [connector] = parseDeploymentConfig({ connectors: [{ ...torq, requestsPerSecond: 12.5 }] }).connectors;

    expect(connector && appConfigOf(connector)).toEqual({ region: 'us', requestsPerSecond: 12.5 });
  });

  describe('rejects, naming the field', () => {
    it.each([
      ['no context at all', undefined, /context "rollcall" is missing: add \{"connectors"/],
      ['a string that is not JSON', '{connectors', /not valid JSON/],
      ['an unknown region', { connectors: [{ ...torq, region: 'ap' }] }, /connectors\.0: field region: expected one of us, eu$/],
      ['an unknown app', { connectors: [{ ...torq, app: 'okta' }] }, /connectors\.0\.app: /],
      ['an id with capitals', { connectors: [{ ...torq, id: 'Torq' }] }, /connectors\.0\.id: must be 1-48 lower-case letters/],
      ['a duplicate id', { connectors: [torq, torq] }, /connectors: connector ids must be unique/],
      ['a rate with the wrong plural', { connectors: [{ ...torq, schedule: 'rate(1 hours)' }] }, /connectors\.0\.schedule: must be rate/],
      ['a five-field cron', { connectors: [{ ...torq, schedule: 'cron(0 6 * * *)' }] }, /connectors\.0\.schedule: must be rate/],
      ['a partial secret ARN', { connectors: [{ ...torq, secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:torq' }] }, /connectors\.0\.secretArn: must be a complete/],
      ['a misspelt key', { connectors: [{ ...torq, shedule: 'rate(1 hour)' }] }, /connectors\.0: .*shedule/],
      ['a removal share above 1', { connectors: [torq], maxRemovalShare: 1.5 }, /maxRemovalShare: must be at most 1/],
      ['a malformed e-mail', { connectors: [torq], alarmEmail: 'secops' }, /alarmEmail: must be an e-mail address/],
      ['zero concurrency', { connectors: [torq], pollerConcurrency: 0 }, /pollerConcurrency: /],
      ['a request ceiling of 0', { connectors: [{ ...torq, requestsPerSecond: 0 }] }, /connectors\.0 \(torq-prod\): torq config requestsPerSecond: must be a positive number of requests per second/],
      ['a request ceiling as a string', { connectors: [{ ...torq, requestsPerSecond: '50' }] }, /connectors\.0: field requestsPerSecond: expected a number$/],
    ])('%s', (_case, raw, expected) => {
      const error = errorOf(raw);

      expect(error.message).toMatch(/^cdk\.json context "rollcall"/);
      expect(error.message).toMatch(expected);
    });

    it('a URL the app refuses (plain http off this machine), checked by the app itself', () => {
      const error = errorOf({ connectors: [{ ...torq, apiUrl: 'http://api.torq.example/public/v1alpha' }] });

      expect(error.message).toMatch(/connectors\.0 \(torq-prod\): torq config apiUrl \(--api-url\): plain http is allowed only to loopback/);
      expect(error.message).not.toContain('api.torq.example');
    });
  });
});

describe('parseDeploymentConfig derives each connector\'s fields from the app registry', () => {
  const acme = { id: 'tg', app: 'acme', network: 'acme' };

  it('accepts an app\'s own fields beside the common ones and passes only those to the app', () => {
    const [connector] = parseDeploymentConfig({ connectors: [{ ...acme, pageSize: 50 }] }, registryWithAcme).connectors;

    expect(connector).toEqual({ id: 'tg', app: 'acme', network: 'acme', pageSize: 50, schedule: 'rate(1 hour)' });
    expect(connector && appConfigOf(connector, registryWithAcme)).toEqual({ network: 'acme', pageSize: 50 });
  });

  it.each([
    ['an app the registry lacks', { ...acme, app: 'okta' }, /connectors\.0\.app: unknown app: expected one of torq, acme$/],
    ['a missing required field', { id: 'tg', app: 'acme' }, /connectors\.0: missing required field network \(the Acme network name\)$/],
    ['a field of another app', { ...acme, region: 'eu' }, /connectors\.0: unknown field "region" \(acme fields: network, apiUrl, pageSize\)$/],
    ['a value the app refuses', { ...acme, network: 'Acme Corp' }, /connectors\.0 \(tg\): acme config network \(--network\): must be lower-case/],
  ])('rejects %s, naming it', (_case, connector, expected) => {
    expect(() => parseDeploymentConfig({ connectors: [connector] }, registryWithAcme)).toThrow(expected);
  });

  it('knows only the production apps without the test registry', () => {
    expect(() => parseDeploymentConfig({ connectors: [acme] })).toThrow(
      new ConfigError(`cdk.json context "rollcall": connectors.0.app: unknown app: expected one of ${appRegistry.names.join(', ')}`),
    );
  });
});
