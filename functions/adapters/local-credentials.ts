/**
 * Credentials of many connectors on one machine (`rollcall watch`, and `rollcall poll` of any of
 * them), looked up per connector in this order:
 *
 * 1. environment variables named for the connector: `ROLLCALL_<ID>_<VARIABLE>`, the connector id
 *    upper-cased with hyphens as underscores, then the app's own variable (connector `prod-eu`
 *    of an app whose variable is `ACME_API_KEY`: `ROLLCALL_PROD_EU_ACME_API_KEY`); ids hold no
 *    underscore, so two connectors never share a name;
 * 2. a credentials file: one JSON object keyed by connector id, each entry holding the app's
 *    credential fields as in the deployment's secret (`{"prod-eu": {"apiKey":
 *    "..."}}`). Like an ssh key, it is refused when its mode lets the group or
 *    others in (`mode & 0o077`);
 * 3. when allowed (`rollcall poll`, one connector at a time), the app's plain variables
 *    (`ACME_API_KEY`), as `EnvCredentialSource` reads them. `rollcall watch` does not allow them:
 *    one set of plain variables would go to every connector of the app, each workspace's API
 *    receiving another's credentials.
 *
 * Both the file and the variables are read on every `get`, so a watcher sees rotated values at the
 * connector's next poll (and their new fingerprint lifts RECONNECT_REQUIRED, design.md section 5).
 * Errors name files, variables and fields, never a value.
 */
import { readFile, stat } from 'node:fs/promises';
import type { CredentialField } from '../connectors/app-definition.ts';
import { ConfigError } from '../core/errors.ts';
import type { CredentialSource, ResolvedCredentials } from '../core/ports.ts';
import { credentialFingerprint, EnvCredentialSource } from './env-credentials.ts';

/** The variable holding `field` for `connectorId`. */
export function connectorVariable(connectorId: string, field: CredentialField): string {
  return `ROLLCALL_${connectorId.toUpperCase().replaceAll('-', '_')}_${field.env}`;
}

export interface CredentialsFile {
  readonly path: string;
  /** `false` for the default location (`<data-dir>/credentials.json`): a missing file is no file. */
  readonly required: boolean;
}

export interface LocalCredentialsOptions {
  /** Read on every `get`. */
  readonly env: NodeJS.ProcessEnv;
  readonly file: CredentialsFile | null;
  /** Fall back to the app's plain variables (one connector at a time: `rollcall poll`). */
  readonly plainVariables: boolean;
}

/** Key names a message may repeat: short identifiers, not anything a person might have pasted in the wrong place. */
const NAMEABLE_KEY = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

export class LocalCredentialSource implements CredentialSource {
  constructor(
    /** The connector's app's declared credential fields. */
    private readonly fields: readonly CredentialField[],
    private readonly options: LocalCredentialsOptions,
  ) {}

  async get(connectorId: string): Promise<ResolvedCredentials> {
    const fromEnv = this.fromConnectorVariables(connectorId);
    if (fromEnv !== null) return this.resolved(fromEnv);
    const file = this.options.file === null ? null : await readCredentialsFile(this.options.file);
    if (file !== null && Object.hasOwn(file.entries, connectorId)) {
      return this.resolved(entryCredentials(this.fields, connectorId, file.path, file.entries[connectorId]));
    }
    // Some of the plain variables set: they were meant, and the error names the one missing, as before.
    if (this.options.plainVariables && this.fields.some((field) => nonEmpty(this.options.env[field.env]))) {
      return new EnvCredentialSource(this.fields, this.options.env).get(connectorId);
    }
    throw new ConfigError(this.missingMessage(connectorId, file?.path ?? null));
  }

  private fromConnectorVariables(connectorId: string): Record<string, string> | null {
    const credentials: Record<string, string> = {};
    const missing: string[] = [];
    for (const field of this.fields) {
      const name = connectorVariable(connectorId, field);
      const value = this.options.env[name]?.trim();
      if (value === undefined || value === '') missing.push(name);
      else credentials[field.key] = value;
    }
    if (missing.length === this.fields.length) return null;
    if (missing.length > 0) {
      throw new ConfigError(`connector ${connectorId}: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set (the other variables of the connector are)`);
    }
    return credentials;
  }

