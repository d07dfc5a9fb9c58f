#!/usr/bin/env node
// The CLI is written in TypeScript and runs through tsx, so `npx rollcall` works right after
// `npm install` without a build step.
import { register } from 'tsx/esm/api';

// The AWS SDK's notice that its 2027 releases will need Node.js 22 says nothing a CLI user can act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv);
