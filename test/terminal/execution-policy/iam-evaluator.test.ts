import { evaluate, PolicyDocument, wildcardMatch } from '../../../src/terminal/execution-policy/iam-evaluator';

const doc = (...Statement: any[]): PolicyDocument => ({ Version: '2012-10-17', Statement });

describe('IAM evaluator', () => {
  test('wildcards: * any run, ? one character, whole string; actions case-insensitive, ARNs case-sensitive', () => {
    expect(wildcardMatch('ec2:Describe*', 'ec2:DescribeVpcs')).toBe(true);
    expect(wildcardMatch('ec2:Describe*', 'EC2:describevpcs', true)).toBe(true);
    expect(wildcardMatch('ec2:Describe*', 'ec2:CreateVpc')).toBe(false);
    expect(wildcardMatch('arn:*:iam::*:role/dev-?s-*', 'arn:aws:iam::1:role/dev-us-x')).toBe(true);
    expect(wildcardMatch('arn:*:iam::*:role/dev-*', 'arn:aws:iam::1:role/DEV-x')).toBe(false);
    expect(wildcardMatch('a.b', 'axb')).toBe(false);
  });

  test('allow, implicit deny, explicit deny wins over any allow', () => {
    const policies = [doc({ Effect: 'Allow', Action: 'iam:*', Resource: 'arn:*:iam::*:role/dev-*' }), doc({ Effect: 'Deny', Action: 'iam:DeleteRole', Resource: '*' })];
    expect(evaluate(policies, { action: 'iam:CreateRole', resource: 'arn:aws:iam::1:role/dev-a' }).decision).toBe('allow');
    expect(evaluate(policies, { action: 'iam:CreateRole', resource: 'arn:aws:iam::1:role/prod-a' }).decision).toBe('implicit-deny');
    expect(evaluate(policies, { action: 'iam:DeleteRole', resource: 'arn:aws:iam::1:role/dev-a' })).toMatchObject({ decision: 'explicit-deny', decidedBy: ['policy 2 statement 1'] });
  });

  test('NotAction and NotResource', () => {
    const policies = [doc({ Effect: 'Allow', Action: 's3:*', NotResource: 'arn:aws:s3:::secret*' }, { Sid: 'D', Effect: 'Deny', NotAction: ['iam:Get*'], Resource: 'arn:*:iam::*:role/cdk-*' })];
    expect(evaluate(policies, { action: 's3:GetObject', resource: 'arn:aws:s3:::public/x' }).decision).toBe('allow');
    expect(evaluate(policies, { action: 's3:GetObject', resource: 'arn:aws:s3:::secret/x' }).decision).toBe('implicit-deny');
    expect(evaluate(policies, { action: 'iam:PassRole', resource: 'arn:aws:iam::1:role/cdk-x' }).decision).toBe('explicit-deny');
    expect(evaluate(policies, { action: 'iam:GetRole', resource: 'arn:aws:iam::1:role/cdk-x' }).decision).toBe('implicit-deny');
  });

  test('conditions over known keys; an absent key makes the operator false, IfExists true', () => {
    const policies = [doc(
      { Effect: 'Allow', Action: 'iam:CreateServiceLinkedRole', Resource: '*', Condition: { StringEquals: { 'iam:AWSServiceName': ['ecs.amazonaws.com', 'rds.amazonaws.com'] } } },
      { Effect: 'Deny', Action: 'iam:AttachRolePolicy', Resource: '*', Condition: { ArnLike: { 'iam:PolicyARN': 'arn:*:iam::aws:policy/AdministratorAccess' } } },
      { Effect: 'Allow', Action: 'iam:AttachRolePolicy', Resource: '*' },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEqualsIfExists: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } },
    )];
    expect(evaluate(policies, { action: 'iam:CreateServiceLinkedRole', resource: '*', context: { 'iam:AWSServiceName': 'rds.amazonaws.com' } }).decision).toBe('allow');
    expect(evaluate(policies, { action: 'iam:CreateServiceLinkedRole', resource: '*', context: { 'IAM:awsservicename': 'lambda.amazonaws.com' } }).decision).toBe('implicit-deny');
    expect(evaluate(policies, { action: 'iam:AttachRolePolicy', resource: '*', context: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' } }).decision).toBe('explicit-deny');
    expect(evaluate(policies, { action: 'iam:AttachRolePolicy', resource: '*', context: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/ReadOnlyAccess' } }).decision).toBe('allow');
    expect(evaluate(policies, { action: 'iam:AttachRolePolicy', resource: '*', absentKeys: ['iam:PolicyARN'] }).decision).toBe('allow');
    expect(evaluate(policies, { action: 'kms:Decrypt', resource: '*', absentKeys: ['kms:ViaService'] }).decision).toBe('allow');
  });

  test('a negated operator over an absent key is true (IAM condition operators): a Deny unless the boundary is set fires without one', () => {
    const policies = [doc(
      { Effect: 'Allow', Action: 'iam:CreateRole', Resource: '*' },
      { Sid: 'NeedsBoundary', Effect: 'Deny', Action: 'iam:CreateRole', Resource: '*', Condition: { ArnNotEquals: { 'iam:PermissionsBoundary': ['arn:aws:iam::1:policy/b-us-east-1', 'arn:aws:iam::1:policy/b-us-east-2'] } } },
    )];
    const boundary = (value: string) => evaluate(policies, { action: 'iam:CreateRole', resource: '*', context: { 'iam:PermissionsBoundary': value } }).decision;
    expect(boundary('arn:aws:iam::1:policy/b-us-east-2')).toBe('allow');
    expect(boundary('arn:aws:iam::1:policy/other')).toBe('explicit-deny');
    expect(evaluate(policies, { action: 'iam:CreateRole', resource: '*', absentKeys: ['iam:PermissionsBoundary'] })).toMatchObject({ decision: 'explicit-deny', decidedBy: ['NeedsBoundary'] });
  });

  test('Null: "true" needs the key absent, "false" present', () => {
    const policies = [doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*', Condition: { Null: { 'sts:ExternalId': 'true' } } })];
    expect(evaluate(policies, { action: 'sts:AssumeRole', resource: '*', absentKeys: ['sts:ExternalId'] }).decision).toBe('allow');
    expect(evaluate(policies, { action: 'sts:AssumeRole', resource: '*', context: { 'sts:ExternalId': 'x' } }).decision).toBe('implicit-deny');
    expect(evaluate(policies, { action: 'sts:AssumeRole', resource: '*' }).unevaluable).toHaveLength(1);
  });

  test('a condition it cannot evaluate is reported, never assumed to pass or fail', () => {
    const policies = [doc({ Sid: 'Ip', Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
      { Sid: 'Tag', Effect: 'Allow', Action: 'ec2:*', Resource: '*', Condition: { StringEquals: { 'aws:RequestTag/Team': 'x' } } })];
    const ip = evaluate(policies, { action: 's3:GetObject', resource: '*' });
    expect(ip.decision).toBe('implicit-deny');
    expect(ip.unevaluable).toEqual([{ statement: 'Ip', why: 'condition operator IpAddress is not modelled' }]);
    expect(evaluate(policies, { action: 'ec2:CreateVpc', resource: '*' }).unevaluable[0].why).toMatch(/aws:RequestTag\/Team has no known value/);
  });
});
