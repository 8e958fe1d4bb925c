import { Template } from 'aws-cdk-lib/assertions';
import { buildStage, CfnResource, identityStatements, importsIn, only, resources, sampleEnvironment, tierTemplate } from './support';
import { databaseSecretNameOf, globalClusterIdentifierOf, regionalClusterIdentifierOf } from '../../../src/config/resilience';
import { vpcCidrOf } from '../../../src/config/vpc-cidrs';
import { REPLICATION_LAG_THRESHOLD_MS } from '../../../src/synth/workload/replication-alarms';
import { ServiceStage } from '../../../src/synth/workload/service-stage';
import { testApp } from '../../support/test-app';

/**
 * The sample prod environment is global: us-east-1 holds the primary cluster and creates the
 * global cluster from it, us-east-2 runs a secondary attached to it, with its own keys, a
 * replica of the credentials secret and a replication-lag alarm. Both synthesized for real.
 */
const prod = sampleEnvironment('prod');
const APP = 'transactions';
let primary: ServiceStage;
let secondary: ServiceStage;
let primaryData: Template;
let secondaryData: Template;
let secondaryPlatform: Template;
let secondaryService: Template;
let primaryService: Template;

beforeAll(() => {
  const app = testApp();
  primary = buildStage(prod, 'us-east-1', app);
  secondary = buildStage(prod, 'us-east-2', app);
  primaryData = tierTemplate(primary.data);
  secondaryData = tierTemplate(secondary.data);
  secondaryPlatform = Template.fromStack(secondary.platform);
  secondaryService = Template.fromStack(secondary.service);
  primaryService = Template.fromStack(primary.service);
});

/** The CloudFormation expression of a token of a stack. */
const cfnOf = (stage: ServiceStage, token: string) => stage.platform.resolve(token);
const logicalIdOf = (stage: ServiceStage, construct: any) => stage.platform.getLogicalId(construct.node.defaultChild ?? construct);

describe('primary region (us-east-1)', () => {
  test('the cluster has the derived regional identifier, keeps its credentials, key and prod data rules', () => {
    const cluster = only(primaryData, 'AWS::RDS::DBCluster');
    expect(cluster.Properties).toMatchObject({
      DBClusterIdentifier: regionalClusterIdentifierOf(APP, 'prod', 'us-east-1'),
      StorageEncrypted: true,
      KmsKeyId: cfnOf(primary, primary.data.storageKey.keyArn),
      MasterUsername: expect.anything(),
    });
    // Unset in the template: turned on after the first successful create (deletion-protection.ts).
    expect(cluster.Properties!.DeletionProtection).toBeUndefined();
    expect(cluster.Properties!.GlobalClusterIdentifier).toBeUndefined();
    expect(cluster).toMatchObject({ DeletionPolicy: 'Snapshot', UpdateReplacePolicy: 'Snapshot' });
  });

  test('an AWS::RDS::GlobalCluster with the derived identifier is created FROM that cluster', () => {
    const global = only(primaryData, 'AWS::RDS::GlobalCluster');
    expect(global.Properties).toEqual({
      GlobalClusterIdentifier: globalClusterIdentifierOf(APP, 'prod'),
      SourceDBClusterIdentifier: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':rds:us-east-1:444444444444:cluster:', { Ref: logicalIdOf(primary, primary.data.cluster) }]] },
      Tags: expect.any(Array),
    });
    // Inherited from the source cluster: setting them as well is refused by RDS.
    for (const inherited of ['Engine', 'EngineVersion', 'StorageEncrypted']) expect(global.Properties![inherited]).toBeUndefined();
    expect(global.DeletionPolicy).toBe('RetainExceptOnCreate');
    // RETAIN except on a failed first create: its fixed name would block the retry.
    expect(global.UpdateReplacePolicy).toBe('Retain');
  });

  test('the credentials secret has the derivable name, its own key, and is rotated here', () => {
    const secret = only(primaryData, 'AWS::SecretsManager::Secret');
    // A fixed name: retained, except after a failed first create (the retry needs the name).
    expect(secret).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
    expect(secret.Properties!.Name).toBe(databaseSecretNameOf(APP, 'prod'));
    expect(secret.Properties!.Name).toBe('transactions-prod-global/credentials');
    expect(secret.Properties!.KmsKeyId).toEqual(cfnOf(primary, primary.data.secretKey.keyArn));
    expect(Object.keys(resources(primaryData, 'AWS::SecretsManager::RotationSchedule'))).toHaveLength(1);
    expect(primaryData.toJSON().Resources[logicalIdOf(primary, primary.data.secretKey)].Properties.Description).toContain('prod-us-east-1');
  });

  test('the service writes here: SERVICE_REGION = DB_WRITER_REGION = us-east-1, DB_HOST from the secret', () => {
    const [container] = only(primaryService, 'AWS::ECS::TaskDefinition').Properties!.ContainerDefinitions;
    const env = Object.fromEntries(container.Environment.map((e: any) => [e.Name, e.Value]));
    expect(env).toMatchObject({ SERVICE_REGION: 'us-east-1', DB_WRITER_REGION: 'us-east-1' });
    expect(env.DB_HOST).toBeUndefined();
    expect(container.Secrets.map((s: any) => s.Name)).toContain('DB_HOST');
  });

  test('no replication-lag alarm in the primary', () => {
    const names = Object.values(resources(primaryService, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties!.MetricName);
    expect(names).not.toContain('AuroraGlobalDBReplicationLag');
  });
});

