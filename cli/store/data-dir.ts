/**
 * Checks a `--data-dir` before any process is started on it, so each way it can be wrong gets its
 * own hint (a file, no permission, a read-only store, no inventory at all), and so the commands that
 * only read never create it.
 */
import { access, constants, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../functions/core/errors.ts';
import type { StoreOpenProblem } from '../../functions/adapters/local-dynamodb.ts';
import { STORE_DIRECTORY } from './discovery.ts';

export function noInventoryError(dataDir: string): ConfigError {
  return new ConfigError(`no inventory at ${dataDir}; run rollcall poll first, or pass --data-dir`);
}

/** The one-line hint for each reason a store directory cannot be opened. */
export function storeProblemError(problem: StoreOpenProblem, dataDir: string, cause?: unknown): ConfigError {
  const options = cause === undefined ? undefined : { cause };
  const storeDir = join(dataDir, STORE_DIRECTORY);
  switch (problem) {
    case 'missing':
      return noInventoryError(dataDir);
    case 'not-a-directory':
      return new ConfigError(`--data-dir ${dataDir} is not a directory (it, or a part of its path, is a file)`, options);
    case 'permission':
      return new ConfigError(
        `no permission to write in ${storeDir}: the embedded store needs write access, even to read; check its owner and mode`,
        options,
      );
    case 'read-only':
      return new ConfigError(`the inventory at ${dataDir} is on a read-only file system; the embedded store needs write access, even to read`, options);
    case 'locked':
      return new ConfigError(
        `the embedded store at ${dataDir} is locked by a process that is not a rollcall store server (an older rollcall?); end it, then try again`,
        options,
      );
    case 'other':
      return new ConfigError(`cannot open the embedded store at ${dataDir} (see ${join(dataDir, 'store-server.log')})`, options);
  }
}

function codeOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

function problemOfCode(code: string | undefined): StoreOpenProblem | null {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission';
    case 'EROFS':
      return 'read-only';
    case 'ENOTDIR':
    case 'EEXIST':
      return 'not-a-directory';
    default:
      return null;
  }
}

/**
 * `create: false` (users, connectors, runs, reconnect): the data dir must hold an inventory already.
 * `create: true` (poll, demo): the data dir is created when missing, readable by its owner only
 * (the inventory holds people's emails).
 */
export async function prepareDataDir(dataDir: string, options: { create: boolean }): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(dataDir)).isDirectory();
  } catch (error) {
    const code = codeOf(error);
    if (code !== 'ENOENT') throw storeProblemError(problemOfCode(code) ?? 'other', dataDir, error);
    if (!options.create) throw noInventoryError(dataDir);
    try {
      await mkdir(dataDir, { recursive: true, mode: 0o700 });
    } catch (mkdirError) {
      const problem = problemOfCode(codeOf(mkdirError));
      if (problem === 'permission') throw new ConfigError(`cannot create --data-dir ${dataDir}: permission denied`, { cause: mkdirError });
      throw storeProblemError(problem ?? 'other', dataDir, mkdirError);
    }
    return;
  }
  if (!isDirectory) throw storeProblemError('not-a-directory', dataDir);

  const storeDir = join(dataDir, STORE_DIRECTORY);
  let storeExists = true;
  try {
    await stat(join(storeDir, 'CURRENT'));
  } catch (error) {
    if (codeOf(error) !== 'ENOENT') throw storeProblemError(problemOfCode(codeOf(error)) ?? 'other', dataDir, error);
    storeExists = false;
  }
  if (!storeExists && !options.create) throw noInventoryError(dataDir);
  // LevelDB writes its lock and log files on every open, so an unwritable store cannot even be read.
  try {
    await access(storeExists ? storeDir : dataDir, constants.W_OK);
  } catch (error) {
    const problem = problemOfCode(codeOf(error)) ?? 'other';
    if (problem === 'permission' && !storeExists) {
      throw new ConfigError(`no permission to write in --data-dir ${dataDir}: the embedded store needs a writable directory`, { cause: error });
    }
    throw storeProblemError(problem, dataDir, error);
  }
}
