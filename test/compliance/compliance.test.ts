import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { ComplianceChecks, PACK_NAMES, suppressionCounts } from '../../src/compliance/compliance-checks';
import { isFullSentence } from '../../src/compliance/suppressions';
import { PipelineStack } from '../../src/pipeline/pipeline-stack';
import { ServiceStage } from '../../src/workload/service-stage';
import { COMMITTED_CONTEXT, sampleConfig, testApp } from '../support/test-app';
import { buildStage, sampleEnvironment } from '../workload/support';

/**
 * Suppressions per pack over the whole sample app (pipeline, support stack, 5 stages).
 * A new suppression must change this number consciously (and say why in its reason).
 */
const EXPECTED_SUPPRESSIONS: Record<string, number> = {
  'AwsSolutions': 95,
  'NIST.800.53.R5': 73,
  'HIPAA.Security': 78,
  'PCI.DSS.321': 65,
};

/** Every template of an assembly, nested stage assemblies included. */
function templatesOf(assembly: CloudAssembly): { name: string; template: any }[] {
  const out: { name: string; template: any }[] = [];
  for (const stack of assembly.stacks) out.push({ name: stack.stackName, template: stack.template });
  for (const nested of assembly.nestedAssemblies) out.push(...templatesOf(nested.nestedAssembly));
  return out;
}

describe('a deliberate violation in a PROD stage stack fails every pack', () => {
  let compliance: ComplianceChecks;
  let violationPath: string;

  beforeAll(() => {
    const stage = buildStage(sampleEnvironment('prod'), 'us-east-2');
    // Unencrypted, unlogged, public-access unblocked, no TLS policy: every pack objects.
    violationPath = new s3.CfnBucket(stage.data, 'Violation').node.path;
    compliance = new ComplianceChecks();
    compliance.applyTo(stage);
    stage.synth();
  });

  test.each(PACK_NAMES)('%s reports an error on the violating bucket', (pack) => {
    expect(compliance.logger.errors.filter((e) => e.pack === pack && e.path === violationPath).length).toBeGreaterThan(0);
  });

  test('nothing else in the prod stage is an error or a rule failure', () => {
    expect(compliance.logger.errors.filter((e) => e.path !== violationPath)).toEqual([]);
    expect(compliance.logger.ruleFailures).toEqual([]);
    expect(compliance.errorReport()).toContain(violationPath);
  });
});

