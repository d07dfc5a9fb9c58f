/**
 * bin/rollcall.mjs chooses between the bundle and the TypeScript sources (scripts/build-cli.ts):
 * the bundle only while every file it was built from is unchanged. Each test runs the real
 * launcher, copied into a throwaway checkout whose `cli/main.ts` and bundle are stand-ins that
 * say which of them ran, so a stale bundle is caught without building or touching this checkout.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BUNDLE_DIR, MANIFEST_FILE, MANIFEST_SCHEMA, checkBundle, hashFile } from '../../bin/cli-bundle.mjs';
import { CHILD_PROCESS_TIMEOUTS, REPO_ROOT, type CliRun } from './support.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);

/** Both stand-ins print who they are and the script path the process was started with. */
const SOURCE_MAIN = `export async function main(argv: string[]): Promise<number> {
  process.stdout.write('from source ' + argv[1] + '\\n');
  return 0;
}
`;
const BUNDLE_MAIN = `export async function main(argv) {
  process.stdout.write('from the bundle ' + argv[1] + '\\n');
  return 0;
}
`;

let root: string;
let launcher: string;

/** A checkout with the real launcher, stand-in sources, and a bundle built from them. */
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rollcall-launcher-'));
  launcher = join(root, 'bin/rollcall.mjs');
  await mkdir(join(root, 'bin'));
  await mkdir(join(root, 'cli'));
  await mkdir(join(root, BUNDLE_DIR), { recursive: true });
  await copyFile(join(REPO_ROOT, 'bin/rollcall.mjs'), launcher);
  await copyFile(join(REPO_ROOT, 'bin/cli-bundle.mjs'), join(root, 'bin/cli-bundle.mjs'));
  await writeFile(join(root, 'package.json'), JSON.stringify({ type: 'module' }));
  // tsx, for the source path.
  await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  await buildStandIns();
});

/** Stand-in sources, and a bundle with a manifest of exactly them. */
async function buildStandIns(): Promise<void> {
  await writeFile(join(root, 'cli/main.ts'), SOURCE_MAIN);
  await writeFile(join(root, 'cli/options.ts'), 'export const unused = 1;\n');
  await writeFile(join(root, BUNDLE_DIR, 'main-TEST.js'), BUNDLE_MAIN);
  await writeManifest({ 'cli/main.ts': hashFile(join(root, 'cli/main.ts')), 'cli/options.ts': hashFile(join(root, 'cli/options.ts')) });
}

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function writeManifest(inputs: Record<string, string>, entry = 'main-TEST.js'): Promise<void> {
  const manifest = { schema: MANIFEST_SCHEMA, entry, files: [entry], inputs };
  await writeFile(join(root, BUNDLE_DIR, MANIFEST_FILE), JSON.stringify(manifest));
}

function launch(args: readonly string[], cliFrom?: string): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.ROLLCALL_CLI_FROM;
  if (cliFrom !== undefined) env.ROLLCALL_CLI_FROM = cliFrom;
  const child = spawn(process.execPath, [launcher, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('bin/rollcall.mjs', () => {
  it('runs the bundle while its inputs are unchanged, with process.argv[1] still the launcher', async () => {
    const run = await launch(['--help']);

    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(`from the bundle ${launcher}\n`);
  });

  it('runs the sources once any input of the bundle changed, and refuses the bundle when asked for it', async () => {
    await writeFile(join(root, 'cli/options.ts'), 'export const unused = 2;\n');

    const auto = await launch(['--help']);
    expect(auto).toMatchObject({ code: 0, stderr: '' });
    expect(auto.stdout).toBe(`from source ${launcher}\n`);

    const forced = await launch(['--help'], 'bundle');
    expect(forced.code).toBe(2);
    expect(forced.stdout).toBe('');
    expect(forced.stderr).toBe('rollcall: ROLLCALL_CLI_FROM=bundle, but the CLI bundle is stale: cli/options.ts changed since the build; run npm run build\n');
  });

  it('runs the sources when an input is gone, the manifest is missing or unreadable, or the entry is missing', async () => {
    const cases: [string, () => Promise<void>, RegExp][] = [
      ['an input is gone', () => rm(join(root, 'cli/options.ts')), /cli\/options\.ts is gone since the build/],
      ['no manifest', () => rm(join(root, BUNDLE_DIR, MANIFEST_FILE)), /not built \(npm run build\)/],
      ['an unreadable manifest', () => writeFile(join(root, BUNDLE_DIR, MANIFEST_FILE), '{"schema":'), /its manifest is unreadable/],
      ['another schema', () => writeFile(join(root, BUNDLE_DIR, MANIFEST_FILE), JSON.stringify({ schema: 'x', entry: 'main-TEST.js', inputs: {} })), /another version of the build/],
      ['no inputs', () => writeFile(join(root, BUNDLE_DIR, MANIFEST_FILE), JSON.stringify({ schema: MANIFEST_SCHEMA, entry: 'main-TEST.js', inputs: null })), /another version of the build/],
      ['a manifest of null', () => writeFile(join(root, BUNDLE_DIR, MANIFEST_FILE), 'null'), /another version of the build/],
      ['a missing entry', () => rm(join(root, BUNDLE_DIR, 'main-TEST.js')), /its entry main-TEST\.js is missing/],
    ];
    for (const [name, breakIt, reason] of cases) {
      await buildStandIns();
      expect(checkBundle(root), name).toMatchObject({ fresh: true });

      await breakIt();
      const check = checkBundle(root);
      expect(check.fresh, name).toBe(false);
      expect(check.fresh ? '' : check.reason, name).toMatch(reason);
    }
    // The last case left the checkout without a usable bundle: the launcher runs the sources.
    const run = await launch(['--help']);
    expect(run.stdout).toBe(`from source ${launcher}\n`);
  });

  it('runs the sources when asked to, even with a fresh bundle', async () => {
    const run = await launch(['--help'], 'source');

    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(`from source ${launcher}\n`);
  });

  it('refuses an unknown ROLLCALL_CLI_FROM with exit 2', async () => {
    const run = await launch(['--help'], 'dist');

    expect(run).toMatchObject({ code: 2, stdout: '', stderr: 'rollcall: ROLLCALL_CLI_FROM must be bundle or source\n' });
  });
});