  private resolved(credentials: Record<string, string>): ResolvedCredentials {
    return { credentials, fingerprint: credentialFingerprint(credentials, this.fields.map((field) => field.key)) };
  }

  private missingMessage(connectorId: string, filePath: string | null): string {
    const variables = this.fields.map((field) => connectorVariable(connectorId, field)).join(' and ');
    const entry = `"${connectorId}": ${entryShape(this.fields)}`;
    const where = filePath === null ? 'to a credentials file (--credentials FILE)' : `to ${filePath}`;
    const plain = this.options.plainVariables ? `, or ${this.fields.map((field) => field.env).join(' and ')}` : '';
    return `no credentials for connector ${connectorId}: set ${variables}${plain}, or add ${entry} ${where}`;
  }
}

function nonEmpty(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

function entryShape(fields: readonly CredentialField[]): string {
  return `{${fields.map((field) => `"${field.key}": "..."`).join(', ')}}`;
}

interface ParsedFile {
  readonly path: string;
  readonly entries: Readonly<Record<string, unknown>>;
}

/**
 * The file's entries, after checking who may read it. `null` when an optional file is missing.
 * The check comes before the read, so a file others can read is refused before Rollcall uses it.
 */
export async function readCredentialsFile(file: CredentialsFile): Promise<ParsedFile | null> {
  let mode: number;
  try {
    const stats = await stat(file.path);
    if (!stats.isFile()) throw new ConfigError(`credentials file ${file.path} is not a file`);
    mode = stats.mode;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    // The default location in a data dir that is missing (or is a file: the store's own check says so).
    if ((code === 'ENOENT' || code === 'ENOTDIR') && !file.required) return null;
    throw new ConfigError(`credentials file ${file.path} cannot be read (${code ?? 'unknown error'})`, { cause: error });
  }
  // Windows has no such mode bits (its ACLs decide): the check is the POSIX one, as ssh's.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw new ConfigError(`credentials file ${file.path} is open to group or others (mode ${octal}): run chmod 600 ${file.path}`);
  }
  let text: string;
  try {
    text = await readFile(file.path, 'utf8');
  } catch (error) {
    throw new ConfigError(`credentials file ${file.path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`, { cause: error });
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    // JSON.parse's own message quotes the text around the error, which may be a secret.
    throw new ConfigError(`credentials file ${file.path} is not valid JSON: write {"<connector id>": {<the app's credential fields>}, ...}`);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new ConfigError(`credentials file ${file.path} must hold a JSON object keyed by connector id`);
  }
  return { path: file.path, entries: payload as Record<string, unknown> };
}

/** One entry checked against the app's fields; the message names the fields, never a value. */
function entryCredentials(fields: readonly CredentialField[], connectorId: string, path: string, entry: unknown): Record<string, string> {
  const label = `credentials file ${path}, connector ${connectorId}`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new ConfigError(`${label}: the entry must be an object ${entryShape(fields)}`);
  }
  const record = entry as Record<string, unknown>;
  const credentials: Record<string, string> = {};
  const problems: string[] = [];
  for (const { key } of fields) {
    const value = Object.hasOwn(record, key) ? record[key] : undefined;
    if (typeof value === 'string' && value.trim() !== '') credentials[key] = value.trim();
    else problems.push(`field ${key} must be a non-empty string`);
  }
  const declared = new Set(fields.map((field) => field.key));
  const unknown = Object.keys(record).filter((key) => !declared.has(key));
  if (unknown.length > 0) {
    const named = unknown.filter((key) => NAMEABLE_KEY.test(key));
    const unnamed = unknown.length - named.length;
    const list = [...named, ...(unnamed > 0 ? [`${unnamed} more`] : [])].join(', ');
    problems.push(`unknown field${unknown.length === 1 ? '' : 's'} ${list} (expected ${[...declared].join(', ')})`);
  }
  if (problems.length > 0) throw new ConfigError(`${label}: ${problems.join('; ')}`);
  return credentials;
}
