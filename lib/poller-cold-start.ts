/**
 * Loads a bundled poller in a fresh Node.js process, as a Lambda cold start does, and times the
 * module initialisation (parsing plus the composition root). Used by the bundle test and by
 * scripts/measure-handler.ts.
 */
import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { POLLER_ENV } from '../functions/contract/poller-contract.ts';

const run = promisify(execFile);

/**
 * A valid environment for the poller's cold start, as the stack sets it: no connector is part of
 * it (each poll reads its connector's definition from the table). Nothing in it is contacted
 * while loading.
 */
export const COLD_START_ENV: Readonly<Record<string, string>> = {
  [POLLER_ENV.tableName]: 'rollcall-inventory',
  [POLLER_ENV.eventBusName]: 'rollcall-events',
  [POLLER_ENV.maxRemovalShare]: '0.5',
  [POLLER_ENV.pollQueueUrl]: 'https://sqs.us-east-1.amazonaws.com/123456789012/rollcall-polls',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

export interface ColdStart {
  /** Milliseconds from `import()` to the module being ready. */
  readonly importMs: number;
  /** `typeof` of the module's `handler` export. */
  readonly handlerType: string;
}

const LOADER = `
const started = performance.now();
const module = await import(process.argv[1]);
process.stdout.write(JSON.stringify({ importMs: performance.now() - started, handlerType: typeof module.handler }));
`;

export async function measureColdStart(bundleFile: string, options: { enableSourceMaps?: boolean } = {}): Promise<ColdStart> {
  const flags = options.enableSourceMaps ? ['--enable-source-maps'] : [];
  const { stdout } = await run(process.execPath, [...flags, '--input-type=module', '-e', LOADER, pathToFileURL(bundleFile).href], {
    env: { PATH: process.env.PATH ?? '', ...COLD_START_ENV },
  });
  return JSON.parse(stdout) as ColdStart;
}
