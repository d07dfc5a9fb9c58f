/**
 * Bundles the poller exactly as `cdk deploy` does and measures what a cold start pays for it:
 * the minified size, the gzip size (what Lambda downloads), and the module initialisation time in
 * fresh Node.js processes, without and with `--enable-source-maps` (which the stack sets).
 *
 *   node bin/run-ts.mjs scripts/measure-handler.ts [runs]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildPollerBundle } from '../lib/poller-bundling.ts';
import { measureColdStart } from '../lib/poller-cold-start.ts';

const runs = Number(process.argv[2] ?? 7);
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

const outdir = await mkdtemp(join(tmpdir(), 'rollcall-measure-'));
try {
  const started = performance.now();
  const bundle = await buildPollerBundle(outdir);
  const buildMs = performance.now() - started;
  const gzipped = gzipSync(await readFile(bundle.file)).length;

  console.log(`bundle     ${kib(bundle.bytes)} minified, ${kib(gzipped)} gzip, source map ${kib(bundle.sourceMapBytes)} (built in ${buildMs.toFixed(0)} ms)`);
  console.log('inputs     ' + [...bundle.packages].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([name, bytes]) => `${name} ${kib(bytes)}`).join(', '));
  for (const enableSourceMaps of [false, true]) {
    const samples: number[] = [];
    for (let run = 0; run < runs; run++) samples.push((await measureColdStart(bundle.file, { enableSourceMaps })).importMs);
    const label = enableSourceMaps ? 'init (--enable-source-maps)' : 'init';
    console.log(`${label.padEnd(28)} median ${median(samples).toFixed(0)} ms over ${runs} fresh processes (min ${Math.min(...samples).toFixed(0)}, max ${Math.max(...samples).toFixed(0)})`);
  }
  console.log(`node       ${process.version} ${process.arch}`);
} finally {
  await rm(outdir, { recursive: true, force: true });
}
