/**
 * How the poller is bundled. One definition serves the CDK `NodejsFunction` (lib/poller.ts) and
 * the bundle test (test/lib/poller-bundle.test.ts), which builds it with esbuild's JS API to check
 * that it loads and stays small.
 *
 * - ESM, like the rest of the code base (`import.meta`); CommonJS dependencies that `require()`
 *   Node built-ins get a real `require` from the banner, as Powertools' documentation recommends.
 * - The AWS SDK is bundled, not taken from the Lambda runtime: the runtime's copy changes under a
 *   deployed function, ours is the version the tests ran against, and tree-shaking keeps it small.
 */
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';

export const POLLER_ENTRY = fileURLToPath(new URL('../functions/handlers/poll.ts', import.meta.url));
/** The fleet's dispatcher and the declared connectors' reconciler are bundled the same way. */
export const DISPATCHER_ENTRY = fileURLToPath(new URL('../functions/handlers/dispatch.ts', import.meta.url));
export const RECONCILER_ENTRY = fileURLToPath(new URL('../functions/handlers/reconcile.ts', import.meta.url));
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const LOCK_FILE = fileURLToPath(new URL('../package-lock.json', import.meta.url));

export const POLLER_BUNDLE = {
  target: 'node22',
  format: 'esm',
  platform: 'node',
  minify: true,
  sourceMap: true,
  /** Stack traces map to file and line; the sources themselves need not ship. */
  sourcesContent: false,
  /** Prefer packages' ESM builds: they tree-shake better. */
  mainFields: ['module', 'main'],
  banner: "import { createRequire as __rollcallCreateRequire } from 'node:module'; const require = __rollcallCreateRequire(import.meta.url);",
  /** Nothing is left to the runtime (see above). */
  externalModules: [] as string[],
} as const;

/** The bundle must stay well under this (bytes, minified JavaScript without the source map). */
export const POLLER_BUNDLE_BUDGET_BYTES = 2 * 1024 * 1024;

export interface PollerBundle {
  /** Path of the bundled handler module. */
  readonly file: string;
  /** Minified JavaScript, without the source map. */
  readonly bytes: number;
  readonly sourceMapBytes: number;
  /** Bundled input files under node_modules, by package name, in bytes (before minification). */
  readonly packages: ReadonlyMap<string, number>;
}

/**
 * esbuild options equal to the ones `NodejsFunction` bundles the poller with, for any entry: the
 * bundle test, scripts/measure-handler.ts and the benchmark's collector all measure what ships.
 */
export function pollerBuildOptions(entry: string, outfile: string, options: { sourceMap?: boolean } = {}): BuildOptions {
  const sourceMap = options.sourceMap ?? POLLER_BUNDLE.sourceMap;
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: POLLER_BUNDLE.platform,
    target: POLLER_BUNDLE.target,
    format: POLLER_BUNDLE.format,
    minify: POLLER_BUNDLE.minify,
    sourcemap: sourceMap,
    sourcesContent: POLLER_BUNDLE.sourcesContent,
    mainFields: [...POLLER_BUNDLE.mainFields],
    banner: { js: POLLER_BUNDLE.banner },
    external: [...POLLER_BUNDLE.externalModules],
    metafile: true,
    logLevel: 'silent',
  };
}

/**
 * Bundles the poller into `outdir` with esbuild's JS API and the options `NodejsFunction` uses,
 * for the bundle test and scripts/measure-handler.ts. esbuild is loaded on demand: `cdk synth`
 * never needs this function.
 */
export async function buildPollerBundle(outdir: string, entry: string = POLLER_ENTRY): Promise<PollerBundle> {
  const { build } = await import('esbuild');
  const result = await build(pollerBuildOptions(entry, `${outdir}/index.mjs`));
  // `metafile: true` is in the options, so esbuild always returns one.
  const metafile = result.metafile ?? { inputs: {}, outputs: {} };
  const outputs = metafile.outputs;
  const file = `${outdir}/index.mjs`;
  const output = Object.entries(outputs).find(([path]) => path.endsWith('index.mjs'))?.[1];
  const map = Object.entries(outputs).find(([path]) => path.endsWith('index.mjs.map'))?.[1];
  const packages = new Map<string, number>();
  for (const [path, input] of Object.entries(metafile.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
    const name = match?.[1] ?? '(rollcall)';
    packages.set(name, (packages.get(name) ?? 0) + input.bytes);
  }
  return { file, bytes: output?.bytes ?? 0, sourceMapBytes: map?.bytes ?? 0, packages };
}
