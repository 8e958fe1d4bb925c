import * as fs from 'fs';
import * as path from 'path';
import { databaseSecretNameOf, rotationFunctionNameOf } from '../../../src/config/resilience';
import { sampleAssembly } from '../../support/sample-assembly';

/**
 * The rotation a failover moves: the primary's hosted rotation under a derivable name, and in
 * the secondary region a dormant function of our own (src/synth/workload/standby-rotation.ts)
 * that `npx projen failover` turns on once that region writes. Read from the synthesized sample.
 */

const sample = sampleAssembly();
const platform = (stage: string) => sample.stages.find((s) => s.name === stage)!.stacks.Platform.template;
const ofType = (template: any, type: string) => Object.entries<any>(template.Resources).filter(([, r]) => r.Type === type);
const idOf = (template: any, type: string, pattern: RegExp) => ofType(template, type).map(([id]) => id).filter((id) => pattern.test(id));

describe('the primary region of prod (us-east-1)', () => {
  test('its hosted rotation function has the derived name failover re-enables it with on fail back', () => {
    const [[, schedule]] = ofType(platform('prod-us-east-1'), 'AWS::SecretsManager::RotationSchedule');
    expect(schedule.Properties.HostedRotationLambda.RotationLambdaName).toBe(rotationFunctionNameOf('transactions', 'prod', 'us-east-1'));
    expect(idOf(platform('prod-us-east-1'), 'AWS::Lambda::Function', /StandbyRotation/)).toEqual([]);
  });

  test('independent stages keep the hosted rotation with the name it generates, and no standby', () => {
    for (const stage of ['dev-us-east-1', 'test-us-east-1', 'test-us-east-2']) {
      const [[, schedule]] = ofType(platform(stage), 'AWS::SecretsManager::RotationSchedule');
      expect({ stage, name: schedule.Properties.HostedRotationLambda.RotationLambdaName }).toEqual({ stage, name: undefined });
      expect(idOf(platform(stage), 'AWS::Lambda::Function', /StandbyRotation/)).toEqual([]);
    }
  });
});

describe('the secondary region of prod (us-east-2): the standby rotation', () => {
  const template = platform('prod-us-east-2');
  const [fnId] = idOf(template, 'AWS::Lambda::Function', /^DataStandbyRotationFunction/);
  const fn = template.Resources[fnId]?.Properties;

  test('one function, with the derived name, no rotation schedule (the secret here is a replica until a failover)', () => {
    expect(fn.FunctionName).toBe(rotationFunctionNameOf('transactions', 'prod', 'us-east-2'));
    expect(ofType(template, 'AWS::SecretsManager::RotationSchedule')).toEqual([]);
  });

  test('it connects to this region\'s cluster endpoint (the writer once promoted), not the secret\'s host', () => {
    const [clusterId] = idOf(template, 'AWS::RDS::DBCluster', /^DataCluster/);
    expect(fn.Environment.Variables.DB_HOST).toEqual({ 'Fn::GetAtt': [clusterId, 'Endpoint.Address'] });
    expect(fn.Environment.Variables.DB_PORT).toBe('5432');
    expect(fn.Environment.Variables.NODE_EXTRA_CA_CERTS).toBe('/var/runtime/ca-cert.pem');
  });

  test('it generates passwords of the kind the primary\'s hosted rotation does', () => {
    const [[, schedule]] = ofType(platform('prod-us-east-1'), 'AWS::SecretsManager::RotationSchedule');
    expect(fn.Environment.Variables.EXCLUDE_CHARACTERS).toBe(schedule.Properties.HostedRotationLambda.ExcludeCharacters);
    const [[, secret]] = ofType(platform('prod-us-east-1'), 'AWS::SecretsManager::Secret');
    expect(fn.Environment.Variables.GENERATED_LENGTH).toBe(String(secret.Properties.GenerateSecretString.PasswordLength));
  });

  test('it runs where the primary\'s hosted rotation runs: the isolated subnets, the rotation security group (5432 to the database)', () => {
    const [[, primarySchedule]] = ofType(platform('prod-us-east-1'), 'AWS::SecretsManager::RotationSchedule');
    const [rotationSg] = idOf(template, 'AWS::EC2::SecurityGroup', /^NetworkSecurityGroupsRotation/);
    expect(fn.VpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [rotationSg, 'GroupId'] }]);
    const subnets = fn.VpcConfig.SubnetIds.map((s: any) => s.Ref);
    expect(subnets.every((id: string) => /^NetworkVpcdatabaseSubnet|^NetworkVpcisolated|Subnet/i.test(id))).toBe(true);
    const hostedSubnets = JSON.stringify(primarySchedule.Properties.HostedRotationLambda.VpcSubnetIds);
    for (const id of subnets) expect(hostedSubnets).toContain(id);
  });

  test('its role: the four rotation calls on this region\'s copy of the secret, the secret key through Secrets Manager only', () => {
    const [[, policy]] = ofType(template, 'AWS::IAM::Policy').filter(([id]) => id.startsWith('DataStandbyRotationRole'));
    const statements = Object.fromEntries(policy.Properties.PolicyDocument.Statement.map((s: any) => [s.Sid, s]));
    expect(Object.keys(statements).sort()).toEqual(['GeneratePasswords', 'ManageVpcNetworkInterfaces', 'RotateTheDatabaseSecret', 'UseTheSecretKeyThroughSecretsManager', 'WriteOwnLogs']);
    expect(statements.RotateTheDatabaseSecret.Action).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage']);
    expect(JSON.stringify(statements.RotateTheDatabaseSecret.Resource)).toContain(`:secretsmanager:us-east-2:444444444444:secret:${databaseSecretNameOf('transactions', 'prod')}-??????`);
    const [keyId] = idOf(template, 'AWS::KMS::Key', /^DataSecretKey/);
    expect(statements.UseTheSecretKeyThroughSecretsManager).toMatchObject({
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-2.amazonaws.com' } },
    });
    expect(statements.GeneratePasswords).toMatchObject({ Action: 'secretsmanager:GetRandomPassword', Resource: '*' });
  });

  test('Secrets Manager of this account may invoke it, nothing else', () => {
    const permissions = ofType(template, 'AWS::Lambda::Permission').filter(([id]) => id.startsWith('DataStandbyRotation'));
    expect(permissions.map(([, p]) => p.Properties)).toEqual([{
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      Principal: 'secretsmanager.amazonaws.com',
      SourceAccount: '444444444444',
    }]);
  });

  test('its code is the bundled handler: one file, pg inside, loadable', () => {
    // The staged asset: `asset.<hash>` at the root of the cloud assembly, the hash the S3 key names.
    const dir = path.resolve(sample.directory, `asset.${String(fn.Code.S3Key).replace(/\.zip$/, '')}`);
    expect(fs.readdirSync(dir)).toEqual(['index.js']);
    const code = fs.readFileSync(path.join(dir, 'index.js'), 'utf8');
    expect(code).toContain('ALTER USER %I WITH PASSWORD %L');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(typeof require(path.join(dir, 'index.js')).handler).toBe('function');
  });
});

test('the derived function name stays within Lambda\'s 64 characters, shortening the application part only', () => {
  expect(rotationFunctionNameOf('transactions', 'prod', 'us-east-2')).toBe('transactions-prod-us-east-2-rotation');
  const long = rotationFunctionNameOf('a-very-long-application-name-that-goes-on', 'pre-prod-eu1', 'ap-southeast-3');
  expect(long).toBe('a-very-long-application-nam-pre-prod-eu1-ap-southeast-3-rotation');
  expect(long).toHaveLength(64);
});
