/**
 * `rollcall store-server`: the process that serves a data dir's embedded store to every other
 * `rollcall` command (README, "Local inventory"). Commands start it on their own; `--stop` ends it.
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { ExitCodeSink } from '../command.ts';
import { stopStoreServer } from '../store/connect.ts';
import { idleMsFromEnv, serveStore } from '../store/server.ts';

interface StoreServerFlags {
  dataDir: string;
  create?: boolean;
  stop?: boolean;
}

export function registerStoreServerCommand(program: Command, exit: ExitCodeSink): void {
  program
    .command('store-server')
    .description("serve a data dir's embedded store to other rollcall commands (they start it when needed; it stops when idle)")
    .option('--data-dir <dir>', 'embedded store directory', '.rollcall')
    .option('--stop', 'stop the server of this data dir now, and wait until it has ended')
    .option('--create', 'create the store if it does not exist (what poll asks for)')
    .action(async (flags: StoreServerFlags) => {
      const dataDir = resolve(flags.dataDir);
      if (flags.stop === true) {
        const { pid } = await stopStoreServer(dataDir);
        process.stdout.write(pid === null ? `no store server is serving ${dataDir}\n` : `stopped the store server of ${dataDir} (pid ${pid})\n`);
        exit.code = 0;
        return;
      }
      // The one line on stdout is for the command that started this server (it reads the pipe, then closes it).
      let reported: Promise<void> = Promise.resolve();
      const code = await serveStore({
        dataDir,
        create: flags.create === true,
        idleMs: idleMsFromEnv(),
        report: (report) => {
          reported = new Promise((resolve) => process.stdout.write(`${JSON.stringify(report)}\n`, () => resolve()));
        },
      });
      await reported;
      // Nothing else is left to do; a pipe to a parent that went away must not keep this process.
      process.exit(code);
    });
}
