import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { loadFeatureFlags } from '../../../src/config/feature-flags';
import { ComplianceChecks, ComplianceReportJson, PACK_NAMES } from '../../../src/synth/compliance/compliance-checks';
import { isFullSentence } from '../../../src/synth/compliance/suppressions';
import { addDeliveryPipeline } from '../../../src/synth/delivery-app';
import { PROJECT_SUPPRESSIONS } from '../../../src/synth/project-suppressions';
import { ServiceStage } from '../../../src/synth/workload/service-stage';
import { REPO_ROOT } from '../../support/repo-root';
import { sampleAssembly, SampleAssembly } from '../../support/sample-assembly';
import { DEV_AND_PROD, sampleConfigWith, testApp } from '../../support/test-app';
import { buildStage, sampleEnvironment } from '../workload/support';

/**
 * Suppressions per pack over the whole sample app (pipeline, support stack, 5 stages).
 * A new suppression must change this number consciously (and say why in its reason).
 */
const EXPECTED_SUPPRESSIONS: Record<string, number> = {
  // HIPAA/PCI +7 each: every Aurora instance turns automatic minor upgrades off (LTS engine pin).
  // +16/+2/+4/+4: the two prod termination-protection CodeBuild projects get the same
  // per-project suppressions as every other CodeBuild project of the pipeline.
  // +5 NIST/HIPAA/PCI: each stage's task role re-reads the database secret (inline CDK grant).
  // -2 NIST/HIPAA/PCI: the sample prod serves HTTPS, so no HTTP-only listener suppressions.
  // +2/+4/+4/+2: the secondary region's secret-replica custom resource (prod-us-east-2): IAM5 on
  // the primary key found by alias and IAM4 on its function's logging policy (AwsSolutions);
  // inline CDK grant, concurrency, DLQ and VPC on the deploy-time function (frameworks).
  // +8/+1/+2/+2: the prod bake's CodeBuild project (issue 17) gets the same per-project
  // suppressions as the change report's, another CodeBuildStep of CDK Pipelines.
  // +1 NIST/HIPAA/PCI: the image replica's creation role in us-east-2 (inline CDK grant);
  // counted by the synth of main merged with the image replication branch.
  // Progressive deployment, per prod stage (x2): AwsSolutions +2 (IAM5 on the hook role's ENI
  // actions and on ECS's load-balancer role's Describe actions); NIST/HIPAA +7 (3 inline
  // policies, LambdaDLQ, LambdaConcurrency, the 2 unreadable NAT-address CIDRs); PCI +5.
  // +1 AwsSolutions per prod stage (x2, issue 27): IAM5 on the hook role's
  // ecs:ListServiceDeployments over the services of its own cluster (the bound on its retries).
  // Issue 26, per prod stage (x2): AwsSolutions +2 (RDS10: protection after the first create;
  // IAM5 on the deletion-protection role's one Describe; IAM4 on ECS's load-balancer role, now the
  // AWS managed policy, which drops the IAM5 on its former copy); NIST/HIPAA +2 (RDS and ELB
  // deletion protection after the first create; the deletion-protection role's inline policy
  // replaces the load-balancer role's inline copy); PCI 0 (the same swap of one inline policy).
  // Delivery metrics and drift check (issue 29), two functions in the pipeline account: AwsSolutions
  // +2 (IAM5 on PutMetricData, which takes no resource); NIST/HIPAA +9 (2 inline policies, 2
  // LambdaDLQ, 2 LambdaConcurrency, 2 LambdaInsideVPC, the claim table's backup plan); PCI +4.
  // +1/+3/+3/+1: the secondary region's standby rotation function (issue 27, prod-us-east-2):
  // IAM5 on GetRandomPassword and the ENI actions; its inline CDK grant, DLQ and concurrency.
  // Issue 33: AwsSolutions +1 (IAM5 on the image gate's provenance records of its repository).
  // Issues 30 and 33: the change report, the two protection steps and the bake leave their
  // CodeBuild projects (whose per-project suppressions go) for Commands actions with roles of
  // their own (IAM5 on the artifact wildcards and their log streams, a CDK inline grant), and
  // the prod stages get the roles those steps assume (IAM5 on their stage-scoped patterns,
  // inline policy) in place of the deletion-protection role; self-mutation's gate check reads
  // the deployed template and the approval records (IAM5 on both patterns, same resource):
  // AwsSolutions -3, NIST +3, HIPAA -1, PCI -1. The scheduled drift check reads each stage
  // through a drift role of its own (issue 33) instead of the CDK lookup role: per stage IAM4
  // on ReadOnlyAccess and the inline Deny of data reads: +5 each.
  // Audit tier (issue 28), per prod stage (x2): AwsSolutions +4 (IAM5 on the replication role's
  // source objects, replica objects and replica key found by alias; IAM5 on Firehose's objects);
  // NIST/HIPAA/PCI +8.5 each, 17 in all: the inline policies of the replication, Firehose and
  // subscription roles (x2) and of the trail's CloudWatch Logs role (primary only), replication on
  // the replica bucket (its end of the line), and the S3-managed encryption and no replication of
  // the two new server access-log buckets (the Service stack's and the replica stack's).
  // Both together (the step roles of issues 30/33 beside the audit tier of issue 28): the
  // AuditReplica stacks' roles and buckets as above; measured after the merge.
  // Issue 32 (the token issuer), +21/+44/+44/+18:
  // - each issuer stage (dev-us-east-1, test-us-east-1, prod-us-east-1; x3): COG8 (no Plus plan
  //   for an M2M pool), IAM4 on the custom-resource function that reads the checks' client
  //   secret once, IAM5 on the rotation role's ENI actions (AwsSolutions +3); that function's and
  //   the rotation's inline policy, concurrency and DLQ, the custom-resource function outside the
  //   VPC (NIST/HIPAA +7); inline policies and outside the VPC (PCI +3);
  // - every stage (x5): the assertions' token function: IAM5 on its ENI actions (AwsSolutions
  //   +1), its inline policy, concurrency and DLQ (NIST/HIPAA +3), its inline policy (PCI +1);
  // - each stage outside the issuer region (test-us-east-2, prod-us-east-2; x2): the issuer
  //   lookup (IAM5 on DescribeUserPoolDomain, IAM4 on its function) and the token function's
  //   cross-region key statement (AwsSolutions +3); the lookup's inline policy and its function's
  //   concurrency, DLQ and VPC (NIST/HIPAA +4); inline policy and VPC (PCI +2);
  // - prod-us-east-2's pre-traffic hook reads the credentials across regions: IAM5 on the key (+1).
  'AwsSolutions': 166,
  'NIST.800.53.R5': 182,
  'HIPAA.Security': 192,
  'PCI.DSS.321': 137,
};

