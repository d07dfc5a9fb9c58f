#!/usr/bin/env node
// The `rollcall` command. It runs the bundle that `npm install` builds (dist/cli, see
// scripts/build-cli.ts) while that bundle matches the sources byte for byte, and the TypeScript
// sources through tsx otherwise: an edited checkout runs what is on disk, never an older build.
// ROLLCALL_CLI_FROM=bundle or =source picks one explicitly (the benchmark and the tests use it);
// `bundle` fails rather than run a stale build.
//
// process.argv[1] stays this file either way, so a command that starts another rollcall process
// (process.execPath with process.argv[1]) goes through the same choice.
import { pathToFileURL } from 'node:url';
import { checkBundle } from './cli-bundle.mjs';

// The AWS SDK's notice that its 2027 releases will need Node.js 22 says nothing a CLI user can act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const wanted = process.env.ROLLCALL_CLI_FROM ?? '';
if (!['', 'bundle', 'source'].includes(wanted)) {
  process.stderr.write('rollcall: ROLLCALL_CLI_FROM must be bundle or source\n');
  process.exit(2);
}
const bundle = wanted === 'source' ? null : checkBundle();
if (wanted === 'bundle' && !bundle.fresh) {
  process.stderr.write(`rollcall: ROLLCALL_CLI_FROM=bundle, but the CLI bundle is stale: ${bundle.reason}; run npm run build\n`);
  process.exit(2);
}

let main;
if (bundle?.fresh) {
  ({ main } = await import(pathToFileURL(bundle.entry).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv);
