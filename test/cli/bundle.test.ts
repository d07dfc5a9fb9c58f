/**
 * The bundled CLI (scripts/build-cli.ts): it builds, keeps the AWS SDK out of what `--help`
 * loads, leaves the native store to node_modules, and behaves like the TypeScript sources it was
 * built from, through bin/rollcall.mjs as a user runs it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkBundle } from '../../bin/cli-bundle.mjs';
import { buildCliBundle, ensureCliBundle, CLI_ENTRY, type CliBundle } from '../../scripts/build-cli.ts';
import {
  CHILD_PROCESS_TIMEOUTS,
  REPO_ROOT,
  createTestbed,
  credentialsEnv,
  parseJsonArray,
  parsePollJson,
  pollArgs,
  runCli,
  TEST_CREDENTIALS,
} from './support.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);

/** Bundled packages by name, from the inputs of the given outputs. */
function packagesOf(metafile: Metafile, outputs: Iterable<string>): Set<string> {
  const names = new Set<string>();
  for (const output of outputs) {
    for (const input of Object.keys(metafile.outputs[output]?.inputs ?? {})) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
      if (match?.[1] !== undefined) names.add(match[1]);
    }
  }
  return names;
}

/** The outputs loaded before any `import()` runs: the entry and its static imports, transitively. */
function loadedAtStart(metafile: Metafile, entryOutput: string): Set<string> {
  const loaded = new Set<string>();
  const pending = [entryOutput];
  for (let output = pending.pop(); output !== undefined; output = pending.pop()) {
    if (loaded.has(output)) continue;
    loaded.add(output);
    for (const imported of metafile.outputs[output]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) pending.push(imported.path);
    }
  }
  return loaded;
}

describe('the CLI bundle', () => {
  let outdir: string;
  let bundle: CliBundle;

  beforeAll(async () => {
    outdir = await mkdtemp(join(tmpdir(), 'rollcall-cli-bundle-'));
    bundle = await buildCliBundle({ outdir });
  });

  afterAll(async () => {
    await rm(outdir, { recursive: true, force: true });
  });

  it('builds from cli/main.ts, with a manifest of every source and build input', () => {
    const inputs = Object.keys(bundle.manifest.inputs);

    expect(bundle.entry).toBe(join(outdir, bundle.manifest.entry));
    expect(inputs).toEqual(
      expect.arrayContaining([CLI_ENTRY, 'cli/runtime.ts', 'functions/core/poll.ts', 'functions/adapters/local-dynamodb.ts', 'scripts/build-cli.ts', 'package-lock.json']),
    );
    expect(inputs.filter((input) => input.includes('node_modules/') && input !== 'node_modules/.package-lock.json')).toEqual([]);
    expect(bundle.manifest.files).toContain(bundle.manifest.entry);
    expect(checkBundle(REPO_ROOT, outdir)).toEqual({ fresh: true, entry: bundle.entry });
  });

  it('loads commander at start and the AWS SDK only through import(), leaving dynalite and pino to node_modules', () => {
    const { metafile } = bundle;
    const entryOutput = Object.keys(metafile.outputs).find((output) => metafile.outputs[output]?.entryPoint === CLI_ENTRY);
    if (entryOutput === undefined) throw new Error('no entry output in the metafile');
    const atStart = packagesOf(metafile, loadedAtStart(metafile, entryOutput));
    const all = packagesOf(metafile, Object.keys(metafile.outputs));

    expect(atStart).toContain('commander');
    expect([...atStart].filter((name) => name.startsWith('@aws-sdk/') || name.startsWith('@smithy/'))).toEqual([]);
    expect(all).toContain('@aws-sdk/client-dynamodb');
    for (const outside of ['dynalite', 'pino', 'tsx', 'esbuild', 'vitest', 'aws-cdk-lib']) expect(all, outside).not.toContain(outside);
  });
});

describe('bin/rollcall.mjs through the bundle and through tsx', () => {
  const bed = createTestbed();
  afterEach(() => bed.cleanup());

  beforeAll(async () => {
    // test/global-setup.ts has built it already; this only checks, unless a source changed since.
    await ensureCliBundle();
  });

  it('prints the same help, version and usage errors', async () => {
    const cases = [['--help'], ['--version'], ['poll', '--help'], ['poll', '--region', 'mars']];
    const runs = await Promise.all(
      cases.map((args) => Promise.all([runCli(args, { ROLLCALL_CLI_FROM: 'bundle' }), runCli(args, { ROLLCALL_CLI_FROM: 'source' })])),
    );
    for (const [index, [bundled, source]] of runs.entries()) {
      const name = cases[index]?.join(' ');
      expect(bundled, name).toEqual(source);
      expect(bundled.stdout + bundled.stderr, name).not.toBe('');
    }
  });

  it('polls a simulated workspace into the embedded store and lists it', async () => {
    const simulator = await bed.simulator();
    const dataDir = await bed.tempDir();
    const env = { ...credentialsEnv(TEST_CREDENTIALS), ROLLCALL_CLI_FROM: 'bundle' };

    const poll = await runCli(pollArgs(simulator, dataDir, 'bundled', '--json'), env);
    expect(poll.stderr).toBe('');
    expect(poll.code).toBe(0);
    expect(parsePollJson(poll)).toMatchObject({ connectorId: 'bundled', status: 'CONNECTED', outcome: 'completed', counts: { total: 120, new: 120 } });

    const users = await runCli(['users', '--data-dir', dataDir, '--format', 'json'], env);
    expect(users.code).toBe(0);
    expect(parseJsonArray(users)).toHaveLength(120);
  });
});