/** Every template of an assembly, nested stage assemblies included. */
function templatesOf(assembly: CloudAssembly): { name: string; template: any }[] {
  const out: { name: string; template: any }[] = [];
  for (const stack of assembly.stacks) out.push({ name: stack.stackName, template: stack.template });
  for (const nested of assembly.nestedAssemblies) out.push(...templatesOf(nested.nestedAssembly));
  return out;
}

/**
 * The tests of one deliberate violation: every pack reports an error on it, and it is the only
 * error. `build` adds the violating bucket, applies the packs, synthesizes, and returns both.
 */
function violationTests(where: string, build: () => { compliance: ComplianceChecks; violationPath: string }): void {
  let compliance: ComplianceChecks;
  let violationPath: string;
  beforeAll(() => { ({ compliance, violationPath } = build()); });

  test.each(PACK_NAMES)(`%s reports an error on the violating bucket in ${where}`, (pack) => {
    expect(compliance.logger.errors.filter((e) => e.pack === pack && e.path === violationPath).length).toBeGreaterThan(0);
  });

  test('the violation is the only error, there is no rule failure, and the error report names it', () => {
    expect(compliance.logger.errors.filter((e) => e.path !== violationPath)).toEqual([]);
    expect(compliance.logger.ruleFailures).toEqual([]);
    expect(compliance.errorReport()).toContain(violationPath);
  });
}

describe('a deliberate violation in a PROD stage stack fails every pack', () => {
  violationTests('the prod stage', () => {
    const stage = buildStage(sampleEnvironment('prod'), 'us-east-2');
    // Unencrypted, unlogged, public-access unblocked, no TLS policy: every pack objects.
    const violationPath = new s3.CfnBucket(stage.data, 'Violation').node.path;
    const compliance = new ComplianceChecks({ suppressions: PROJECT_SUPPRESSIONS });
    compliance.applyTo(stage);
    stage.synth();
    return { compliance, violationPath };
  });
});

describe('a deliberate violation in the pipeline stack fails every pack', () => {
  violationTests('the pipeline stack', () => {
    // The app as src/main.ts builds it (on a two-stage config: quicker), plus one violation.
    const app: App = testApp();
    const { pipeline, compliance } = addDeliveryPipeline(app, { config: sampleConfigWith(DEV_AND_PROD), commit: 'abc1234', featureFlags: loadFeatureFlags(REPO_ROOT) });
    const violationPath = new s3.CfnBucket(pipeline, 'Violation').node.path;
    app.synth();
    return { compliance, violationPath };
  });
});

