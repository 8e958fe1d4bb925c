import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bootstrapPlan, POLICY_SOURCES, PIPELINE_POLICY_NAME, WORKLOAD_POLICY_NAME, renderPolicy, splitPolicy, MANAGED_POLICY_MAX_CHARS } from '../../../src/terminal/execution-policy/bootstrap-plan';
import { deployRequests, expandTransforms, SECRETS_MANAGER_TRANSFORM } from '../../../src/terminal/execution-policy/deploy-requests';
import { generatePolicy, wildcardReasonOf } from '../../../src/terminal/execution-policy/generate-policy';
import { HANDLER_OPERATIONS, HandlerPermissions } from '../../../src/terminal/execution-policy/handler-permissions';
import { PolicyDocument } from '../../../src/terminal/execution-policy/iam-evaluator';
import { PolicyKind } from '../../../src/terminal/execution-policy/policy-rules';
import { checkSufficiency, describeGaps, integSnapshotStacks, stacksOfAssembly, StackToCheck, unrequestedGrants } from '../../../src/terminal/execution-policy/sufficiency';
import { synthesizeVariant } from '../../../src/terminal/execution-policy/variants';
import { REPO_ROOT } from '../../support/repo-root';
import { sampleAssembly } from '../../support/sample-assembly';
import { DEV_AND_PROD, sampleConfig, sampleConfigWith } from '../../support/test-app';

/**
 * The execution policies against every template of the sample app, evaluated request by
 * request (`npx projen policy:check`, in the test command, adds the variants with a domain and
 * with one region per environment, and prints the number of pairs checked).
 */

const ROOT = REPO_ROOT;
const permissions = HandlerPermissions.load(ROOT);
const plan = bootstrapPlan(sampleConfig(), { rootDir: ROOT });
const policiesOf = (account: string): PolicyDocument[] => plan.policies.filter((p) => p.account === account).map((p) => p.document as PolicyDocument);

let stacks: Record<PolicyKind, StackToCheck[]>;
let all: StackToCheck[];
beforeAll(() => {
  stacks = stacksOfAssembly(sampleAssembly().directory);
  all = [...stacks.pipeline, ...stacks.stage];
});

/** The plan's policies with some actions taken out of every Allow statement. */
function without(actions: readonly string[]) {
  return (account: string) => policiesOf(account).map((doc) => ({
    ...doc,
    Statement: [doc.Statement].flat().map((s) => (s.Effect === 'Allow' && Array.isArray(s.Action)
      ? { ...s, Action: s.Action.filter((a: string) => !actions.includes(a)) } : s)),
  }));
}

