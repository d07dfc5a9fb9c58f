/**
 * `rollcall serve` as a user runs it (a child process): its usage errors, and a console on a
 * polled inventory that answers the printed URL and stops cleanly on SIGTERM.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHILD_PROCESS_TIMEOUTS, createTestbed, credentialsEnv, pollArgs, runCli, startCli, TEST_CREDENTIALS } from '../cli/support.ts';
import { startEmbeddedDynamo } from '../../functions/adapters/local-dynamodb.ts';
import { generateWorkspace } from '../../simulators/torq/index.ts';
import { cookiePair, send } from './http-client.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
afterEach(() => bed.cleanup());

describe('rollcall serve', () => {
  it('refuses an address other than loopback without --allow-remote, before opening any store', async () => {
    const dataDir = await bed.tempDir();
    const run = await runCli(['serve', '--host', '0.0.0.0', '--data-dir', dataDir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--allow-remote');
    expect(run.stdout).toBe('');
  });

  it('refuses a data dir without an inventory, and a port out of range', async () => {
    const empty = await bed.tempDir();
    const none = await runCli(['serve', '--data-dir', empty]);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    const port = await runCli(['serve', '--port', '70000', '--data-dir', empty]);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port');
  });

  it('serves the polled inventory at the printed URL only, and exits 0 on SIGTERM', async () => {
    const dataDir = await bed.tempDir();
    const simulator = await bed.simulator({ workspace: generateWorkspace({ users: 12, seed: 5 }) });
    const poll = await runCli(pollArgs(simulator, dataDir, 'torq-small'), credentialsEnv(TEST_CREDENTIALS));
    expect(poll.code).toBe(0);

    const serve = startCli(['serve', '--data-dir', dataDir]);
    try {
      const printed = await serve.waitForStdout(/Open: http\S+\n/);
      expect(printed).toContain(`Rollcall console (read-only) on the embedded store in ${dataDir}`);
      const url = new URL(/Open: (http\S+)/.exec(printed)?.[1] ?? '');
      expect(url.hostname).toBe('127.0.0.1');
      const port = Number(url.port);

      expect((await send({ port, path: '/' })).status).toBe(401);
      const first = await send({ port, path: `${url.pathname}${url.search}` });
      expect(first.status).toBe(303);
      const page = await send({ port, path: '/connectors/torq-small/accounts', cookie: cookiePair(first) });
      expect(page.status).toBe(200);
      expect(page.body).toContain('Accounts of torq-small');
      expect(page.body.match(/<tr>|<tr class/g)?.length).toBe(1 + 12);
      expect(page.body).toContain(`embedded store in ${dataDir}`);
    } finally {
      serve.child.kill('SIGTERM');
    }
    const run = await serve.exited;
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
  });

  it('reads a DynamoDB table with --table and --endpoint, as it reads a deployed one', async () => {
    const dynamo = await startEmbeddedDynamo();
    bed.onCleanup(() => dynamo.close());
    const dataDir = await bed.tempDir();
    const store = ['--table', 'rollcall-console', '--endpoint', dynamo.endpoint];
    const simulator = await bed.simulator({ workspace: generateWorkspace({ users: 4, seed: 5 }) });
    expect((await runCli([...pollArgs(simulator, dataDir, 'torq-table'), ...store], credentialsEnv(TEST_CREDENTIALS))).code).toBe(0);

    const serve = startCli(['serve', ...store]);
    try {
      const printed = await serve.waitForStdout(/Open: http\S+\n/);
      expect(printed).toContain(`on the DynamoDB table rollcall-console at ${dynamo.endpoint}`);
      const url = new URL(/Open: (http\S+)/.exec(printed)?.[1] ?? '');
      const port = Number(url.port);
      const cookie = cookiePair(await send({ port, path: `${url.pathname}${url.search}` }));
      const page = await send({ port, path: '/', cookie });
      expect(page.status).toBe(200);
      expect(page.body).toContain('<tr id="connector-torq-table">');

      // A second console on the same port: a usage error naming the flags, not a stack trace.
      const second = await runCli(['serve', '--port', String(port), ...store]);
      expect(second.code).toBe(2);
      expect(second.stderr).toContain(`cannot listen on 127.0.0.1 port ${port} (EADDRINUSE): choose another --port or --host`);
    } finally {
      serve.child.kill('SIGTERM');
    }
    expect((await serve.exited).code).toBe(0);
  });
});
