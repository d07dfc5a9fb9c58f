/**
 * `rollcall simulate --app NAME` is served by the simulator registry: with a throwaway simulator
 * beside Torq's, each gets only its own flags, and a flag of the other is a usage error. In
 * process: the throwaway simulator's start reports what it was given by failing, so no server or
 * signal is involved.
 */
import { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerSimulateCommand } from '../../cli/commands/simulate.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import { SIMULATE_COMMANDS, type SimulatorEntry } from '../../simulators/index.ts';

class Started extends Error {
  constructor(readonly request: unknown) {
    super('started');
  }
}

const acmeSimulator: SimulatorEntry = {
  app: 'acme',
  title: 'Acme',
  options: () => [
    new Option('--clamp-pages <n>', 'acme fault: pages of at most N').argParser(Number),
    new Option('--groups <n>', 'acme: groups in the workspace').argParser(Number),
  ],
  start: async (request) => {
    throw new Started(request);
  },
};

async function simulate(args: string[]): Promise<unknown> {
  const program = new Command('rollcall').exitOverride().configureOutput({ writeErr: () => {} });
  registerSimulateCommand(program, { code: 0 }, new Map([...SIMULATE_COMMANDS, ['acme', acmeSimulator]]));
  return program.parseAsync(['simulate', ...args], { from: 'user' }).catch((error: unknown) => error);
}

describe('rollcall simulate over the simulator registry', () => {
  it('starts the chosen simulator with the common settings and its own flags only', async () => {
    const started = await simulate(['--app', 'acme', '--users', '12', '--clamp-pages', '3']);

    expect(started).toBeInstanceOf(Started);
    expect((started as Started).request).toMatchObject({ port: 0, users: 12, seed: 1, latencyMs: 0, flags: { clampPages: 3 } });
  });

  it('refuses a flag of another simulator, naming it and its app', async () => {
    expect(await simulate(['--app', 'acme', '--forbid-users'])).toEqual(
      new ConfigError('--forbid-users is an option of simulate --app torq, not of --app acme'),
    );
    expect(await simulate(['--clamp-pages', '3'])).toEqual(new ConfigError('--clamp-pages is an option of simulate --app acme, not of --app torq'));
  });

  it('lists every registered simulator', () => {
    const program = new Command('rollcall');
    registerSimulateCommand(program, { code: 0 }, new Map([...SIMULATE_COMMANDS, ['acme', acmeSimulator]]));
    const help = program.commands.find((command) => command.name() === 'simulate')?.helpInformation().replace(/\s+/g, ' ') ?? '';

    const production = [...SIMULATE_COMMANDS.values()];
    expect(help).toContain(`(${[...production.map((entry) => entry.title), 'Acme'].join(', ')})`);
    expect(help).toContain(`choices: ${[...production.map((entry) => entry.app), 'acme'].map((app) => `"${app}"`).join(', ')}`);
    expect(help).toContain('--clamp-pages <n> acme fault');
    // A flag two simulators declare is listed once, with what it means to each.
    expect(help.match(/--groups <n>/g)).toHaveLength(1);
    expect(help).toMatch(/--groups <n> [^-]*; acme: groups in the workspace/);
  });
});
