import { DRIFT_DENIED_READS } from '../../../src/synth/workload/pipeline-access';
import { sampleAssembly, SampleAssembly } from '../../support/sample-assembly';

/**
 * Issue 33 on the synthesized pipeline template: who in the pipeline account can reach which
 * role of a stage account, no codebuild:StartBuild on `*`, and the pipeline role's KMS use
 * scoped to the artifact keys.
 */
describe('least privilege of the pipeline account, on the synthesized template', () => {
  let sample: SampleAssembly;
  let resources: Record<string, any>;
  beforeAll(() => {
    sample = sampleAssembly();
    resources = sample.pipelineTemplate.toJSON().Resources;
  });
  const policies = () => Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy');
  const statementsOf = (policy: any): any[] => policy.Properties.PolicyDocument.Statement;
  const roleIdsOf = (policy: any): string[] => policy.Properties.Roles.map((r: any) => r.Ref);
  const flat = (v: any): string => (typeof v === 'string' ? v : v?.['Fn::Join'] ? v['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p : '*')).join('') : JSON.stringify(v));

  test('no policy allows codebuild:StartBuild on *; the asset role\'s CDK grant is a Deny', () => {
    for (const policy of policies()) {
      for (const s of statementsOf(policy)) {
        const actions = [s.Action].flat();
        if (s.Effect === 'Allow' && actions.some((a: string) => a === 'codebuild:StartBuild' || a === 'codebuild:*')) {
          expect({ policy: roleIdsOf(policy), resource: s.Resource }).not.toEqual(expect.objectContaining({ resource: '*' }));
        }
      }
    }
    const fileRole = policies().find((p) => roleIdsOf(p).some((r) => /^PipelineAssetsFileRole/.test(r)));
    expect(statementsOf(fileRole).filter((s) => [s.Action].flat().includes('codebuild:StartBuild'))).toEqual([
      { Effect: 'Deny', Resource: '*', Action: ['codebuild:BatchGetBuilds', 'codebuild:StartBuild', 'codebuild:StopBuild'] },
    ]);
  });

  test('the pipeline role uses KMS only on the artifact keys: the home key by ARN, the support regions\' by their alias', () => {
    const pipelineRole = policies().find((p) => roleIdsOf(p).some((r) => /^PipelineRole/.test(r)));
    const kms = statementsOf(pipelineRole).filter((s) => [s.Action].flat().some((a: string) => a.startsWith('kms:')));
    expect(kms.every((s) => s.Resource !== '*')).toBe(true);
    expect(kms).toEqual([
      expect.objectContaining({ Resource: { 'Fn::GetAtt': [expect.stringMatching(/^PipelineArtifactsBucketEncryptionKey/), 'Arn'] } }),
      expect.objectContaining({
        Resource: ['arn:aws:kms:us-east-2:111111111111:key/*'],
        Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [expect.stringMatching(/^alias\//)] } },
      }),
    ]);
    // The alias is the one the us-east-2 support stack gives its replication key.
    const support = sample.supportStacks.find((s) => s.environment.region === 'us-east-2')!;
    const aliases = Object.values<any>(support.template.Resources).filter((r) => r.Type === 'AWS::KMS::Alias').map((r) => r.Properties.AliasName);
    expect(aliases).toEqual(kms[1].Condition['ForAnyValue:StringEquals']['kms:ResourceAliases']);
  });

  test('every role of a stage account the pipeline account may assume, and who may: the pipeline itself, the asset publisher, and each step its own', () => {
    const reach: Record<string, string[]> = {};
    for (const policy of policies()) {
      for (const s of statementsOf(policy)) {
        if (s.Effect !== 'Allow' || ![s.Action].flat().includes('sts:AssumeRole')) continue;
        for (const target of [s.Resource].flat().map(flat).filter((r: string) => /:iam::(2{12}|3{12}|4{12}):role\//.test(r))) {
          for (const role of roleIdsOf(policy)) (reach[role.replace(/[0-9A-F]{8}$/, '')] ??= []).push(target.replace(/^arn:[^:]*:iam::/, ''));
        }
      }
    }
    const byRole = Object.fromEntries(Object.entries(reach).map(([role, targets]) => [role, [...new Set(targets)].sort()]));
    expect(Object.keys(byRole).sort()).toEqual([
      'DriftDetectionCheckerRole',
      'PipelineApproveprodChangeReportprodRole',
      'PipelineAssetsFileRole',
      'PipelineRole',
      'Pipelineproduseast1ServiceBakeproduseast1Role',
      'Pipelineproduseast1ServiceTerminationProtectionRole',
      'Pipelineproduseast2ServiceTerminationProtectionRole',
    ]);
    // CodePipeline's own role: the CDK deploy roles its CloudFormation actions run as.
    expect(byRole.PipelineRole.every((t) => /:role\/cdk-hnb659fds-deploy-role-/.test(t))).toBe(true);
    // The asset publisher: the file-publishing roles only.
    expect(byRole.PipelineAssetsFileRole.every((t) => /:role\/cdk-hnb659fds-file-publishing-role-/.test(t))).toBe(true);
    // Each step: its own role in each stage it reaches, nothing of CDK's.
    expect(byRole.PipelineApproveprodChangeReportprodRole).toEqual(['444444444444:role/prod-us-east-1-pipeline-report', '444444444444:role/prod-us-east-2-pipeline-report']);
    expect(byRole.Pipelineproduseast1ServiceBakeproduseast1Role).toEqual(['444444444444:role/prod-us-east-1-pipeline-bake']);
    expect(byRole.Pipelineproduseast1ServiceTerminationProtectionRole).toEqual(['444444444444:role/prod-us-east-1-pipeline-protect']);
    expect(byRole.Pipelineproduseast2ServiceTerminationProtectionRole).toEqual(['444444444444:role/prod-us-east-2-pipeline-protect']);
    // The scheduled drift check (not a pipeline action): each stage's drift role, no CDK role.
    expect(byRole.DriftDetectionCheckerRole).toEqual([
      '222222222222:role/dev-us-east-1-pipeline-drift',
      '333333333333:role/test-us-east-1-pipeline-drift',
      '333333333333:role/test-us-east-2-pipeline-drift',
      '444444444444:role/prod-us-east-1-pipeline-drift',
      '444444444444:role/prod-us-east-2-pipeline-drift',
    ]);
  });

  test('each stage\'s drift role trusts the drift check\'s role only, reads through ReadOnlyAccess and is denied data reads', () => {
    for (const stage of sample.stages) {
      const [role] = Object.values<any>(stage.stacks.Platform.template.Resources)
        .filter((r) => r.Type === 'AWS::IAM::Role' && r.Properties.RoleName === `${stage.name}-pipeline-drift`);
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([expect.objectContaining({
        Action: 'sts:AssumeRole', Condition: { ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/DeliveryPipeline-drift-stages' } },
      })]);
      expect(role.Properties.ManagedPolicyArns).toEqual([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/ReadOnlyAccess']] }]);
      const statements = role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
      expect(statements).toEqual([{ Sid: 'NoDataReads', Effect: 'Deny', Action: [...DRIFT_DENIED_READS], Resource: '*' }]);
      expect(DRIFT_DENIED_READS).toEqual(expect.arrayContaining(['kms:Decrypt', 's3:GetObject', 'logs:GetLogEvents', 'secretsmanager:GetSecretValue']));
    }
  });

  test('every step role is trusted by the CodePipeline service role only', () => {
    const stepRoles = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Role' && /^DeliveryPipeline-(report|protect|bake)-/.test(r.Properties.RoleName ?? ''));
    expect(stepRoles).toHaveLength(4);
    for (const role of stepRoles) {
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: { 'Fn::GetAtt': [expect.stringMatching(/^PipelineRole/), 'Arn'] } } },
      ]);
    }
  });
});
