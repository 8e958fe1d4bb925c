import { Match, Template } from 'aws-cdk-lib/assertions';
import { imageRepositoryArnIn, replicationRegionsOf } from '../../../src/synth/pipeline/image-replication';
import { expiredBy, LifecycleImage } from '../../support/ecr-lifecycle';
import { synthPipeline } from '../../support/pipeline-fixture';
import { sampleAssembly, SampleAssembly } from '../../support/sample-assembly';
import { DEV_AND_PROD, PROD_DOMAIN, sampleConfig, sampleConfigWith } from '../../support/test-app';

const REPOSITORY = 'cdk-delivery-pipeline/service';
const ACCOUNT = '111111111111';
const COMMIT = '0123456789abcdef0123456789abcdef01234567';

/** `n` older images (distinct commits, promoted, so tagged with their commit only in the source). */
const history = (n: number, tags: (i: number) => string[]): LifecycleImage[] =>
  Array.from({ length: n }, (_, i) => ({ id: `old-${i}`, tags: tags(i), pushedDaysAgo: 30 + i }));

describe('images in every region, on the sample as `npx projen synth` wrote it', () => {
  let sample: SampleAssembly;
  let images: Template;
  beforeAll(() => {
    sample = sampleAssembly();
    expect(sample.imageRegionStacks.map((s) => s.stackName)).toEqual(['DeliveryPipeline-Images-us-east-2']);
    images = Template.fromJSON(sample.imageRegionStacks[0].template);
  });

  test('one registry replication rule: the gated repository (prefix match) to every stage region but the pipeline\'s, same account', () => {
    const rules = sample.pipelineTemplate.findResources('AWS::ECR::ReplicationConfiguration');
    expect(Object.keys(rules)).toHaveLength(1);
    expect(Object.values<any>(rules)[0].Properties).toEqual({
      ReplicationConfiguration: {
        Rules: [{
          Destinations: [{ Region: 'us-east-2', RegistryId: ACCOUNT }],
          RepositoryFilters: [{ Filter: REPOSITORY, FilterType: 'PREFIX_MATCH' }],
        }],
      },
    });
  });

  test('the image region stack is in the pipeline account, protected, and deploys before the pipeline stack', () => {
    const [stack] = sample.imageRegionStacks;
    expect(stack.environment).toMatchObject({ account: ACCOUNT, region: 'us-east-2' });
    expect(stack.terminationProtection).toBe(true);
    // `cdk deploy DeliveryPipeline` (first deploy and self-mutation) deploys its dependencies first.
    expect(sample.pipeline.dependencies.map((d) => d.id)).toContain(stack.id);
  });

  test('the creation template: REPLICATION, our namespace, immutable tags, its region\'s key with the custom role, pull policy, tags', () => {
    const [template] = Object.values<any>(images.findResources('AWS::ECR::RepositoryCreationTemplate'));
    const props = template.Properties;
    expect(props).toMatchObject({
      Prefix: 'cdk-delivery-pipeline',
      AppliedFor: ['REPLICATION'],
      ImageTagMutability: 'IMMUTABLE',
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] } },
      CustomRoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^CreationRole/), 'Arn'] },
    });
    // ECR matches a template by namespace: `<prefix>/...`.
    expect(REPOSITORY.startsWith(`${props.Prefix}/`)).toBe(true);
    // What the registry schema of the type enforces (Prefix pattern, LifecyclePolicy 100+ characters).
    expect(props.Prefix).toMatch(/^((?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*\/?|ROOT)$/);
    expect(props.LifecyclePolicy.length).toBeGreaterThanOrEqual(100);
    expect(JSON.parse(props.RepositoryPolicy)).toEqual({
      Version: '2012-10-17',
      Statement: [{
        Sid: 'StageAccountsPull',
        Effect: 'Allow',
        Principal: { AWS: ['222222222222', '333333333333', '444444444444'].map((a) => `arn:aws:iam::${a}:root`) },
        Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
      }, {
        // Nobody pushes, tags or deletes images in a replica; replication (ReplicateImage) is not denied.
        Sid: 'ImagesOnlyByReplication',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: [
          'ecr:BatchDeleteImage', 'ecr:BatchImportUpstreamImage', 'ecr:CompleteLayerUpload', 'ecr:InitiateLayerUpload',
          'ecr:PutImage', 'ecr:UpdateImageStorageClass', 'ecr:UploadLayerPart',
        ],
      }],
    });
    expect(props.ResourceTags).toEqual(expect.arrayContaining([
      { Key: 'Application', Value: 'transactions' }, { Key: 'Environment', Value: 'pipeline' },
      { Key: 'Region', Value: 'us-east-2' }, { Key: 'ManagedBy', Value: 'cdk-delivery-pipeline' },
    ]));
    // The role and its policy exist before the template names it.
    expect(template.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^CreationRoleDefaultPolicy/), expect.stringMatching(/^CreationRole[0-9A-F]{8}$/)]));
  });

  test('the replica key rotates and outlives the stack; the role is ECR\'s, with what the ECR guide lists for a creation role', () => {
    images.hasResource('AWS::KMS::Key', { Properties: Match.objectLike({ EnableKeyRotation: true }), DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    images.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'ecr.amazonaws.com' }, Action: 'sts:AssumeRole' })] },
    });
    const [policy] = Object.values<any>(images.findResources('AWS::IAM::Policy'));
    const statements = policy.Properties.PolicyDocument.Statement;
    expect(statements.find((s: any) => s.Sid === 'CreateReplica')).toMatchObject({
      Action: ['ecr:CreateRepository', 'ecr:ReplicateImage', 'ecr:TagResource'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ecr:us-east-2:${ACCOUNT}:repository/${REPOSITORY}`]] },
    });
    expect(statements.find((s: any) => s.Sid === 'EncryptReplica')).toMatchObject({
      Action: ['kms:CreateGrant', 'kms:RetireGrant', 'kms:DescribeKey'],
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] },
    });
  });

  describe('lifecycle: replication does not replicate the removal of the candidate tag', () => {
    let replica: string;
    let source: string;
    beforeAll(() => {
      replica = Object.values<any>(images.findResources('AWS::ECR::RepositoryCreationTemplate'))[0].Properties.LifecyclePolicy;
      source = Object.values<any>(sample.pipelineTemplate.findResources('AWS::ECR::Repository'))[0].Properties.LifecyclePolicy.LifecyclePolicyText;
    });
    // In a replica the promoted image keeps both tags: the candidate tag it was pushed with and the commit tag.
    const promotedReplica: LifecycleImage = { id: 'promoted', tags: [`candidate-${COMMIT}-7`, COMMIT], pushedDaysAgo: 400 };

    test('the model is right about the trap: the source\'s candidate rule expires an image through its candidate tag', () => {
      expect(expiredBy(source, [{ ...promotedReplica, pushedDaysAgo: 15 }])).toEqual(['promoted']);
      // ...which is why the gate removes the candidate tag from the promoted image in the source.
      expect(expiredBy(source, [{ id: 'promoted', tags: [COMMIT], pushedDaysAgo: 15 }])).toEqual([]);
    });

    test('the replica keeps a promoted image that still carries its candidate tag, however old', () => {
      expect(JSON.parse(replica).rules.map((r: any) => r.selection.tagPrefixList ?? r.selection.tagPatternList ?? null)).toEqual([null, null]);
      const repo = [promotedReplica, ...history(98, (i) => [`candidate-c${i}-1`, `c${i}`])];
      expect(expiredBy(replica, repo)).toEqual([]);
    });

    test('the replica keeps the newest 100 images and expires untagged manifests after a day', () => {
      const repo = [
        { id: 'new', tags: [COMMIT], pushedDaysAgo: 1 },
        { id: 'untagged', tags: [], pushedDaysAgo: 2 },
        ...history(100, (i) => [`candidate-c${i}-1`, `c${i}`]),
      ];
      expect(expiredBy(replica, repo)).toEqual(['untagged', 'old-99']);
    });
  });

  test('every stage pulls the image from its own region (literal ARN, pipeline account, same name)', () => {
    for (const stage of sample.stages) {
      const region = stage.stacks.Service.environment.region;
      const template = stage.stacks.Service.template;
      const [task] = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::ECS::TaskDefinition');
      const image = JSON.stringify(task.Properties.ContainerDefinitions[0].Image);
      expect({ stage: stage.name, image }).toEqual({ stage: stage.name, image: expect.stringContaining(`${ACCOUNT}.dkr.ecr.${region}.`) });
      const pull = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::IAM::Policy')
        .flatMap((r) => r.Properties.PolicyDocument.Statement)
        .find((s: any) => Array.isArray(s.Action) && s.Action.includes('ecr:BatchGetImage'));
      expect({ stage: stage.name, resource: pull.Resource }).toEqual({ stage: stage.name, resource: `arn:aws:ecr:${region}:${ACCOUNT}:repository/${REPOSITORY}` });
    }
  });

  describe('the image gate waits for the replicas (no extra action)', () => {
    const gateProject = () => {
      const action = sample.pipelineStages.flatMap((s) => s.Actions).find((a: any) => a.Name === 'ImageGate');
      const resources = sample.pipelineTemplate.toJSON().Resources;
      const id = action.Configuration.ProjectName.Ref;
      return { id, project: resources[id], resources };
    };

    test('the Assets stage holds the file-asset action and the image gate only: the wait is inside the ImageGate build', () => {
      const stage = sample.pipelineStages.find((s) => s.Name === 'Assets');
      expect(stage.Actions.map((a: any) => `${a.RunOrder} ${a.Name}`).sort()).toEqual(['1 FileAssets', '1 ImageGate']);
    });

    test('its build passes the regions and the timeout, and its time budget includes the wait', () => {
      const { project } = gateProject();
      const env = Object.fromEntries(project.Properties.Environment.EnvironmentVariables.map((v: any) => [v.Name, v.Value]));
      expect(env).toMatchObject({ REPLICATION_REGIONS: 'us-east-2', REPLICATION_TIMEOUT_MINUTES: '15' });
      expect(project.Properties.TimeoutInMinutes).toBe(30 + 15 + 15);
      expect(JSON.parse(project.Properties.Source.BuildSpec).phases.build.commands[0]).toBe('bash scripts/image-gate.sh');
    });

    test('its role may read the replication status of the source and the tags of each replica, nothing more', () => {
      const { project, resources } = gateProject();
      const role = project.Properties.ServiceRole['Fn::GetAtt'][0];
      const statements = Object.values<any>(resources)
        .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: any) => x.Ref === role))
        .flatMap((r) => r.Properties.PolicyDocument.Statement);
      expect(statements.find((s) => s.Sid === 'ReplicationStatus')).toEqual({
        Sid: 'ReplicationStatus',
        Effect: 'Allow',
        Action: 'ecr:DescribeImageReplicationStatus',
        Resource: expect.objectContaining({ 'Fn::GetAtt': [expect.stringMatching(/^ImagesRepository/), 'Arn'] }),
      });
      expect(statements.find((s) => s.Sid === 'ReplicaTags')).toEqual({
        Sid: 'ReplicaTags',
        Effect: 'Allow',
        Action: 'ecr:DescribeImages',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ecr:us-east-2:${ACCOUNT}:repository/${REPOSITORY}`]] },
      });
    });
  });
});

