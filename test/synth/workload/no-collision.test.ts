import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildStage, resources, sampleEnvironment } from './support';
import { ServiceStage } from '../../../src/synth/workload/service-stage';
import { testApp } from '../../support/test-app';

/** Top-level properties that set a physical name (account+region unique for most services). */
const NAME_PROPERTIES = new Set([
  'AliasName', 'BucketName', 'ClusterName', 'DashboardName', 'AlarmName', 'DBClusterIdentifier',
  'DBInstanceIdentifier', 'DBSubnetGroupName', 'DBClusterParameterGroupName', 'Family', 'FunctionName',
  'LogGroupName', 'ManagedPolicyName', 'Name', 'PolicyName', 'RoleName', 'SecretName', 'ServiceName',
  'TopicName', 'TableName', 'GroupName', 'LoadBalancerName', 'TargetGroupName',
  // A Cognito prefix domain: unique in its region among every AWS customer.
  'Domain',
]);

/** Types whose `Name`-like property is not an account-level name (scoped to a parent or not unique). */
const NOT_PHYSICAL: Record<string, string[]> = {
  'AWS::EC2::VPCEndpoint': ['ServiceName'], // the AWS service, e.g. com.amazonaws.us-east-1.s3
  'AWS::IAM::Policy': ['PolicyName'], // inline policy name, scoped to its role
  'AWS::EC2::SecurityGroup': ['GroupName'],
  'AWS::RDS::DBClusterParameterGroup': ['Family'], // the engine family, e.g. aurora-postgresql16
  'AWS::EC2::EIP': ['Domain'], // `vpc`: the address's scope, not a name
  'AWS::Cognito::UserPoolResourceServer': [], // (its Name is scoped to its user pool, but carries env and region anyway)
};

/**
 * Resolves a template value to the literal string CloudFormation would use, when it is fixed
 * at synth (literals, joins of literals, pseudo parameters). Returns undefined when the value
 * derives from another resource (a generated, hence unique, name).
 */
function literal(value: unknown, stack: Stack): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, any>;
    if ('Ref' in v) {
      const pseudo: Record<string, string> = {
        'AWS::Region': stack.region,
        'AWS::AccountId': stack.account,
        'AWS::Partition': 'aws',
        'AWS::URLSuffix': 'amazonaws.com',
        'AWS::StackName': stack.stackName,
      };
      return pseudo[v.Ref];
    }
    if ('Fn::Join' in v) {
      const [sep, parts] = v['Fn::Join'];
      const resolved = (parts as unknown[]).map((p) => literal(p, stack));
      return resolved.every((p) => p !== undefined) ? resolved.join(sep) : undefined;
    }
  }
  return undefined;
}

/** Every fixed physical name of a stage: `<type>.<property>=<value>`. */
function physicalNames(stage: ServiceStage): string[] {
  const names: string[] = [];
  for (const stack of stage.stacks.stacks) {
    const template = Template.fromStack(stack);
    for (const r of Object.values(resources(template))) {
      for (const [key, value] of Object.entries(r.Properties ?? {})) {
        if (!NAME_PROPERTIES.has(key) || NOT_PHYSICAL[r.Type]?.includes(key)) continue;
        const name = literal(value, stack);
        if (name !== undefined) names.push(`${r.Type}.${key}=${name}`);
      }
      // WAF metric names are the CloudWatch dimension of the web ACL and its rules.
      if (r.Type === 'AWS::WAFv2::WebACL') {
        const p = r.Properties!;
        names.push(`${r.Type}.MetricName=${p.VisibilityConfig.MetricName}`);
        for (const rule of p.Rules) names.push(`${r.Type}.Rule.MetricName=${rule.VisibilityConfig.MetricName}`);
      }
    }
    for (const output of Object.values(template.toJSON().Outputs ?? {}) as Array<{ Export?: { Name: unknown } }>) {
      if (output.Export) names.push(`Export=${literal(output.Export.Name, stack)}`);
    }
    names.push(`AWS::CloudFormation::Stack=${stack.stackName}`);
  }
  return names;
}

describe('two environments in the same account and region', () => {
  let devNames: string[];
  let qaNames: string[];

  beforeAll(() => {
    const app = testApp();
    const dev = sampleEnvironment('dev');
    // A second environment in dev's own account and region.
    const qa = { ...dev, name: 'qa' };
    devNames = physicalNames(buildStage(dev, 'us-east-1', app));
    qaNames = physicalNames(buildStage(qa, 'us-east-1', app));
    app.synth();
  });

  test('deploy side by side: no physical name is shared', () => {
    const shared = devNames.filter((n) => qaNames.includes(n));
    expect(shared).toEqual([]);
  });

  test('no stage reuses a physical name within itself', () => {
    for (const names of [devNames, qaNames]) expect(new Set(names).size).toBe(names.length);
  });

  test('the few fixed names carry the environment and region', () => {
    // The scan found the names AWS requires (it is not vacuous) ...
    expect(devNames).toContain('AWS::Logs::LogGroup.LogGroupName=aws-waf-logs-transactions-dev-us-east-1');
    expect(devNames).toContain('AWS::CloudWatch::Dashboard.DashboardName=transactions-dev-us-east-1');
    expect(devNames.filter((n) => n.startsWith('AWS::KMS::Alias.AliasName='))).toHaveLength(9);
    // The token issuer's (issue 32): one per environment, in its issuer region, so its domain
    // prefix names the environment and the account (a prefix is unique among all AWS customers
    // of a region, and the region is already the endpoint's: <prefix>.auth.<region>.amazoncognito.com).
    const domain = 'AWS::Cognito::UserPoolDomain.Domain=transactions-dev-222222222222';
    expect(devNames).toContain(domain);
    expect(devNames).toContain('AWS::SecretsManager::Secret.Name=transactions-dev-us-east-1/checks-client');
    expect(devNames).toContain('AWS::Cognito::UserPoolResourceServer.Name=transactions-dev-us-east-1-transactions');
    // ... and each of them says where it runs.
    for (const name of devNames.filter((n) => n !== domain)) expect(name).toMatch(/dev-?us-?east-?1|devuseast1/);
  });

  test('no bucket, secret, database, cluster, service, topic or role has a fixed name', () => {
    const forbidden = ['BucketName', 'SecretName', 'DBClusterIdentifier', 'DBInstanceIdentifier', 'ClusterName', 'TopicName', 'RoleName', 'AlarmName'];
    for (const name of devNames) {
      const property = name.split('=')[0].split('.').pop()!;
      expect(forbidden).not.toContain(property);
    }
  });
});
