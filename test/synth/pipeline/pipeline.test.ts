import { Match, Template } from 'aws-cdk-lib/assertions';
import { synthPipeline } from '../../support/pipeline-fixture';
import { sampleAssembly, SampleAssembly } from '../../support/sample-assembly';
import { PROD_DOMAIN, sampleConfig, sampleConfigWith } from '../../support/test-app';

/** Flatten Fn::Join role ARNs to strings for matching. */
const flat = (v: any): string => (typeof v === 'string' ? v : v?.['Fn::Join'] ? v['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p : '*')).join('') : JSON.stringify(v));

describe('PipelineStack on the sample config, as `npx projen synth` wrote it', () => {
  let sample: SampleAssembly;
  /** The pipeline stack's template and the CodePipeline's stages. */
  let p: { template: Template; stages: any[] };
  beforeAll(() => {
    sample = sampleAssembly();
    p = { template: sample.pipelineTemplate, stages: sample.pipelineStages };
  });

  test('is a V2, self-mutating pipeline in the pipeline account with a push-triggered source', () => {
    expect(sample.pipeline.environment).toMatchObject({ account: '111111111111', region: 'us-east-1' });
    expect(sample.pipeline.terminationProtection).toBe(true);
    p.template.hasResourceProperties('AWS::CodePipeline::Pipeline', { PipelineType: 'V2', Name: 'cdk-delivery-pipeline' });
    const source = p.stages[0].Actions[0];
    expect(source.ActionTypeId.Provider).toBe('CodeStarSourceConnection');
    expect(source.Configuration).toMatchObject({
      ConnectionArn: 'arn:aws:codeconnections:us-east-1:111111111111:connection/00000000-0000-4000-8000-000000000000',
      FullRepositoryId: 'example-org/cdk-delivery-pipeline',
      BranchName: 'main',
      DetectChanges: true,
    });
    expect(p.stages.map((s) => s.Name).slice(0, 3)).toEqual(['Source', 'Build', 'UpdatePipeline']);
    expect(p.stages[2].Actions[0].Name).toBe('SelfMutate');
  });

  test('the synth step runs the project build with the configured config file and commit', () => {
    const [synthProject] = Object.values(p.template.findResources('AWS::CodeBuild::Project', {
      Properties: { Source: { BuildSpec: Match.stringLikeRegexp('npx projen build') } },
    })) as any[];
    expect(synthProject).toBeDefined();
    const spec = JSON.parse(synthProject.Properties.Source.BuildSpec);
    // The source-revision check first (source-revision.test.ts), then the lock-file install.
    expect(spec.phases.install.commands.slice(-1)).toEqual(['npm ci']);
    expect(spec.phases.install['runtime-versions']).toEqual({ nodejs: '24' });
    expect(spec.phases.build.commands).toEqual(['npx projen build']);
    expect(synthProject.Properties.TimeoutInMinutes).toBe(30);
    expect(synthProject.Properties.Environment.EnvironmentVariables).toEqual(expect.arrayContaining([
      { Name: 'DELIVERY_CONFIG', Type: 'PLAINTEXT', Value: 'config/delivery.sample.json' },
    ]));
    const synthAction = p.stages[1].Actions[0];
    const env = JSON.parse(synthAction.Configuration.EnvironmentVariables);
    expect(env).toEqual(expect.arrayContaining([
      { name: 'COMMIT_ID', type: 'PLAINTEXT', value: expect.stringMatching(/^#\{Source@.*\.CommitId\}$/) },
    ]));
  });

  test('waves run dev -> test (regions in parallel) -> prod one region at a time', () => {
    const waves = p.stages.slice(3).map((s) => s.Name);
    // A wave with one stage takes the stage's name. The image gate joins the Assets stage.
    // The prod change report and approval have a stage of their own (the deploy stages roll back).
    expect(waves).toEqual(['Assets', 'dev-us-east-1', 'test', 'Approve-prod', 'prod-us-east-1', 'prod-us-east-2']);
    // Both test regions deploy side by side: the same stack of each region has the same run order.
    const test = p.stages.find((s) => s.Name === 'test');
    const order = (name: string) => test.Actions.find((a: any) => a.Name === name)?.RunOrder;
    for (const stack of ['Platform', 'Service', 'Assertions']) {
      expect(order(`test-us-east-1.${stack}.Deploy`)).toBeDefined();
      expect(order(`test-us-east-1.${stack}.Deploy`)).toBe(order(`test-us-east-2.${stack}.Deploy`));
    }
    // One stage assembly per environment and region (the manifest lists them by name).
    expect(sample.stages.map((s) => s.name).sort()).toEqual(['dev-us-east-1', 'prod-us-east-1', 'prod-us-east-2', 'test-us-east-1', 'test-us-east-2']);
  });

  test('parallel prod rollout puts both prod regions in one wave', () => {
    const cfg = sampleConfig();
    const prod = cfg.environments[2] as any;
    prod.rollout = 'parallel';
    cfg.environments.splice(0, 2); // prod alone is enough here (and synthesizes faster)
    const names = synthPipeline(cfg).stages.map((s) => s.Name);
    expect(names).toContain('prod');
    expect(names).not.toContain('prod-us-east-2');
  });

  test('the manual approval comes before every prod deploy action', () => {
    const stageIndex = (pred: (a: any) => boolean) => p.stages.findIndex((s) => s.Actions.some(pred));
    const approvalStage = stageIndex((a) => a.ActionTypeId.Category === 'Approval');
    const approval = p.stages[approvalStage].Actions.find((a: any) => a.ActionTypeId.Category === 'Approval');
    p.stages.forEach((stage, i) => {
      for (const action of stage.Actions) {
        if (action.ActionTypeId.Provider !== 'CloudFormation' || !flat(action.RoleArn).includes('444444444444')) continue;
        expect(i > approvalStage || (i === approvalStage && action.RunOrder > approval.RunOrder)).toBe(true);
      }
    });
    expect(p.stages.flatMap((s) => s.Actions).filter((a: any) => a.ActionTypeId.Category === 'Approval')).toHaveLength(1);
  });

  test('the approval notifies the topic, names the commit and links to it', () => {
    const approval = p.stages.flatMap((s) => s.Actions).find((a: any) => a.ActionTypeId.Category === 'Approval');
    expect(approval.Configuration.NotificationArn).toEqual({ Ref: expect.stringMatching(/^NotificationsTopic/) });
    const comment: string = approval.Configuration.CustomData;
    expect(comment).toMatch(/^#\{ChangeReport-prod\.CHANGE_SUMMARY\} \| Promote to prod \(444444444444: us-east-1, us-east-2\)/);
    expect(comment).toMatch(/commit https:\/\/github\.com\/example-org\/cdk-delivery-pipeline\/commit\/#\{Source@.*\.CommitId\}$/);
    // Who may approve: the notification says it, because CodePipeline cannot enforce it (RUNBOOKS.md).
    expect(comment).toContain('approver not its author (RUNBOOKS "Who may approve"): commit https://');
    // CodePipeline refuses comments over 500 characters after variables are filled in:
    // the summary is cut to 250 characters by the report step, a commit id has 40.
    const filledIn = comment
      .replace(/#\{[^}]*CHANGE_SUMMARY\}/, 'x'.repeat(250))
      .replace(/#\{[^}]*CommitId\}/g, 'c'.repeat(40));
    expect(filledIn.length).toBeLessThanOrEqual(500);
    expect(approval.Configuration.ExternalEntityLink).toBe('#{ChangeReport-prod.REPORT_URL}');
  });

  test('every deploy action assumes the deploy role of its configured account and region', () => {
    const expected: Record<string, [string, string]> = {
      'dev-us-east-1': ['222222222222', 'us-east-1'],
      'test-us-east-1': ['333333333333', 'us-east-1'],
      'test-us-east-2': ['333333333333', 'us-east-2'],
      'prod-us-east-1': ['444444444444', 'us-east-1'],
      'prod-us-east-2': ['444444444444', 'us-east-2'],
    };
    const deploys = p.stages.flatMap((s) => s.Actions).filter((a: any) => a.ActionTypeId.Provider === 'CloudFormation');
    expect(deploys.length).toBeGreaterThanOrEqual(5);
    for (const action of deploys) {
      const stageId = Object.keys(expected).find((id) => action.Configuration.StackName.startsWith(`${id}-`));
      expect(stageId).toBeDefined();
      // A production stage's audit replica deploys into the other region (its name says which).
      const [account, stageRegion] = expected[stageId!];
      const region = /-AuditReplica-([a-z0-9-]+)$/.exec(action.Configuration.StackName)?.[1] ?? stageRegion;
      expect(flat(action.RoleArn)).toBe(`arn:*:iam::${account}:role/cdk-hnb659fds-deploy-role-${account}-${region}`);
      expect(flat(action.Configuration.RoleArn)).toBe(`arn:*:iam::${account}:role/cdk-hnb659fds-cfn-exec-role-${account}-${region}`);
      expect(action.Region ?? 'us-east-1').toBe(region);
      // No change sets: one CREATE_UPDATE action per stack.
      expect(action.Configuration.ActionMode).toBe('CREATE_UPDATE');
    }
  });

  test('artifact stores in both regions use KMS keys with rotation', () => {
    const [pipeline] = Object.values(p.template.findResources('AWS::CodePipeline::Pipeline')) as any[];
    const stores = pipeline.Properties.ArtifactStores;
    expect(stores.map((s: any) => s.Region).sort()).toEqual(['us-east-1', 'us-east-2']);
    for (const store of stores) expect(store.ArtifactStore.EncryptionKey.Type).toBe('KMS');
    p.template.allResourcesProperties('AWS::KMS::Key', { EnableKeyRotation: true });

    const support = sample.supportStacks.find((s) => s.environment.region === 'us-east-2');
    expect(support).toBeDefined();
    const supportTemplate = Template.fromJSON(support!.template);
    supportTemplate.allResourcesProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const artifactBucketIds = stores.map((s: any) => s.ArtifactStore.Location.Ref).filter(Boolean);
    expect(artifactBucketIds).toHaveLength(1); // home region; us-east-2's is a literal name
    for (const t of [p.template, supportTemplate]) {
      const buckets = Object.entries(t.findResources('AWS::S3::Bucket'))
        .filter(([id]) => t === supportTemplate || artifactBucketIds.includes(id)).map(([, b]) => b) as any[];
      expect(buckets).toHaveLength(1);
      for (const b of buckets) {
        expect(b.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
        expect(b.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
        expect(b.Properties.PublicAccessBlockConfiguration).toEqual({
          BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
        });
        expect(b.Properties.LifecycleConfiguration.Rules[0]).toMatchObject({ Status: 'Enabled', ExpirationInDays: 30 });
      }
      const policies = (Object.values(t.findResources('AWS::S3::BucketPolicy')) as any[])
        .filter((pol) => t === supportTemplate || artifactBucketIds.includes(pol.Properties.Bucket.Ref));
      expect(policies).toHaveLength(1);
      for (const policy of policies) {
        expect(policy.Properties.PolicyDocument.Statement).toEqual(expect.arrayContaining([expect.objectContaining({
          Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        })]));
      }
    }
  });

  test('failures, successes and approval requests reach the KMS-encrypted topic', () => {
    p.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    p.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'platform-team@example.com' });
    p.template.hasResourceProperties('AWS::CodeStarNotifications::NotificationRule', {
      EventTypeIds: Match.arrayWith([
        'codepipeline-pipeline-pipeline-execution-failed',
        'codepipeline-pipeline-pipeline-execution-succeeded',
        'codepipeline-pipeline-manual-approval-needed',
      ]),
      Targets: [{ TargetType: 'SNS', TargetAddress: { Ref: Match.stringLikeRegexp('^NotificationsTopic') } }],
    });
    p.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'codestar-notifications.amazonaws.com' } })]) },
    });
  });

  test('CodeStar Notifications may publish (and use the key) only for this account: confused-deputy conditions on every grant', () => {
    const grants = [
      ...Object.values<any>(p.template.findResources('AWS::SNS::TopicPolicy')).flatMap((r) => r.Properties.PolicyDocument.Statement),
      ...Object.values<any>(p.template.findResources('AWS::KMS::Key')).flatMap((r) => r.Properties.KeyPolicy.Statement),
    ].filter((st) => JSON.stringify(st.Principal ?? {}).includes('codestar-notifications.amazonaws.com'));
    expect(grants.map((g) => g.Action)).toEqual(expect.arrayContaining(['sns:Publish', ['kms:GenerateDataKey*', 'kms:Decrypt']]));
    const rule = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':codestar-notifications:us-east-1:111111111111:notificationrule/*']] };
    for (const grant of grants) {
      const account = grant.Condition.StringEquals?.['aws:SourceAccount'] ?? grant.Condition.StringEqualsIfExists?.['aws:SourceAccount'];
      expect({ sid: grant.Sid, account, rule: grant.Condition.ArnLikeIfExists['aws:SourceArn'] }).toEqual({ sid: grant.Sid, account: '111111111111', rule });
    }
    // The topic grant is the documented one (aws:SourceAccount must match, not merely if present).
    expect(grants.find((g) => g.Action === 'sns:Publish').Condition.StringEquals['aws:SourceAccount']).toBe('111111111111');
  });

  test('speed defaults: CodeBuild timeouts, log retention, no change sets, one asset action per type', () => {
    for (const project of Object.values(p.template.findResources('AWS::CodeBuild::Project')) as any[]) {
      // 30 min; the image gate adds the ECR scan wait and the replication wait on top.
      expect(project.Properties.TimeoutInMinutes).toBeLessThanOrEqual(30 + 15 + 15);
      expect(project.Properties.LogsConfig.CloudWatchLogs.Status).toBe('ENABLED');
    }
    p.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30, KmsKeyId: Match.anyValue() });
    const deploys = p.stages.flatMap((s) => s.Actions).filter((a: any) => a.ActionTypeId.Provider === 'CloudFormation');
    expect(deploys.every((a: any) => !/CHANGE_SET/.test(a.Configuration.ActionMode))).toBe(true);
  });

  test('outputs without exports: pipeline name, image repository URI, notification topic, artifact bucket', () => {
    const outputs = p.template.toJSON().Outputs;
    const ref = (type: string) => Object.keys(p.template.findResources(type)).filter((id) => !/Support|Replication/.test(id));
    const [repository] = ref('AWS::ECR::Repository');
    const [topic] = ref('AWS::SNS::Topic');
    const [pipeline] = ref('AWS::CodePipeline::Pipeline');
    expect(outputs.PipelineName.Value).toEqual({ Ref: pipeline });
    expect(outputs.NotificationTopicArn.Value).toEqual({ Ref: topic });
    expect(JSON.stringify(outputs.ImageRepositoryUri.Value)).toContain(repository);
    const artifactStore = p.template.findResources('AWS::CodePipeline::Pipeline')[pipeline].Properties.ArtifactStores
      .find((s: any) => s.Region === 'us-east-1').ArtifactStore.Location;
    expect(outputs.ArtifactBucketName.Value).toEqual(artifactStore);
    for (const key of ['PipelineName', 'ImageRepositoryUri', 'NotificationTopicArn', 'ArtifactBucketName']) {
      expect(outputs[key].Export).toBeUndefined();
      expect(outputs[key].Description).toMatch(/\w/);
    }
  });

  test('stages pull the image from the gated repository by the commit tag', () => {
    p.template.hasResourceProperties('AWS::ECR::Repository', {
      ImageTagMutability: 'IMMUTABLE',
      ImageScanningConfiguration: { ScanOnPush: true },
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: Match.anyValue() },
      RepositoryPolicyText: {
        // Then the two statements that reserve writes to the gate (test/synth/pipeline/image-writers.test.ts).
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'StageAccountsPull',
          Effect: 'Allow',
          Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
          Principal: { AWS: ['222222222222', '333333333333', '444444444444'].map((a) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${a}:root`]] })) },
        })]),
      },
    });
  });
});

describe('PipelineStack on other configs', () => {
  test('an environment without approval gets none; approval on test adds one', () => {
    const cfg = sampleConfigWith([
      { name: 'dev', account: '222222222222', regions: ['us-east-1'] },
      { name: 'test', account: '333333333333', regions: ['eu-west-1'], requireApproval: true },
      { name: 'prod', account: '444444444444', regions: ['eu-west-1'], production: true, requireApproval: true, domain: PROD_DOMAIN },
    ]);
    const p = synthPipeline(cfg);
    const approvals = p.stages.filter((s) => s.Actions.some((a: any) => a.ActionTypeId.Category === 'Approval')).map((s) => s.Name);
    expect(approvals).toEqual(['Approve-test', 'Approve-prod']);
    // Each right before its environment's deploy stage, in a stage that deploys nothing and so
    // never rolls back (a rollback must not wait for a human).
    const names = p.stages.map((s) => s.Name);
    expect(names.indexOf('test-eu-west-1')).toBe(names.indexOf('Approve-test') + 1);
    expect(names.indexOf('prod-eu-west-1')).toBe(names.indexOf('Approve-prod') + 1);
    for (const name of approvals) expect(p.stages.find((s) => s.Name === name).OnFailure).toBeUndefined();
  });
});

describe('self-mutation stability', () => {
  test('the pipeline stack does not change with the commit (no self-mutation loop)', () => {
    const small = () => sampleConfigWith([
      { name: 'prod', account: '444444444444', regions: ['us-east-1', 'us-east-2'], production: true, requireApproval: true, rollout: 'sequential', domain: PROD_DOMAIN },
    ]);
    const a = synthPipeline(small(), '1111111111111111111111111111111111111111').template.toJSON();
    const b = synthPipeline(small(), '2222222222222222222222222222222222222222').template.toJSON();
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });
});
