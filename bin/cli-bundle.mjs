/**
 * Where the bundled CLI lives and whether it may run. Plain JavaScript: bin/rollcall.mjs loads it
 * before deciding whether tsx is needed at all. scripts/build-cli.ts writes the bundle and its
 * manifest; the manifest records a SHA-256 of every file the bundle was built from (the TypeScript
 * sources esbuild read, the build script, the lockfiles). The bundle runs only while every one of
 * them is byte-identical: an edited, checked-out or deleted source sends the launcher back to
 * the sources, so a stale bundle never runs old code. Hashes rather than modification times:
 * `git checkout` and copies change times without changing code, and a time can be restored
 * without restoring the code.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (or installed package) root: bin/.. */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where scripts/build-cli.ts writes the bundle, relative to the root; ignored by git. */
export const BUNDLE_DIR = 'dist/cli';
export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_SCHEMA = 'rollcall-cli-bundle/1';

/** SHA-256 of a file's bytes, hex. */
export function hashFile(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * The bundle's entry module if the bundle in `dir` is complete and built from exactly the files
 * under `root` now; otherwise why not, in a few words (for `ROLLCALL_CLI_FROM=bundle`).
 */
export function checkBundle(root = PACKAGE_ROOT, dir = join(root, BUNDLE_DIR)) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8'));
  } catch (error) {
    return { fresh: false, reason: error?.code === 'ENOENT' ? 'not built (npm run build)' : 'its manifest is unreadable' };
  }
  if (manifest?.schema !== MANIFEST_SCHEMA || typeof manifest.entry !== 'string' || typeof manifest.inputs !== 'object' || manifest.inputs === null) {
    return { fresh: false, reason: 'its manifest is from another version of the build' };
  }
  for (const [file, hash] of Object.entries(manifest.inputs)) {
    let current;
    try {
      current = hashFile(join(root, file));
    } catch {
      return { fresh: false, reason: `${file} is gone since the build` };
    }
    if (current !== hash) return { fresh: false, reason: `${file} changed since the build` };
  }
  const entry = join(dir, manifest.entry);
  if (!existsSync(entry)) return { fresh: false, reason: `its entry ${manifest.entry} is missing` };
  return { fresh: true, entry };
}
