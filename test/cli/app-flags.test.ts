/**
 * `rollcall poll`'s app flags come from the registry: with a second (throwaway) app registered,
 * its flags and credential variable appear, each app's flags build that app's config, and a flag
 * of another app is a usage error. In process, on the same Commander command `poll` builds.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addAppOptions, appConfigFromFlags, appHelp } from '../../cli/app-flags.ts';
import { registerPollCommand } from '../../cli/commands/poll.ts';
import { appRegistry } from '../../functions/connectors/index.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import { registryWithAcme } from '../support/acme-app.ts';

function parsed(args: string[]) {
  const command = addAppOptions(new Command('poll').exitOverride().configureOutput({ writeErr: () => {} }), registryWithAcme);
  command.parse(args, { from: 'user' });
  return appConfigFromFlags(command, registryWithAcme, command.opts<{ app: string }>().app);
}

describe('app flags derived from the registry', () => {
  it('builds the selected app\'s config from its flags only, numbers as numbers', () => {
    const { app, config } = parsed(['--app', 'acme', '--network', 'acme-corp', '--api-url', 'http://127.0.0.1:9/api/', '--page-size', '50']);

    expect(app.name).toBe('acme');
    expect(config).toEqual({ network: 'acme-corp', apiUrl: 'http://127.0.0.1:9/api/', pageSize: 50 });
  });

  it('defaults --app to the first registered app and leaves app defaults to the app', () => {
    expect(parsed(['--region', 'eu'])).toMatchObject({ app: { name: 'torq' }, config: { region: 'eu' } });
    expect(parsed([]).config).toEqual({});
  });

  it('refuses a flag of another app, naming the flag and the app that takes it', () => {
    expect(() => parsed(['--app', 'acme', '--network', 'acme-corp', '--region', 'eu'])).toThrow(
      new ConfigError('--region is an option of --app torq, not of --app acme'),
    );
    expect(() => parsed(['--network', 'acme-corp'])).toThrow(new ConfigError('--network is an option of --app acme, not of --app torq'));
  });

  it('refuses a missing required flag of the selected app', () => {
    expect(() => parsed(['--app', 'acme'])).toThrow(new ConfigError('--app acme needs --network (the Acme network name)'));
  });

  it('refuses an app that is not registered, and a bad number, as usage errors', () => {
    expect(() => parsed(['--app', 'okta'])).toThrow(/argument 'okta' is invalid\. Allowed choices are torq, acme/);
    expect(() => parsed(['--app', 'acme', '--network', 'n', '--page-size', 'many'])).toThrow(/argument 'many' is invalid\. expected a positive number/);
  });

  it('lists each app\'s flags and credential variables in poll --help', () => {
    const program = new Command('rollcall').exitOverride();
    registerPollCommand(program, { code: 0 }, registryWithAcme);
    // Commander wraps descriptions at the terminal's width.
    const help = (program.commands.find((command) => command.name() === 'poll')?.helpInformation() ?? '').replace(/\s+/g, ' ');
    const after = appHelp(registryWithAcme);

    expect(help).toContain('--network <name> acme: (required) the Acme network name');
    expect(help).toMatch(/--api-url <url> torq: data API base URL[^;]*; acme: the API base URL/);
    expect(after).toContain('torq (Torq): TORQ_CLIENT_ID and TORQ_CLIENT_SECRET');
    expect(after).toContain('acme (Acme): ACME_API_KEY');
    expect(after).toContain('flags: --network (required), --api-url, --page-size');
    expect(appHelp(appRegistry)).not.toContain('ACME');
  });
});