describe('the sample app as `npx projen synth` wrote it: pipeline, support and every stage stack', () => {
  let sample: SampleAssembly;
  let report: ComplianceReportJson;
  let templates: { name: string; template: any }[];

  beforeAll(() => {
    sample = sampleAssembly();
    report = JSON.parse(fs.readFileSync(path.join(sample.directory, 'compliance-report.json'), 'utf8'));
    templates = templatesOf(new CloudAssembly(sample.directory));
  });

  test('every stack of the app was checked: 5 stages x (Platform, Service, Assertions), the 2 prod audit replicas, the pipeline, the support stack, the image region stack', () => {
    // The cross-region support stack (us-east-2); for its own region CodePipeline uses the pipeline stack.
    const support = sample.supportStacks.map((s) => s.stackName);
    expect(support).toEqual(['DeliveryPipeline-support-us-east-2']);
    // The replica's creation template in us-east-2 (the pipeline account).
    const imageRegions = sample.imageRegionStacks.map((s) => s.stackName);
    expect(imageRegions).toEqual(['DeliveryPipeline-Images-us-east-2']);
    const expected = ['DeliveryPipeline', ...support, ...imageRegions];
    for (const stage of sample.stages) {
      for (const stack of ['Platform', 'Service', 'Assertions']) expected.push(`${stage.name}-${stack}`);
    }
    // Each prod region's copy of its audit bucket, in the other region (a stack of the same stage).
    expected.push('prod-us-east-1-AuditReplica-us-east-2', 'prod-us-east-2-AuditReplica-us-east-1');
    expect(sample.stages).toHaveLength(5);
    expect(expected).toContain('dev-us-east-1-Platform');
    expect(expected).toContain('prod-us-east-2-Service');
    // ...and nothing in the assembly escaped the packs.
    expect(templates.map((t) => t.name).sort()).toEqual([...expected].sort());
    expect(report.stacksChecked).toEqual([...expected].sort());
  });

  test('no unsuppressed error, and suppressions per pack are exactly the reviewed numbers', () => {
    expect(report.errors).toEqual([]);
    expect(report.suppressionCounts).toEqual(EXPECTED_SUPPRESSIONS);
  });

  test('no suppression is stack-wide, and every reason is a full sentence (>= 8 words, ends with a period)', () => {
    let resourceSuppressions = 0;
    for (const { name, template } of templates) {
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

  test('the suppression code uses neither stack-wide suppressions nor applyToChildren, and only the mechanism calls cdk-nag', () => {
    const mechanism = path.join('src', 'synth', 'compliance', 'suppressions.ts');
    const source = fs.readFileSync(path.join(REPO_ROOT, mechanism), 'utf8');
    expect(source).not.toMatch(/addStackSuppressions|addResourceSuppressionsByPath/);
    expect(source.match(/NagSuppressions\.addResourceSuppressions\([^;]*\)/g)).toEqual(['NagSuppressions.addResourceSuppressions(l1, suppressions.flat(), false)']);
    const others = listSourceFiles(path.join(REPO_ROOT, 'src')).filter((f) => path.relative(REPO_ROOT, f) !== mechanism);
    expect(others.filter((f) => /NagSuppressions|applyToChildren/.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative(REPO_ROOT, f))).toEqual([]);
  });

  test('the report lists every suppression per pack with its reason', () => {
    const markdown = fs.readFileSync(path.join(sample.directory, 'compliance-report.md'), 'utf8');
    for (const pack of PACK_NAMES) expect(markdown).toContain(`## ${pack} (${EXPECTED_SUPPRESSIONS[pack]})`);
    expect(markdown).toContain('HTTP-only mode is documented');
    expect(report.suppressions.every((r) => isFullSentence(r.reason ?? ''))).toBe(true);
  });
});

describe('HTTPS mode: the HTTP listener findings are not suppressed away', () => {
  test('with a domain the stage passes without the HTTP-only suppressions', () => {
    const env = sampleEnvironment('prod', { domain: { zoneName: 'prod.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordName: 'api' } });
    const stage: ServiceStage = buildStage(env, 'us-east-1');
    const compliance = new ComplianceChecks({ suppressions: PROJECT_SUPPRESSIONS });
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

test('the README states the suppression counts the tests assert', () => {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const table = readme.split('<!-- suppression-counts -->')[1];
  for (const [pack, count] of Object.entries(EXPECTED_SUPPRESSIONS)) {
    expect(table).toMatch(new RegExp(`\\| ${pack.replace(/\./g, '\\.')} \\| ${count} \\|`));
  }
});

function listSourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return listSourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}