describe('execution policies suffice for every template CloudFormation deploys with them', () => {
  test('the integ sandbox stacks (integ:deploy) are allowed by the policy of the account they deploy to', () => {
    const integ = integSnapshotStacks(ROOT);
    expect(integ.map((s) => s.stackName).sort()).toEqual(['integ-us-east-1-Assertions', 'integ-us-east-1-Platform', 'integ-us-east-1-Service']);
    expect(describeGaps(checkSufficiency(integ, policiesOf, permissions).missing)).toEqual([]);
  });

  test('integ-runner\'s working copy beside a snapshot (written while `npx projen integ` runs) is not read', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'integ-snapshots-'));
    try {
      const integDir = path.join(root, 'integ');
      fs.mkdirSync(integDir);
      fs.writeFileSync(path.join(integDir, 'integ.service-stage.ts'), '');
      fs.cpSync(path.join(ROOT, 'integ', 'integ.service-stage.ts.snapshot'), path.join(integDir, 'integ.service-stage.ts.snapshot'), { recursive: true });
      // What integ-runner leaves while it synthesizes: a directory without a manifest yet.
      fs.mkdirSync(path.join(integDir, 'cdk-integ.out.integ.service-stage.ts.snapshot'));
      expect(integSnapshotStacks(root).map((s) => s.stackName).sort()).toEqual(['integ-us-east-1-Assertions', 'integ-us-east-1-Platform', 'integ-us-east-1-Service']);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('every request of every stage, pipeline and support stack of the sample is allowed', () => {
    const result = checkSufficiency(all, policiesOf, permissions);
    expect(describeGaps([...result.missing, ...result.unevaluable])).toEqual([]);
    expect(result.unknownTypes).toEqual([]);
    expect(result.stacksChecked).toBe(all.length);
    expect(stacks.stage.length).toBeGreaterThanOrEqual(15);
    expect(result.pairsChecked).toBeGreaterThan(300);
    // The README's example of the line `npx projen bootstrap` ends with (src/terminal/ops/bootstrap-cli.ts, checkPlanPolicies).
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').replace(/\s*\n\s*/g, ' ');
    expect(/# Execution policies: checked (\d+) \(action, resource type\) pairs, (\d+) requests over (\d+) synthesized stacks against the rendered policies: all allowed/.exec(readme)?.slice(1).map(Number))
      .toEqual([result.pairsChecked, result.requestsChecked, result.stacksChecked]);
  });

  test('the policies before this check fail the first deploy: private-DNS endpoints, and with a domain the health checks', () => {
    const before = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures/execution-policy', file), 'utf8'));
    const config = sampleConfigWith([DEV_AND_PROD[0], { ...DEV_AND_PROD[1], domain: { zoneName: 'example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' } }]);
    const dir = synthesizeVariant({ name: 'dev and prod with a domain', config }, ROOT);
    try {
      const stageStacks = stacksOfAssembly(dir).stage;
      const old = renderPolicy(before('cfn-execution-policy-before-issue-15.json'), { stages: ['dev-us-east-1', 'prod-us-east-2'], pipeline: 'x' });
      const missing = new Set(checkSufficiency(stageStacks, () => [old as PolicyDocument], permissions).missing.map((g) => `${g.type} ${g.action}`));
      expect(missing).toContain('AWS::EC2::VPCEndpoint route53:AssociateVPCWithHostedZone');
      expect(missing).toContain('AWS::Route53::HealthCheck route53:CreateHealthCheck');
      // The generated policy, rendered for the same stages, allows all of it.
      const now = bootstrapPlan(config, { rootDir: ROOT }).policies.filter((p) => p.account === '444444444444').map((p) => p.document as PolicyDocument);
      const prod = stageStacks.filter((s) => s.account === '444444444444');
      expect(describeGaps(checkSufficiency(prod, () => now, permissions).missing)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each([
    ['route53:AssociateVPCWithHostedZone', 'AWS::EC2::VPCEndpoint'],
    ['ecs:CreateService', 'AWS::ECS::Service'],
    ['iam:PassRole', 'AWS::ECS::TaskDefinition'],
    ['rds:CreateDBCluster', 'AWS::RDS::DBCluster'],
    ['kms:CreateKey', 'AWS::KMS::Key'],
    ['lambda:InvokeFunction', 'Custom::VpcRestrictDefaultSG'],
    ['ssm:GetParameters', 'Template'],
    ['codepipeline:CreatePipeline', 'AWS::CodePipeline::Pipeline'],
    // The hosted-rotation transform's nested stack and what expanding it reads.
    ['cloudformation:CreateStack', 'AWS::CloudFormation::Stack'],
    ['serverlessrepo:GetCloudFormationTemplate', 'Template'],
    // Issue 16/17 types: the global database, ECS's listener rules, the registry replication.
    ['rds:CreateGlobalCluster', 'AWS::RDS::GlobalCluster'],
    ['elasticloadbalancing:CreateRule', 'AWS::ElasticLoadBalancingV2::ListenerRule'],
    ['ecr:PutReplicationConfiguration', 'AWS::ECR::ReplicationConfiguration'],
  ])('taking %s out of the policies makes the check fail for %s', (action, type) => {
    // One prod stage and the pipeline stack hold every type listed (the full sample is checked
    // above): a fifth of the requests, so the ten cases stay cheap.
    const subset = all.filter((st) => st.stackName.startsWith('prod-us-east-1-') || st.stackName === 'DeliveryPipeline');
    expect(subset.length).toBeGreaterThanOrEqual(4);
    const result = checkSufficiency(subset, without([action]), permissions);
    expect(result.missing.some((g) => g.action === action && g.type === type)).toBe(true);
  });

  test('least privilege: every action an Allow grants to the sample accounts is one a sample request needs', () => {
    // Actions only the variants need (certificates, DNS, health checks) are checked by policy:check.
    const sampleTypes = new Set(all.flatMap((s) => Object.values(s.template.Resources ?? {}).map((r) => r.Type)));
    const neededBySample = new Set([...sampleTypes].flatMap((t) => permissions.allActionsFor(t)));
    const docs = plan.policies.map((p) => p.document as PolicyDocument);
    expect(unrequestedGrants(docs, all, permissions).filter((a) => neededBySample.has(a))).toEqual([]);
  });
});

describe('the function a Lambda permission names', () => {
  const target = { stackName: 'dev-us-east-1-Assertions', account: '222222222222', region: 'us-east-1' };
  const addPermissionOn = (functionName: unknown) => deployRequests({
    Resources: { Invoke: { Type: 'AWS::Lambda::Permission', Properties: { FunctionName: functionName, Action: 'lambda:InvokeFunction', Principal: 'x' } } },
  }, target, permissions).filter((r) => r.action === 'lambda:AddPermission').map((r) => r.resource);

  test('a literal name is the function of that name in the stack\'s account and region (the checks\' token function)', () => {
    expect(addPermissionOn('transactions-dev-us-east-1-checks-token')).toEqual(['arn:aws:lambda:us-east-1:222222222222:function:transactions-dev-us-east-1-checks-token']);
  });

  test('a literal ARN is itself; an imported name is unknown (`*`, which the stage policy refuses)', () => {
    expect(addPermissionOn('arn:aws:lambda:us-east-1:222222222222:function:f')).toEqual(['arn:aws:lambda:us-east-1:222222222222:function:f']);
    expect(addPermissionOn({ 'Fn::ImportValue': 'dev-us-east-1-Service:ExportsOutputRefF' })).toEqual(['*']);
  });
});

describe('the hosted-rotation transform is checked as CloudFormation expands it', () => {
  test('each Platform stack\'s rotation schedule adds a nested stack with the rotation function, its role and invoke permission', () => {
    const platform = stacks.stage.find((s) => s.stackName === 'dev-us-east-1-Platform')!;
    expect(platform.template.Transform).toBe(SECRETS_MANAGER_TRANSFORM);
    const expanded = expandTransforms(platform.template, platform.stackName);
    const added = Object.entries(expanded.Resources ?? {}).filter(([id]) => !(id in (platform.template.Resources ?? {})));
    expect(added.map(([, r]) => r.Type).sort()).toEqual(['AWS::CloudFormation::Stack', 'AWS::IAM::Role', 'AWS::Lambda::Function', 'AWS::Lambda::Permission']);
    // The nested stack's role is named after the nested stack, so the stage's role scope covers it.
    const requests = deployRequests(platform.template, platform, permissions);
    const roleCreate = requests.find((r) => r.action === 'iam:CreateRole' && r.logicalId.endsWith('RotationRole'))!;
    expect(roleCreate.resource).toMatch(/^arn:aws:iam::222222222222:role\/dev-us-east-1-Platform-/);
    expect(requests.filter((r) => r.action === 'cloudformation:CreateChangeSet').map((r) => r.resource)).toEqual([
      'arn:aws:cloudformation:us-east-1:aws:transform/SecretsManager-2024-09-16',
      'arn:aws:cloudformation:us-east-1:aws:transform/Serverless-2016-10-31',
    ]);
  });
});

describe('the shipped policies are generated from the handler data', () => {
  const shipped = (kind: PolicyKind): PolicyDocument => JSON.parse(fs.readFileSync(path.join(ROOT,
    POLICY_SOURCES[kind === 'stage' ? WORKLOAD_POLICY_NAME : PIPELINE_POLICY_NAME]), 'utf8'));

  test.each(['stage', 'pipeline'] as const)('%s policy: no service-wide action, and every `*` resource has a written reason', (kind) => {
    for (const s of [shipped(kind).Statement].flat().filter((x) => x.Effect === 'Allow')) {
      for (const a of [s.Action ?? []].flat()) expect(a).not.toMatch(/(^\*$|:\*$)/);
      if (s.Resource === '*') {
        expect(wildcardReasonOf(kind, s)).toMatch(/^[A-Z].{40,}\.$/);
      }
    }
  });

  test.each(['stage', 'pipeline'] as const)('%s policy covers at least every action the sample\'s templates need (generation is checked by policy:check)', (kind) => {
    const types = new Set(stacks[kind].flatMap((s) => Object.values(s.template.Resources ?? {}).map((r) => r.Type)));
    const generated = generatePolicy(kind, types, permissions);
    const grantedOf = (doc: PolicyDocument) => new Set([doc.Statement].flat().filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action ?? []].flat()));
    const shippedGrants = grantedOf(shipped(kind));
    expect([...grantedOf(generated)].filter((a) => !shippedGrants.has(a))).toEqual([]);
  });

  test('rendered parts stay within IAM limits for the sample accounts', () => {
    for (const p of plan.policies) expect(splitPolicy(p.document, MANAGED_POLICY_MAX_CHARS)).toHaveLength(1);
  });
});

describe('the reviewed corrections to the handler data', () => {
  const { review, snapshot } = permissions;
  const sentence = /^[A-Z].*\S.*\.$/;

  test('the snapshot says where and when it was read, and how to refresh it', () => {
    expect(snapshot.source).toMatch(/registry/);
    expect(snapshot.readAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(snapshot.refresh).toMatch(/policy:handlers/);
  });

  test('every addition has evidence and every dropped action a reason, in a sentence of at least eight words', () => {
    const texts = [...Object.values(review.added).flat().map((a) => a.evidence), ...Object.values(review.unused).flat().map((u) => u.reason)];
    for (const text of texts) {
      expect(text).toMatch(sentence);
      expect(text.split(/\s+/).length).toBeGreaterThanOrEqual(8);
    }
  });

  test('every dropped action is really in that type\'s schema list (the review cannot go stale silently)', () => {
    for (const [type, entries] of Object.entries(review.unused)) {
      const listed = new Set(HANDLER_OPERATIONS.flatMap((op) => snapshot.types[type]?.[op] ?? []));
      for (const action of entries.flatMap((e) => e.actions)) expect(`${type} ${listed.has(action) ? 'lists' : 'does not list'} ${action}`).toBe(`${type} lists ${action}`);
    }
  });

  test('types without handler lists (pre-registry types) are covered by a reviewed entry', () => {
    const bare = Object.entries(snapshot.types).filter(([, v]) => v === null).map(([t]) => t);
    expect(bare.length).toBeGreaterThan(0);
    for (const type of bare) expect(review.added[type]?.length ?? 0).toBeGreaterThan(0);
  });
});
