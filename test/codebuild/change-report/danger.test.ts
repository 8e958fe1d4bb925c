import { clone, fixtureTemplate, template } from './support';
import {
  DANGER_RULES, denyLiftedRule, findDangers, iamBroadeningRule, kmsKeyPolicyRule, managedListenerRuleRule, permissionsBoundaryRule,
  securityGroupEgressRule, securityGroupIngressRule, statefulProtectionRule, statefulReplacementRule, tokenIssuerRule,
} from '../../../src/codebuild/change-report/danger';
import { diffTemplates } from '../../../src/codebuild/change-report/diff';

function check(rule: typeof statefulReplacementRule, before: any, after: any) {
  return rule.check(diffTemplates(before, after));
}

describe('(a) stateful-replacement', () => {
  const cluster = (encrypted: boolean) => template({
    Db: { Type: 'AWS::RDS::DBCluster', Properties: { Engine: 'aurora-postgresql', StorageEncrypted: encrypted }, UpdateReplacePolicy: 'Snapshot' },
  });

  test('RDS cluster StorageEncrypted change is a replacement', () => {
    const found = check(statefulReplacementRule, cluster(false), cluster(true));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ ruleId: 'stateful-replacement', category: 'stateful', logicalId: 'Db', resourceType: 'AWS::RDS::DBCluster' });
    expect(found[0].message).toMatch(/REPLACED: StorageEncrypted false -> true/);
    expect(found[0].message).toMatch(/SNAPSHOT/);
  });

  test('a bucket whose logical id changed is called out as a replacement', () => {
    const synth = fixtureTemplate('prod-us-east-1-Data');
    const deployed = clone(synth);
    deployed.Resources.OldReports = deployed.Resources.Reports65402A0A;
    delete deployed.Resources.Reports65402A0A;
    const found = check(statefulReplacementRule, deployed, synth);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ logicalId: 'OldReports', resourceType: 'AWS::S3::Bucket' });
    expect(found[0].message).toMatch(/REMOVED/);
    expect(found[0].message).toMatch(/Reports65402A0A: the logical id probably changed/);
    expect(found[0].message).toMatch(/RETAINED/);
  });

  test('a removed KMS key without Retain says the data is deleted', () => {
    const found = check(statefulReplacementRule, template({ K: { Type: 'AWS::KMS::Key', Properties: {} } }), template({}));
    expect(found[0].message).toMatch(/DELETED/);
  });

  test('a non-replacing change of a stateful resource, or a removed stateless one, is not flagged', () => {
    const synth = fixtureTemplate('prod-us-east-1-Data');
    const deployed = clone(synth);
    deployed.Resources.AppLogsC5DF83A6.Properties.RetentionInDays = 7;
    deployed.Resources.Topic = { Type: 'AWS::SNS::Topic' };
    expect(check(statefulReplacementRule, deployed, synth)).toEqual([]);
  });
});

