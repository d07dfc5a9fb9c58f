import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnvCredentialSource } from '../../functions/adapters/env-credentials.ts';
import { connectorVariable, LocalCredentialSource, type LocalCredentialsOptions } from '../../functions/adapters/local-credentials.ts';
import { torqApp } from '../../functions/connectors/torq/index.ts';
import { twingateApp } from '../../functions/connectors/twingate/index.ts';
import { ConfigError } from '../../functions/core/errors.ts';

const SECRET = 'file-s3cret-value-9c2e';
const OTHER_SECRET = 'env-s3cret-value-41aa';
const posix = process.platform !== 'win32';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rollcall-credentials-'));
  file = join(dir, 'credentials.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeCredentials(content: unknown, mode = 0o600): Promise<void> {
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content), { mode });
  await chmod(file, mode);
}

function source(fields = torqApp.credentialFields, options: Partial<LocalCredentialsOptions> = {}) {
  return new LocalCredentialSource(fields, { env: {}, file: { path: file, required: true }, plainVariables: false, ...options });
}

/** Rejects with a ConfigError whose message contains each of `parts` and no secret. */
async function expectRefused(getting: Promise<unknown>, ...parts: string[]): Promise<string> {
  const error = await getting.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  const message = (error as ConfigError).message;
  for (const part of parts) expect(message).toContain(part);
  expect(message).not.toContain(SECRET);
  expect(message).not.toContain(OTHER_SECRET);
  return message;
}

describe('LocalCredentialSource: a credentials file keyed by connector id', () => {
  it("reads the connector's entry, with the fingerprint the same values have in the environment", async () => {
    await writeCredentials({ 'eu-torq': { clientId: 'client-1', clientSecret: SECRET }, tg: { apiKey: OTHER_SECRET } });

    const resolved = await source().get('eu-torq');
    const fromEnv = await new EnvCredentialSource(torqApp.credentialFields, { TORQ_CLIENT_ID: 'client-1', TORQ_CLIENT_SECRET: SECRET }).get('eu-torq');

    expect(resolved).toEqual(fromEnv);
    expect((await source(twingateApp.credentialFields).get('tg')).credentials).toEqual({ apiKey: OTHER_SECRET });
  });

  it.runIf(posix).each(['0644', '0640', '0604', '0660', '0602', '0610'])('refuses the file at mode %s, saying chmod 600 FILE', async (mode) => {
    await writeCredentials({ 'eu-torq': { clientId: 'client-1', clientSecret: SECRET } }, Number.parseInt(mode, 8));
    await expectRefused(source().get('eu-torq'), `chmod 600 ${file}`, 'group or others', `(mode ${mode})`);
  });

  it.runIf(posix).each(['0600', '0400', '0700'])('accepts mode %s (the owner only)', async (mode) => {
    await writeCredentials({ 'eu-torq': { clientId: 'client-1', clientSecret: SECRET } }, Number.parseInt(mode, 8));
    await expect(source().get('eu-torq')).resolves.toMatchObject({ credentials: { clientSecret: SECRET } });
  });

  it('sees a rotated value at the next get: the file is read each time', async () => {
    await writeCredentials({ 'eu-torq': { clientId: 'client-1', clientSecret: SECRET } });
    const before = await source().get('eu-torq');
    await writeCredentials({ 'eu-torq': { clientId: 'client-1', clientSecret: OTHER_SECRET } });
    const after = await source().get('eu-torq');
    expect(after.credentials.clientSecret).toBe(OTHER_SECRET);
    expect(after.fingerprint).not.toBe(before.fingerprint);
  });

  it.each([
    ['not JSON', `{"eu-torq": {"clientId": "client-1", "clientSecret": "${SECRET}"`, ['is not valid JSON']],
    ['an array', [{ clientId: 'client-1', clientSecret: SECRET }], ['must hold a JSON object keyed by connector id']],
    ['an entry that is a string', { 'eu-torq': SECRET }, ['connector eu-torq', 'the entry must be an object {"clientId": "...", "clientSecret": "..."}']],
    ['a field missing', { 'eu-torq': { clientId: SECRET } }, ['connector eu-torq', 'field clientSecret must be a non-empty string']],
    ['a field of the wrong type', { 'eu-torq': { clientId: 7, clientSecret: SECRET } }, ['field clientId must be a non-empty string']],
    ['a blank field', { 'eu-torq': { clientId: '  ', clientSecret: SECRET } }, ['field clientId must be a non-empty string']],
    [
      'a misspelt field',
      { 'eu-torq': { clientID: 'client-1', clientSecret: SECRET } },
      ['field clientId must be a non-empty string', 'unknown field clientID (expected clientId, clientSecret)'],
    ],
  ])('names the fields, never a value, for %s', async (_case, content, parts) => {
    await writeCredentials(content);
    await expectRefused(source().get('eu-torq'), file, ...parts);
  });

  it('does not repeat a key that is not a plain name (a secret pasted as a key)', async () => {
    await writeCredentials({ 'eu-torq': { clientId: 'client-1', clientSecret: 'x', [`${SECRET}!`]: 'y' } });
    const message = await expectRefused(source().get('eu-torq'), 'unknown field 1 more');
    expect(message).not.toContain(SECRET);
  });

  it('says which file is missing when it was named, and what to add when the entry is', async () => {
    await expectRefused(source().get('eu-torq'), `credentials file ${file} cannot be read (ENOENT)`);
    await writeCredentials({ other: { clientId: 'client-1', clientSecret: SECRET } });
    await expectRefused(
      source().get('eu-torq'),
      'no credentials for connector eu-torq: set ROLLCALL_EU_TORQ_TORQ_CLIENT_ID and ROLLCALL_EU_TORQ_TORQ_CLIENT_SECRET',
      `add "eu-torq": {"clientId": "...", "clientSecret": "..."} to ${file}`,
    );
  });

  it('treats a missing default file as no file, also under a data dir that is a file', async () => {
    const optional = source(torqApp.credentialFields, { file: { path: file, required: false } });
    await expectRefused(optional.get('eu-torq'), 'no credentials for connector eu-torq', '--credentials FILE');
    await writeFile(join(dir, 'not-a-dir'), 'x');
    const underFile = source(torqApp.credentialFields, { file: { path: join(dir, 'not-a-dir', 'credentials.json'), required: false } });
    await expectRefused(underFile.get('eu-torq'), 'no credentials for connector eu-torq');
  });
});

