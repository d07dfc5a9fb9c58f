/**
 * The flags of the registered apps, derived from their registry entries (`configFields[].flag`),
 * for `rollcall poll` and `rollcall simulate`: an app's flags appear once, whichever apps share
 * them; the selected app's config is built from the flags the user gave, and a flag only another
 * app declares is a usage error naming the apps that take it.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { isNumberField, type AppConfigField, type AppDefinition } from '../functions/connectors/app-definition.ts';
import type { AppRegistry } from '../functions/connectors/registry.ts';
import { ConfigError } from '../functions/core/errors.ts';

interface FlagUse {
  readonly app: AppDefinition;
  readonly field: AppConfigField;
}

/** Commander's attribute name of a long flag: `--api-url` -> `apiUrl`. */
function attributeOf(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

function parsePositiveNumber(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('expected a positive number, such as 25');
  return number;
}

function describeUses(uses: readonly FlagUse[], single: boolean): string {
  return uses
    .map(({ app, field }) => {
      const suffix = field.default === undefined ? '' : ` (default: ${JSON.stringify(field.default)})`;
      const required = field.required ? '(required) ' : '';
      return single ? `${required}${field.description}${suffix}` : `${app.name}: ${required}${field.description}${suffix}`;
    })
    .join('; ');
}

/** Every app flag of the registry, by flag name, with the apps that declare it. */
function flagUses(registry: AppRegistry): Map<string, FlagUse[]> {
  const byFlag = new Map<string, FlagUse[]>();
  for (const app of registry.apps) {
    for (const field of app.configFields) {
      if (field.flag === undefined) continue;
      const uses = byFlag.get(field.flag.name) ?? [];
      uses.push({ app, field });
      byFlag.set(field.flag.name, uses);
    }
  }
  return byFlag;
}

/**
 * Adds `--app` (the registry's first app by default: the CLI's only app before the registry
 * existed) and every app's flags to `command`. No flag gets a Commander default: the app's own
 * parser applies its defaults, so a flag the user did not give is absent from the config.
 */
export function addAppOptions(command: Command, registry: AppRegistry): Command {
  command.addOption(new Option('--app <app>', 'SaaS application').choices([...registry.names]).default(registry.names[0]));
  for (const [flag, uses] of flagUses(registry)) {
    const [first] = uses as [FlagUse, ...FlagUse[]];
    const option = new Option(`${flag} <${(first.field.flag?.value ?? 'value').toLowerCase()}>`, describeUses(uses, registry.names.length === 1));
    const sameChoices = uses.every((use) => use.field.choices !== undefined && use.field.choices.join() === first.field.choices?.join());
    if (sameChoices && first.field.choices !== undefined) option.choices([...first.field.choices]);
    else if (uses.every((use) => isNumberField(use.field))) option.argParser(parsePositiveNumber);
    command.addOption(option);
  }
  return command;
}

/** Whether the user gave `--app` or any app's flag (rather than leaving the app to a connector's definition). */
export function appFlagsGiven(command: Command, registry: AppRegistry): boolean {
  const attributes = ['app', ...[...flagUses(registry).keys()].map(attributeOf)];
  return attributes.some((attribute) => command.getOptionValueSource(attribute) === 'cli');
}

/**
 * The selected app's config from the flags given. A flag given that the app does not declare is
 * a `ConfigError` (exit 2) naming the flag and the apps that take it; values are never echoed.
 */
export function appConfigFromFlags(
  command: Command,
  registry: AppRegistry,
  appName: string,
): { readonly app: AppDefinition; readonly config: Record<string, unknown> } {
  const { app, config } = appConfigGiven(command, registry, appName);
  const missing = app.configFields.filter((field) => field.required && config[field.key] === undefined);
  if (missing.length > 0) {
    throw new ConfigError(
      `--app ${app.name} needs ${missing.map((field) => field.flag?.name ?? field.key).join(', ')} (${missing.map((field) => field.description).join('; ')})`,
    );
  }
  return { app, config };
}

/**
 * Only the app's fields given as flags, none required: what `rollcall connectors set` lays over
 * a connector's stored config. A flag of another app is refused as by `appConfigFromFlags`.
 */
export function appConfigGiven(
  command: Command,
  registry: AppRegistry,
  appName: string,
): { readonly app: AppDefinition; readonly config: Record<string, unknown> } {
  const app = registry.get(appName);
  const config: Record<string, unknown> = {};
  for (const [flag, uses] of flagUses(registry)) {
    const attribute = attributeOf(flag);
    if (command.getOptionValueSource(attribute) !== 'cli') continue;
    const use = uses.find((candidate) => candidate.app === app);
    if (use === undefined) {
      const takers = uses.map((candidate) => candidate.app.name).join(', ');
      throw new ConfigError(`${flag} is an option of --app ${takers}, not of --app ${app.name}`);
    }
    const raw: unknown = command.getOptionValue(attribute);
    config[use.field.key] = typeof raw === 'string' && isNumberField(use.field) ? numberOf(flag, raw) : raw;
  }
  return { app, config };
}

function numberOf(flag: string, raw: string): number {
  try {
    return parsePositiveNumber(raw);
  } catch {
    throw new ConfigError(`${flag}: expected a positive number, such as 25`);
  }
}

/** The credential variables and flags of every app, for `--help`. */
export function appHelp(registry: AppRegistry): string {
  const lines = ['Apps (--app), their credentials (environment variables) and flags:'];
  for (const app of registry.apps) {
    const variables = app.credentialFields.map((field) => field.env);
    const listed = variables.length > 1 ? `${variables.slice(0, -1).join(', ')} and ${variables.at(-1)}` : variables.join('');
    lines.push(`  ${app.name} (${app.title}): ${listed}`);
    for (const field of app.credentialFields) lines.push(`    ${field.env}: ${field.description}`);
    const flags = app.configFields.flatMap((field) =>
      field.flag === undefined ? [] : [`${field.flag.name}${field.required ? ' (required)' : ''}`],
    );
    if (flags.length > 0) lines.push(`    flags: ${flags.join(', ')}`);
  }
  return lines.join('\n');
}
