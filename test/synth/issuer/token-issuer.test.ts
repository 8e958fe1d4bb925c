import { Template } from 'aws-cdk-lib/assertions';
import { CHECKS_SECRET_ROTATION_DAYS, CHECKS_TOKEN_VALIDITY_MINUTES } from '../../../src/synth/issuer/token-issuer';
import { PRE_TRAFFIC_DEADLINE_MINUTES } from '../../../src/synth/progressive-deployment/pre-traffic-hook';
import { ServiceStage } from '../../../src/synth/workload/service-stage';
import { buildStage, only, resources, sampleEnvironment } from '../workload/support';

/**
 * The environment's token issuer in its primary region's Platform stack (issue 32): a Cognito user
 * pool for machine-to-machine tokens only, the API's resource server, the token endpoint's
 * domain, the checks' own app client and its rotated credentials secret.
 */

describe.each([['dev', false], ['prod', true]] as const)('%s us-east-1 (the issuer region)', (envName, production) => {
  let stage: ServiceStage;
  let platform: Template;
  const id = (c: any) => stage.platform.getLogicalId(c.node.defaultChild);
  beforeAll(() => {
    stage = buildStage(sampleEnvironment(envName), 'us-east-1');
    platform = Template.fromStack(stage.platform);
  });

  test('a user pool nobody signs in to: no self sign-up, no recovery, TOTP-only MFA and a strong password policy anyway, the Lite plan', () => {
    const pool = only(platform, 'AWS::Cognito::UserPool');
    expect(pool.Properties).toMatchObject({
      UserPoolTier: 'LITE',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'admin_only', Priority: 1 }] },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: { PasswordPolicy: { MinimumLength: 16, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true } },
    });
    // Retained and protected in production (a new pool gives every client a new id).
    expect(pool.Properties!.DeletionProtection).toBe(production ? 'ACTIVE' : 'INACTIVE');
    expect([pool.DeletionPolicy, pool.UpdateReplacePolicy]).toEqual(production ? ['Retain', 'Retain'] : ['Delete', 'Delete']);
  });

  test('the resource server `transactions` with the scopes read and write, and the derivable domain prefix', () => {
    const server = only(platform, 'AWS::Cognito::UserPoolResourceServer').Properties!;
    expect(server.Identifier).toBe('transactions');
    expect(server.Scopes.map((s: any) => s.ScopeName)).toEqual(['read', 'write']);
    const account = sampleEnvironment(envName).account;
    expect(only(platform, 'AWS::Cognito::UserPoolDomain').Properties!.Domain).toBe(`transactions-${envName}-${account}`);
    expect(stage.platform.issuer!.tokenUrl).toBe(`https://transactions-${envName}-${account}.auth.us-east-1.amazoncognito.com/oauth2/token`);
  });

  test('the checks\' app client: client credentials only, a generated secret, both scopes, 30-minute tokens, no user sign-in flow', () => {
    const client = only(platform, 'AWS::Cognito::UserPoolClient');
    expect(client.Properties).toMatchObject({
      GenerateSecret: true,
      AllowedOAuthFlows: ['client_credentials'],
      AllowedOAuthFlowsUserPoolClient: true,
      ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      AccessTokenValidity: CHECKS_TOKEN_VALIDITY_MINUTES,
      TokenValidityUnits: { AccessToken: 'minutes' },
      PreventUserExistenceErrors: 'ENABLED',
    });
    expect(JSON.stringify(client.Properties!.AllowedOAuthScopes)).toMatch(/\/read".*\/write"/);
    expect([client.DeletionPolicy, client.UpdateReplacePolicy]).toEqual(production ? ['Retain', 'Retain'] : ['Delete', 'Delete']);
  });

  test('its credentials: a secret with the derivable name and this stage\'s key, its value built from references only', () => {
    const issuer = stage.platform.issuer!;
    const secret = resources(platform, 'AWS::SecretsManager::Secret')[id(issuer.checksSecret)];
    expect(secret.Properties!.Name).toBe(`transactions-${envName}-us-east-1/checks-client`);
    expect(secret.Properties!.KmsKeyId).toEqual({ 'Fn::GetAtt': [id(issuer.secretKey), 'Arn'] });
    const value = JSON.stringify(secret.Properties!.SecretString);
    // client_id and user_pool_id are Refs, client_secret CDK's DescribeUserPoolClient response, token_url the literal.
    expect(value).toContain(`"client_id\\":\\"",{"Ref":"${id(issuer.checksClient)}"}`);
    expect(value).toMatch(/"client_secret\\":\\"",\{"Fn::GetAtt":\["IssuerUserPoolChecksClientDescribeCognitoUserPoolClient\w+","UserPoolClient.ClientSecret"\]\}/);
    expect(value).toContain(issuer.tokenUrl);
    expect(secret.DeletionPolicy).toBe(production ? 'RetainExceptOnCreate' : 'Delete');
    // The token URL is written out, so the secret waits for the domain explicitly.
    expect(secret.DependsOn).toContain(id(issuer.domain));
  });

  test('rotated every 30 days by our function, never by a deploy; Secrets Manager may invoke it for this account only', () => {
    const issuer = stage.platform.issuer!;
    // (The other schedule is the database password's hosted rotation.)
    const schedule = resources(platform, 'AWS::SecretsManager::RotationSchedule')[stage.platform.getLogicalId(issuer.rotation.schedule.node.defaultChild as any)].Properties!;
    expect(schedule).toEqual({
      SecretId: { Ref: id(issuer.checksSecret) },
      RotationLambdaARN: { 'Fn::GetAtt': [id(issuer.rotation.function), 'Arn'] },
      RotationRules: { ScheduleExpression: `rate(${CHECKS_SECRET_ROTATION_DAYS} days)` },
      RotateImmediatelyOnUpdate: false,
    });
    const permissions = Object.values(resources(platform, 'AWS::Lambda::Permission'))
      .filter((p) => JSON.stringify(p.Properties!.FunctionName).includes(id(issuer.rotation.function)));
    expect(permissions.map((p) => [p.Properties!.Principal, p.Properties!.SourceAccount])).toEqual([['secretsmanager.amazonaws.com', sampleEnvironment(envName).account]]);
  });

  test('the rotation function may rotate the secrets of this pool\'s clients only, runs in the VPC, and has HTTPS out only', () => {
    const rotation = stage.platform.issuer!.rotation;
    const statements = Object.values(resources(platform, 'AWS::IAM::Policy'))
      .filter((p) => p.Properties!.Roles.some((r: any) => r.Ref === id(rotation.role)))
      .flatMap((p) => p.Properties!.PolicyDocument.Statement);
    expect(statements.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('cognito-idp:')))).toEqual([{
      Sid: 'RotateAppClientSecrets',
      Effect: 'Allow',
      Action: ['cognito-idp:ListUserPoolClientSecrets', 'cognito-idp:AddUserPoolClientSecret', 'cognito-idp:DeleteUserPoolClientSecret'],
      Resource: { 'Fn::GetAtt': [id(stage.platform.issuer!.userPool), 'Arn'] },
    }]);
    const fn = resources(platform, 'AWS::Lambda::Function')[id(rotation.function)].Properties!;
    expect(fn.VpcConfig.SubnetIds.length).toBeGreaterThan(0);
    const sg = resources(platform, 'AWS::EC2::SecurityGroup')[id(rotation.securityGroup)].Properties!;
    expect(sg.SecurityGroupEgress).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' })]);
  });

  test('the service trusts this pool (AUTH_ISSUER is its provider URL), and its checks read the secret by ARN', () => {
    expect(stage.service.auth.lookup).toBeUndefined();
    expect(stage.service.auth.checks.crossRegion).toBe(false);
    expect(stage.service.checksScopes).toEqual(['transactions/read', 'transactions/write']);
  });
});

