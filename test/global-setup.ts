/**
 * Before any test: the CLI bundle matches the sources (rebuilt if a source changed since the
 * last build), so the tests that spawn bin/rollcall.mjs run the bundle, which is what users run
 * (scripts/build-cli.ts). A build that fails fails the suite here, before any test.
 */
import { ensureCliBundle } from '../scripts/build-cli.ts';

export default async function setup(): Promise<void> {
  await ensureCliBundle();
}