describe('the pipeline app: pipeline, support and every stage stack', () => {
  let compliance: ComplianceChecks;
  let assembly: CloudAssembly;
  let pipeline: PipelineStack;
  let violationPath: string;

  beforeAll(() => {
    const app: App = testApp();
    compliance = new ComplianceChecks();
    pipeline = new PipelineStack(app, 'DeliveryPipeline', { config: sampleConfig(), commit: 'abc1234', compliance });
    violationPath = new s3.CfnBucket(pipeline, 'Violation').node.path;
    compliance.applyTo(app);
    assembly = app.synth();
  });

  test.each(PACK_NAMES)('%s reports an error on a violating bucket in the pipeline stack', (pack) => {
    expect(compliance.logger.errors.filter((e) => e.pack === pack && e.path === violationPath).length).toBeGreaterThan(0);
  });

  test('the violation is the only error anywhere', () => {
    expect(compliance.logger.errors.filter((e) => e.path !== violationPath)).toEqual([]);
    expect(compliance.logger.ruleFailures).toEqual([]);
  });

  test('every stack of the app was checked: 5 stages x (Platform, Service, Assertions), the pipeline, the support stack', () => {
    // The cross-region support stack (us-east-2); for its own region CodePipeline uses the pipeline stack.
    const support = Object.values(pipeline.pipeline.pipeline.crossRegionSupport)
      .map((s) => s.stack).filter((s) => s !== pipeline).map((s) => s.stackName);
    expect(support).toEqual(['DeliveryPipeline-support-us-east-2']);
    const expected = ['DeliveryPipeline', ...support];
    for (const stage of pipeline.stages) {
      for (const stack of ['Platform', 'Service', 'Assertions']) expected.push(`${stage.stageName}-${stack}`);
    }
    expect(expected).toContain('dev-us-east-1-Platform');
    expect(expected).toContain('prod-us-east-2-Service');
    for (const name of expected) expect(compliance.logger.stacksChecked).toContain(name);
    // ...and nothing in the assembly escaped the packs.
    const stacks = templatesOf(assembly).map((t) => t.name);
    expect(stacks.sort()).toEqual([...expected].sort());
    expect([...compliance.logger.stacksChecked].sort()).toEqual([...expected].sort());
  });

  test('suppressions per pack are exactly the reviewed numbers', () => {
    expect(suppressionCounts(compliance.logger.suppressions)).toEqual(EXPECTED_SUPPRESSIONS);
  });

  test('no suppression is stack-wide, and every reason is a full sentence (>= 8 words, ends with a period)', () => {
    let resourceSuppressions = 0;
    for (const { name, template } of templatesOf(assembly)) {
      expect({ name, stackWide: template.Metadata?.cdk_nag }).toEqual({ name, stackWide: undefined });
      for (const [id, resource] of Object.entries<any>(template.Resources ?? {})) {
        for (const s of resource.Metadata?.cdk_nag?.rules_to_suppress ?? []) {
          resourceSuppressions++;
          expect({ where: `${name}/${id}`, id: s.id, reason: s.reason, ok: isFullSentence(s.reason) })
            .toEqual({ where: `${name}/${id}`, id: s.id, reason: s.reason, ok: true });
          if (/IAM5$/.test(s.id)) expect(s.applies_to?.length).toBeGreaterThan(0);
        }
        for (const [rule, reason] of Object.entries<string>(resource.Metadata?.guard?.Reasons ?? {})) {
          expect({ where: `${name}/${id}`, rule, ok: isFullSentence(reason) }).toEqual({ where: `${name}/${id}`, rule, ok: true });
        }
      }
    }
    expect(resourceSuppressions).toBeGreaterThan(0);
  });

  test('the suppression code uses neither stack-wide suppressions nor applyToChildren', () => {
    const source = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'compliance', 'suppressions.ts'), 'utf8');
    expect(source).not.toMatch(/addStackSuppressions|addResourceSuppressionsByPath/);
    expect(source.match(/NagSuppressions\.addResourceSuppressions\([^;]*\)/g)).toEqual(['NagSuppressions.addResourceSuppressions(l1, suppressions.flat(), false)']);
  });

  test('the report lists every suppression per pack with its reason', () => {
    const report = compliance.suppressionReport();
    for (const pack of PACK_NAMES) expect(report).toContain(`## ${pack} (${EXPECTED_SUPPRESSIONS[pack]})`);
    expect(report).toContain('HTTP-only mode is documented');
  });
});

describe('HTTPS mode: the HTTP listener findings are not suppressed away', () => {
  test('with a domain the stage passes without the HTTP-only suppressions', () => {
    const env = sampleEnvironment('prod', { domain: { zoneName: 'prod.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordName: 'api' } });
    const stage: ServiceStage = buildStage(env, 'us-east-1');
    const compliance = new ComplianceChecks();
    compliance.applyTo(stage);
    stage.synth();
    expect(compliance.logger.errors).toEqual([]);
    // HTTPS listener and redirect pass the redirect rule on their own; only the redirect-only
    // port-80 listener is excused from carrying a certificate.
    const listenerSuppressions = compliance.logger.suppressions.filter((s) => /ALBHttpToHttpsRedirection|ELBv2ACMCertificateRequired/.test(s.ruleId));
    expect(listenerSuppressions.map((s) => `${s.ruleId} ${s.path}`).sort()).toEqual(
      ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'].map((p) => `${p}-ELBv2ACMCertificateRequired prod-us-east-1/Platform/Edge/LoadBalancer/HttpRedirect/Resource`));
  });
});

describe('the real app, end to end', () => {
  test('synthesizes the sample config with exit 0 and writes the compliance report', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'compliance-e2e-'));
    try {
      const run = spawnSync('node', ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
        cwd: path.join(__dirname, '..', '..'),
        env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(COMMITTED_CONTEXT) },
        encoding: 'utf8',
      });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      const report = fs.readFileSync(path.join(outdir, 'compliance-report.md'), 'utf8');
      for (const pack of PACK_NAMES) expect(report).toContain(`| ${pack} | ${EXPECTED_SUPPRESSIONS[pack]} | 0 |`);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);
});

test('the README states the suppression counts the tests assert', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const table = readme.split('<!-- suppression-counts -->')[1];
  for (const [pack, count] of Object.entries(EXPECTED_SUPPRESSIONS)) {
    expect(table).toMatch(new RegExp(`\\| ${pack.replace(/\./g, '\\.')} \\| ${count} \\|`));
  }
});
