import * as path from 'path';
import { CfnTemplate } from '../../../src/codebuild/change-report/template';
import { analyze, analyzeCreate, analyzeOrdering, analyzeUpdate, RollbackFinding, StackTemplate } from '../../../src/terminal/rollback/rollback-analysis';
import { assemblyStacks, directoryStacks, rollbackCli } from '../../../src/terminal/rollback/rollback-cli';
import { referencesIn, TemplateGraph } from '../../../src/terminal/rollback/template-graph';
import { REPO_ROOT } from '../../support/repo-root';
import { sampleAssembly } from '../../support/sample-assembly';

const BEFORE_FIX = path.join(REPO_ROOT, 'test/fixtures/rollback/before-issue-26');

const stack = (resources: Record<string, unknown>, stackName = 'app-Platform'): StackTemplate =>
  ({ stackName, template: { Resources: resources } as CfnTemplate });
const rulesOf = (findings: readonly RollbackFinding[]) => findings.map((f) => `${f.logicalId}:${f.rule}`).sort();

describe('the dependency graph CloudFormation creates in', () => {
  test('Ref, Fn::GetAtt (both forms), Fn::Sub and DependsOn order resources; ImportValue, parameters and Sub variables do not', () => {
    expect(referencesIn({ a: { Ref: 'A' }, b: [{ 'Fn::GetAtt': ['B', 'Arn'] }, { 'Fn::GetAtt': 'C.Arn' }] })).toEqual(['A', 'B', 'C']);
    expect(referencesIn({ 'Fn::Sub': ['${D.Arn}/${AWS::Region}/${!Literal}/${Var}', { Var: { Ref: 'E' } }] })).toEqual(['D', 'AWS::Region', 'E']);
    const graph = new TemplateGraph({
      Parameters: { P: {} },
      Resources: {
        A: { Type: 'T' },
        B: { Type: 'T', Properties: { X: { Ref: 'A' }, Y: { Ref: 'P' }, Z: { 'Fn::ImportValue': 'other-stack:Export' } } },
        C: { Type: 'T', DependsOn: 'B' },
        D: { Type: 'T', DependsOn: ['A'] },
      },
    } as CfnTemplate);
    expect([...graph.dependenciesOf('C')].sort()).toEqual(['A', 'B']);
    expect([...graph.dependentsOf('A')].sort()).toEqual(['B', 'C', 'D']);
    expect(graph.creationWaves()).toEqual([['A'], ['B', 'D'], ['C']]);
  });
});

