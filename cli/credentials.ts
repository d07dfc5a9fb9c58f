/**
 * Where the CLI finds connectors' credentials on this machine (`functions/adapters/local-credentials.ts`):
 * `--credentials FILE` (which must exist), else `<data-dir>/credentials.json` when there is one,
 * besides the variables named per connector.
 */
import { join, resolve } from 'node:path';
import { Option } from 'commander';
import type { CredentialsFile } from '../functions/adapters/local-credentials.ts';

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

export const CREDENTIALS_HELP = `
Credentials, per connector, in this order:
  1. ROLLCALL_<ID>_<VARIABLE>: the connector id upper-cased, hyphens as underscores, then the
     app's variable (connector eu-torq: ROLLCALL_EU_TORQ_TORQ_CLIENT_ID, ROLLCALL_EU_TORQ_TORQ_CLIENT_SECRET)
  2. the credentials file: {"eu-torq": {"clientId": "...", "clientSecret": "..."}, "tg": {"apiKey": "..."}}
     (the keys of the deployment's secret); refused unless only you can read it (chmod 600 FILE)`;
