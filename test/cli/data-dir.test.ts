/**
 * A `--data-dir` that is missing, empty, a file, unwritable or a read-only store gets a one-line
 * hint naming that cause (exit 2, no stack trace), and commands that only read never create it;
 * nor does a poll whose flags, URLs or credentials are wrong.
 */
import { chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, it, vi, type ExpectStatic } from 'vitest';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.ts';
import { createDynamoClients } from '../../functions/adapters/dynamodb/client.ts';
import { startEmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
import { EMBEDDED_TABLE } from '../../cli/runtime.ts';
import { CHILD_PROCESS_TIMEOUTS, TEST_CREDENTIALS, createTestbed, credentialsEnv, runCli, type ChildUser, type CliRun } from './support.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
afterAll(() => bed.cleanup());

const env = credentialsEnv(TEST_CREDENTIALS);
const READERS = [
  ['users'],
  ['connectors'],
  ['runs', '--connector', 'torq-main'],
  ['reconnect', '--connector', 'torq-main'],
] as const;

/**
 * File modes do not stop root: run as root, the children that must meet a permission run as the
 * unprivileged `nobody` instead (the directories are made traversable for them).
 */
const UNPRIVILEGED: ChildUser | undefined = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** A failure as a user sees it: exit 2, one line on stderr, nothing on stdout, no stack trace. */
function expectOneLineUsageError(expect: ExpectStatic, run: CliRun, message: RegExp): void {
  expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
  expect(run.stderr).toMatch(message);
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\bat .+:\d+:\d+/);
}

/** A store with the inventory table, as a poll leaves it, written in-process. */
async function createStore(dataDir: string): Promise<void> {
  const embedded = await startEmbeddedDynamo({ dataDir: join(dataDir, 'dynamodb') });
  const clients = createDynamoClients({ endpoint: embedded.endpoint });
  try {
    await ensureTable(clients.client, EMBEDDED_TABLE);
  } finally {
    clients.client.destroy();
    await embedded.close();
  }
}

describe.concurrent('a wrong --data-dir', () => {
  it('without an inventory: the commands that read say so in one line, exit 2 and create nothing', async ({ expect }) => {
    const parent = await bed.tempDir();
    const missing = join(parent, 'mistyped');
    const empty = join(parent, 'empty');
    await mkdir(empty);
    // A store without the inventory table: a poll that ended before it created one.
    const noTable = join(parent, 'no-table');
    const embedded = await startEmbeddedDynamo({ dataDir: join(noTable, 'dynamodb') });
    const clients = createDynamoClients({ endpoint: embedded.endpoint });
    await clients.client.send(new ListTablesCommand({}));
    clients.client.destroy();
    await embedded.close();
    const dataDirs = [missing, empty, noTable];

    const runs = await Promise.all(
      dataDirs.flatMap((dataDir) => READERS.map((command) => runCli([...command, '--data-dir', dataDir]))),
    );

    runs.forEach((run, index) => {
      const dataDir = dataDirs[Math.floor(index / READERS.length)];
      expectOneLineUsageError(expect, run, new RegExp(`^rollcall: no inventory at ${dataDir}; run rollcall poll first, or pass --data-dir\n$`));
    });
    expect(await exists(missing)).toBe(false);
    expect(await readdir(empty)).toEqual([]);
  });

  it('poll checks its flags, URLs and credentials before it creates anything', async ({ expect }) => {
    const parent = await bed.tempDir();
    const dataDir = join(parent, 'new-store');
    const poll = (env: Record<string, string | undefined>, ...extra: string[]) =>
      runCli(['poll', '--connector', 'c1', '--data-dir', dataDir, '--api-url', 'http://127.0.0.1:9/public/v1alpha', '--auth-url', 'http://127.0.0.1:9/v1/auth/token', ...extra], env);

    const [noSecret, noId, plainHttp, badShare] = await Promise.all([
      poll({ TORQ_CLIENT_ID: 'someone' }),
      poll({ TORQ_CLIENT_SECRET: 'something' }),
      runCli(['poll', '--connector', 'c1', '--data-dir', dataDir, '--api-url', 'http://example.com/public/v1alpha', '--auth-url', 'http://example.com/v1/auth/token'], env),
      poll(env, '--max-removal-share', '2'),
    ]);

    expectOneLineUsageError(expect, noSecret, /environment variable TORQ_CLIENT_SECRET is not set/);
    expectOneLineUsageError(expect, noId, /environment variable TORQ_CLIENT_ID is not set/);
    expect(plainHttp.code).toBe(2);
    expect(badShare.code).toBe(2);
    expect(await exists(dataDir)).toBe(false);
  });

  it('that is a regular file: says it is not a directory', async ({ expect }) => {
    const file = join(await bed.tempDir(), 'inventory.txt');
    await writeFile(file, 'not a store\n');

    const [users, poll] = await Promise.all([
      runCli(['users', '--data-dir', file]),
      runCli(['poll', '--connector', 'c1', '--data-dir', file, '--api-url', 'http://127.0.0.1:9/public/v1alpha', '--auth-url', 'http://127.0.0.1:9/v1/auth/token'], env),
    ]);

    for (const run of [users, poll]) expectOneLineUsageError(expect, run, new RegExp(`--data-dir ${file} is not a directory \\(it, or a part of its path, is a file\\)`));
  });

  it('that is not writable: says permission, for a new store and for an existing one (read-only store)', async ({ expect }) => {
    const parent = await bed.tempDir();
    const unwritable = join(parent, 'unwritable');
    await mkdir(unwritable);
    const readOnlyStore = join(parent, 'read-only');
    await createStore(readOnlyStore);
    const storeDir = join(readOnlyStore, 'dynamodb');
    for (const name of await readdir(storeDir)) await chmod(join(storeDir, name), 0o444);
    await Promise.all([chmod(parent, 0o755), chmod(unwritable, 0o555), chmod(readOnlyStore, 0o555), chmod(storeDir, 0o555)]);

    const [poll, users, connectors] = await Promise.all([
      runCli(['poll', '--connector', 'c1', '--data-dir', unwritable, '--api-url', 'http://127.0.0.1:9/public/v1alpha', '--auth-url', 'http://127.0.0.1:9/v1/auth/token'], env, UNPRIVILEGED),
      runCli(['users', '--data-dir', readOnlyStore], {}, UNPRIVILEGED),
      runCli(['connectors', '--data-dir', readOnlyStore], {}, UNPRIVILEGED),
    ]);
    // Writable again, so that the test bed can remove them.
    await Promise.all([chmod(unwritable, 0o755), chmod(readOnlyStore, 0o755), chmod(storeDir, 0o755)]);

    expectOneLineUsageError(expect, poll, new RegExp(`no permission to write in --data-dir ${unwritable}: the embedded store needs a writable directory`));
    for (const run of [users, connectors]) {
      expectOneLineUsageError(expect, run, new RegExp(`no permission to write in ${storeDir}: the embedded store needs write access, even to read`));
    }
    expect(await readdir(unwritable)).toEqual([]);
  });
});
