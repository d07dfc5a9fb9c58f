/**
 * `rollcall simulate --app scim` as its own process: it prints its base URL and how to poll it,
 * serves the seeded workspace with the printed token (or `SCIM_TOKEN`, never printed), turns
 * quirk flags into quirks, refuses bad ones as usage errors, and stops on SIGTERM. Polling it is
 * the SCIM connector's to test; here the served answers are read over HTTP.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SCIM_SIMULATOR_DEFAULT_TOKEN } from '../../../simulators/scim/cli.ts';
import { CHILD_PROCESS_TIMEOUTS, createTestbed, runCli, type CliProcess } from '../../cli/support.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
afterEach(() => bed.cleanup());

const BASE_URL = /^base-url:\s+(\S+)$/m;

async function baseUrlOf(simulate: CliProcess): Promise<string> {
  const output = await simulate.waitForStdout(BASE_URL, /Ctrl-C stops it/);
  return BASE_URL.exec(output)?.[1] ?? '';
}

// The assertions walk SCIM bodies of several shapes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function get(url: string, token: string): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

describe('rollcall simulate --app scim', () => {
  it('prints the base URL and the poll command with the demo token, serves users and groups with it, and stops on SIGTERM', async () => {
    const simulate = bed.startCli(['simulate', '--app', 'scim', '--port', '0', '--users', '30', '--groups', '4', '--seed', '5'], { SCIM_TOKEN: undefined });
    const baseUrl = await baseUrlOf(simulate);
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/scim\/v2$/);
    const lines = simulate.stdout().split('\n');
    expect(lines[0]).toBe('SCIM simulator: 30 users, 4 groups (seed 5)');
    expect(lines).toContain(`  SCIM_TOKEN=${SCIM_SIMULATOR_DEFAULT_TOKEN} npx rollcall poll --connector scim-sim --app scim --base-url ${baseUrl}`);
    expect(simulate.stdout()).not.toContain('quirks:');

    const [users, groups, config, refused] = await Promise.all([
      get(`${baseUrl}/Users?startIndex=1&count=100`, SCIM_SIMULATOR_DEFAULT_TOKEN),
      get(`${baseUrl}/Groups`, SCIM_SIMULATOR_DEFAULT_TOKEN),
      get(`${baseUrl}/ServiceProviderConfig`, SCIM_SIMULATOR_DEFAULT_TOKEN),
      get(`${baseUrl}/Users`, 'not-the-token'),
    ]);
    expect(users.body).toMatchObject({ totalResults: 30, startIndex: 1, itemsPerPage: 30 });
    expect(users.headers.get('content-type')).toBe('application/scim+json');
    expect(groups.body.totalResults).toBe(4);
    expect(config.body.pagination).toMatchObject({ cursor: true, index: true, maxPageSize: 200 });
    expect(refused.status).toBe(401);

    simulate.child.kill('SIGTERM');
    const stopped = await simulate.exited;
    expect({ code: stopped.code, signal: stopped.signal, stderr: stopped.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  });

  it('accepts SCIM_TOKEN without printing it, and serves the quirks its flags ask for', async () => {
    const token = 'shell-scim-token-7f3a';
    const simulate = bed.startCli(
      [
        'simulate', '--app', 'scim', '--port', '0', '--users', '12',
        '--cap-count', '5', '--total-results-drift', '-2', '--without-groups', '501', '--throttle', '1',
        '--status-as-number', '--stall-page', 'empty', '--max-page-size', '50',
      ],
      { SCIM_TOKEN: token },
    );
    const baseUrl = await baseUrlOf(simulate);
    expect(simulate.stdout()).not.toContain(token);
    expect(simulate.stdout()).toContain(`(with the SCIM_TOKEN of this shell) npx rollcall poll --connector scim-sim --app scim --base-url ${baseUrl}`);
    expect(simulate.stdout()).toMatch(/^quirks: {3}capCount=5, totalResultsDrift=-2, statusAsNumber, rateLimit=\{"count":1\}, noGroups=501, stallPage=empty$/m);

    const throttled = await get(`${baseUrl}/Users`, token);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBeNull();
    expect(throttled.body.status).toBe(429);
    expect((await get(`${baseUrl}/Users?count=10`, token)).body).toMatchObject({ totalResults: 12, itemsPerPage: 5 });
    expect((await get(`${baseUrl}/Users?startIndex=6&count=10`, token)).body).toMatchObject({ totalResults: 10, itemsPerPage: 0, Resources: [] });
    expect((await get(`${baseUrl}/Groups`, token)).body).toMatchObject({ status: 501 });
    expect((await get(`${baseUrl}/ServiceProviderConfig`, token)).body.pagination.maxPageSize).toBe(50);

    simulate.child.kill('SIGTERM');
    expect((await simulate.exited).code).toBe(0);
  });

  it('refuses a bad quirk value, and a SCIM flag under another app, as usage errors', async () => {
    const [badStatus, badStall, wrongApp] = await Promise.all([
      runCli(['simulate', '--app', 'scim', '--without-groups', '500']),
      runCli(['simulate', '--app', 'scim', '--stall-page', 'forever']),
      runCli(['simulate', '--app', 'torq', '--cursor-only']),
    ]);
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toMatch(/--without-groups.*expected 404 or 501/);
    expect(badStall.code).toBe(2);
    expect(badStall.stderr).toMatch(/expected repeat or empty/);
    expect(wrongApp.code).toBe(2);
    expect(wrongApp.stderr).toContain('--cursor-only is an option of simulate --app scim, not of --app torq');
  });
});
