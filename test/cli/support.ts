/**
 * Helpers for the CLI end-to-end tests: `bin/rollcall.mjs` runs as a child process, exactly as a
 * user or a script runs it, against Torq simulators and DynamoDB servers started in the test
 * process. Spawns are asynchronous so the simulators keep serving while a child runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  generateWorkspace,
  startTorqSimulator,
  type SimCredentials,
  type TorqSimulator,
  type TorqSimulatorOptions,
} from '../../simulators/torq/index.ts';
import { stopStoreServer } from '../../cli/store/connect.ts';
import { DISCOVERY_FILE } from '../../cli/store/discovery.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI_ENTRY = join(REPO_ROOT, 'bin/rollcall.mjs');

/**
 * For `vi.setConfig`: a test here runs a chain of child processes, each starting Node, tsx and the
 * AWS SDK (about a second on an idle 2-core machine, several on a busy one).
 */
export const CHILD_PROCESS_TIMEOUTS = { testTimeout: 60_000, hookTimeout: 60_000 } as const;

/** Variables of the test's own environment that would change what the CLI does; a test sets them explicitly. */
const CONTROLLED_VARIABLES = ['TORQ_CLIENT_ID', 'TORQ_CLIENT_SECRET', 'TWINGATE_API_KEY', 'ROLLCALL_LOG_LEVEL'] as const;

export type ChildEnv = Readonly<Record<string, string | undefined>>;

/** The idle period of the store servers the tests' commands start (`ROLLCALL_STORE_IDLE_MS`). */
export const STORE_IDLE_MS = '20000';

/** Runs the child as another user (a test of permissions run as root, whom file modes do not stop). */
export interface ChildUser {
  readonly uid: number;
  readonly gid: number;
}

/** Stops every store server serving a data dir under `root` (found by their discovery files). */
export async function stopStoreServersUnder(root: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(root, { recursive: true });
  } catch {
    return;
  }
  const dataDirs = names.filter((name) => name === DISCOVERY_FILE || name.endsWith(`/${DISCOVERY_FILE}`)).map((name) => dirname(join(root, name)));
  await Promise.all(dataDirs.map((dataDir) => stopStoreServer(dataDir)));
}

export interface CliRun {
  /** Exit code; `null` when the child was ended by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The test's environment without the controlled variables, plus `extra` (an `undefined` value removes a variable). */
function childEnv(extra: ChildEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONTROLLED_VARIABLES) delete env[name];
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // A store server a test failed to stop ends soon on its own; `createTestbed` stops the others.
  env.ROLLCALL_STORE_IDLE_MS = STORE_IDLE_MS;
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

export function credentialsEnv(credentials: SimCredentials): ChildEnv {
  return { TORQ_CLIENT_ID: credentials.clientId, TORQ_CLIENT_SECRET: credentials.clientSecret };
}

/** A CLI process that keeps running (`rollcall simulate`), with its output so far. */
export interface CliProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout matches every pattern; rejects if the process exits first. */
  waitForStdout(...patterns: RegExp[]): Promise<string>;
  /** Resolves when the process has exited and its output is closed. */
  readonly exited: Promise<CliRun>;
}

/** Starts `rollcall <args>` without waiting for it; `runCli` when the command is expected to finish. */
export function startCli(args: readonly string[], env: ChildEnv = {}, user?: ChildUser): CliProcess {
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(user !== undefined ? { uid: user.uid, gid: user.gid } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<CliRun>((resolveRun, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolveRun({ code, signal, stdout, stderr }));
  });

  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForStdout(...patterns) {
      const matched = () => patterns.every((pattern) => pattern.test(stdout));
      if (matched()) return Promise.resolve(stdout);
      return new Promise<string>((resolveOutput, reject) => {
        const onData = () => {
          if (!matched()) return;
          child.stdout?.off('data', onData);
          resolveOutput(stdout);
        };
        child.stdout?.on('data', onData);
        exited.then(
          (run) => reject(new Error(`rollcall ${args[0] ?? ''} exited (code ${run.code}) before printing ${patterns.join(', ')}; stderr: ${run.stderr}`)),
          reject,
        );
      });
    },
  };
}