describe('a failed create, failing at each resource in turn', () => {
  test('a deletion-protected resource fails the rollback of every failure that can happen after (or while) it is created', () => {
    const result = analyzeCreate(stack({
      Vpc: { Type: 'AWS::EC2::VPC' },
      Cluster: { Type: 'AWS::RDS::DBCluster', Properties: { DeletionProtection: true, X: { Ref: 'Vpc' } } },
      Certificate: { Type: 'AWS::CertificateManager::Certificate' },
    }));
    const [finding] = result.findings;
    expect(rulesOf(result.findings)).toEqual(['Cluster:deletion-protection']);
    // The VPC's failure comes before the cluster exists; the cluster's own and the certificate's do not.
    expect([...finding.failurePoints].sort()).toEqual(['Certificate', 'Cluster']);
    expect(result.failurePoints).toBe(3);
  });

  test('protection off, omitted, or a Retain policy (the rollback keeps the resource) is no deletion-protection finding', () => {
    for (const props of [{ DeletionProtection: false }, { DeletionProtection: 'false' }, {}]) {
      expect(analyzeCreate(stack({ Cluster: { Type: 'AWS::RDS::DBCluster', Properties: props } })).findings).toEqual([]);
    }
    expect(analyzeCreate(stack({ Db: { Type: 'AWS::RDS::DBCluster', DeletionPolicy: 'Retain', Properties: { DeletionProtection: true } } })).findings).toEqual([]);
    // Anything but a literal false cannot be shown to be off.
    const dynamic = analyzeCreate(stack({ Lb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', Properties: { LoadBalancerAttributes: [{ Key: 'deletion_protection.enabled', Value: '{{resolve:ssm:/p}}' }] } } }));
    expect(rulesOf(dynamic.findings)).toEqual(['Lb:deletion-protection']);
  });

  test('a bucket the load balancer writes its access-log test file into cannot be deleted, unless auto-delete empties it first', () => {
    const resources = {
      Logs: { Type: 'AWS::S3::Bucket' },
      Lb: {
        Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
        Properties: {
          LoadBalancerAttributes: [
            { Key: 'access_logs.s3.enabled', Value: 'true' }, { Key: 'access_logs.s3.bucket', Value: { Ref: 'Logs' } },
          ],
        },
      },
    };
    expect(rulesOf(analyzeCreate(stack(resources)).findings)).toEqual(['Logs:non-empty-bucket']);
    const emptied = { ...resources, Empty: { Type: 'Custom::S3AutoDeleteObjects', Properties: { BucketName: { Ref: 'Logs' } } } };
    expect(analyzeCreate(stack(emptied)).findings).toEqual([]);
    // Retained (generated name): kept by the rollback, blocks nothing.
    expect(analyzeCreate(stack({ ...resources, Logs: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain' } })).findings).toEqual([]);
  });

  test('a retained resource with a fixed name blocks the retry; RetainExceptOnCreate, or a name built from a generated one, does not', () => {
    const group = (policy: string, name: unknown) => ({ Type: 'AWS::Logs::LogGroup', DeletionPolicy: policy, Properties: { LogGroupName: name } });
    expect(rulesOf(analyzeCreate(stack({ G: group('Retain', 'aws-waf-logs-app') })).findings)).toEqual(['G:retained-fixed-name']);
    expect(rulesOf(analyzeCreate(stack({ G: group('Retain', { 'Fn::Sub': 'logs-${AWS::Region}' }) })).findings)).toEqual(['G:retained-fixed-name']);
    expect(analyzeCreate(stack({ G: group('RetainExceptOnCreate', 'aws-waf-logs-app') })).findings).toEqual([]);
    expect(analyzeCreate(stack({ C: { Type: 'AWS::RDS::DBCluster' }, G: group('Retain', { 'Fn::Join': ['', ['/aws/rds/', { Ref: 'C' }]] }) })).findings).toEqual([]);
  });

  test('a custom resource nobody reviewed is a finding; the reviewed ones are not', () => {
    expect(rulesOf(analyzeCreate(stack({ X: { Type: 'Custom::Unknown' } })).findings)).toEqual(['X:custom-resource-reruns']);
    expect(analyzeCreate(stack({ A: { Type: 'Custom::DeployAssert@HttpCallx' }, R: { Type: 'Custom::SecretReplica' } })).findings).toEqual([]);
  });
});

describe('a failed update to the next template', () => {
  const before = stack({ Check: { Type: 'Custom::DeployAssert@SdkCallx', Properties: { salt: 'a' } }, Replica: { Type: 'Custom::SecretReplica', Properties: { v: 1 } } });

  test('a custom resource that keeps its logical id but changes its properties runs again in the rollback, unless its Update is reviewed as harmless', () => {
    const after = stack({ Check: { Type: 'Custom::DeployAssert@SdkCallx', Properties: { salt: 'b' } }, Replica: { Type: 'Custom::SecretReplica', Properties: { v: 2 } } });
    expect(rulesOf(analyzeUpdate(before, after).findings)).toEqual(['Check:custom-resource-reruns']);
  });

  test('a check under a new logical id is only deleted by the rollback (a no-op for assertions); resources the update does not touch never fail', () => {
    const after = stack({ CheckB: { Type: 'Custom::DeployAssert@SdkCallx', Properties: { salt: 'b' } }, Replica: before.template.Resources!.Replica });
    const result = analyzeUpdate(before, after);
    expect(result.findings).toEqual([]);
    expect(result.failurePoints).toBe(1);
  });

  test('a deletion-protected resource the update adds fails the rollback too', () => {
    const after = stack({ ...before.template.Resources, Table: { Type: 'AWS::DynamoDB::Table', Properties: { DeletionProtectionEnabled: true } } });
    expect(rulesOf(analyzeUpdate(before, after).findings)).toEqual(['Table:deletion-protection']);
  });
});

describe('resources that can start before what they need exists', () => {
  const database = {
    Secret: { Type: 'AWS::SecretsManager::Secret' },
    Cluster: { Type: 'AWS::RDS::DBCluster' },
    Writer: { Type: 'AWS::RDS::DBInstance', Properties: { DBClusterIdentifier: { Ref: 'Cluster' } } },
    Attachment: { Type: 'AWS::SecretsManager::SecretTargetAttachment', Properties: { SecretId: { Ref: 'Secret' }, TargetId: { Ref: 'Cluster' }, TargetType: 'AWS::RDS::DBCluster' } },
  };
  const rotation = (extra: object = {}) => ({ Type: 'AWS::SecretsManager::RotationSchedule', Properties: { SecretId: { Ref: 'Attachment' } }, ...extra });

  test('a rotation schedule of a cluster\'s secret must wait for an instance of that cluster', () => {
    expect(rulesOf(analyzeOrdering(stack({ ...database, Rotation: rotation() })))).toEqual(['Rotation:rotation-before-instance']);
    expect(analyzeOrdering(stack({ ...database, Rotation: rotation({ DependsOn: ['Writer'] }) }))).toEqual([]);
  });

  const service = {
    LbRole: { Type: 'AWS::IAM::Role' },
    LbPolicy: { Type: 'AWS::IAM::Policy', Properties: { Roles: [{ Ref: 'LbRole' }] } },
    HookRole: { Type: 'AWS::IAM::Role', Properties: { Policies: [{ PolicyName: 'inline' }] } },
    Task: { Type: 'AWS::ECS::TaskDefinition' },
  };
  const ecsService = (extra: object = {}) => ({
    Type: 'AWS::ECS::Service',
    Properties: {
      TaskDefinition: { Ref: 'Task' },
      LoadBalancers: [{ AdvancedConfiguration: { RoleArn: { 'Fn::GetAtt': ['LbRole', 'Arn'] } } }],
      DeploymentConfiguration: { LifecycleHooks: [{ RoleArn: { 'Fn::GetAtt': ['HookRole', 'Arn'] } }] },
    },
    ...extra,
  });

  test('an ECS service must wait for the separate policies of the roles it hands to ECS (a role\'s own inline policy is there at creation)', () => {
    const gaps = analyzeOrdering(stack({ ...service, Service: ecsService() }));
    expect(rulesOf(gaps)).toEqual(['Service:service-before-role-policies']);
    expect(gaps[0].detail).toContain('LbPolicy (policy of LbRole)');
    expect(analyzeOrdering(stack({ ...service, Service: ecsService({ DependsOn: ['LbPolicy'] }) }))).toEqual([]);
  });
});

describe('the templates of the commit before issue 26 (test/fixtures/rollback/before-issue-26)', () => {
  const result = analyze(directoryStacks(BEFORE_FIX));
  const of = (stackName: string) => rulesOf(result.findings.filter((f) => f.stackName === stackName));

  test('finding 1: a failed first prod create cannot roll back (protected cluster, global cluster and load balancer)', () => {
    expect(of('prod-us-east-1-Platform')).toEqual(expect.arrayContaining([
      'DataCluster9E8A15F8:deletion-protection', 'DataGlobalCluster7DB3A917:deletion-protection', 'EdgeLoadBalancer9EA98EDF:deletion-protection',
    ]));
    expect(of('prod-us-east-2-Platform')).toEqual(expect.arrayContaining(['DataCluster9E8A15F8:deletion-protection', 'EdgeLoadBalancer9EA98EDF:deletion-protection']));
  });

  test('findings 2 and 3: rotation before the writer instance, the ECS service before its roles\' policies', () => {
    expect(of('prod-us-east-1-Platform')).toContain('DataDatabaseSecretAttachmentRotation9B3A1132:rotation-before-instance');
    expect(of('prod-us-east-1-Service')).toEqual(['ServiceD69D759B:service-before-role-policies']);
  });

  test('the CLI prints them as a list and exits 1', async () => {
    const text: string[] = [];
    expect(await rollbackCli(['--', '--templates', BEFORE_FIX], { out: (t) => text.push(t), err: (t) => text.push(t) }, REPO_ROOT)).toBe(1);
    const lines = text.join('').split('\n');
    expect(lines[0]).toMatch(/^Rollback analysis: 4 stacks of .*before-issue-26 \(create and order\): \d+ failure points .*: \d+ finding\(s\)\.$/);
    expect(lines).toContain('prod-us-east-1-Platform:');
    expect(lines.some((l) => /DataCluster9E8A15F8 \(AWS::RDS::DBCluster\) \[deletion-protection, before-issue-26\]: DeletionProtection: true/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith('  [deletion-protection] AWS::RDS::DBCluster DeleteHandler'))).toBe(true);
  });
});
describe('the CLI on bad input', () => {
  test('an unknown flag or a directory without templates is a usage error (exit 2) naming the flag', async () => {
    const text: string[] = [];
    const io = { out: (t: string) => text.push(t), err: (t: string) => text.push(t) };
    expect(await rollbackCli(['--template', 'x'], io, REPO_ROOT)).toBe(2);
    expect(text.join('')).toContain('unknown argument "--template"');
    text.length = 0;
    expect(await rollbackCli(['--templates', path.join(REPO_ROOT, 'test/fixtures/rollback')], io, REPO_ROOT)).toBe(2);
    expect(text.join('')).toContain('no *.template.json in it');
  });
});

describe('the sample as synthesized now', () => {
  test('every create of every stack rolls back cleanly, and nothing starts before what it needs', () => {
    const stacks = assemblyStacks(sampleAssembly().directory);
    expect(stacks.length).toBeGreaterThan(15);
    expect(analyze(stacks).findings).toEqual([]);
  });
});
