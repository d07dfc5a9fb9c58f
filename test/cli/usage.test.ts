/**
 * Usage and configuration errors exit 2 with a message on stderr that names the flag or variable
 * (never its value); `--help` and `--version` exit 0. None of these needs a server, so the
 * children run side by side.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, it, vi } from 'vitest';
import { CHILD_PROCESS_TIMEOUTS, REPO_ROOT, createTestbed, runCli, type ChildEnv, type CliRun } from './support.ts';

vi.setConfig(CHILD_PROCESS_TIMEOUTS);
const bed = createTestbed();
// The tests of this file run side by side: resources are released once all of them are done.
afterAll(() => bed.cleanup());

interface UsageCase {
  readonly name: string;
  readonly args: (dataDir: string) => string[];
  readonly env?: ChildEnv;
  readonly stderr: RegExp;
  /** Text that must not be echoed back (a value the user passed). */
  readonly notEchoed?: string;
}

const VALID_CREDENTIALS: ChildEnv = { TORQ_CLIENT_ID: 'usage-client', TORQ_CLIENT_SECRET: 'usage-secret-value' };

const USAGE_CASES: readonly UsageCase[] = [
  {
    name: 'an unknown flag',
    args: (dir) => ['poll', '--connector', 'c1', '--data-dir', dir, '--colour'],
    stderr: /unknown option '--colour'/,
  },
  {
    name: 'an unknown region',
    args: (dir) => ['poll', '--connector', 'c1', '--data-dir', dir, '--region', 'mars'],
    stderr: /option '--region <region>' argument 'mars' is invalid\. Allowed choices are us, eu/,
  },
  {
    name: 'a missing --connector',
    args: (dir) => ['poll', '--data-dir', dir],
    stderr: /required option '--connector <id>' not specified/,
  },
  {
    name: 'a bad --format',
    args: (dir) => ['users', '--data-dir', dir, '--format', 'xml'],
    stderr: /option '--format <format>' argument 'xml' is invalid.*table, json, csv/s,
  },
  {
    name: 'a bad --new-since',
    args: (dir) => ['users', '--data-dir', dir, '--new-since', 'last tuesday'],
    stderr: /option '--new-since <when>' argument 'last tuesday' is invalid\. expected a duration such as 7d/,
  },
  {
    name: 'a missing TORQ_CLIENT_SECRET',
    args: (dir) => ['poll', '--connector', 'c1', '--data-dir', dir, '--api-url', 'http://127.0.0.1:9/public/v1alpha', '--auth-url', 'http://127.0.0.1:9/v1/auth/token'],
    env: { TORQ_CLIENT_ID: 'usage-client-id-value' },
    stderr: /environment variable TORQ_CLIENT_SECRET is not set/,
    notEchoed: 'usage-client-id-value',
  },
  {
    name: 'plain http to a host that is not loopback',
    args: (dir) => ['poll', '--connector', 'c1', '--data-dir', dir, '--api-url', 'http://example.com/public/v1alpha'],
    env: VALID_CREDENTIALS,
    stderr: /--api-url.*plain http is allowed only to loopback/,
    notEchoed: 'example.com',
  },
  {
    name: '--api-url off the Torq hosts without --auth-url',
    args: (dir) => ['poll', '--connector', 'c1', '--data-dir', dir, '--api-url', 'http://127.0.0.1:9/public/v1alpha'],
    env: VALID_CREDENTIALS,
    stderr: /--api-url\) is not on a Torq region host: give the token endpoint too \(authUrl, --auth-url\)/,
    notEchoed: '127.0.0.1:9',
  },
  {
    name: 'a --table name DynamoDB would refuse',
    args: (dir) => ['users', '--data-dir', dir, '--table', 't1', '--endpoint', 'http://127.0.0.1:9'],
    stderr: /option '--table <name>' argument 't1' is invalid\. expected a DynamoDB table name/,
  },
  {
    name: 'an --endpoint that is not a URL',
    args: (dir) => ['users', '--data-dir', dir, '--table', 'inventory', '--endpoint', 'garbage'],
    stderr: /option '--endpoint <url>' argument 'garbage' is invalid\. expected a URL/,
  },
  {
    name: 'a connector id a deployment would refuse',
    args: (dir) => ['poll', '--data-dir', dir, '--connector', 'My.Torq'],
    stderr: /option '--connector <id>' argument 'My\.Torq' is invalid\. expected 1-48 lower-case letters/,
  },
  {
    name: 'a removal share of 0',
    args: (dir) => ['poll', '--data-dir', dir, '--connector', 'c1', '--max-removal-share', '0'],
    stderr: /option '--max-removal-share <share>' argument '0' is invalid\. expected a share above 0/,
  },
  {
    name: 'a request ceiling of 0',
    args: (dir) => ['poll', '--data-dir', dir, '--connector', 'c1', '--max-requests-per-second', '0'],
    stderr: /option '--max-requests-per-second <n>' argument '0' is invalid\. expected a positive number/,
  },
  {
    name: 'a simulated rate limit of 0',
    args: () => ['simulate', '--enforce-rate-limit', '0'],
    stderr: /option '--enforce-rate-limit <n>' argument '0' is invalid\. expected a whole number of requests per second of at least 1/,
  },
  {
    name: '--table with no AWS region anywhere',
    args: (dir) => ['users', '--data-dir', dir, '--table', 'inventory'],
    env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, AWS_PROFILE: undefined, AWS_CONFIG_FILE: '/nonexistent/rollcall-test' },
    stderr: /--table needs an AWS region/,
  },
  {
    name: '--endpoint without --table',
    args: (dir) => ['users', '--data-dir', dir, '--endpoint', 'http://127.0.0.1:9'],
    stderr: /--endpoint needs --table/,
  },
];

const COMMANDS = ['poll', 'users', 'connectors', 'reconnect', 'runs', 'simulate', 'demo'] as const;

describe.concurrent('rollcall usage', () => {
  it('errors exit 2 with a message on stderr naming what is wrong', async ({ expect }) => {
    const dataDir = await bed.tempDir();
    const runs = await Promise.all(USAGE_CASES.map((usage) => runCli(usage.args(dataDir), usage.env ?? {})));

    USAGE_CASES.forEach((usage, index) => {
      const run = runs[index] as CliRun;
      expect({ case: usage.name, code: run.code, stdout: run.stdout }).toEqual({ case: usage.name, code: 2, stdout: '' });
      expect(run.stderr, usage.name).toMatch(usage.stderr);
      if (usage.notEchoed !== undefined) expect(run.stderr, usage.name).not.toContain(usage.notEchoed);
    });
  });

  it('--help prints usage for every command and --version the version, exiting 0', async ({ expect }) => {
    const [version, ...helps] = await Promise.all([
      runCli(['--version']),
      ...COMMANDS.map((command) => runCli([command, '--help'])),
    ]);

    expect(version?.code).toBe(0);
    const { version: packageVersion } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version?.stdout).toBe(`${packageVersion}\n`);
    COMMANDS.forEach((command, index) => {
      const help = helps[index] as CliRun;
      expect({ command, code: help.code, stderr: help.stderr }).toEqual({ command, code: 0, stderr: '' });
      expect(help.stdout).toContain(`Usage: rollcall ${command} [options]`);
      expect(help.stdout).toContain('--help');
    });
    expect(helps[0]?.stdout).toMatch(/--connector <id>[\s\S]*--json/);
    expect(helps[1]?.stdout).toMatch(/--new-since <when>[\s\S]*--include-removed[\s\S]*--format <format>/);
  });
});
