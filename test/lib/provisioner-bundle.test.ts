/**
 * The provisioning function as `NodejsFunction` bundles it (the poller's esbuild options, its own
 * entry): small, self-contained, and loading in a fresh Node.js process with the environment the
 * stack sets.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVISIONER_ENV } from '../../functions/contract/provision-contract.ts';
import { POLLER_BUNDLE_BUDGET_BYTES, pollerBuildOptions } from '../../lib/poller-bundling.ts';
import { PROVISIONER_ENTRY } from '../../lib/provisioning.ts';

const run = promisify(execFile);
let outdir: string;
let file: string;
let packages: string[];

beforeAll(async () => {
  outdir = await mkdtemp(join(tmpdir(), 'rollcall-provisioner-bundle-'));
  file = join(outdir, 'index.mjs');
  const { build } = await import('esbuild');
  const result = await build(pollerBuildOptions(PROVISIONER_ENTRY, file));
  packages = [...new Set(Object.keys(result.metafile?.inputs ?? {}).flatMap((path) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1] ?? []))];
});

afterAll(async () => {
  await rm(outdir, { recursive: true, force: true });
});

describe('the provisioning bundle', () => {
  it('stays well under 2 MB minified, AWS SDK included, with nothing meant for a laptop, a test or the CDK', async () => {
    const { size } = await stat(file);
    console.info(`provisioning bundle: ${(size / 1024).toFixed(0)} KiB minified`);

    expect(size).toBeLessThan(0.75 * POLLER_BUNDLE_BUDGET_BYTES);
    expect(packages).toEqual(expect.arrayContaining(['@aws-sdk/client-dynamodb', '@aws-sdk/client-secrets-manager', '@aws-sdk/client-eventbridge']));
    for (const unwanted of ['aws-cdk-lib', 'constructs', 'cdk-nag', 'esbuild', 'dynalite', 'vitest', 'aws-sdk-client-mock', 'pino', 'commander', 'graphql', 'aws-xray-sdk-core', '@aws-lambda-powertools/tracer']) {
      expect(packages).not.toContain(unwanted);
    }
  });

  it('loads in a fresh Node.js process with the environment the stack sets and exports the handler', async () => {
    const connectors = [
      { id: 'tg', app: 'twingate', secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rollcall/tg-AbCdEf', config: { network: 'acme' } },
    ];
    const loader = 'const m = await import(process.argv[1]); process.stdout.write(typeof m.handler);';
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', loader, pathToFileURL(file).href], {
      env: {
        PATH: process.env.PATH ?? '',
        [PROVISIONER_ENV.connectors]: JSON.stringify(connectors),
        [PROVISIONER_ENV.tableName]: 'rollcall-inventory',
        [PROVISIONER_ENV.eventBusName]: 'rollcall-events',
        AWS_REGION: 'us-east-1',
      },
    });

    expect(stdout).toBe('function');
  });

  it('fails its cold start on a connector whose app cannot provision, naming it', async () => {
    const connectors = [{ id: 'torq-prod', app: 'torq', secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rollcall/t-AbCdEf', config: {} }];
    const failure = await run(process.execPath, ['--input-type=module', '-e', 'await import(process.argv[1]);', pathToFileURL(file).href], {
      env: {
        PATH: process.env.PATH ?? '',
        [PROVISIONER_ENV.connectors]: JSON.stringify(connectors),
        [PROVISIONER_ENV.tableName]: 't',
        [PROVISIONER_ENV.eventBusName]: 'b',
        AWS_REGION: 'us-east-1',
      },
    }).then(
      () => null,
      (error: { stderr: string }) => error.stderr,
    );

    expect(failure).toContain('connector torq-prod: Torq connectors are read-only: Rollcall cannot grant or revoke there');
  });
});
