/**
 * What every command module shares with `main.ts`: commands import this, never `main.ts` or one
 * another, so the CLI's import graph has no cycle (main -> commands -> shared modules).
 */
import type { Command } from 'commander';

/** Where a command reports its exit code; actions return it rather than calling process.exit. */
export interface ExitCodeSink {
  code: number;
}

/** A command module's one export: it adds its command to the program. */
export type RegisterCommand = (program: Command, exit: ExitCodeSink) => void;
