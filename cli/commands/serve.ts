/**
 * `rollcall serve`: the read-only web console (README, "The web console") on the inventory the
 * store flags name, the embedded store or a deployed table read with the user's own AWS
 * credentials, so no web app is deployed or exposed. Loopback by default; it prints the URL with
 * this run's token and serves until Ctrl+C.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../functions/core/errors.ts';
import type { ExitCodeSink } from '../command.ts';
import { addStoreOptions, parsePort, type StoreOptions } from '../options.ts';
import { openInventory } from '../runtime.ts';

interface ServeFlags extends StoreOptions {
  port: number;
  host: string;
  allowRemote?: boolean;
}

export function registerServeCommand(program: Command, exit: ExitCodeSink): void {
  addStoreOptions(
    program
      .command('serve')
      .description('a read-only web console of the inventory on loopback (prints its URL with a per-run token)')
      .option('--port <n>', 'port to listen on (0: a free port the OS chooses)', parsePort, 0)
      .option('--host <addr>', 'address to bind; anything but loopback needs --allow-remote', '127.0.0.1')
      .option('--allow-remote', 'allow --host to be an address other machines reach (the inventory is then readable from the network by whoever has the URL)'),
  ).action(async (flags: ServeFlags) => {
    // Loaded here: `rollcall --help` does not load the console's server and pages.
    const { isRemoteHost, startConsole } = await import('../../console/server.ts');
    const remote = isRemoteHost(flags.host);
    if (remote && flags.allowRemote !== true) {
      throw new ConfigError(`--host ${flags.host} is not loopback: binding there needs --allow-remote (it makes the inventory readable from other machines)`);
    }
    const inventory = await openInventory(flags);
    let running;
    try {
      running = await startConsole({
        reader: inventory.reader,
        host: flags.host,
        port: flags.port,
        allowRemote: flags.allowRemote === true,
        source: inventory.description,
      });
    } catch (error) {
      await inventory.close();
      if (error instanceof Error && 'code' in error && (error.code === 'EADDRINUSE' || error.code === 'EADDRNOTAVAIL' || error.code === 'EACCES')) {
        throw new ConfigError(`cannot listen on ${flags.host} port ${flags.port} (${error.code}): choose another --port or --host`);
      }
      throw error;
    }
    if (remote) {
      process.stderr.write(
        `rollcall: warning: the console listens on ${flags.host}, reachable from other machines over plain HTTP; ` +
          'anyone who gets its URL can read the inventory. Prefer the default (loopback) and an SSH tunnel.\n',
      );
    }
    process.stdout.write(`Rollcall console (read-only) on the ${inventory.description}\n`);
    process.stdout.write(`Open: ${running.url}\n`);
    process.stdout.write('The token in the URL is this run\'s; stop with Ctrl+C.\n');

    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await running.close();
    await inventory.close();
    exit.code = 0;
  });
}
