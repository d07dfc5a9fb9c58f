/**
 * `rollcall serve` from the bundled CLI (dist/cli, scripts/build-cli.ts): the console's own files
 * and Chart.js are read from the package at run time, so the bundle must find them as the sources
 * do. Slow: it builds the bundle when it is stale.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ensureCliBundle } from '../../scripts/build-cli.ts';
import { generateWorkspace } from '../../simulators/torq/index.ts';
import { CHILD_PROCESS_TIMEOUTS, createTestbed, credentialsEnv, pollArgs, runCli, startCli, TEST_CREDENTIALS } from '../cli/support.ts';
import { cookiePair, send } from './http-client.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
afterEach(() => bed.cleanup());

describe('rollcall serve, bundled', () => {
  it('serves its stylesheet, chart script and Chart.js from the bundled CLI too', async () => {
    await ensureCliBundle();
    const dataDir = await bed.tempDir();
    const simulator = await bed.simulator({ workspace: generateWorkspace({ users: 3, seed: 5 }) });
    expect((await runCli(pollArgs(simulator, dataDir, 'torq-small'), credentialsEnv(TEST_CREDENTIALS))).code).toBe(0);

    const serve = startCli(['serve', '--data-dir', dataDir], { ROLLCALL_CLI_FROM: 'bundle' });
    try {
      const url = new URL(/Open: (http\S+)/.exec(await serve.waitForStdout(/Open: http\S+\n/))?.[1] ?? '');
      const port = Number(url.port);
      const cookie = cookiePair(await send({ port, path: `${url.pathname}${url.search}` }));
      const chart = await send({ port, path: '/assets/chart.umd.min.js', cookie });
      expect(chart.status).toBe(200);
      expect(chart.body).toMatch(/^\/\*!\n \* Chart\.js v4/);
      expect((await send({ port, path: '/assets/console.css', cookie })).status).toBe(200);
      expect((await send({ port, path: '/assets/changes-chart.js', cookie })).status).toBe(200);
      expect((await send({ port, path: '/changes', cookie })).status).toBe(200);
    } finally {
      serve.child.kill('SIGTERM');
    }
    expect((await serve.exited).code).toBe(0);
  });

});
