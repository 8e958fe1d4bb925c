import { Template } from 'aws-cdk-lib/assertions';
import { auditReplicaBucketNameOf } from '../../../src/config/audit';
import { ServiceStage } from '../../../src/synth/workload/service-stage';
import { sampleConfig, testApp } from '../../support/test-app';
import { buildStage, CfnResource, FEATURE_FLAGS, identityStatements, only, resources, sampleEnvironment, TEST_IMAGE } from '../workload/support';

/**
 * The audit tier of a production stage (src/synth/audit/): the audit bucket and its copy in the
 * other region, the replication between them, the trail, the delivery of the transaction audit
 * records, and their alarms. The sample config says audit.trail "project".
 */

const prod = sampleEnvironment('prod');
const stages: Record<string, ServiceStage> = {};
const stageIn = (region: string) => (stages[region] ??= buildStage(prod, region));
const service = (region: string) => Template.fromStack(stageIn(region).service);
const id = (stage: ServiceStage, c: any) => stage.service.getLogicalId(c.node.defaultChild ?? c);

describe.each(['us-east-1', 'us-east-2'])('prod %s', (region) => {
  const other = region === 'us-east-1' ? 'us-east-2' : 'us-east-1';

  test('the audit bucket: its region\'s key with a bucket key, versioned, Object Lock GOVERNANCE 365 days, TLS-only, private, lifecycle, access logs, retained', () => {
    const stage = stageIn(region);
    const audit = stage.service.audit!;
    const bucket = resources(service(region), 'AWS::S3::Bucket')[id(stage, audit.bucket)];
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties!).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [id(stage, audit.key), 'Arn'] } } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 365 } } },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: { Rules: [{ ExpirationInDays: 365, NoncurrentVersionExpiration: { NoncurrentDays: 1 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }] },
      LoggingConfiguration: { LogFilePrefix: 'audit/' },
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
    const policy = Object.values(resources(service(region), 'AWS::S3::BucketPolicy')).find((p) => p.Properties!.Bucket.Ref === id(stage, audit.bucket))!;
    expect(policy.Properties!.PolicyDocument.Statement).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    expect(resources(service(region), 'AWS::KMS::Key')[id(stage, audit.key)].Properties!.EnableKeyRotation).toBe(true);
    // Its name for the runbook: a plain output, no export.
    expect(service(region).toJSON().Outputs.AuditBucketName).toEqual(expect.objectContaining({ Value: { Ref: id(stage, audit.bucket) } }));
    expect(service(region).toJSON().Outputs.AuditBucketName.Export).toBeUndefined();
  });

  test(`replicates everything, KMS objects included, into its copy in ${other} with that region's key, metrics on`, () => {
    const stage = stageIn(region);
    const audit = stage.service.audit!;
    const [replica] = stage.stacks.auditReplicas;
    expect(replica.region).toBe(other);
    expect(replica.stackName).toBe(`prod-${region}-AuditReplica-${other}`);
    const name = auditReplicaBucketNameOf(`prod-${region}`, prod.account, other);
    expect(name).toBe(`prod-${region}-audit-444444444444-${other}`);
    const rule = resources(service(region), 'AWS::S3::Bucket')[id(stage, audit.bucket)].Properties!.ReplicationConfiguration;
    expect(rule.Role).toEqual({ 'Fn::GetAtt': [id(stage, audit.replication!.role), 'Arn'] });
    expect(rule.Rules).toEqual([{
      Id: `audit-to-${other}`,
      Priority: 0,
      Status: 'Enabled',
      Filter: { Prefix: '' },
      DeleteMarkerReplication: { Status: 'Disabled' },
      SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
      Destination: {
        Bucket: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${name}`]] },
        EncryptionConfiguration: { ReplicaKmsKeyID: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:kms:${other}:444444444444:alias/transactions-prod-${region}/audit-replica`]] } },
        Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
      },
    }]);
    // The copy: that exact name and alias, Object Lock and versioning as the source (S3 requires both for replication of a locked bucket).
    const copy = Template.fromStack(replica);
    const [copyBucket] = Object.values(resources(copy, 'AWS::S3::Bucket')).filter((b) => b.Properties!.BucketName === name);
    expect(copyBucket.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(copyBucket.Properties!).toMatchObject({ ObjectLockEnabled: true, VersioningConfiguration: { Status: 'Enabled' } });
    expect(only(copy, 'AWS::KMS::Alias').Properties!.AliasName).toBe(`alias/transactions-prod-${region}/audit-replica`);
    // ...deployed before the Service stack that names it (S3 refuses a rule to a missing bucket).
    expect(stageIn(region).service.dependencies).toContain(replica);
  });

  test('the replication role may do exactly what replication needs, on exactly these buckets and keys', () => {
    const stage = stageIn(region);
    const role = stage.service.audit!.replication!.role;
    const template = service(region);
    expect(resources(template, 'AWS::IAM::Role')[id(stage, role)].Properties!.AssumeRolePolicyDocument.Statement)
      .toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' } }]);
    const statements = Object.values(resources(template, 'AWS::IAM::Policy'))
      .filter((p) => p.Properties!.Roles.some((r: any) => r.Ref === id(stage, role)))
      .flatMap((p) => p.Properties!.PolicyDocument.Statement);
    const bySid = Object.fromEntries(statements.map((s: any) => [s.Sid, s]));
    expect(Object.keys(bySid).sort()).toEqual(['DecryptSourceThroughS3', 'EncryptReplicaThroughS30', 'ReadReplicationConfiguration', 'ReadSourceObjectVersions', 'ReplicateInto0']);
    expect(bySid.ReadSourceObjectVersions.Action).toEqual(['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging', 's3:GetObjectRetention', 's3:GetObjectLegalHold']);
    expect(bySid.ReplicateInto0).toMatchObject({ Action: ['s3:ReplicateObject', 's3:ReplicateTags'] });
    expect(JSON.stringify(bySid.ReplicateInto0.Resource)).toContain(`prod-${region}-audit-444444444444-${other}/*`);
    expect(bySid.DecryptSourceThroughS3.Condition.StringEquals).toEqual({ 'kms:ViaService': `s3.${region}.amazonaws.com` });
    expect(bySid.EncryptReplicaThroughS30.Condition).toMatchObject({
      'StringEquals': { 'kms:ViaService': `s3.${other}.amazonaws.com` },
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': `alias/transactions-prod-${region}/audit-replica` },
    });
    expect(JSON.stringify(bySid.EncryptReplicaThroughS30.Resource)).toContain(`:kms:${other}:444444444444:key/*`);
    // No delete: delete markers do not replicate.
    expect(JSON.stringify(statements)).not.toContain('ReplicateDelete');
  });

  test('alarms on replication latency and failed operations (AWS/S3 per rule) and on late delivery of the records, all on the stage topic and in the stage\'s alarms', () => {
    const stage = stageIn(region);
    const audit = stage.service.audit!;
    const alarm = (a: any) => resources(service(region), 'AWS::CloudWatch::Alarm')[id(stage, a)].Properties!;
    const { latency, failed } = audit.replicationAlarms[other];
    const dims = (a: any) => Object.fromEntries(alarm(a).Dimensions.map((d: any) => [d.Name, d.Value]));
    for (const a of [latency, failed]) {
      expect(alarm(a).Namespace).toBe('AWS/S3');
      expect(dims(a)).toEqual({ SourceBucket: { Ref: id(stage, audit.bucket) }, DestinationBucket: `prod-${region}-audit-444444444444-${other}`, RuleId: `audit-to-${other}` });
    }
    expect(alarm(latency)).toMatchObject({ MetricName: 'ReplicationLatency', Statistic: 'Maximum', Threshold: 900, EvaluationPeriods: 5, DatapointsToAlarm: 5, TreatMissingData: 'notBreaching' });
    expect(alarm(failed)).toMatchObject({ MetricName: 'OperationsFailedReplication', Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
    expect(alarm(audit.deliveryAlarm)).toMatchObject({
      Namespace: 'AWS/Firehose',
      MetricName: 'DeliveryToS3.DataFreshness',
      Statistic: 'Maximum',
      Threshold: 900,
      TreatMissingData: 'notBreaching',
      Dimensions: [{ Name: 'DeliveryStreamName', Value: { Ref: stage.service.getLogicalId(audit.records.stream) } }],
    });
    const topic = { Ref: id(stage, stage.service.monitoring.topic) };
    for (const a of audit.alarms) expect([alarm(a).AlarmActions, alarm(a).OKActions]).toEqual([[topic], [topic]]);
    // Watched by the bake (AlarmNames) and the post-deploy assertions (stage.alarms).
    for (const a of audit.alarms) expect(stage.alarms).toContain(a);
  });

  test('the transaction records: the service log group\'s audit lines only, through an encrypted Firehose stream, gzip objects under transactions/', () => {
    const stage = stageIn(region);
    const { records, key, bucket } = stage.service.audit!;
    const template = service(region);
    const filter = only(template, 'AWS::Logs::SubscriptionFilter').Properties!;
    expect(filter).toMatchObject({
      FilterPattern: '{ $.auditType = "transaction.accepted" }',
      LogGroupName: { Ref: id(stage, stage.service.logGroup) },
      DestinationArn: { 'Fn::GetAtt': [stage.service.getLogicalId(records.stream), 'Arn'] },
    });
    const stream = only(template, 'AWS::KinesisFirehose::DeliveryStream').Properties!;
    expect(stream.DeliveryStreamEncryptionConfigurationInput).toEqual({ KeyType: 'CUSTOMER_MANAGED_CMK', KeyARN: { 'Fn::GetAtt': [id(stage, key), 'Arn'] } });
    expect(stream.ExtendedS3DestinationConfiguration).toMatchObject({
      BucketARN: { 'Fn::GetAtt': [id(stage, bucket), 'Arn'] },
      Prefix: 'transactions/!{timestamp:yyyy/MM/dd/HH}/',
      CompressionFormat: 'GZIP',
      BufferingHints: { IntervalInSeconds: 300, SizeInMBs: 5 },
      EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: { 'Fn::GetAtt': [id(stage, key), 'Arn'] } } },
      ProcessingConfiguration: { Enabled: true, Processors: [expect.objectContaining({ Type: 'Decompression' }), expect.objectContaining({ Type: 'CloudWatchLogProcessing' }), expect.objectContaining({ Type: 'AppendDelimiterToRecord' })] },
    });
    // Firehose's role: the six S3 actions on this bucket, the key through S3, its error log stream.
    const statements = identityStatements(template).filter((s) => ['WriteAuditBucket', 'UseAuditKeyThroughS3', 'WriteDeliveryErrors'].includes(s.Sid));
    expect(statements.map((s) => s.Sid).sort()).toEqual(['UseAuditKeyThroughS3', 'WriteAuditBucket', 'WriteDeliveryErrors']);
    expect(statements.find((s) => s.Sid === 'WriteAuditBucket')!.Action).toEqual(['s3:AbortMultipartUpload', 's3:GetBucketLocation', 's3:GetObject', 's3:ListBucket', 's3:ListBucketMultipartUploads', 's3:PutObject']);
    const firehoseRole = resources(template, 'AWS::IAM::Role')[id(stage, records.role)].Properties!;
    expect(firehoseRole.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({ StringEquals: { 'sts:ExternalId': '444444444444' } });
  });
});

