/**
 * One loopback rule for every caller: the connectors' plain-http checks and the store's
 * local-endpoint check used to disagree on 127.0.0.2 (the connector took all of 127/8, the store
 * only 127.0.0.1, so a simulator the connector accepted was signed for AWS by the store).
 */
import { describe, expect, it } from 'vitest';
import { isLocalEndpoint } from '../../functions/adapters/dynamodb/client.ts';
import { resolveTorqEndpoints } from '../../functions/connectors/torq/config.ts';
import { twingateEndpoint } from '../../functions/connectors/twingate/config.ts';
import { isLoopbackHost } from '../../functions/core/loopback.ts';

const torqAcceptsPlainHttp = (host: string): boolean => {
  const url = `http://${host}:8080/api`;
  try {
    resolveTorqEndpoints({ region: 'us', apiUrl: url, authUrl: url });
    return true;
  } catch {
    return false;
  }
};

const twingateAcceptsPlainHttp = (host: string): boolean => {
  try {
    twingateEndpoint({ network: 'acme', apiUrl: `http://${host}:8080/api/graphql/` });
    return true;
  } catch {
    return false;
  }
};

const LOOPBACK = ['localhost', 'LOCALHOST', '127.0.0.1', '127.0.0.2', '127.255.255.254', '127.1', '[::1]'];
const NOT_LOOPBACK = ['128.0.0.1', '10.0.0.1', '[::2]', 'localhost.example.com', '127.0.0.1.example.com', 'example.com'];

describe('isLoopbackHost', () => {
  it('takes localhost, all of 127.0.0.0/8 and ::1, as URL.hostname spells them', () => {
    for (const host of LOOPBACK) expect(isLoopbackHost(new URL(`http://${host}/`).hostname), host).toBe(true);
    for (const host of NOT_LOOPBACK) expect(isLoopbackHost(new URL(`http://${host}/`).hostname), host).toBe(false);
  });

  it('is the answer of the Torq and Twingate connectors and of the DynamoDB endpoint check', () => {
    for (const host of [...LOOPBACK, ...NOT_LOOPBACK]) {
      const expected = LOOPBACK.includes(host);
      expect(torqAcceptsPlainHttp(host), `torq ${host}`).toBe(expected);
      expect(twingateAcceptsPlainHttp(host), `twingate ${host}`).toBe(expected);
      expect(isLocalEndpoint(`http://${host}:4567`), `dynamodb ${host}`).toBe(expected);
    }
  });
});
