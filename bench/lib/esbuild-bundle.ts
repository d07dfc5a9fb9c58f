/**
 * Bundles an entry file the way the poller Lambda is bundled (design.md section 8): esbuild,
 * platform node, target node22, ESM, minified, every dependency included. CommonJS dependencies
 * that `require()` Node built-ins get a real `require` from the banner.
 */
import { build } from 'esbuild';
import { pollerBuildOptions } from '../../lib/poller-bundling.ts';

/** Writes the bundle of `entry` to `outfile` (an `.mjs` path, no source map) and returns its size in bytes. */
export async function bundleEntry(entry: string, outfile: string): Promise<number> {
  const result = await build(pollerBuildOptions(entry, outfile, { sourceMap: false }));
  const output = result.metafile?.outputs ?? {};
  return Object.values(output).reduce((sum, file) => sum + file.bytes, 0);
}
