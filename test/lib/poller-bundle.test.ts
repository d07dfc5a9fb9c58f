import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPollerBundle, DISPATCHER_ENTRY, POLLER_BUNDLE_BUDGET_BYTES, RECONCILER_ENTRY, type PollerBundle } from '../../lib/poller-bundling.ts';
import { measureColdStart } from '../../lib/poller-cold-start.ts';

let outdir: string;
let bundle: PollerBundle;

beforeAll(async () => {
  outdir = await mkdtemp(join(tmpdir(), 'rollcall-bundle-'));
  bundle = await buildPollerBundle(outdir);
});

afterAll(async () => {
  await rm(outdir, { recursive: true, force: true });
});

describe('the poller bundle', () => {
  it('stays well under 2 MB minified, AWS SDK included', () => {
    const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
    const largest = [...bundle.packages].sort((a, b) => b[1] - a[1]).slice(0, 6);
    console.info(
      `poller bundle: ${kib(bundle.bytes)} minified (+ ${kib(bundle.sourceMapBytes)} source map); largest inputs: ${largest
        .map(([name, bytes]) => `${name} ${kib(bytes)}`)
        .join(', ')}`,
    );

    expect(bundle.bytes).toBeGreaterThan(0);
    expect(bundle.bytes).toBeLessThan(0.75 * POLLER_BUNDLE_BUDGET_BYTES);
  });

  it('bundles its own AWS SDK clients and nothing meant for a laptop, a test or the CDK', () => {
    const names = [...bundle.packages.keys()];

    expect(names).toEqual(
      expect.arrayContaining(['@aws-sdk/client-dynamodb', '@aws-sdk/client-secrets-manager', '@aws-sdk/client-eventbridge', '@aws-sdk/lib-dynamodb', 'zod']),
    );
    for (const unwanted of ['aws-cdk-lib', 'constructs', 'cdk-nag', 'esbuild', 'dynalite', 'vitest', 'aws-sdk-client-mock', 'pino', 'commander']) {
      expect(names).not.toContain(unwanted);
    }
  });

  it('loads in a fresh Node.js process and exports the handler', async () => {
    const coldStart = await measureColdStart(bundle.file);
    console.info(`poller module init in a fresh process: ${coldStart.importMs.toFixed(0)} ms`);

    expect(coldStart.handlerType).toBe('function');
  });
});

describe('the dispatcher and reconciler bundles', () => {
  it.each([
    ['dispatcher', DISPATCHER_ENTRY],
    ['reconciler', RECONCILER_ENTRY],
  ])('%s: bundles with the same options and stays well under 2 MB', async (_name, entry) => {
    const dir = await mkdtemp(join(tmpdir(), 'rollcall-bundle-'));
    try {
      const built = await buildPollerBundle(dir, entry);
      expect(built.bytes).toBeGreaterThan(0);
      expect(built.bytes).toBeLessThan(0.75 * POLLER_BUNDLE_BUDGET_BYTES);
      expect([...built.packages.keys()]).not.toContain('aws-cdk-lib');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