describe('(b\') permissions-boundary', () => {
  const BOUNDARY = { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/cdk-hnb659fds-delivery-boundary-${AWS::AccountId}-${AWS::Region}' };
  const trust = (service: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: service } }] });
  const role = (props: Record<string, unknown>) => template({ R: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: trust('lambda.amazonaws.com'), ...props } } });

  test('a removed boundary is flagged first (wildcard level), a changed one is flagged, an unchanged one is not', () => {
    const removed = check(permissionsBoundaryRule, role({ PermissionsBoundary: BOUNDARY }), role({}));
    expect(removed).toEqual([expect.objectContaining({ ruleId: 'permissions-boundary', category: 'security', wildcard: true, logicalId: 'R', message: expect.stringMatching(/^Permissions boundary REMOVED/) })]);
    const changed = check(permissionsBoundaryRule, role({ PermissionsBoundary: BOUNDARY }), role({ PermissionsBoundary: 'arn:aws:iam::1:policy/other' }));
    expect(changed).toEqual([expect.objectContaining({ wildcard: false, message: expect.stringMatching(/^Permissions boundary .* -> arn:aws:iam::1:policy\/other\.$/) })]);
    expect(check(permissionsBoundaryRule, role({ PermissionsBoundary: BOUNDARY }), role({ PermissionsBoundary: BOUNDARY, Description: 'x' }))).toEqual([]);
  });

  test('a new role without a boundary is flagged; with one it is not', () => {
    const found = check(permissionsBoundaryRule, template({}), role({}));
    expect(found).toEqual([expect.objectContaining({ wildcard: true, message: expect.stringMatching(/^New role WITHOUT a permissions boundary/) })]);
    expect(check(permissionsBoundaryRule, template({}), role({ PermissionsBoundary: BOUNDARY }))).toEqual([]);
  });

  test('a trust change that adds no principal (e.g. a replaced condition) is flagged here; a broadened one is left to iam-broadening', () => {
    const statement = { ...trust('lambda.amazonaws.com').Statement[0], Condition: { StringEquals: { 'aws:SourceAccount': '1' } } };
    const narrowed = { ...trust('lambda.amazonaws.com'), Statement: [statement] };
    const before = role({ PermissionsBoundary: BOUNDARY });
    const found = check(permissionsBoundaryRule, before, role({ PermissionsBoundary: BOUNDARY, AssumeRolePolicyDocument: narrowed }));
    expect(found.map((f) => f.message)).toEqual([expect.stringMatching(/^Trust policy changed/)]);
    const broadened = role({ PermissionsBoundary: BOUNDARY, AssumeRolePolicyDocument: trust('ec2.amazonaws.com') });
    expect(check(permissionsBoundaryRule, role({ PermissionsBoundary: BOUNDARY }), broadened)).toEqual([]);
    expect(check(iamBroadeningRule, role({ PermissionsBoundary: BOUNDARY }), broadened).map((f) => f.message)).toEqual([expect.stringMatching(/^Trust policy broadened/)]);
  });

  test('it is one of the rules every report runs', () => {
    expect(DANGER_RULES).toContain(permissionsBoundaryRule);
  });
});