test('a check holds its token for its whole run: the assertions\' 10-minute retries and the hook\'s 20-minute deadline fit in one token', () => {
  expect(CHECKS_TOKEN_VALIDITY_MINUTES).toBe(30);
  expect(CHECKS_TOKEN_VALIDITY_MINUTES).toBeGreaterThan(10 + 1);
  // The hook keeps its token until a minute before it expires (CachedToken), so one token covers its deadline.
  expect(CHECKS_TOKEN_VALIDITY_MINUTES - 1).toBeGreaterThan(PRE_TRAFFIC_DEADLINE_MINUTES);
  // Cognito's bounds for an access token (5 minutes to 1 day).
  expect(CHECKS_TOKEN_VALIDITY_MINUTES).toBeGreaterThanOrEqual(5);
  expect(CHECKS_TOKEN_VALIDITY_MINUTES).toBeLessThanOrEqual(24 * 60);
});

describe('prod us-east-2: the environment\'s other region uses the issuer of us-east-1', () => {
  let stage: ServiceStage;
  let service: Template;
  beforeAll(() => {
    stage = buildStage(sampleEnvironment('prod'), 'us-east-2');
    service = Template.fromStack(stage.service);
  });

  test('no issuer of its own', () => {
    expect(stage.platform.issuer).toBeUndefined();
    Template.fromStack(stage.platform).resourceCountIs('AWS::Cognito::UserPool', 0);
  });

  test('AUTH_ISSUER is looked up in us-east-1 by the derivable domain prefix, again with every release', () => {
    const lookup = only(service, 'Custom::IssuerLookup').Properties!;
    const create = JSON.parse(lookup.Create['Fn::Join'] ? lookup.Create['Fn::Join'][1].join('') : lookup.Create);
    expect(create).toMatchObject({
      service: 'CognitoIdentityServiceProvider',
      action: 'describeUserPoolDomain',
      region: 'us-east-1',
      parameters: { Domain: `transactions-prod-${sampleEnvironment('prod').account}` },
      outputPaths: ['DomainDescription.UserPoolId'],
    });
    // The physical id names the release (the image tag): every deploy looks the pool up again.
    expect(create.physicalResourceId.id).toBe(`transactions-prod-${sampleEnvironment('prod').account}@us-east-1@gated-0123456789abcdef0123456789abcdef01234567`);
    const task = only(service, 'AWS::ECS::TaskDefinition').Properties!;
    const issuer = task.ContainerDefinitions[0].Environment.find((e: any) => e.Name === 'AUTH_ISSUER').Value;
    expect(issuer['Fn::Join'][1][0]).toBe('https://cognito-idp.us-east-1.amazonaws.com/');
    expect(issuer['Fn::Join'][1][1]).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^IssuerLookup/), 'DomainDescription.UserPoolId'] });
  });

  test('its checks read the secret across regions by name and ask for read only (the region writes nothing)', () => {
    expect(stage.service.auth.checks).toMatchObject({ secretId: 'transactions-prod-us-east-1/checks-client', region: 'us-east-1', crossRegion: true });
    expect(stage.service.checksScopes).toEqual(['transactions/read']);
    const fn = resources(service, 'AWS::Lambda::Function')[stage.service.getLogicalId(stage.service.checksToken.function.node.defaultChild as any)].Properties!;
    expect(fn.Environment.Variables).toEqual({
      CHECKS_SECRET_ID: 'transactions-prod-us-east-1/checks-client', CHECKS_SECRET_REGION: 'us-east-1', CHECKS_SCOPES: 'transactions/read',
    });
  });
});
