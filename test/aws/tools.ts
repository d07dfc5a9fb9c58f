/**
 * The external tools the AWS-compatible suite needs: moto_server (moto 5) and cfn-lint. Missing
 * tools fail the suite with a message naming them; they are never a reason to skip.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * `command`, after checking that it runs (`probe` arguments, e.g. `--version`): a pyenv shim
 * whose tool is not installed exists on PATH but fails. Throws a message saying how to install it.
 */
export function requireTool(command: string, probe: readonly string[], install: string): string {
  try {
    execFileSync(command, [...probe], { stdio: 'ignore', timeout: 60_000 });
    return command;
  } catch {
    throw new Error(`${command} is not installed or does not run: the AWS-compatible tests need it (${install})`);
  }
}

export const requireMoto = () => requireTool('moto_server', ['--help'], "pip install 'moto[server]>=5'");
export const requireCfnLint = () => requireTool('cfn-lint', ['--version'], 'pip install cfn-lint');

/** A port the OS chose: bound on loopback, then released for moto_server to take. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface MotoServer {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** Starts moto_server on loopback and resolves once it reports that it is listening. */
export async function startMoto(): Promise<MotoServer> {
  const command = requireMoto();
  const port = await freePort();
  const child: ChildProcess = spawn(command, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`Running on http://127.0.0.1:${port}`)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`moto_server exited with ${code} before listening: ${output.slice(-500)}`)));
    child.once('error', reject);
  });
  child.stdout?.removeAllListeners('data');
  child.stderr?.removeAllListeners('data');
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
