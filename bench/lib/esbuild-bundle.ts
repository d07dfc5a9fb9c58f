/**
 * Bundles an entry file the way the poller Lambda is bundled (design.md section 8): esbuild,
 * platform node, target node22, ESM, minified, every dependency included. CommonJS dependencies
 * that `require()` Node built-ins get a real `require` from the banner.
 */
import { build } from 'esbuild';
import { POLLER_BUNDLE } from '../../lib/poller-bundling.ts';

// The deployment's own settings (lib/poller-bundling.ts), so the benchmark measures what ships.
export const BUNDLE_SETTINGS = { ...POLLER_BUNDLE, bundle: true } as const;

/** Writes the bundle of `entry` to `outfile` (an `.mjs` path) and returns its size in bytes. */
export async function bundleEntry(entry: string, outfile: string): Promise<number> {
  const result = await build({
    entryPoints: [entry],
    outfile,
    platform: BUNDLE_SETTINGS.platform,
    target: BUNDLE_SETTINGS.target,
    format: BUNDLE_SETTINGS.format,
    minify: BUNDLE_SETTINGS.minify,
    bundle: BUNDLE_SETTINGS.bundle,
    mainFields: [...BUNDLE_SETTINGS.mainFields],
    banner: { js: BUNDLE_SETTINGS.banner },
    metafile: true,
    logLevel: 'silent',
  });
  const output = result.metafile.outputs;
  return Object.values(output).reduce((sum, file) => sum + file.bytes, 0);
}
