/**
 * A benchmark process of its own (servers, or one collector phase) that reports through one JSON
 * line on stdout. Separate processes keep the servers' memory and CPU out of the collector's
 * figures, and give each measured poll a fresh process, as a Lambda cold start would.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface JsonChild {
  /** The first stdout line that parses as JSON; rejects when the process ends without one. */
  readonly firstJson: Promise<unknown>;
  /** Closes the child's stdin (its cue to shut down) and resolves with its exit code. */
  stop(): Promise<number | null>;
}

/** Starts `node <args>` with stderr passed through. */
export function startJsonChild(name: string, args: readonly string[]): JsonChild {
  const child = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'inherit'],
    // The AWS SDK's notice about Node.js 20 is noise in benchmark output.
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    // Spawning itself failed: there is no exit to wait for.
    child.once('error', () => resolve(null));
  });
  const firstJson = new Promise<unknown>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return;
      try {
        resolve(JSON.parse(line));
      } catch {
        // Not the answer (a log line that happens to start with a brace); keep reading.
      }
    });
    lines.on('close', () => {
      void exited.then((code) => reject(new Error(`${name} exited (code ${code}) without printing its JSON result`)));
    });
  });
  firstJson.catch(() => undefined);
  return {
    firstJson,
    async stop() {
      child.stdin.end();
      return exited;
    },
  };
}

/** Runs a child to completion and returns its JSON result; a non-zero exit is an error. */
export async function runJsonChild(name: string, args: readonly string[]): Promise<unknown> {
  const child = startJsonChild(name, args);
  try {
    const result = await child.firstJson;
    const code = await child.stop();
    if (code !== 0) throw new Error(`${name} exited with code ${code}`);
    return result;
  } finally {
    await child.stop();
  }
}
