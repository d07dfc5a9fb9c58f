/**
 * `rollcall simulate` as its own process: it prints where it listens, serves polls from another
 * process with the demo credentials it prints, injects faults from flags, and stops on SIGTERM.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SIMULATOR_DEFAULT_CREDENTIALS } from '../../simulators/torq/cli.ts';
import {
  CHILD_PROCESS_TIMEOUTS,
  createTestbed,
  credentialsEnv,
  parsePollJson,
  runCli,
  type CliProcess,
} from './support.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
afterEach(() => bed.cleanup());

const API_URL = /^api-url:\s+(\S+)$/m;
const AUTH_URL = /^auth-url:\s+(\S+)$/m;

async function urlsOf(simulate: CliProcess): Promise<{ apiUrl: string; authUrl: string }> {
  const output = await simulate.waitForStdout(API_URL, AUTH_URL);
  return { apiUrl: API_URL.exec(output)?.[1] ?? '', authUrl: AUTH_URL.exec(output)?.[1] ?? '' };
}

describe('rollcall simulate', () => {
  it('serves a workspace a poll can list with the printed demo credentials, a fault flag breaks it, and SIGTERM stops both', async () => {
    const [healthy, forbidden] = [
      bed.startCli(['simulate', '--port', '0', '--users', '30']),
      bed.startCli(['simulate', '--port', '0', '--users', '5', '--forbid-users']),
    ];
    const [healthyUrls, forbiddenUrls] = await Promise.all([urlsOf(healthy), urlsOf(forbidden)]);
    expect(healthyUrls.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/public\/v1alpha$/);
    expect(healthyUrls.authUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/auth\/token$/);
    expect(healthy.stdout()).toContain(
      `export TORQ_CLIENT_ID=${SIMULATOR_DEFAULT_CREDENTIALS.clientId} TORQ_CLIENT_SECRET=${SIMULATOR_DEFAULT_CREDENTIALS.clientSecret}`,
    );

    const [dataDir, otherDataDir] = await Promise.all([bed.tempDir(), bed.tempDir()]);
    const env = credentialsEnv(SIMULATOR_DEFAULT_CREDENTIALS);
    const pollOf = (urls: { apiUrl: string; authUrl: string }, dir: string) =>
      runCli(['poll', '--connector', 'sim', '--api-url', urls.apiUrl, '--auth-url', urls.authUrl, '--data-dir', dir, '--json'], env);
    const [healthyPoll, forbiddenPoll] = await Promise.all([pollOf(healthyUrls, dataDir), pollOf(forbiddenUrls, otherDataDir)]);

    expect(healthyPoll.code).toBe(0);
    expect(parsePollJson(healthyPoll)).toMatchObject({ status: 'CONNECTED', counts: { total: 30, new: 30, invalid: 0 } });
    expect(forbiddenPoll.code).toBe(3);
    expect(parsePollJson(forbiddenPoll)).toMatchObject({ status: 'RECONNECT_REQUIRED', error: expect.stringMatching(/user\.read/) });

    healthy.child.kill('SIGTERM');
    forbidden.child.kill('SIGTERM');
    const stopped = await Promise.all([healthy.exited, forbidden.exited]);
    for (const run of stopped) expect({ code: run.code, signal: run.signal, stderr: run.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  });

  it('enforces --enforce-rate-limit per API key: a second call within one second answers 429 with Retry-After', async () => {
    const simulate = bed.startCli(['simulate', '--port', '0', '--users', '5', '--enforce-rate-limit', '1']);
    const urls = await urlsOf(simulate);
    expect(simulate.stdout()).toContain('rate limit: 1 data calls per second per API key');
    const { clientId, clientSecret } = SIMULATOR_DEFAULT_CREDENTIALS;
    const token = (await (
      await fetch(urls.authUrl, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      })
    ).json()) as { access_token: string };

    // Three calls back to back span two one-second windows at most, so one window gets two.
    const answers: Response[] = [];
    for (let call = 0; call < 3; call++) {
      answers.push(await fetch(`${urls.apiUrl}/users/roles`, { headers: { authorization: `Bearer ${token.access_token}` } }));
    }

    const refused = answers.filter((answer) => answer.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused[0]?.headers.get('retry-after')).toBe('1');
    expect(answers.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(1);
    simulate.child.kill('SIGTERM');
    expect((await simulate.exited).code).toBe(0);
  });
});
