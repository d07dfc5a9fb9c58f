/**
 * design.md section 9: a secret never appears in a log line, an error message, an event or a
 * stored item; emails are inventory, never log material. The CLI runs with debug logging through
 * a poll with invalid records, a malformed page and rejected credentials; then every output, the
 * events file, the raw store files and every stored item are searched.
 */
import { randomUUID } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { paginateScan } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDynamoClients } from '../../functions/adapters/dynamodb/client.ts';
import { connectStore } from '../../cli/store/connect.ts';
import { generateWorkspace, type TorqUserRecord } from '../../simulators/torq/index.ts';
import { EMBEDDED_TABLE } from '../../cli/runtime.ts';
import {
  CHILD_PROCESS_TIMEOUTS,
  createTestbed,
  credentialsEnv,
  parsePollJson,
  pollArgs,
  runCli,
  type CliRun,
} from './support.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
afterEach(() => bed.cleanup());

const SECRET = `s3cr3t-LEAK-CANARY-${randomUUID()}`;
const CREDENTIALS = { clientId: 'leak-canary-client', clientSecret: SECRET };
/** What an HTTP Basic header would carry: the secret in another spelling. */
const SECRET_IN_BASIC_AUTH = Buffer.from(`${CREDENTIALS.clientId}:${SECRET}`).toString('base64');
const CANARY_EMAIL = 'Leak.Canary+e2e@Example.org';
/** Any address the generator mints (RFC 2606 domains), and the canary. */
const ANY_EMAIL = /[^\s"'@]+@example\.(com|org)/i;
const TOKEN_TRACES = ['Bearer ', 'access_token'];

async function filesUnder(dir: string): Promise<string[]> {
  const paths = (await readdir(dir, { recursive: true })).map((name) => join(dir, name));
  const isFile = await Promise.all(paths.map(async (path) => (await stat(path)).isFile()));
  return paths.filter((_, index) => isFile[index]);
}

async function scanTable(dataDir: string): Promise<Record<string, unknown>[]> {
  // Through the data dir's store server, as every rollcall command reads it.
  const connection = await connectStore(dataDir, { create: false });
  const { client, documentClient } = createDynamoClients({ endpoint: connection.endpoint, accessKeyId: connection.accessKeyId });
  bed.onCleanup(async () => {
    client.destroy();
    await connection.detach();
  });
  const items: Record<string, unknown>[] = [];
  // A Scan reads every item whatever its key design: right for a test that must miss nothing.
  for await (const page of paginateScan({ client: documentClient }, { TableName: EMBEDDED_TABLE })) items.push(...(page.Items ?? []));
  return items;
}

describe('secrets and emails in CLI output and storage', () => {
  it('never show the client secret or a token anywhere, nor an email in a log line', async () => {
    const workspace = generateWorkspace({ users: 40, seed: 13 });
    // The second SSO user by id: valid while the first user of each answer carries wrong types, and
    // in the first half of the page that the malformed-page fault truncates.
    const ssoById = workspace.users.filter((user) => user.sso_provision).sort((a, b) => (a.id < b.id ? -1 : 1));
    (ssoById[1] as TorqUserRecord).email = CANARY_EMAIL;
    const simulator = await bed.simulator({ workspace, credentials: CREDENTIALS });
    const dataDir = await bed.tempDir();
    const env = { ...credentialsEnv(CREDENTIALS), ROLLCALL_LOG_LEVEL: 'debug' };
    const poll = (...extra: string[]) => runCli(pollArgs(simulator, dataDir, 'torq-canary', ...extra), env);

    simulator.setFaults({ wrongTypes: { count: 1 } });
    const withInvalid = await poll('--json');
    simulator.setFaults({ wrongTypes: undefined, malformedPage: { listing: 'sso', page: 1 } });
    const malformed = await poll();
    simulator.setFaults({ malformedPage: undefined, rejectCredentials: true });
    const rejected = await poll('--json');

    // Each run did what it was meant to, so each path was really exercised.
    expect(withInvalid.code).toBe(0);
    const invalidJson = parsePollJson(withInvalid);
    // One user of each of the two listings carried wrong types.
    expect(invalidJson.counts).toMatchObject({ total: workspace.users.length - 2, invalid: 2 });
    expect(invalidJson.invalid).toHaveLength(2);
    expect(malformed.code).toBe(1);
    expect(malformed.stdout).toMatch(/ERROR \(failed\)[\s\S]*reason: /);
    expect(rejected.code).toBe(3);
    expect(parsePollJson(rejected)).toMatchObject({ status: 'RECONNECT_REQUIRED', error: expect.any(String) });
    const runs: CliRun[] = [withInvalid, malformed, rejected];
    const debugLines = runs.flatMap((run) => run.stderr.split('\n')).filter((line) => line.includes('"level":20'));
    expect(debugLines.length).toBeGreaterThan(0);

    for (const run of runs) {
      for (const output of [run.stdout, run.stderr]) {
        expect(output).not.toContain(SECRET);
        expect(output).not.toContain(SECRET_IN_BASIC_AUTH);
        for (const trace of TOKEN_TRACES) expect(output).not.toContain(trace);
        // Poll output and logs carry ids and counts; emails stay in the inventory.
        expect(output).not.toMatch(ANY_EMAIL);
      }
    }

    const events = await readFile(join(dataDir, 'events.jsonl'), 'utf8');
    expect(events.toLowerCase()).toContain(CANARY_EMAIL.toLowerCase());
    expect(events).not.toContain(SECRET);
    expect(events).not.toContain(SECRET_IN_BASIC_AUTH);
    for (const trace of TOKEN_TRACES) expect(events).not.toContain(trace);

    // The raw files as the CLI left them, before anything opens the store again.
    const files = await filesUnder(dataDir);
    expect(files.some((file) => file.startsWith(join(dataDir, 'dynamodb')))).toBe(true);
    for (const file of files) {
      const bytes = await readFile(file);
      expect(bytes.includes(SECRET), file).toBe(false);
      expect(bytes.includes(SECRET_IN_BASIC_AUTH), file).toBe(false);
    }

    const stored = JSON.stringify(await scanTable(dataDir));
    expect(stored.toLowerCase()).toContain(CANARY_EMAIL.toLowerCase());
    expect(stored).not.toContain(SECRET);
    expect(stored).not.toContain(SECRET_IN_BASIC_AUTH);
    for (const trace of TOKEN_TRACES) expect(stored).not.toContain(trace);
  });
});