describe('secondary region (us-east-2)', () => {
  let cluster: CfnResource;
  beforeAll(() => { cluster = only(secondaryData, 'AWS::RDS::DBCluster'); });

  test('the cluster joins the global cluster by its derived identifier, with its own regional key', () => {
    expect(cluster.Properties).toMatchObject({
      DBClusterIdentifier: regionalClusterIdentifierOf(APP, 'prod', 'us-east-2'),
      GlobalClusterIdentifier: globalClusterIdentifierOf(APP, 'prod'),
      Engine: 'aurora-postgresql',
      EngineVersion: only(primaryData, 'AWS::RDS::DBCluster').Properties!.EngineVersion,
      StorageEncrypted: true,
      KmsKeyId: cfnOf(secondary, secondary.data.storageKey.keyArn),
    });
    const key = secondaryData.toJSON().Resources[logicalIdOf(secondary, secondary.data.storageKey)];
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties.Description).toContain('prod-us-east-2');
  });

  test('no master credentials, no database name, no secret of its own, no rotation', () => {
    for (const p of ['MasterUsername', 'MasterUserPassword', 'DatabaseName', 'ManageMasterUserPassword']) expect(cluster.Properties![p]).toBeUndefined();
    expect(resources(secondaryPlatform, 'AWS::SecretsManager::Secret')).toEqual({});
    expect(resources(secondaryPlatform, 'AWS::SecretsManager::SecretTargetAttachment')).toEqual({});
    expect(resources(secondaryPlatform, 'AWS::SecretsManager::RotationSchedule')).toEqual({});
    expect(resources(secondaryPlatform, 'AWS::GlobalCluster')).toEqual({});
    expect(resources(secondaryPlatform, 'AWS::RDS::GlobalCluster')).toEqual({});
  });

  test('prod data rules unchanged: deletion protection after the first create, SNAPSHOT, same engine parameters', () => {
    expect(cluster.Properties!.DeletionProtection).toBeUndefined();
    expect(secondary.platform.deletionProtection?.hasGlobalCluster).toBe(false);
    expect(cluster).toMatchObject({ DeletionPolicy: 'Snapshot', UpdateReplacePolicy: 'Snapshot' });
    const family = (t: Template) => only(t, 'AWS::RDS::DBClusterParameterGroup').Properties!.Family;
    expect(family(secondaryData)).toBe(family(primaryData));
  });

  test('one instance, so the reader endpoint the service uses takes writes once this region is promoted', () => {
    // Aurora points a one-instance cluster's reader endpoint at that instance in either role; with
    // a second instance it would stay on a reader after a failover and writes would get 503.
    expect(prod.sizing.dbReaders).toBeGreaterThan(0);
    expect(Object.keys(resources(secondaryData, 'AWS::RDS::DBInstance'))).toHaveLength(1);
    expect(Object.keys(resources(primaryData, 'AWS::RDS::DBInstance'))).toHaveLength(1 + prod.sizing.dbReaders);
  });

  test('the credentials secret is replicated here, encrypted with a key of this region, removed with the stage', () => {
    const [replica] = Object.values(resources(secondaryPlatform, 'Custom::SecretReplica'));
    /** The SDK call of a `Create`/`Update`/`Delete` property, tokens as `<Logical id>`. */
    const call = (value: any) => JSON.parse(typeof value === 'string' ? value
      : value['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p : `<${p['Fn::GetAtt'][0]}>`)).join(''));
    expect(call(replica.Properties!.Create)).toEqual({
      service: 'SecretsManager',
      action: 'replicateSecretToRegions',
      region: 'us-east-1',
      parameters: {
        SecretId: databaseSecretNameOf(APP, 'prod'),
        AddReplicaRegions: [{ Region: 'us-east-2', KmsKeyId: `<${logicalIdOf(secondary, secondary.data.secretKey)}>` }],
        ForceOverwriteReplicaSecret: false,
      },
      physicalResourceId: { id: 'transactions-prod-global/credentials@us-east-2' },
      outputPaths: ['ARN'],
    });
    expect(call(replica.Properties!.Update)).toMatchObject({ action: 'describeSecret', region: 'us-east-1', outputPaths: ['ARN'] });
    expect(call(replica.Properties!.Delete)).toMatchObject({
      action: 'removeRegionsFromReplication',
      region: 'us-east-1',
      parameters: { SecretId: databaseSecretNameOf(APP, 'prod'), RemoveReplicaRegions: ['us-east-2'] },
      ignoreErrorCodesMatching: 'ResourceNotFoundException|InvalidParameterException',
    });
  });

  test('the replicating function may touch only that secret and those two keys', () => {
    const statements = identityStatements(secondaryPlatform).filter((s) => /Replicate|DecryptThePrimary|EncryptTheReplica/.test(s.Sid ?? ''));
    expect(statements.map((s) => s.Sid).sort()).toEqual(['DecryptThePrimarySecret', 'EncryptTheReplica', 'ReplicateTheDatabaseSecret']);
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(JSON.stringify(bySid.ReplicateTheDatabaseSecret.Resource)).toContain(':secretsmanager:us-east-1:444444444444:secret:transactions-prod-global/credentials-??????');
    expect(bySid.DecryptThePrimarySecret.Condition).toEqual({
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/transactions-prod-us-east-1/db-secret' },
      'StringEquals': { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' },
    });
    expect(bySid.EncryptTheReplica.Resource).toEqual({ 'Fn::GetAtt': [logicalIdOf(secondary, secondary.data.secretKey), 'Arn'] });
  });

  test('the service reads the local reader endpoint and the replica secret; its roles point at the replica and this region\'s key', () => {
    const [container] = only(secondaryService, 'AWS::ECS::TaskDefinition').Properties!.ContainerDefinitions;
    const env = Object.fromEntries(container.Environment.map((e: any) => [e.Name, e.Value]));
    expect(env).toMatchObject({ SERVICE_REGION: 'us-east-2', DB_WRITER_REGION: 'us-east-1' });
    // DB_HOST is a plain variable (imported from the Platform stack: the reader endpoint).
    expect(JSON.stringify(env.DB_HOST)).toMatch(/ImportValue/);
    expect(JSON.stringify(secondary.platform.resolve(secondary.data.serviceHost))).toContain('ReadEndpoint.Address');
    const secretNames = container.Secrets.map((s: any) => s.Name);
    expect(secretNames).toEqual(expect.arrayContaining(['DB_PORT', 'DB_NAME', 'DB_USER', 'DB_PASSWORD']));
    expect(secretNames).not.toContain('DB_HOST');
    // Every secret, DB_SECRET_ARN and the grants name the replica (one ARN, imported from Platform).
    const [replicaArnExport] = importsIn(env.DB_SECRET_ARN);
    expect(replicaArnExport).toMatch(/SecretReplica/);
    expect(JSON.stringify(env.DB_SECRET_ARN)).toContain('secretsmanager:us-east-2:444444444444:secret');
    for (const s of container.Secrets) expect(importsIn(s.ValueFrom)).toEqual([replicaArnExport]);
    const statements = identityStatements(secondaryService);
    const task = statements.find((s) => s.Sid === 'ReadDatabaseSecretAfterRotation')!;
    expect(task.Resource).toEqual(env.DB_SECRET_ARN);
    const decrypts = statements.filter((s) => s.Sid === 'DecryptDatabaseSecretViaSecretsManager');
    expect(decrypts).toHaveLength(2);
    for (const d of decrypts) expect(d.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-2.amazonaws.com' } });
  });

  test('the replica ARN is the primary ARN with this region in it', () => {
    const arn = JSON.stringify(secondary.platform.resolve(secondary.data.secretReplica!.secretArn));
    expect(arn).toContain('secretsmanager:us-east-2:444444444444:secret');
    expect(arn).toContain('"Fn::Select":[6,{"Fn::Split":[":",{"Fn::GetAtt":');
  });

  test('a replication-lag alarm on the secondary cluster pages through the stage topic', () => {
    const lag = Object.values(resources(secondaryService, 'AWS::CloudWatch::Alarm')).filter((a) => a.Properties!.MetricName === 'AuroraGlobalDBReplicationLag');
    expect(lag).toHaveLength(1);
    const topic = secondaryService.toJSON().Resources[secondary.service.getLogicalId(secondary.alarmTopic.node.defaultChild as any)];
    expect(topic.Type).toBe('AWS::SNS::Topic');
    expect(lag[0].Properties).toMatchObject({
      Namespace: 'AWS/RDS',
      // Published in the secondary region under {DBClusterIdentifier, SourceRegion = the primary's region}.
      Dimensions: [{ Name: 'DBClusterIdentifier', Value: regionalClusterIdentifierOf(APP, 'prod', 'us-east-2') }, { Name: 'SourceRegion', Value: 'us-east-1' }],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: REPLICATION_LAG_THRESHOLD_MS,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: secondary.service.getLogicalId(secondary.alarmTopic.node.defaultChild as any) }],
      OKActions: [{ Ref: secondary.service.getLogicalId(secondary.alarmTopic.node.defaultChild as any) }],
    });
    // The post-deploy assertions check every alarm of the stage, this one included.
    expect(secondary.alarms).toContain(secondary.service.replicationAlarms!.replicationLagAlarm);
  });
});

describe('VPC ranges', () => {
  test('the prod regions use distinct, non-overlapping CIDRs (the configured ones)', () => {
    const cidr = (stage: ServiceStage) => only(Template.fromStack(stage.platform), 'AWS::EC2::VPC').Properties!.CidrBlock;
    expect([cidr(primary), cidr(secondary)]).toEqual([vpcCidrOf(prod, 'us-east-1'), vpcCidrOf(prod, 'us-east-2')]);
    expect([cidr(primary), cidr(secondary)]).toEqual(['10.0.0.0/16', '10.1.0.0/16']);
  });
});

describe('independent regions', () => {
  test('a test region keeps its own cluster with a generated identifier, and writes locally', () => {
    const stage = buildStage(sampleEnvironment('test'), 'us-east-2');
    const data = tierTemplate(stage.data);
    const cluster = only(data, 'AWS::RDS::DBCluster');
    expect(cluster.Properties!.DBClusterIdentifier).toBeUndefined();
    expect(cluster.Properties!.GlobalClusterIdentifier).toBeUndefined();
    expect(resources(data, 'AWS::RDS::GlobalCluster')).toEqual({});
    expect(only(data, 'AWS::SecretsManager::Secret').Properties!.Name).toBeUndefined();
    const [container] = only(Template.fromStack(stage.service), 'AWS::ECS::TaskDefinition').Properties!.ContainerDefinitions;
    const env = Object.fromEntries(container.Environment.map((e: any) => [e.Name, e.Value]));
    expect(env).toMatchObject({ SERVICE_REGION: 'us-east-2', DB_WRITER_REGION: 'us-east-2' });
    expect(only(Template.fromStack(stage.platform), 'AWS::EC2::VPC').Properties!.CidrBlock).toBe('10.1.0.0/16');
  });
});

describe('test rehearsing the global topology (resilience global, sequential rollout)', () => {
  test('same wiring, non-production data rules: no deletion protection, everything destroyed with the stack', () => {
    const environment = sampleEnvironment('test', { resilience: 'global', rollout: 'sequential' });
    const app = testApp();
    const primaryData_ = tierTemplate(buildStage(environment, 'us-east-1', app).data);
    const secondaryData_ = tierTemplate(buildStage(environment, 'us-east-2', app).data);
    const global = only(primaryData_, 'AWS::RDS::GlobalCluster');
    expect(global.Properties).toMatchObject({ GlobalClusterIdentifier: 'transactions-test-global', DeletionProtection: false });
    expect(global.DeletionPolicy).toBe('Delete');
    expect(only(primaryData_, 'AWS::SecretsManager::Secret')).toMatchObject({ DeletionPolicy: 'Delete', Properties: { Name: 'transactions-test-global/credentials' } });
    const cluster = only(secondaryData_, 'AWS::RDS::DBCluster');
    expect(cluster.Properties).toMatchObject({ GlobalClusterIdentifier: 'transactions-test-global', DeletionProtection: false });
    expect(cluster.DeletionPolicy).toBe('Delete');
  });
});
