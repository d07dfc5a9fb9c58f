/**
 * `rollcall poll --app scim` as a user runs it: the CLI as a child process with its own embedded
 * store, against the scimmy peer (scimmy + scimmy-routers on express) and the SCIM simulator, both
 * on loopback in this process.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateScimWorkspace, startScimSimulator } from '../../simulators/scim/index.ts';
import { churnPeerDirectory, generatePeerDirectory, startScimmyPeer, type ScimmyPeer } from '../support/scimmy-peer.ts';
import { CHILD_PROCESS_TIMEOUTS, createTestbed, parsePollJson, runCli, type CliRun } from './support.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
afterEach(() => bed.cleanup());

const TOKEN = 'scim-cli-LEAK-CANARY-52ad';

async function peer(): Promise<ScimmyPeer> {
  const started = await startScimmyPeer({ directory: generatePeerDirectory({ users: 60, groups: 6, seed: 17 }), token: TOKEN });
  bed.onCleanup(() => started.close());
  return started;
}

function poll(dataDir: string, flags: readonly string[], token = TOKEN): Promise<CliRun> {
  return runCli(['poll', '--connector', 'torque', '--app', 'scim', ...flags, '--data-dir', dataDir, '--json'], { SCIM_TOKEN: `Bearer ${token}` });
}

describe('rollcall poll --app scim', () => {
  it('inventories a SCIM provider with its groups, then counts churn', async () => {
    const scim = await peer();
    const dataDir = await bed.tempDir();
    const memberships = scim.directory.groups.reduce((sum, group) => sum + group.members.length, 0);

    const first = await poll(dataDir, ['--base-url', scim.baseUrl, '--page-size', '25']);

    expect(first.code).toBe(0);
    expect(parsePollJson(first)).toMatchObject({
      app: 'scim',
      status: 'CONNECTED',
      outcome: 'completed',
      counts: { total: 60, new: 60, invalid: 0, accessGranted: memberships },
    });
    expect(scim.requests('/Users')).toBe(3);

    const effect = churnPeerDirectory(scim.directory, { seed: 2, adds: 3, removals: 2, memberAdds: 1 });
    const second = await poll(dataDir, ['--base-url', scim.baseUrl]);
    expect(parsePollJson(second).counts).toMatchObject({ total: 61, new: effect.added, removed: effect.removed, accessGranted: effect.granted });
    expect(JSON.stringify([first, second])).not.toContain(TOKEN);
  });

  it('polls the SCIM simulator by cursor, through capped pages and a 503, to a complete inventory', async () => {
    const workspace = generateScimWorkspace({ users: 45, groups: 4, largeGroupMembers: 20, seed: 6 });
    const sim = await startScimSimulator({ workspace, token: TOKEN, quirks: { cursorOnly: true, capCount: 9, serverErrors: { count: 1 } } });
    bed.onCleanup(() => sim.close());

    const run = await poll(await bed.tempDir(), ['--base-url', sim.baseUrl]);

    expect(run.code).toBe(0);
    const memberships = workspace.groups.reduce((sum, group) => sum + group.members.length, 0);
    expect(parsePollJson(run)).toMatchObject({ status: 'CONNECTED', outcome: 'completed', counts: { total: 45, new: 45, accessGranted: memberships } });
    expect(sim.stats().byStatus[503]).toBe(1);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  it('asks for reconnect (exit 3) on a refused token, without printing it', async () => {
    const scim = await peer();
    const run = await poll(await bed.tempDir(), ['--base-url', scim.baseUrl], 'not-the-token');
    expect(run.code).toBe(3);
    expect(parsePollJson(run)).toMatchObject({ status: 'RECONNECT_REQUIRED', error: expect.stringMatching(/^token rejected/) });
    expect(run.stdout + run.stderr).not.toContain('not-the-token');
  });

  it.each([
    [['--preset', 'torque', '--base-url', 'https://acme.qtorque.io/api/scim'], /not both/],
    [['--base-url', 'http://scim.example.com/v2'], /plain http is allowed only to loopback/],
    [[], /baseUrl \(--base-url\) is required, or preset/],
  ])('refuses %j as a usage error (exit 2), naming the flag', async (flags, message) => {
    const run = await poll(await bed.tempDir(), flags);
    expect(run.code).toBe(2);
    expect(run.stdout + run.stderr).toMatch(message);
  });
});