describe('LocalCredentialSource: variables named per connector', () => {
  it('names them ROLLCALL_<ID>_<VARIABLE>, hyphens as underscores', () => {
    expect(connectorVariable('eu-torq-2', torqApp.credentialFields[0] as (typeof torqApp.credentialFields)[0])).toBe('ROLLCALL_EU_TORQ_2_TORQ_CLIENT_ID');
  });

  it('prefers them to the file', async () => {
    await writeCredentials({ 'eu-torq': { clientId: 'client-1', clientSecret: SECRET } });
    const env = { ROLLCALL_EU_TORQ_TORQ_CLIENT_ID: 'client-2', ROLLCALL_EU_TORQ_TORQ_CLIENT_SECRET: OTHER_SECRET };
    expect((await source(torqApp.credentialFields, { env }).get('eu-torq')).credentials).toEqual({ clientId: 'client-2', clientSecret: OTHER_SECRET });
  });

  it('refuses half a set, naming the variable missing', async () => {
    const env = { ROLLCALL_EU_TORQ_TORQ_CLIENT_SECRET: OTHER_SECRET };
    await expectRefused(source(torqApp.credentialFields, { env, file: null }).get('eu-torq'), 'ROLLCALL_EU_TORQ_TORQ_CLIENT_ID is not set');
  });

  it("falls back to the app's plain variables only when allowed (one connector: rollcall poll)", async () => {
    const env = { TORQ_CLIENT_ID: 'client-1', TORQ_CLIENT_SECRET: OTHER_SECRET };
    const poll = source(torqApp.credentialFields, { env, file: null, plainVariables: true });
    expect((await poll.get('eu-torq')).credentials).toEqual({ clientId: 'client-1', clientSecret: OTHER_SECRET });

    const watch = source(torqApp.credentialFields, { env, file: null, plainVariables: false });
    const message = await expectRefused(watch.get('eu-torq'), 'ROLLCALL_EU_TORQ_TORQ_CLIENT_ID');
    expect(message).not.toContain('or TORQ_CLIENT_ID');
  });

  it("names the plain variable missing when the others of the app's are set, as rollcall poll always did", async () => {
    const poll = source(torqApp.credentialFields, { env: { TORQ_CLIENT_ID: 'client-1' }, file: null, plainVariables: true });
    await expectRefused(poll.get('eu-torq'), 'environment variable TORQ_CLIENT_SECRET is not set');
  });

  it('lists every way in when none is set and plain variables are allowed', async () => {
    const poll = source(twingateApp.credentialFields, { file: null, plainVariables: true });
    await expectRefused(poll.get('tg'), 'set ROLLCALL_TG_TWINGATE_API_KEY, or TWINGATE_API_KEY, or add "tg": {"apiKey": "..."}');
  });
});
