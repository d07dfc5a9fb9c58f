/**
 * The `rollcall` CLI (design.md section 7), a public contract: command names, flags and exit
 * codes stay stable. 0 completed, 2 bad usage or config, 3 RECONNECT_REQUIRED, 4 transient, 1 other.
 */
import { Command, CommanderError } from 'commander';
import { classifyError, RollcallError } from '../functions/core/errors.ts';
import type { ExitCodeSink, RegisterCommand } from './command.ts';
import { registerConnectorsCommand } from './commands/connectors.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerGroupsCommand } from './commands/groups.ts';
import { registerInsightsCommand } from './commands/insights.ts';
import { registerPollCommand } from './commands/poll.ts';
import { registerProvisionCommands } from './commands/provision.ts';
import { registerReconnectCommand } from './commands/reconnect.ts';
import { registerReindexCommand } from './commands/reindex.ts';
import { registerReviewCommand } from './commands/review.ts';
import { registerRolesCommand } from './commands/roles.ts';
import { registerRunsCommand } from './commands/runs.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerSimulateCommand } from './commands/simulate.ts';
import { registerStoreServerCommand } from './commands/store-server.ts';
import { registerUnlockCommand } from './commands/unlock.ts';
import { registerUsersCommand } from './commands/users.ts';
import { registerWatchCommand } from './commands/watch.ts';
import { endQuietlyOnClosedPipe } from './output.ts';

/** In the order `rollcall --help` lists them. */
const COMMANDS: readonly RegisterCommand[] = [
  registerPollCommand,
  registerWatchCommand,
  registerUsersCommand,
  registerGroupsCommand,
  registerRolesCommand,
  registerInsightsCommand,
  registerReviewCommand,
  registerConnectorsCommand,
  registerReconnectCommand,
  registerUnlockCommand,
  registerProvisionCommands,
  registerRunsCommand,
  registerReindexCommand,
  registerServeCommand,
  registerSimulateCommand,
  registerDemoCommand,
  registerStoreServerCommand,
];

function buildProgram(exit: ExitCodeSink): Command {
  const program = new Command('rollcall')
    .description('SaaS user-inventory collector: list every user of a SaaS workspace, keep an inventory, report what changed.')
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  for (const register of COMMANDS) register(program, exit);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  endQuietlyOnClosedPipe();
  const exit: ExitCodeSink = { code: 0 };
  const program = buildProgram(exit);
  try {
    await program.parseAsync([...argv]);
    return exit.code;
  } catch (error) {
    return reportFailure(error);
  }
}

function reportFailure(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version end through the same path as usage errors; only the latter are failures.
    if (['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code)) return 0;
    return 2;
  }
  const classification = classifyError(error);
  if (error instanceof RollcallError) {
    process.stderr.write(`rollcall: ${error.message}\n`);
  } else {
    const name = error instanceof Error ? error.name : typeof error;
    process.stderr.write(`rollcall: unexpected failure (${name}); set ROLLCALL_LOG_LEVEL=debug for details\n`);
    if (process.env.ROLLCALL_LOG_LEVEL === 'debug' && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
  }
  return classification.exitCode;
}
