/**
 * The embedded store's discovery file: how `rollcall` processes sharing one `--data-dir` find the
 * store server that holds its LevelDB lock (README, "Local inventory"). Written by the server once
 * it serves, removed when it stops; readable by its owner only, since it holds the access key.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The LevelDB directory inside a data dir. */
export const STORE_DIRECTORY = 'dynamodb';
export const DISCOVERY_FILE = 'store-server.json';
/** One line per server start and stop: what `rollcall` cannot print, since the server has no terminal. */
export const SERVER_LOG_FILE = 'store-server.log';

export interface StoreDiscovery {
  readonly pid: number;
  readonly port: number;
  /** The SigV4 access key id the server accepts; requests signed with any other are refused. */
  readonly accessKeyId: string;
  readonly startedAt: string;
}

function discoveryPath(dataDir: string): string {
  return join(dataDir, DISCOVERY_FILE);
}

export function newAccessKeyId(): string {
  return `RC${randomBytes(18).toString('hex').toUpperCase()}`;
}

/** The discovery file's content, or null when there is none or it is not one (a torn or foreign file counts as none). */
export async function readDiscovery(dataDir: string): Promise<StoreDiscovery | null> {
  let text: string;
  try {
    text = await readFile(discoveryPath(dataDir), 'utf8');
  } catch {
    return null;
  }
  try {
    const value = JSON.parse(text) as Partial<Record<keyof StoreDiscovery, unknown>>;
    const { pid, port, accessKeyId, startedAt } = value;
    if (
      typeof pid === 'number' && Number.isInteger(pid) && pid > 0 &&
      typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65_536 &&
      typeof accessKeyId === 'string' && /^[A-Z0-9]{8,64}$/.test(accessKeyId) &&
      typeof startedAt === 'string'
    ) {
      return { pid, port, accessKeyId, startedAt };
    }
  } catch {
    // Not JSON: treated as absent below.
  }
  return null;
}

/** Written to a temporary name and renamed, so a reader sees the old file or the whole new one, never half. */
export async function writeDiscovery(dataDir: string, discovery: StoreDiscovery): Promise<void> {
  const temporary = join(dataDir, `.${DISCOVERY_FILE}.${discovery.pid}`);
  await writeFile(temporary, `${JSON.stringify(discovery)}\n`, { mode: 0o600 });
  await rename(temporary, discoveryPath(dataDir));
}

/** Removes the discovery file if it still names `pid` (a newer server's file is left alone). */
export async function removeDiscovery(dataDir: string, pid: number): Promise<void> {
  const current = await readDiscovery(dataDir);
  if (current?.pid === pid) await rm(discoveryPath(dataDir), { force: true });
}

/**
 * True while a process with this id runs (EPERM: it runs, owned by someone else). A zombie counts
 * as ended: in a container whose first process never reaps orphans, a stopped server stays one.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // /proc/<pid>/stat: "pid (comm) state ..."; comm may itself hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}