describe('images in every region, on other configs', () => {
  test('replication regions: every stage region but the pipeline\'s, sorted, once', () => {
    const config = sampleConfigWith([
      { name: 'dev', account: '222222222222', regions: ['us-east-1'] },
      { name: 'test', account: '333333333333', regions: ['us-east-2', 'eu-west-1'] },
      {
        name: 'prod', account: '444444444444', regions: ['eu-west-1', 'us-east-2'], production: true, requireApproval: true, rollout: 'sequential', domain: PROD_DOMAIN,
      },
    ]);
    expect(replicationRegionsOf(config)).toEqual(['eu-west-1', 'us-east-2']);
    expect(replicationRegionsOf(sampleConfig())).toEqual(['us-east-2']);
    expect(imageRepositoryArnIn(config, 'eu-west-1')).toBe(`arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/${REPOSITORY}`);
  });

  test('every stage in the pipeline region: the registry\'s replication configuration is left alone, the gate does not wait', () => {
    const p = synthPipeline(sampleConfigWith([
      { name: 'dev', account: '222222222222', regions: ['us-east-1'] },
      { name: 'prod', account: '444444444444', regions: ['us-east-1'], production: true, requireApproval: true, domain: PROD_DOMAIN },
    ]));
    p.template.resourceCountIs('AWS::ECR::ReplicationConfiguration', 0);
    expect(p.stack.imageRegions).toEqual({});
    const project = Object.values<any>(p.template.findResources('AWS::CodeBuild::Project'))
      .find((r) => (r.Properties.Environment.EnvironmentVariables ?? []).some((v: any) => v.Name === 'REPLICATION_REGIONS'));
    const env = Object.fromEntries(project.Properties.Environment.EnvironmentVariables.map((v: any) => [v.Name, v.Value]));
    expect(env).toMatchObject({ REPLICATION_REGIONS: '', REPLICATION_TIMEOUT_MINUTES: '0' });
    expect(JSON.stringify(p.template.toJSON())).not.toContain('ecr:DescribeImageReplicationStatus');
  });

  test('a stage region the pipeline does not live in gets its own image region stack and destination', () => {
    const p = synthPipeline(sampleConfigWith(DEV_AND_PROD));
    expect(Object.keys(p.stack.imageRegions)).toEqual(['us-east-2']);
    expect(p.stack.imageRegions['us-east-2'].stackName).toBe('DeliveryPipeline-Images-us-east-2');
    p.template.hasResourceProperties('AWS::ECR::ReplicationConfiguration', {
      ReplicationConfiguration: { Rules: [Match.objectLike({ Destinations: [{ Region: 'us-east-2', RegistryId: ACCOUNT }] })] },
    });
  });
});
