import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import { buildStage, only, resources, sampleEnvironment, tierTemplate } from './support';
import { ServiceStage } from '../../../src/synth/workload/service-stage';

/** Data: Aurora Serverless v2 in isolated subnets, CMKs, generated and rotated credentials. */
describe.each([
  ['dev', 'us-east-1'],
  ['prod', 'us-east-1'], // the primary: the secondary's data tier is test/synth/workload/global-database.test.ts,
])('DataTier %s %s', (envName, region) => {
  const environment = sampleEnvironment(envName);
  const { sizing, production } = environment;
  let stage: ServiceStage;
  let template: Template;
  const id = (construct: any) => stage.platform.getLogicalId(construct.node.defaultChild);
  /** The CloudFormation expression of a token (a Ref or GetAtt inside the PlatformStack). */
  const cfn = (token: string) => stage.platform.resolve(token);
  const isolatedSubnets = () => stage.network.vpc.isolatedSubnets.map((s) => cfn(s.subnetId));

  beforeAll(() => {
    stage = buildStage(environment, region);
    template = tierTemplate(stage.data);
  });

  test('Aurora PostgreSQL Serverless v2 with the configured capacity and readers', () => {
    const cluster = only(template, 'AWS::RDS::DBCluster');
    expect(cluster.Properties!.Engine).toBe('aurora-postgresql');
    expect(cluster.Properties!.ServerlessV2ScalingConfiguration).toEqual({ MinCapacity: sizing.dbMinCapacity, MaxCapacity: sizing.dbMaxCapacity });
    const instances = Object.values(resources(template, 'AWS::RDS::DBInstance'));
    expect(instances).toHaveLength(1 + sizing.dbReaders);
    for (const i of instances) {
      expect(i.Properties!.DBInstanceClass).toBe('db.serverless');
      expect(i.Properties!.PubliclyAccessible).toBe(false);
    }
  });

  test('lives in the isolated subnets only', () => {
    const group = only(template, 'AWS::RDS::DBSubnetGroup');
    expect(group.Properties!.SubnetIds).toHaveLength(sizing.maxAzs);
    expect(group.Properties!.SubnetIds).toEqual(isolatedSubnets());
  });

  test('uses the database security group (5432 from service and rotation only, see network.test)', () => {
    const cluster = only(template, 'AWS::RDS::DBCluster');
    expect(cluster.Properties!.VpcSecurityGroupIds).toEqual([cfn(stage.network.securityGroups.database.securityGroupId)]);
    expect(cluster.Properties!.Port).toBe(5432);
  });

  test('storage, Performance Insights, secret and logs are encrypted with rotating customer-managed keys', () => {
    const cluster = only(template, 'AWS::RDS::DBCluster');
    expect(cluster.Properties!.StorageEncrypted).toBe(true);
    expect(cluster.Properties!.KmsKeyId).toEqual({ 'Fn::GetAtt': [id(stage.data.storageKey), 'Arn'] });
    expect(cluster.Properties!.PerformanceInsightsEnabled).toBe(true);
    expect(cluster.Properties!.PerformanceInsightsKmsKeyId).toEqual({ 'Fn::GetAtt': [id(stage.data.storageKey), 'Arn'] });
    expect(only(template, 'AWS::SecretsManager::Secret').Properties!.KmsKeyId).toEqual({ 'Fn::GetAtt': [id(stage.data.secretKey), 'Arn'] });
    for (const key of Object.values(resources(template, 'AWS::KMS::Key'))) expect(key.Properties!.EnableKeyRotation).toBe(true);
    template.resourceCountIs('AWS::KMS::Key', 3);
    for (const alias of Object.values(resources(template, 'AWS::KMS::Alias'))) {
      expect(alias.Properties!.AliasName).toContain(`-${environment.name}-${region}/`);
    }
  });

  test('credentials are generated (username, dbname, password), never written in the template', () => {
    const secret = only(template, 'AWS::SecretsManager::Secret');
    expect(secret.Properties!.SecretString).toBeUndefined();
    expect(secret.Properties!.GenerateSecretString).toMatchObject({ GenerateStringKey: 'password', PasswordLength: 30 });
    expect(JSON.parse(secret.Properties!.GenerateSecretString.SecretStringTemplate)).toEqual({ username: 'postgres', dbname: 'app' });
    const cluster = only(template, 'AWS::RDS::DBCluster');
    expect(JSON.stringify(cluster.Properties!.MasterUserPassword)).toContain('{{resolve:secretsmanager:');
    expect(cluster.Properties!.DatabaseName).toBe('app');
    // host and port are added by the attachment, which is what the service reads.
    template.hasResourceProperties('AWS::SecretsManager::SecretTargetAttachment', {
      TargetType: 'AWS::RDS::DBCluster', TargetId: { Ref: id(stage.data.cluster) },
    });
  });

  test('the password rotates every 30 days with hosted single-user rotation inside the isolated subnets', () => {
    expect(template.toJSON().Transform).toMatch(/^AWS::SecretsManager-/);
    const rotation = only(template, 'AWS::SecretsManager::RotationSchedule');
    expect(rotation.Properties!.RotationRules).toEqual({ ScheduleExpression: 'rate(30 days)' });
    const hosted = rotation.Properties!.HostedRotationLambda;
    expect(hosted.RotationType).toBe('PostgreSQLSingleUser');
    expect(hosted.KmsKeyArn).toEqual({ 'Fn::GetAtt': [id(stage.data.secretKey), 'Arn'] });
    expect(hosted.VpcSubnetIds).toEqual(cfn(stage.network.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }).subnetIds.join(',')));
    expect(hosted.VpcSecurityGroupIds).toEqual(cfn(stage.network.securityGroups.rotation.securityGroupId));
  });

  test('rotation waits for the writer instance and never rotates inside a deploy (issue 26)', () => {
    const rotation = only(template, 'AWS::SecretsManager::RotationSchedule');
    const writer = stage.data.cluster.node.findChild('Writer').node.findAll().find((c) => c instanceof rds.CfnDBInstance)!;
    // The secret attachment only waits for the cluster; the rotation function logs in to an instance.
    expect(rotation.DependsOn).toContain(stage.platform.getLogicalId(writer as rds.CfnDBInstance));
    // A create or a change of the schedule only tests the configuration; rotations run in the window.
    expect(rotation.Properties!.RotateImmediatelyOnUpdate).toBe(false);
  });

  test('backups, TLS-only connections and PostgreSQL log export with retention', () => {
    const cluster = only(template, 'AWS::RDS::DBCluster');
    expect(cluster.Properties!.BackupRetentionPeriod).toBe(sizing.backupRetentionDays);
    expect(cluster.Properties!.EnableCloudwatchLogsExports).toEqual(['postgresql']);
    template.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', { Parameters: Match.objectLike({ 'rds.force_ssl': '1' }) });
    const logGroup = only(template, 'AWS::Logs::LogGroup');
    expect(logGroup.Properties!.RetentionInDays).toBe(sizing.logRetentionDays);
    expect(logGroup.Properties!.KmsKeyId).toEqual({ 'Fn::GetAtt': [id(stage.data.logsKey), 'Arn'] });
    // The cluster's identifier: generated (a Ref) in an independent region, the derived fixed
    // one, written literally, in a region of a global environment.
    expect(logGroup.Properties!.LogGroupName).toEqual(stage.data.role === 'independent'
      ? { 'Fn::Join': ['', ['/aws/rds/cluster/', { Ref: id(stage.data.cluster) }, '/postgresql']] }
      : `/aws/rds/cluster/transactions-${envName}-${region}/postgresql`);
    // The instances (which produce the logs) wait for the encrypted group.
    for (const instance of Object.values(resources(template, 'AWS::RDS::DBInstance'))) {
      expect(instance.DependsOn).toContain(id(stage.data.postgresLogGroup));
    }
    template.resourceCountIs('Custom::LogRetention', 0);
  });

  test(`removal follows production=${production}`, () => {
    const cluster = only(template, 'AWS::RDS::DBCluster');
    // Production leaves it unset (the post-deploy step turns it on after the first create, so a
    // failed first create can roll back); dev and test say false.
    expect(cluster.Properties!.DeletionProtection).toBe(production ? undefined : false);
    expect('DeletionProtection' in cluster.Properties!).toBe(!production);
    expect(cluster.DeletionPolicy).toBe(production ? 'Snapshot' : 'Delete');
    const kept = production ? 'Retain' : 'Delete';
    for (const type of ['AWS::KMS::Key', 'AWS::SecretsManager::Secret', 'AWS::Logs::LogGroup']) {
      for (const r of Object.values(resources(template, type))) {
        // A fixed name (global environment: secret, log group) is not kept after a failed first create.
        const fixedName = typeof (r.Properties?.Name ?? r.Properties?.LogGroupName) === 'string';
        expect(r.DeletionPolicy).toBe(production && fixedName ? 'RetainExceptOnCreate' : kept);
        expect(r.UpdateReplacePolicy).toBe(kept);
      }
    }
    expect(stage.platform.terminationProtection).toBe(production);
  });

  test('exposes the cluster identifier as an output', () => {
    template.hasOutput(stage.platform.getLogicalId(stage.data.clusterIdentifierOutput), { Value: { Ref: id(stage.data.cluster) } });
    expect(stage.databaseClusterIdentifier).toBe(stage.data.clusterIdentifierOutput);
  });
});