/** Runs `rollcall <args>` to completion. */
export function runCli(args: readonly string[], env: ChildEnv = {}, user?: ChildUser): Promise<CliRun> {
  return startCli(args, env, user).exited;
}

/** The `counts` object of `poll --json` (design.md section 7). */
export interface PollCounts {
  total: number;
  new: number;
  changed: number;
  removed: number;
  newUsers: number;
  associations: number;
  invalid: number;
}

export interface PollJson {
  connectorId: string;
  status: string;
  outcome: string;
  durationMs: number;
  counts: PollCounts & Record<string, number>;
  error: string | null;
  invalid: { id: string | null; reason: string }[];
  [key: string]: unknown;
}

/** `poll --json` prints exactly one JSON object on one line; anything else on stdout breaks scripts. */
export function parsePollJson(run: CliRun): PollJson {
  const lines = run.stdout.split('\n');
  if (lines.length !== 2 || lines[1] !== '') {
    throw new Error(`expected one JSON line on stdout, got ${lines.length - 1} lines; stderr: ${run.stderr}`);
  }
  return JSON.parse(lines[0] as string) as PollJson;
}

/** Parses a JSON array printed on stdout (`users --format json`, `connectors --format json`). */
export function parseJsonArray<T = Record<string, unknown>>(run: CliRun): T[] {
  const parsed: unknown = JSON.parse(run.stdout);
  if (!Array.isArray(parsed)) throw new Error('expected a JSON array on stdout');
  return parsed as T[];
}

/** The flags of one poll of `simulator` into the embedded store under `dataDir`. */
export function pollArgs(simulator: TorqSimulator, dataDir: string, connectorId: string, ...extra: string[]): string[] {
  return [
    'poll',
    '--connector',
    connectorId,
    '--api-url',
    simulator.apiUrl,
    '--auth-url',
    simulator.authUrl,
    '--data-dir',
    dataDir,
    ...extra,
  ];
}

export const TEST_CREDENTIALS: SimCredentials = { clientId: 'cli-test-client', clientSecret: 'cli-test-secret' };

/**
 * Owns what a test starts (temp dirs, simulators, child processes, closables) and releases all of
 * it in `cleanup`, to be called from `afterEach`.
 */
export function createTestbed() {
  const dirs: string[] = [];
  const simulators: TorqSimulator[] = [];
  const children: ChildProcess[] = [];
  const closers: (() => Promise<void>)[] = [];

  return {
    async tempDir(prefix = 'rollcall-cli-'): Promise<string> {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },

    /** A simulator on a loopback port chosen by the OS, serving 120 users (seed 3) unless told otherwise. */
    async simulator(options: Partial<TorqSimulatorOptions> = {}): Promise<TorqSimulator> {
      const simulator = await startTorqSimulator({
        workspace: options.workspace ?? generateWorkspace({ users: 120, seed: 3 }),
        credentials: options.credentials ?? TEST_CREDENTIALS,
        ...options,
      });
      simulators.push(simulator);
      return simulator;
    },

    /** `startCli`, with the process killed at cleanup if it is still running. */
    startCli(args: readonly string[], env: ChildEnv = {}, user?: ChildUser): CliProcess {
      const started = startCli(args, env, user);
      children.push(started.child);
      return started;
    },

    onCleanup(close: () => Promise<void>): void {
      closers.push(close);
    },

    async cleanup(): Promise<void> {
      for (const child of children.splice(0)) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      await Promise.all([
        ...simulators.splice(0).map((simulator) => simulator.close()),
        ...closers.splice(0).map((close) => close()),
        // The store servers the commands started: none outlives the test.
        ...dirs.map((dir) => stopStoreServersUnder(dir)),
      ]);
      await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}
