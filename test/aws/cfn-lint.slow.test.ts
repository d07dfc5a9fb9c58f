/**
 * cfn-lint on the synthesized template: errors fail the suite, and only the warnings listed
 * below (each with its reason) are accepted. The region lists of lib/region-support.ts are
 * recomputed from the installed cfn-lint's region data, and the template is linted for every
 * region cfn-lint knows.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDeploymentConfig } from '../../lib/deployment-config.ts';
import { REGIONS_WITHOUT_EVENT_ARCHIVE, REGIONS_WITHOUT_EVENT_BUS_DESCRIPTION } from '../../lib/region-support.ts';
import { RollcallStack } from '../../lib/rollcall-stack.ts';
import { synthesizeStack } from '../lib/stack-fixture.ts';
import { requireCfnLint } from './tools.ts';

const run = promisify(execFile);

/** Warnings accepted, by rule id, with the reason. Anything else fails. */
const ACCEPTED_WARNINGS: Readonly<Record<string, string>> = {
  W3005:
    "CDK's Function adds DependsOn on its role next to the GetAtt of the role's ARN (to order the role's default policy before the function); redundant, harmless.",
};

interface Finding {
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Message: string;
  readonly Rule: { readonly Id: string };
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rollcall-cfn-lint-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function lint(template: Template, name: string, regions: readonly string[]): Promise<Finding[]> {
  // Checked by every test, so that each one fails (none is skipped) on a machine without cfn-lint.
  const cfnLint = requireCfnLint();
  const file = join(dir, `${name}.template.json`);
  await writeFile(file, JSON.stringify(template.toJSON(), null, 1));
  try {
    await run(cfnLint, ['--format', 'json', '--regions', ...regions, '--', file], { maxBuffer: 16 * 1024 * 1024 });
    return [];
  } catch (error) {
    // cfn-lint exits non-zero whenever it reports anything; its findings are on stdout.
    const stdout = (error as { stdout?: string }).stdout ?? '';
    if (!stdout.trim().startsWith('[')) throw error;
    return JSON.parse(stdout) as Finding[];
  }
}

function templateFor(extra: Record<string, unknown>): Template {
  const config = parseDeploymentConfig({ connectors: [{ id: 'torq', app: 'torq' }], ...extra });
  return Template.fromStack(new RollcallStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Rollcall', { config }));
}

const errorsOf = (findings: readonly Finding[]) => findings.filter((finding) => finding.Level === 'Error');
const unacceptedWarnings = (findings: readonly Finding[]) =>
  findings.filter((finding) => finding.Level === 'Warning' && !(finding.Rule.Id in ACCEPTED_WARNINGS));

describe('cfn-lint', { timeout: 180_000 }, () => {
  it('finds no error and no unaccepted warning in the synthesized template', async () => {
    const findings = await lint(synthesizeStack().template, 'fixture', ['us-east-1']);

    expect(errorsOf(findings)).toEqual([]);
    expect(unacceptedWarnings(findings)).toEqual([]);
  });

  it('finds no error and no unaccepted warning with provisioning enabled (its function, role and rule)', async () => {
    const template = templateFor({ connectors: [{ id: 'torq', app: 'torq' }, { id: 'tg', app: 'twingate', network: 'acme', provisioning: true }] });
    expect(template.findResources('AWS::Events::Rule')).not.toEqual({});
    const findings = await lint(template, 'provisioning', ['us-east-1']);

    expect(errorsOf(findings)).toEqual([]);
    expect(unacceptedWarnings(findings)).toEqual([]);
  });

  it("agrees with lib/region-support.ts on which regions lack the archive or the bus description", async () => {
    const script = [
      'import importlib, json, os',
      'import cfnlint, cfnlint.helpers as h',
      "base = os.path.join(os.path.dirname(cfnlint.__file__), 'data', 'schemas')",
      'no_archive, no_description = [], []',
      'for region in h.REGIONS:',
      "    types = importlib.import_module('cfnlint.data.schemas.providers.' + region.replace('-', '_')).types",
      "    if 'AWS::Events::Archive' not in types: no_archive.append(region)",
      "    bus = json.load(open(os.path.join(base, 'resources', types['AWS::Events::EventBus'] + '.json')))",
      "    if 'Description' not in bus['properties']: no_description.append(region)",
      "print(json.dumps({'regions': h.REGIONS, 'noArchive': no_archive, 'noDescription': no_description}))",
    ].join('\n');
    requireCfnLint();
    const { stdout } = await run('python3', ['-c', script]);
    const data = JSON.parse(stdout) as { regions: string[]; noArchive: string[]; noDescription: string[] };

    expect(data.regions.length).toBeGreaterThan(40);
    expect([...data.noArchive].sort()).toEqual([...REGIONS_WITHOUT_EVENT_ARCHIVE].sort());
    expect([...data.noDescription].sort()).toEqual([...REGIONS_WITHOUT_EVENT_BUS_DESCRIPTION].sort());
  });

  it('region-agnostic: deploys in every region cfn-lint knows, except the archive where there are none', async () => {
    const withArchive = errorsOf(await lint(templateFor({}), 'agnostic', ['ALL_REGIONS']));
    expect(withArchive.map((finding) => finding.Rule.Id)).toEqual(REGIONS_WITHOUT_EVENT_ARCHIVE.map(() => 'E3006'));
    for (const region of REGIONS_WITHOUT_EVENT_ARCHIVE) {
      expect(withArchive.map((finding) => finding.Message)).toContain(`Resource type 'AWS::Events::Archive' does not exist in '${region}'`);
    }

    const findings = await lint(templateFor({ eventArchive: false }), 'agnostic-no-archive', ['ALL_REGIONS']);
    expect(errorsOf(findings)).toEqual([]);
    expect(unacceptedWarnings(findings)).toEqual([]);
  });

  it('pinned to a region: clean in the regions that lack something, and in one that lacks nothing', async () => {
    for (const awsRegion of [...REGIONS_WITHOUT_EVENT_ARCHIVE, ...REGIONS_WITHOUT_EVENT_BUS_DESCRIPTION, 'eu-west-1']) {
      const findings = await lint(templateFor({ awsRegion }), awsRegion, [awsRegion]);
      expect({ awsRegion, errors: errorsOf(findings), warnings: unacceptedWarnings(findings) }).toEqual({ awsRegion, errors: [], warnings: [] });
    }
  });
});
