/**
 * `rollcall poll` of a connector that has a definition, and local credentials for many connectors,
 * through a child process: the definition's app and config when no app flag is given, the
 * credentials file and the per-connector variables, and a credentials file others can read refused.
 */
import { readdir } from 'node:fs/promises';
import { afterAll, describe, it, vi } from 'vitest';
import { generateWorkspace } from '../../simulators/torq/index.ts';
import { generateTwingateWorkspace, startTwingateSimulator } from '../../simulators/twingate/index.ts';
import { defineConnectors, writeCredentialsFile } from './fleet-support.ts';
import { CHILD_PROCESS_TIMEOUTS, createTestbed, parsePollJson, runCli } from './support.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
afterAll(() => bed.cleanup());

const TORQ_SECRET = 'torq-file-CANARY-5d1c0b';
const TWINGATE_KEY = 'tg-env-CANARY-77ab3e';

describe.concurrent('rollcall poll --connector ID of a defined connector', () => {
  it("takes the definition's app and config, and credentials from the file or the connector's variables", async ({ expect }) => {
    const torq = await bed.simulator({ workspace: generateWorkspace({ users: 30, seed: 4 }), credentials: { clientId: 'fleet-client', clientSecret: TORQ_SECRET } });
    const twingate = await startTwingateSimulator({ workspace: generateTwingateWorkspace({ users: 12, groups: 1, seed: 5 }), apiKey: TWINGATE_KEY });
    bed.onCleanup(() => twingate.close());
    const dataDir = await bed.tempDir();
    await defineConnectors(dataDir, [
      { connectorId: 'eu-torq', app: 'torq', config: { apiUrl: torq.apiUrl, authUrl: torq.authUrl } },
      { connectorId: 'tg', app: 'twingate', config: { network: 'acme', apiUrl: twingate.apiUrl } },
    ]);
    await writeCredentialsFile(dataDir, { 'eu-torq': { clientId: 'fleet-client', clientSecret: TORQ_SECRET } });

    // No --app, no --api-url: the definition says where, the file holds the credentials.
    const torqPoll = await runCli(['poll', '--connector', 'eu-torq', '--data-dir', dataDir, '--json']);
    expect(torqPoll.code).toBe(0);
    expect(parsePollJson(torqPoll)).toMatchObject({ app: 'torq', outcome: 'completed', counts: { total: 30 } });

    const twingatePoll = await runCli(['poll', '--connector', 'tg', '--data-dir', dataDir, '--json'], { ROLLCALL_TG_TWINGATE_API_KEY: TWINGATE_KEY });
    expect(twingatePoll.code).toBe(0);
    expect(parsePollJson(twingatePoll)).toMatchObject({ app: 'twingate', outcome: 'completed', counts: { total: 12 } });

    // The app's plain variable still works for one connector, as before.
    const plain = await runCli(['poll', '--connector', 'tg', '--data-dir', dataDir, '--json'], { TWINGATE_API_KEY: TWINGATE_KEY });
    expect(plain.code).toBe(0);
    for (const run of [torqPoll, twingatePoll, plain]) {
      expect(run.stdout + run.stderr).not.toContain(TORQ_SECRET);
      expect(run.stdout + run.stderr).not.toContain(TWINGATE_KEY);
    }
  });

  it('refuses a credentials file the group or others can read, naming chmod 600 and never the secret; nothing is created', async ({ expect }) => {
    const dataDir = await bed.tempDir();
    const file = await writeCredentialsFile(dataDir, { 'eu-torq': { clientId: 'fleet-client', clientSecret: TORQ_SECRET } }, 0o644);
    const run = await runCli(['poll', '--connector', 'eu-torq', '--data-dir', dataDir, '--credentials', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`rollcall: credentials file ${file} is open to group or others (mode 0644): run chmod 600 ${file}\n`);
    expect(run.stdout).toBe('');
    expect(await readdir(dataDir)).toEqual(['credentials.json']);
  });

  it('says every way to give credentials when there are none', async ({ expect }) => {
    const dataDir = await bed.tempDir();
    const run = await runCli(['poll', '--connector', 'eu-torq', '--data-dir', dataDir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no credentials for connector eu-torq: set ROLLCALL_EU_TORQ_TORQ_CLIENT_ID and ROLLCALL_EU_TORQ_TORQ_CLIENT_SECRET, or TORQ_CLIENT_ID and TORQ_CLIENT_SECRET');
  });

  it('refuses a watch concurrency below 1 as a usage error', async ({ expect }) => {
    const run = await runCli(['watch', '--concurrency', '0', '--data-dir', await bed.tempDir()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('expected a whole number from 1 to 64');
  });
});