test('the trail (audit.trail "project"): one per production account, in the primary region, multi-region, validated, KMS, into the audit bucket and a log group', () => {
  const primary = service('us-east-1');
  expect(Object.keys(resources(service('us-east-2'), 'AWS::CloudTrail::Trail'))).toEqual([]);
  const trail = only(primary, 'AWS::CloudTrail::Trail').Properties!;
  const stage = stageIn('us-east-1');
  const audit = stage.service.audit!;
  expect(trail).toMatchObject({
    IsMultiRegionTrail: true,
    IncludeGlobalServiceEvents: true,
    EnableLogFileValidation: true,
    IsLogging: true,
    KMSKeyId: { 'Fn::GetAtt': [id(stage, audit.key), 'Arn'] },
    S3BucketName: { Ref: id(stage, audit.bucket) },
    S3KeyPrefix: 'cloudtrail',
    CloudWatchLogsLogGroupArn: { 'Fn::GetAtt': [id(stage, audit.trail!.logGroup), 'Arn'] },
  });
  expect(trail.TrailName).toBeUndefined();
  const keyPolicy = resources(primary, 'AWS::KMS::Key')[id(stage, audit.key)].Properties!.KeyPolicy.Statement;
  expect(keyPolicy).toContainEqual(expect.objectContaining({
    Sid: 'AllowCloudTrailOfThisAccountToEncryptLogs',
    Principal: { Service: 'cloudtrail.amazonaws.com' },
    Action: 'kms:GenerateDataKey*',
    Condition: expect.objectContaining({ StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudtrail:*:444444444444:trail/*']] } } }),
  }));
});

test('audit.trail "organization": no trail anywhere (doctor --aws checks the organization trail instead); the buckets stay', () => {
  const config = sampleConfig();
  const stage = new ServiceStage(testApp(), 'prod-us-east-1', {
    environment: prod,
    region: 'us-east-1',
    tags: config.tags,
    commit: 'c',
    image: TEST_IMAGE,
    audit: { ...config.audit, trail: 'organization' },
    featureFlags: FEATURE_FLAGS,
  });
  const template = Template.fromStack(stage.service);
  expect(Object.keys(resources(template, 'AWS::CloudTrail::Trail'))).toEqual([]);
  expect(stage.service.audit!.bucket).toBeDefined();
});

test('non-production stages have no audit tier and no copies; a one-region production stage has a bucket but nothing to replicate into', () => {
  const dev = buildStage(sampleEnvironment('dev'), 'us-east-1');
  expect(dev.service.audit).toBeUndefined();
  expect(dev.stacks.auditReplicas).toEqual([]);
  expect(Object.keys(resources(Template.fromStack(dev.service), 'AWS::S3::Bucket'))).toEqual([]);
  const single = buildStage(sampleEnvironment('prod', { regions: ['us-east-1'], resilience: 'independent' }), 'us-east-1');
  expect(single.stacks.auditReplicas).toEqual([]);
  expect(single.service.audit!.replication).toBeUndefined();
  const bucket: CfnResource = resources(Template.fromStack(single.service), 'AWS::S3::Bucket')[id(single, single.service.audit!.bucket)];
  expect(bucket.Properties!.ReplicationConfiguration).toBeUndefined();
  expect(single.service.audit!.alarms).toHaveLength(1);
});

test('audit.retentionDays and objectLockMode reach both buckets', () => {
  const config = sampleConfig();
  const stage = new ServiceStage(testApp(), 'prod-us-east-1', {
    environment: prod,
    region: 'us-east-1',
    tags: config.tags,
    commit: 'c',
    image: TEST_IMAGE,
    audit: { trail: 'project', retentionDays: 2555, objectLockMode: 'COMPLIANCE' },
    featureFlags: FEATURE_FLAGS,
  });
  for (const stack of [stage.service, stage.stacks.auditReplicas[0]]) {
    const locked = Object.values(resources(Template.fromStack(stack), 'AWS::S3::Bucket')).find((b) => b.Properties!.ObjectLockEnabled)!;
    expect(locked.Properties!.ObjectLockConfiguration.Rule.DefaultRetention).toEqual({ Mode: 'COMPLIANCE', Days: 2555 });
    expect(locked.Properties!.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(2555);
  }
});