describe('(a) stateful-protection-removed', () => {
  test('Retain -> Delete on a bucket is flagged; the reverse is not', () => {
    const retain = template({ B: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' } });
    const del = template({ B: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Retain' } });
    expect(check(statefulProtectionRule, retain, del)).toEqual([expect.objectContaining({ category: 'stateful', logicalId: 'B', message: expect.stringMatching(/DeletionPolicy Retain -> Delete/) })]);
    expect(check(statefulProtectionRule, del, retain)).toEqual([]);
  });

  test('DeletionProtection turned off on a cluster is flagged', () => {
    const on = template({ Db: { Type: 'AWS::RDS::DBCluster', Properties: { DeletionProtection: true } } });
    const off = template({ Db: { Type: 'AWS::RDS::DBCluster', Properties: { DeletionProtection: false } } });
    expect(check(statefulProtectionRule, on, off)).toHaveLength(1);
  });

  test('a user pool\'s deletion protection (ACTIVE / INACTIVE) turned off is flagged too', () => {
    const pool = (dp: string) => template({ Pool: { Type: 'AWS::Cognito::UserPool', Properties: { DeletionProtection: dp }, DeletionPolicy: 'Retain' } });
    expect(check(statefulProtectionRule, pool('ACTIVE'), pool('INACTIVE'))).toEqual([expect.objectContaining({ message: 'DeletionProtection ACTIVE -> INACTIVE.' })]);
    expect(check(statefulProtectionRule, pool('INACTIVE'), pool('ACTIVE'))).toEqual([]);
  });
});

describe('(f) token-issuer-changed: who may call the API (issue 32)', () => {
  const pool = { Type: 'AWS::Cognito::UserPool', Properties: { DeletionProtection: 'ACTIVE' }, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' };
  const client = (scopes: string[], generateSecret = true) => ({
    Type: 'AWS::Cognito::UserPoolClient',
    Properties: { UserPoolId: { Ref: 'Pool' }, GenerateSecret: generateSecret, AllowedOAuthFlows: ['client_credentials'], AllowedOAuthScopes: scopes },
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
  });
  const server = (scopes: string[]) => ({
    Type: 'AWS::Cognito::UserPoolResourceServer',
    Properties: { UserPoolId: { Ref: 'Pool' }, Identifier: 'transactions', Scopes: scopes.map((s) => ({ ScopeName: s, ScopeDescription: s })) },
  });
  const domain = (prefix: string) => ({ Type: 'AWS::Cognito::UserPoolDomain', Properties: { UserPoolId: { Ref: 'Pool' }, Domain: prefix } });
  const issuer = (extra: Record<string, unknown> = {}) => template({
    Pool: pool, Api: server(['read', 'write']), Domain: domain('transactions-prod-444444444444'), Checks: client(['transactions/read', 'transactions/write']), ...extra,
  });

  test('an unchanged issuer, or a first deploy that creates the whole issuer, is not flagged', () => {
    expect(check(tokenIssuerRule, issuer(), issuer())).toEqual([]);
    expect(check(tokenIssuerRule, template({}), issuer())).toEqual([]);
  });

  test('a new API client on an existing issuer is flagged, with the scopes it may get', () => {
    const found = check(tokenIssuerRule, issuer(), issuer({ Orders: client(['transactions/write']) }));
    expect(found).toEqual([expect.objectContaining({
      ruleId: 'token-issuer-changed',
      category: 'issuer',
      logicalId: 'Orders',
      resourceType: 'AWS::Cognito::UserPoolClient',
      message: 'NEW an API client (app client): may get tokens with transactions/write.',
    })]);
  });

  test('a client\'s scopes changed, or the client removed: flagged, saying what its callers lose', () => {
    const changed = check(tokenIssuerRule, issuer(), issuer({ Checks: client(['transactions/read']) }));
    expect(changed[0].message).toMatch(/^CHANGED an API client \(app client\): AllowedOAuthScopes \["transactions\/read","transactions\/write"\] -> \["transactions\/read"\]/);
    const removed = check(tokenIssuerRule, issuer({ Orders: client(['transactions/write']) }), issuer());
    expect(removed[0].message).toMatch(/^REMOVED an API client .*belong to its client_id/);
  });

  test('the scopes of the resource server, the domain and the pool itself are watched too', () => {
    expect(check(tokenIssuerRule, issuer(), issuer({ Api: server(['read']) }))[0]).toMatchObject({ logicalId: 'Api', message: expect.stringMatching(/^CHANGED the API's resource server/) });
    expect(check(tokenIssuerRule, issuer(), issuer({ Domain: domain('other') }))[0].message).toMatch(/^CHANGED the token endpoint's domain: Domain/);
    const noPool = issuer();
    delete (noPool.Resources as Record<string, unknown>).Pool;
    expect(check(tokenIssuerRule, issuer(), noPool).map((f) => f.logicalId)).toEqual(['Pool']);
  });

  test('a replaced app client (GenerateSecret changed) is also a stateful replacement: refused in prod without the override', () => {
    const found = findDangers(diffTemplates(issuer(), issuer({ Checks: client(['transactions/read', 'transactions/write'], false) })));
    expect(found.map((f) => [f.ruleId, f.category])).toEqual([['stateful-replacement', 'stateful'], ['token-issuer-changed', 'issuer']]);
    expect(found[0].message).toMatch(/REPLACED: GenerateSecret true -> false/);
  });

  test('is one of the report\'s rules', () => {
    expect(DANGER_RULES).toContain(tokenIssuerRule);
  });
});

describe('(b) iam-broadening', () => {
  const policy = (...statements: unknown[]) => template({
    P: { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'p', Roles: [{ Ref: 'R' }], PolicyDocument: { Version: '2012-10-17', Statement: statements } } },
  });
  const get = { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['B', 'Arn'] }, '/*']] } };

  test('a new Allow with * is a wildcard broadening', () => {
    const found = check(iamBroadeningRule, policy(get), policy(get, { Effect: 'Allow', Action: '*', Resource: '*' }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ ruleId: 'iam-broadening', category: 'security', wildcard: true, logicalId: 'P' });
    expect(found[0].message).toMatch(/1 new Allow grant, 1 with WILDCARD: \* on \*/);
  });

  test('adding an action to an existing statement is a (non-wildcard) broadening', () => {
    const found = check(iamBroadeningRule, policy(get), policy({ ...get, Action: ['s3:GetObject', 's3:PutObject'] }));
    expect(found).toEqual([expect.objectContaining({ wildcard: false, message: expect.stringMatching(/s3:putobject on \{"Fn::Join"/) })]);
  });

  test('removing, reordering, re-casing or re-Sid-ing statements is not a broadening; Deny is ignored', () => {
    const put = { Effect: 'Allow', Action: ['s3:PutObject'], Resource: 'arn:aws:s3:::b/*' };
    expect(check(iamBroadeningRule, policy(get, put), policy(get))).toEqual([]);
    expect(check(iamBroadeningRule, policy(get, put), policy({ ...put, Sid: 'x', Action: 'S3:PUTOBJECT' }, get))).toEqual([]);
    expect(check(iamBroadeningRule, policy(get), policy(get, { Effect: 'Deny', Action: '*', Resource: '*' }))).toEqual([]);
  });

  test('a service-wide action (kms:*) or NotAction counts as a wildcard', () => {
    expect(check(iamBroadeningRule, policy(get), policy(get, { Effect: 'Allow', Action: 'kms:*', Resource: 'arn:aws:kms:us-east-1:1:key/k' }))[0].wildcard).toBe(true);
    expect(check(iamBroadeningRule, policy(get), policy(get, { Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:x' }))[0].wildcard).toBe(true);
  });

  test('a new resource policy opening a bucket to Principal * is a wildcard broadening', () => {
    const synth = fixtureTemplate('prod-us-east-1-Data');
    const deployed = clone(synth);
    synth.Resources.ReportsPolicyA13B441D.Properties.PolicyDocument.Statement.push(
      { Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Reports65402A0A', 'Arn'] }, '/*']] } },
    );
    const found = check(iamBroadeningRule, deployed, synth);
    expect(found).toEqual([expect.objectContaining({ logicalId: 'ReportsPolicyA13B441D', resourceType: 'AWS::S3::BucketPolicy', wildcard: true })]);
    expect(found[0].message).toMatch(/to AWS:\*/);
  });

  test('ECR RepositoryPolicyText given as a JSON string is read', () => {
    const repo = (doc: unknown) => template({ R: { Type: 'AWS::ECR::Repository', Properties: { RepositoryPolicyText: JSON.stringify(doc) } } });
    const found = check(iamBroadeningRule, repo({ Statement: [] }), repo({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' }] }));
    expect(found[0]).toMatchObject({ wildcard: true, resourceType: 'AWS::ECR::Repository' });
  });

  test('role: broadened trust policy, new inline policy and AdministratorAccess are each flagged', () => {
    const synth = fixtureTemplate('prod-us-east-1-Service');
    const deployed = clone(synth);
    const role = synth.Resources.TaskRole30FC0FBB.Properties;
    role.AssumeRolePolicyDocument.Statement.push({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: 'arn:aws:iam::999999999999:root' } });
    role.Policies = [{ PolicyName: 'extra', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }] } }];
    role.ManagedPolicyArns = [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AdministratorAccess']] }];
    const found = check(iamBroadeningRule, deployed, synth);
    expect(found.map((f) => f.message.split(':')[0])).toEqual(['Policy broadened', 'Trust policy broadened (who can assume the role)', 'Managed policies attached']);
    expect(found.map((f) => f.wildcard)).toEqual([true, false, true]);
  });

  test('identical fixture templates produce no finding from any rule', () => {
    for (const stack of ['prod-us-east-1-Data', 'prod-us-east-1-Service']) {
      const synth = fixtureTemplate(stack);
      expect(findDangers(diffTemplates(clone(synth), synth))).toEqual([]);
    }
  });
});

describe('(c) security-group-ingress', () => {
  test('security group opened to 0.0.0.0/0 is flagged as open to the internet', () => {
    const synth = fixtureTemplate('prod-us-east-1-Service');
    const deployed = clone(synth);
    synth.Resources.LbSg.Properties.SecurityGroupIngress.push({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '0.0.0.0/0' });
    const found = check(securityGroupIngressRule, deployed, synth);
    expect(found).toEqual([expect.objectContaining({ ruleId: 'security-group-ingress', logicalId: 'LbSg', wildcard: true })]);
    expect(found[0].message).toBe('OPEN TO THE INTERNET: tcp port 22 from 0.0.0.0/0.');
  });

  test('a new AWS::EC2::SecurityGroupIngress resource from ::/0 is flagged', () => {
    const found = check(securityGroupIngressRule, template({}), template({
      In: { Type: 'AWS::EC2::SecurityGroupIngress', Properties: { GroupId: { 'Fn::GetAtt': ['LbSg', 'GroupId'] }, IpProtocol: '-1', CidrIpv6: '::/0' } },
    }));
    expect(found).toEqual([expect.objectContaining({ wildcard: true, message: 'OPEN TO THE INTERNET: all traffic from ::/0.' })]);
  });

  test('a new ingress from another security group is flagged without the wildcard mark', () => {
    const found = check(securityGroupIngressRule, template({}), template({
      In: { Type: 'AWS::EC2::SecurityGroupIngress', Properties: { GroupId: 'sg-1', IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: { 'Fn::GetAtt': ['AppSg', 'GroupId'] } } },
    }));
    expect(found).toEqual([expect.objectContaining({ wildcard: false, message: 'New ingress: tcp port 5432 from {"Fn::GetAtt":["AppSg","GroupId"]}.' })]);
  });

  test('a description-only change or a removed rule is not a broadening', () => {
    const synth = fixtureTemplate('prod-us-east-1-Service');
    const deployed = clone(synth);
    synth.Resources.LbSg.Properties.SecurityGroupIngress[0].Description = 'reworded';
    expect(check(securityGroupIngressRule, deployed, synth)).toEqual([]);
    synth.Resources.LbSg.Properties.SecurityGroupIngress = [];
    expect(check(securityGroupIngressRule, deployed, synth)).toEqual([]);
  });
});

describe('(b\') deny-lifted', () => {
  /** The gated repository's policy as the pipeline synthesizes it: a pull grant and the gate-only Deny. */
  const gateOnly = {
    Sid: 'OnlyTheImageGateWritesImages',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: ['ecr:PutImage', 'ecr:BatchDeleteImage'],
    Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': ['GateRole', 'Arn'] } } },
  };
  const pull = { Sid: 'StageAccountsPull', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444444444444:root' }, Action: ['ecr:BatchGetImage'] };
  const repo = (...statements: unknown[]) => template({
    Repo: { Type: 'AWS::ECR::Repository', Properties: { RepositoryPolicyText: { Version: '2012-10-17', Statement: statements } } },
  });

  test('a removed repository Deny (only the image gate pushes) is flagged, wildcard first', () => {
    const found = check(denyLiftedRule, repo(pull, gateOnly), repo(pull));
    expect(found).toEqual([expect.objectContaining({ ruleId: 'deny-lifted', category: 'security', logicalId: 'Repo', wildcard: true })]);
    expect(found[0].message).toBe('Deny lifted: 2 Deny grants, 2 with WILDCARD: ecr:putimage on (this resource) to AWS:* (with condition); '
      + 'ecr:batchdeleteimage on (this resource) to AWS:* (with condition) no longer refused.');
    expect(findDangers(diffTemplates(repo(pull, gateOnly), repo(pull))).map((f) => f.ruleId)).toContain('deny-lifted');
  });

  test('a Deny whose exempt principal or actions change is flagged; the same Deny reordered or re-Sid\'d is not', () => {
    const otherWriter = { ...gateOnly, Condition: { ArnNotEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/Someone' } } };
    expect(check(denyLiftedRule, repo(pull, gateOnly), repo(pull, otherWriter))).toHaveLength(1);
    expect(check(denyLiftedRule, repo(pull, gateOnly), repo(pull, { ...gateOnly, Action: ['ecr:PutImage'] }))[0].message).toMatch(/1 Deny grant, 1 with WILDCARD: ecr:batchdeleteimage/);
    expect(check(denyLiftedRule, repo(pull, gateOnly), repo({ ...gateOnly, Sid: 'Renamed' }, pull))).toEqual([]);
    // Removing an Allow narrows access: not this rule's business.
    expect(check(denyLiftedRule, repo(pull, gateOnly), repo(gateOnly))).toEqual([]);
  });

  test('a bucket policy removed with its Deny, a key policy Deny and a creation template\'s Deny are flagged', () => {
    const deny = { Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/image-provenance/*' };
    const bucketPolicy = template({ P: { Type: 'AWS::S3::BucketPolicy', Properties: { PolicyDocument: { Statement: [deny] } } } });
    expect(check(denyLiftedRule, bucketPolicy, template({}))[0].message).toMatch(/^Removed with its policy: 1 Deny grant/);
    const key = (statements: unknown[]) => template({ K: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Statement: statements } } } });
    expect(check(denyLiftedRule, key([{ ...deny, Action: 'kms:CreateGrant', Resource: '*' }]), key([]))).toHaveLength(1);
    const creation = (statements: unknown[]) => template({
      T: { Type: 'AWS::ECR::RepositoryCreationTemplate', Properties: { RepositoryPolicy: JSON.stringify({ Statement: statements }) } },
    });
    expect(check(denyLiftedRule, creation([pull, { ...gateOnly, Condition: undefined }]), creation([pull]))).toHaveLength(1);
  });
});

describe('(c\') security-group-egress', () => {
  const placeholder = { CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic', FromPort: 252, IpProtocol: 'icmp', ToPort: 86 };
  const sg = (egress?: unknown[]) => template({ Sg: { Type: 'AWS::EC2::SecurityGroup', Properties: { GroupDescription: 'tasks', ...(egress ? { SecurityGroupEgress: egress } : {}) } } });
  const https = { CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: 'HTTPS out of the VPC' };

  test('egress widened to the internet is flagged as a wildcard', () => {
    const found = check(securityGroupEgressRule, sg([placeholder]), sg([https]));
    expect(found).toEqual([expect.objectContaining({ ruleId: 'security-group-egress', category: 'security', logicalId: 'Sg', wildcard: true })]);
    expect(found[0].message).toBe('OUT TO THE INTERNET: tcp port 443 to 0.0.0.0/0.');
    expect(check(securityGroupEgressRule, sg([https]), sg([https, { ...https, FromPort: 0, ToPort: 65535 }]))[0].message).toBe('OUT TO THE INTERNET: tcp ports 0-65535 to 0.0.0.0/0.');
  });

  test('a group left with no egress rule (AWS then allows all outbound) is flagged, new or changed', () => {
    expect(check(securityGroupEgressRule, sg([https]), sg())).toEqual([expect.objectContaining({ wildcard: true, message: expect.stringMatching(/^ALL OUTBOUND TRAFFIC/) })]);
    expect(check(securityGroupEgressRule, template({}), sg())).toEqual([expect.objectContaining({ wildcard: true })]);
  });

  test('a new AWS::EC2::SecurityGroupEgress to another group is flagged without the wildcard mark', () => {
    const found = check(securityGroupEgressRule, template({}), template({
      Out: { Type: 'AWS::EC2::SecurityGroupEgress', Properties: { GroupId: 'sg-1', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, DestinationSecurityGroupId: { 'Fn::GetAtt': ['EndpointsSg', 'GroupId'] } } },
    }));
    expect(found).toEqual([expect.objectContaining({ wildcard: false, message: 'New egress: tcp port 443 to {"Fn::GetAtt":["EndpointsSg","GroupId"]}.' })]);
  });

  test('a narrowing, a description change or CDK\'s "no egress" placeholder is not flagged', () => {
    expect(check(securityGroupEgressRule, sg([https]), sg([placeholder]))).toEqual([]);
    expect(check(securityGroupEgressRule, sg([https]), sg([{ ...https, Description: 'reworded' }]))).toEqual([]);
    expect(check(securityGroupEgressRule, template({}), sg([placeholder]))).toEqual([]);
    expect(DANGER_RULES).toEqual(expect.arrayContaining([securityGroupEgressRule, denyLiftedRule]));
  });
});

describe('(d) kms-key-policy', () => {
  test('a key policy that grants kms:Decrypt to Principal * is a wildcard broadening', () => {
    const synth = fixtureTemplate('prod-us-east-1-Data');
    const deployed = clone(synth);
    synth.Resources.DataKey17AFBB84.Properties.KeyPolicy.Statement.push({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' });
    const found = check(kmsKeyPolicyRule, deployed, synth);
    expect(found).toEqual([expect.objectContaining({ ruleId: 'kms-key-policy', logicalId: 'DataKey17AFBB84', wildcard: true })]);
    expect(found[0].message).toMatch(/Key policy broadened: 1 new Allow grant, 1 with WILDCARD: kms:decrypt on \* to AWS:\*/);
    // the KMS key policy is this rule's job, not iam-broadening's: no double count
    expect(check(iamBroadeningRule, deployed, synth)).toEqual([]);
  });

  test('a narrowing key policy change is still reported (changes to key policies are always reviewed)', () => {
    const synth = fixtureTemplate('prod-us-east-1-Data');
    const deployed = clone(synth);
    deployed.Resources.DataKey17AFBB84.Properties.KeyPolicy.Statement.push({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::333333333333:role/x' }, Action: 'kms:Decrypt', Resource: '*' });
    const found = check(kmsKeyPolicyRule, deployed, synth);
    expect(found).toEqual([expect.objectContaining({ wildcard: false, message: expect.stringMatching(/no new Allow grants/) })]);
  });

  test('a new key, or a key whose other properties change, is not a key policy change', () => {
    const synth = fixtureTemplate('prod-us-east-1-Data');
    const deployed = clone(synth);
    deployed.Resources.DataKey17AFBB84.Properties.EnableKeyRotation = false;
    expect(check(kmsKeyPolicyRule, deployed, synth)).toEqual([]);
    expect(check(kmsKeyPolicyRule, template({}), synth)).toEqual([]);
  });
});

test('every rule has a unique id, a description and a category', () => {
  expect(new Set(DANGER_RULES.map((r) => r.id)).size).toBe(DANGER_RULES.length);
  for (const r of DANGER_RULES) expect(r.description.length).toBeGreaterThan(20);
});

test('iam-broadening: narrowing from * to a specific resource or action is not a broadening', () => {
  const doc = (Action: unknown, Resource: unknown) => template({ P: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action, Resource }] } } } });
  expect(iamBroadeningRule.check(diffTemplates(doc('s3:*', '*'), doc(['s3:GetObject', 's3:PutObject'], 'arn:aws:s3:::b/*')))).toEqual([]);
  expect(iamBroadeningRule.check(diffTemplates(doc('s3:*', 'arn:aws:s3:::b/*'), doc('sqs:SendMessage', 'arn:aws:s3:::b/*')))).toHaveLength(1);
});

describe('(f) ecs-managed-listener-rule', () => {
  const weighted = (primary: number, alternate: number, priority = 1) => ({
    Type: 'AWS::ElasticLoadBalancingV2::ListenerRule',
    Properties: {
      ListenerArn: { Ref: 'Https' },
      Priority: priority,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
      Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: { Ref: 'Blue' }, Weight: primary }, { TargetGroupArn: { Ref: 'Green' }, Weight: alternate }] } }],
    },
  });

  test('a rewrite of the rule ECS switches is flagged, naming what changed', () => {
    const found = check(managedListenerRuleRule, template({ Rule: weighted(100, 0) }), template({ Rule: weighted(100, 0, 2) }));
    expect(found).toEqual([expect.objectContaining({ ruleId: 'ecs-managed-listener-rule', category: 'traffic', logicalId: 'Rule' })]);
    expect(found[0].message).toMatch(/^REWRITTEN \(Priority\): .*emptied/);
  });

  test('its removal is flagged', () => {
    const found = check(managedListenerRuleRule, template({ Rule: weighted(100, 0) }), template({}));
    expect(found[0].message).toMatch(/^REMOVED/);
  });

  test('an unchanged rule, a new one, or a plain single-group rule is not', () => {
    expect(check(managedListenerRuleRule, template({ Rule: weighted(100, 0) }), template({ Rule: weighted(100, 0) }))).toEqual([]);
    expect(check(managedListenerRuleRule, template({}), template({ Rule: weighted(100, 0) }))).toEqual([]);
    const single = (p: number) => ({ Type: 'AWS::ElasticLoadBalancingV2::ListenerRule', Properties: { Priority: p, Actions: [{ Type: 'forward', TargetGroupArn: { Ref: 'Blue' } }] } });
    expect(check(managedListenerRuleRule, template({ R: single(1) }), template({ R: single(2) }))).toEqual([]);
  });

  test('is one of the report\'s rules', () => {
    expect(DANGER_RULES).toContain(managedListenerRuleRule);
  });
});

describe('(g) the pipeline\'s step roles and the release gates', () => {
  const role = (name: string, trust: string, actions: string[]) => template({
    R: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: name,
        AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Condition: { ArnEquals: { 'aws:PrincipalArn': trust } } }] },
        Policies: [{ PolicyName: 'P', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: actions, Resource: 'arn:aws:cloudwatch:us-east-1:444444444444:alarm:prod-us-east-1-*' }] } }],
      },
    },
  });
  const bakeRole = (trust = 'arn:aws:iam::111111111111:role/DeliveryPipeline-bake-prod-us-east-1', actions = ['cloudwatch:DescribeAlarms']) =>
    role('prod-us-east-1-pipeline-bake', trust, actions);

  test('a step role that changes its trust or permissions, appears or disappears is flagged; an unchanged one and other roles are not', () => {
    // The IAM rule reports the new grant too; this one says whose role it is.
    const trust = findDangers(diffTemplates(bakeRole(), bakeRole('arn:aws:iam::111111111111:role/Someone-Else'))).filter((f) => f.category === 'gate');
    expect(trust).toEqual([expect.objectContaining({ ruleId: 'pipeline-step-role', category: 'gate', logicalId: 'R' })]);
    expect(trust[0].message).toMatch(/^prod-us-east-1-pipeline-bake, the role the pipeline's bake step assumes in this account, changes AssumeRolePolicyDocument/);
    expect(findDangers(diffTemplates(template({}), bakeRole())).map((f) => f.ruleId)).toContain('pipeline-step-role');
    expect(findDangers(diffTemplates(bakeRole(), template({}))).find((f) => f.ruleId === 'pipeline-step-role')?.message).toMatch(/is REMOVED/);
    expect(findDangers(diffTemplates(bakeRole(), bakeRole())).filter((f) => f.ruleId === 'pipeline-step-role')).toEqual([]);
    expect(findDangers(diffTemplates(role('x', 'a', ['s3:GetObject']), role('x', 'b', ['s3:GetObject']))).filter((f) => f.ruleId === 'pipeline-step-role')).toEqual([]);
  });

  test('the drift check\'s role: a new managed policy is flagged; its Deny on every resource is no wildcard grant, an Allow on * is', () => {
    const driftRole = (managed: string[], statements: unknown[]) => template({
      D: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'prod-us-east-1-pipeline-drift',
          AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: 'arn:aws:iam::111111111111:root' } }] },
          ManagedPolicyArns: managed,
          Policies: [{ PolicyName: 'DriftRole', PolicyDocument: { Statement: statements } }],
        },
      },
    });
    const deny = { Effect: 'Deny', Action: ['kms:Decrypt', 's3:GetObject'], Resource: '*' };
    const readOnly = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
    const widened = findDangers(diffTemplates(driftRole([readOnly], [deny]), driftRole([readOnly, 'arn:aws:iam::aws:policy/PowerUserAccess'], [deny])))
      .filter((f) => f.ruleId === 'pipeline-step-role');
    expect(widened).toEqual([expect.objectContaining({ logicalId: 'D', wildcard: false })]);
    expect(widened[0].message).toMatch(/^prod-us-east-1-pipeline-drift, the role the pipeline's drift step assumes in this account, changes ManagedPolicyArns/);
    const [allowAll] = findDangers(diffTemplates(driftRole([readOnly], [deny]), driftRole([readOnly], [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }])))
      .filter((f) => f.ruleId === 'pipeline-step-role');
    expect(allowAll).toMatchObject({ wildcard: true });
  });

  test('an ECS deployment that watches fewer alarms, stops rolling back, bakes shorter or drops its hook is flagged', () => {
    const service = (over: Record<string, unknown> = {}) => template({
      S: {
        Type: 'AWS::ECS::Service',
        Properties: {
          DeploymentConfiguration: {
            Alarms: { AlarmNames: ['a', 'b'], Enable: true, Rollback: true },
            DeploymentCircuitBreaker: { Enable: true, Rollback: true },
            Strategy: 'CANARY',
            CanaryConfiguration: { CanaryPercent: 10, CanaryBakeTimeInMinutes: 10 },
            BakeTimeInMinutes: 10,
            LifecycleHooks: [{ HookTargetArn: 'x', LifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] }],
            ...over,
          },
        },
      },
    });
    const weaker = findDangers(diffTemplates(service(), service({ Alarms: { AlarmNames: ['a'], Enable: true, Rollback: false }, BakeTimeInMinutes: 1, LifecycleHooks: [] })));
    expect(weaker).toEqual([expect.objectContaining({ ruleId: 'release-gate-weakened', category: 'gate', logicalId: 'S' })]);
    expect(weaker[0].message).toBe('The release gates of this service weaken: alarm rollback 1 -> 0; alarms watched 2 -> 1; bake minutes 10 -> 1; pre-traffic hooks 1 -> 0.');
    // Stronger or unchanged gates are no finding.
    expect(findDangers(diffTemplates(service(), service({ BakeTimeInMinutes: 20 }))).filter((f) => f.category === 'gate')).toEqual([]);
  });
});
