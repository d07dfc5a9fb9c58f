#!/usr/bin/env node
// The CLI is written in TypeScript and runs through tsx, so `npx rollcall` works right after
// `npm install` without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv);
