/**
 * The CDK app as the CDK CLI runs it (`cdk.json`'s `app` command, context passed in
 * CDK_CONTEXT_JSON, output to CDK_OUTDIR), with no AWS credentials, profile or region.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
let outdir: string;
let cdkJson: { app: string; context: Record<string, unknown> };

beforeAll(async () => {
  outdir = await mkdtemp(join(tmpdir(), 'rollcall-cdk-out-'));
  cdkJson = JSON.parse(await readFile('cdk.json', 'utf8')) as typeof cdkJson;
});

afterAll(async () => {
  await rm(outdir, { recursive: true, force: true });
});

/** Runs the app command of cdk.json with only PATH and HOME from this environment: no AWS_* at all. */
async function synth(context: Record<string, unknown>, extraEnv: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  const [command, ...args] = cdkJson.app.split(' ');
  try {
    const { stderr } = await run(command ?? 'node', args, {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: outdir,
        CDK_OUTDIR: outdir,
        // Bundling is covered by the bundle test; here it would only cost time.
        CDK_CONTEXT_JSON: JSON.stringify({ ...context, 'aws:cdk:bundling-stacks': [] }),
        ...extraEnv,
      },
    });
    return { code: 0, stderr };
  } catch (error) {
    const failure = error as { code?: number; stderr?: string };
    return { code: failure.code ?? -1, stderr: failure.stderr ?? '' };
  }
}

// Each test synthesizes in a child process: seconds alone, tens of seconds on a loaded 2-core machine.
describe('the CDK app (cdk.json)', { timeout: 120_000 }, () => {
  it('synthesizes the Rollcall stack from the committed context, offline, with cdk-nag passing', async () => {
    const result = await synth(cdkJson.context);

    expect(result.code).toBe(0);
    const template = JSON.parse(await readFile(join(outdir, 'Rollcall.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
    expect(Object.values(template.Resources).map((resource) => resource.Type)).toEqual(
      expect.arrayContaining(['AWS::DynamoDB::Table', 'AWS::Lambda::Function', 'AWS::Scheduler::Schedule', 'Custom::RollcallDeclaredConnectors']),
    );
    const report = JSON.parse(await readFile(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(report.pluginReports).toEqual([]);
  });

  it('stops with exit code 2 and the field at fault when the context is wrong', async () => {
    const result = await synth({ rollcall: { connectors: [{ id: 'torq', app: 'torq', region: 'asia' }] } });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('rollcall: cdk.json context "rollcall": connectors.0: field region: expected one of us, eu');
  });

  it("takes the CDK CLI's region (CDK_DEFAULT_REGION) and leaves out what CloudFormation there lacks", async () => {
    const result = await synth(cdkJson.context, { CDK_DEFAULT_REGION: 'ca-west-1' });

    expect(result.code).toBe(0);
    const template = JSON.parse(await readFile(join(outdir, 'Rollcall.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
    const types = Object.values(template.Resources).map((resource) => resource.Type);
    expect(types).toContain('AWS::Events::EventBus');
    expect(types).not.toContain('AWS::Events::Archive');
  });

  it('synthesizes 20 connectors with 48-character ids (once more than one environment could carry) into the same resources', async () => {
    const count = async (context: Record<string, unknown>) => {
      const result = await synth(context);
      expect(result.code).toBe(0);
      const template = JSON.parse(await readFile(join(outdir, 'Rollcall.template.json'), 'utf8')) as { Resources: Record<string, unknown> };
      return Object.keys(template.Resources).length;
    };
    const connectors = Array.from({ length: 20 }, (_, index) => ({ id: `${'c'.repeat(44)}${String(index).padStart(4, '0')}`, app: 'torq' }));

    expect(await count({ rollcall: { connectors } })).toBe(await count(cdkJson.context));
  });
});
