/**
 * Where the CLI finds connectors' credentials on this machine (`functions/adapters/local-credentials.ts`):
 * `--credentials FILE` (which must exist), else `<data-dir>/credentials.json` when there is one,
 * besides the variables named per connector.
 */
import { join, resolve } from 'node:path';
import { Option } from 'commander';
import { connectorVariable, type CredentialsFile } from '../functions/adapters/local-credentials.ts';
import type { AppRegistry } from '../functions/connectors/registry.ts';

export const DEFAULT_CREDENTIALS_FILE = 'credentials.json';

export function credentialsOption(): Option {
  return new Option(
    '--credentials <file>',
    `JSON file of credentials keyed by connector id, mode 0600 (default: <data-dir>/${DEFAULT_CREDENTIALS_FILE} when present)`,
  );
}

export function credentialsFile(flags: { readonly credentials?: string; readonly dataDir: string }): CredentialsFile {
  if (flags.credentials !== undefined) return { path: resolve(flags.credentials), required: true };
  return { path: join(resolve(flags.dataDir), DEFAULT_CREDENTIALS_FILE), required: false };
}

/** Example connector id of the help: any app's connector is named this way. */
const EXAMPLE_CONNECTOR = 'prod-eu';

/**
 * The lookup order, with an example built from the registry's first app (its variables and its
 * secret's keys), so the help names real variables without naming an app here.
 */
export function credentialsHelp(registry: AppRegistry, options: { readonly plainVariables: boolean }): string {
  const [app] = registry.apps;
  const fields = app?.credentialFields ?? [];
  const variables = fields.map((field) => connectorVariable(EXAMPLE_CONNECTOR, field)).join(', ');
  const entry = JSON.stringify({ [EXAMPLE_CONNECTOR]: Object.fromEntries(fields.map((field) => [field.key, '...'])) });
  const plain = fields[0]?.env ?? 'the variable';
  return `
Credentials, per connector, in this order:
  1. ROLLCALL_<ID>_<VARIABLE>: the connector id upper-cased, hyphens as underscores, then the
     app's variable (connector ${EXAMPLE_CONNECTOR}${app === undefined ? '' : ` of ${app.name}`}: ${variables})
  2. the credentials file: ${entry}
     (the keys of the deployment's secret); refused unless only you can read it (chmod 600 FILE)
${
    options.plainVariables
      ? `  3. the app's plain variables (${plain}, ...), as listed above`
      : `  The app's plain variables (${plain}, ...) are not used: they would go to every connector of the app.`
  }`;
}
