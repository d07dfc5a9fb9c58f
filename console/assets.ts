/**
 * The console's static files, all served by the command itself (no other origin, works offline):
 * its stylesheet and script from `console/assets/`, and Chart.js from the installed package.
 * Read once at start-up from the package's own files, found from this module whether it runs as
 * TypeScript or inside the bundled CLI (dist/cli), which lives in the same package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
}

/** URL path under /assets/ -> what is served there. A fixed list: no path from a request reaches the file system. */
export type Assets = ReadonlyMap<string, Asset>;

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** The nearest directory above `from` whose package.json is Rollcall's. */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
      if (name === 'rollcall') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('the console cannot find its package (package.json named rollcall) above its own module');
    dir = parent;
  }
}

export function loadAssets(root: string = packageRoot()): Assets {
  const require = createRequire(join(root, 'package.json'));
  // chart.js exports no path to its UMD build; it sits beside the CommonJS entry the package exports.
  const chartDir = dirname(require.resolve('chart.js'));
  return new Map<string, Asset>([
    ['console.css', { body: readFileSync(join(root, 'console/assets/console.css')), contentType: CSS }],
    ['changes-chart.js', { body: readFileSync(join(root, 'console/assets/changes-chart.js')), contentType: JS }],
    ['chart.umd.min.js', { body: readFileSync(join(chartDir, 'chart.umd.min.js')), contentType: JS }],
  ]);
}
