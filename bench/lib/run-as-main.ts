/** Runs an entry file's `main`; a failure prints its stack on stderr and sets exit code 1. */
export function runAsMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
