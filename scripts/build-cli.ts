/**
 * Bundles the `rollcall` CLI into dist/cli, the way the poller Lambda is bundled (esbuild, ESM),
 * so `rollcall --help` starts without compiling TypeScript. `npm install` and `npm ci` run it as
 * the `prepare` script; `npm run build` runs it by hand. bin/rollcall.mjs runs the bundle only
 * while its manifest matches the sources (bin/cli-bundle.mjs), and the TypeScript through tsx
 * otherwise.
 *
 *   node bin/run-ts.mjs scripts/build-cli.ts [--if-stale]
 *
 * - Code splitting keeps the CLI's lazy `import()`s lazy: `--help` loads commander and the
 *   command definitions, not the AWS SDK.
 * - dynalite stays outside: CommonJS with a native LevelDB binding, loaded from node_modules.
 *   pino stays outside too: its transports start worker threads from files of its own package.
 * - Every output is named by its content hash and written beside the previous build, never over a
 *   file in use: a command started from the previous bundle loads its lazy chunks while a new
 *   bundle is built. Files of older builds go once they are a day old.
 */
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BuildOptions, Metafile } from 'esbuild';
import {
  BUNDLE_DIR,
  MANIFEST_FILE,
  MANIFEST_SCHEMA,
  PACKAGE_ROOT,
  checkBundle,
  hashFile,
  type BundleManifest,
} from '../bin/cli-bundle.mjs';

export const CLI_ENTRY = 'cli/main.ts';

/** Files outside the bundle's import graph whose change makes it stale (the build's own inputs). */
const BUILD_INPUTS = ['scripts/build-cli.ts', 'bin/cli-bundle.mjs', 'package.json', 'tsconfig.json', 'package-lock.json'];
/** npm's record of what node_modules holds, rewritten by every install that changes it. */
const INSTALLED_PACKAGES = 'node_modules/.package-lock.json';
/** Packages loaded from node_modules at run time rather than bundled (see above). */
export const CLI_EXTERNAL_PACKAGES = ['dynalite', 'pino'];
/** Files of earlier builds are kept this long for commands still running from them. */
const PREVIOUS_BUILD_GRACE_MS = 24 * 60 * 60 * 1000;

export interface CliBundleLocation {
  /** The checkout whose sources are bundled. */
  readonly root?: string;
  /** Where the bundle goes; default `<root>/dist/cli`, where bin/rollcall.mjs looks. */
  readonly outdir?: string;
}

export function cliBuildOptions(root: string, outdir: string): BuildOptions {
  return {
    absWorkingDir: root,
    entryPoints: { main: CLI_ENTRY },
    outdir,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    // package.json's engines: the CLI runs on the laptop's Node.js, not Lambda's.
    target: 'node20',
    // Not minified: a stack trace (ROLLCALL_LOG_LEVEL=debug) keeps its function names; start-up
    // time is the same within noise.
    minify: false,
    mainFields: ['module', 'main'],
    // CommonJS dependencies that `require()` Node built-ins get a real `require` (as in the poller).
    banner: { js: "import { createRequire as __rollcallCreateRequire } from 'node:module'; const require = __rollcallCreateRequire(import.meta.url);" },
    external: [...CLI_EXTERNAL_PACKAGES],
    metafile: true,
    write: false,
    logLevel: 'warning',
  };
}

export interface CliBundle {
  /** Absolute path of the entry module. */
  readonly entry: string;
  readonly manifest: BundleManifest;
  /** Bytes of JavaScript written, all chunks together. */
  readonly bytes: number;
  /** esbuild's account of inputs and outputs (paths relative to the root). */
  readonly metafile: Metafile;
}

/** Builds the bundle (default: this checkout into dist/cli) and writes its manifest last. */
export async function buildCliBundle(location: CliBundleLocation = {}): Promise<CliBundle> {
  const { build } = await import('esbuild');
  const root = location.root ?? PACKAGE_ROOT;
  const outdir = location.outdir ?? join(root, BUNDLE_DIR);
  const result = await build(cliBuildOptions(root, outdir));
  const metafile = result.metafile ?? { inputs: {}, outputs: {} };

  let entry: string | undefined;
  const files: string[] = [];
  let bytes = 0;
  for (const output of result.outputFiles ?? []) {
    const file = toPosix(relative(outdir, output.path));
    files.push(file);
    bytes += output.contents.byteLength;
    if (metafile.outputs[toPosix(relative(root, output.path))]?.entryPoint === CLI_ENTRY) entry = file;
    // Same name, same content: an existing file is left alone (a running command may be reading it).
    if (!existsSync(output.path)) await writeAtomically(output.path, output.contents);
  }
  if (entry === undefined) throw new Error('esbuild produced no entry module for the CLI');

  const inputs: Record<string, string> = {};
  const sources = Object.keys(metafile.inputs).filter((input) => !input.startsWith('node_modules/') && !input.includes('/node_modules/'));
  const installed = existsSync(join(root, INSTALLED_PACKAGES)) ? [INSTALLED_PACKAGES] : [];
  for (const input of [...sources, ...BUILD_INPUTS, ...installed].sort()) inputs[input] = hashFile(join(root, input));

  const manifest: BundleManifest = { schema: MANIFEST_SCHEMA, entry, files: files.sort(), inputs };
  await writeAtomically(join(outdir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  await pruneEarlierBuilds(outdir, new Set([...files, MANIFEST_FILE]));
  return { entry: join(outdir, entry), manifest, bytes, metafile };
}

/** Builds the bundle unless the one there is fresh; `built` says which. */
export async function ensureCliBundle(location: CliBundleLocation = {}): Promise<{ readonly entry: string; readonly built: boolean }> {
  const root = location.root ?? PACKAGE_ROOT;
  const check = checkBundle(root, location.outdir ?? join(root, BUNDLE_DIR));
  if (check.fresh) return { entry: check.entry, built: false };
  const bundle = await buildCliBundle(location);
  return { entry: bundle.entry, built: true };
}

async function writeAtomically(path: string, contents: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, path);
}

async function pruneEarlierBuilds(outdir: string, keep: ReadonlySet<string>): Promise<void> {
  const cutoff = Date.now() - PREVIOUS_BUILD_GRACE_MS;
  for (const file of await readdir(outdir, { recursive: true })) {
    if (keep.has(toPosix(file))) continue;
    const path = join(outdir, file);
    const info = await stat(path).catch(() => null);
    if (info?.isFile() && info.mtimeMs < cutoff) await rm(path, { force: true });
  }
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const ifStale = process.argv.includes('--if-stale');
  const started = performance.now();
  const result = ifStale ? await ensureCliBundle() : { ...(await buildCliBundle()), built: true };
  const where = relative(process.cwd(), join(PACKAGE_ROOT, BUNDLE_DIR)) || '.';
  const took = `${((performance.now() - started) / 1000).toFixed(1)} s`;
  process.stdout.write(result.built ? `rollcall: CLI bundled into ${where} in ${took}\n` : `rollcall: the CLI bundle in ${where} is up to date\n`);
}
