import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildStage, CfnResource, FEATURE_FLAGS, only, resources, sampleEnvironment, TEST_DOMAIN, TEST_IMAGE, tierTemplate } from './support';
import { EnvironmentConfig } from '../../../src/config/schema';
import { LAMBDA_NODE_RUNTIME } from '../../../src/synth/constructs/lambda-runtime';
import { bundledHookCode, PRE_TRAFFIC_DEADLINE_MINUTES, PRE_TRAFFIC_MAX_ATTEMPTS } from '../../../src/synth/progressive-deployment/pre-traffic-hook';
import { TEST_LISTENER_HTTP_PORT, TEST_LISTENER_HTTPS_PORT } from '../../../src/synth/progressive-deployment/traffic-switch';
import { ServiceStage } from '../../../src/synth/workload/service-stage';
import { sampleConfig, testApp } from '../../support/test-app';

/** ECS native progressive deployment: strategy per environment, traffic switch, pre-traffic hook, monitoring. */

const service = (stage: ServiceStage) => only(Template.fromStack(stage.service), 'AWS::ECS::Service').Properties!;
const prod = (changes: Partial<EnvironmentConfig> = {}) => sampleEnvironment('prod', { domain: TEST_DOMAIN, ...changes });

describe('strategy per environment', () => {
  test('dev stays rolling: no alternate target group, no listener rule, no test listener, no hook', () => {
    const stage = buildStage(sampleEnvironment('dev'), 'us-east-1');
    const s = service(stage);
    expect(s.DeploymentConfiguration.Strategy).toBe('ROLLING');
    expect(s.DeploymentConfiguration.LifecycleHooks).toBeUndefined();
    expect(s.LoadBalancers[0].AdvancedConfiguration).toBeUndefined();
    const platform = Template.fromStack(stage.platform);
    platform.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 1);
    platform.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 0);
    // The only function: the assertions' token function (issue 32), no hook.
    Template.fromStack(stage.service).resourceCountIs('AWS::Lambda::Function', 1);
    expect(stage.service.preTrafficHook).toBeUndefined();
    expect(stage.edge.trafficSwitch).toBeUndefined();
    expect(stage.service.monitoring.preTrafficHookErrorsAlarm).toBeUndefined();
    expect(s.DeploymentConfiguration.Alarms.AlarmNames).toHaveLength(2);
  });

  test('prod defaults to canary: 10% for 10 minutes, then the rest; old tasks kept 10 minutes; breaker and alarms still roll back', () => {
    const d = service(buildStage(prod(), 'us-east-1')).DeploymentConfiguration;
    expect(d).toMatchObject({
      Strategy: 'CANARY',
      CanaryConfiguration: { CanaryPercent: 10, CanaryBakeTimeInMinutes: 10 },
      BakeTimeInMinutes: 10,
      DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      Alarms: { Enable: true, Rollback: true },
    });
    // 5xx, unhealthy hosts and the pre-traffic hook's errors.
    expect(d.Alarms.AlarmNames).toHaveLength(3);
  });

  test.each([
    [{ strategy: 'blueGreen', bakeMinutes: 5 }, { Strategy: 'BLUE_GREEN', BakeTimeInMinutes: 5 }],
    [{ strategy: 'linear', stepPercent: 20, stepBakeMinutes: 3 }, { Strategy: 'LINEAR', BakeTimeInMinutes: 10, LinearConfiguration: { StepPercent: 20, StepBakeTimeInMinutes: 3 } }],
  ] as const)('%j reaches the service as %j', (deployment, expected) => {
    const d = service(buildStage(prod({ deployment } as Partial<EnvironmentConfig>), 'us-east-1')).DeploymentConfiguration;
    expect(d).toMatchObject(expected);
    expect(d.CanaryConfiguration).toBeUndefined();
  });
});

describe.each([
  ['us-east-1', 'primary'],
  ['us-east-2', 'secondary'],
])('prod %s (%s region): traffic switch and pre-traffic hook', (region, role) => {
  let stage: ServiceStage;
  let platform: Template;
  let svc: Template;
  const platformId = (c: any) => stage.platform.getLogicalId(c.node.defaultChild);
  const serviceId = (c: any) => stage.service.getLogicalId(c.node.defaultChild);
  beforeAll(() => {
    stage = buildStage(prod(), region);
    platform = Template.fromStack(stage.platform);
    svc = Template.fromStack(stage.service);
  });

  test('an alternate target group shaped like the primary one', () => {
    const groups = Object.values(resources(platform, 'AWS::ElasticLoadBalancingV2::TargetGroup')).map((g) => g.Properties!);
    expect(groups).toHaveLength(2);
    expect(groups[0]).toEqual(groups[1]);
  });

  test('production and test listener rules forward every path to both groups, 100/0, at priority 1', () => {
    const sw = stage.edge.trafficSwitch!;
    const rules = resources(platform, 'AWS::ElasticLoadBalancingV2::ListenerRule');
    const listeners = resources(platform, 'AWS::ElasticLoadBalancingV2::Listener');
    const listenerOf = (rule: CfnResource) => listeners[rule.Properties!.ListenerArn.Ref];
    const primaryTg = { Ref: platformId(stage.edge.targetGroup) };
    const alternateTg = { Ref: platformId(sw.alternateTargetGroup) };
    for (const rule of [rules[platformId(sw.productionRule)], rules[platformId(sw.testRule)]]) {
      expect(rule.Properties).toMatchObject({
        Priority: 1,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
        Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: primaryTg, Weight: 100 }, { TargetGroupArn: alternateTg, Weight: 0 }] } }],
      });
    }
    expect(listenerOf(rules[platformId(sw.productionRule)]).Properties).toMatchObject({ Port: 443, Protocol: 'HTTPS' });
    expect(listenerOf(rules[platformId(sw.testRule)]).Properties).toMatchObject({ Port: TEST_LISTENER_HTTPS_PORT, Protocol: 'HTTPS' });
    // Every action of every forwarding listener forwards (ECS refuses listeners mixing action types).
    for (const l of [listenerOf(rules[platformId(sw.productionRule)]), listenerOf(rules[platformId(sw.testRule)])]) {
      expect(l.Properties!.DefaultActions.map((a: any) => a.Type)).toEqual(['forward']);
    }
  });

  test('the test listener is not reachable from the internet: its port admits only the NAT gateways\' Elastic IPs (/32)', () => {
    const port = stage.edge.trafficSwitch!.testPort;
    const sgs = resources(platform, 'AWS::EC2::SecurityGroup');
    const standalone = Object.values(resources(platform, 'AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties!);
    const inline = Object.values(sgs).flatMap((sg) => sg.Properties!.SecurityGroupIngress ?? []);
    const coversPort = (r: any) => r.FromPort <= port && port <= r.ToPort || r.IpProtocol === '-1';
    const onTestPort = [...inline, ...standalone].filter(coversPort);
    const eips = Object.keys(resources(platform, 'AWS::EC2::EIP'));
    expect(eips).toHaveLength(prod().sizing.natGateways);
    expect(onTestPort).toHaveLength(eips.length);
    for (const r of onTestPort) {
      expect(r.CidrIp).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.any(String), 'PublicIp'] }, '/32']] });
      expect(eips).toContain(r.CidrIp['Fn::Join'][1][0]['Fn::GetAtt'][0]);
      expect(r.CidrIpv6).toBeUndefined();
      expect(r.SourceSecurityGroupId).toBeUndefined();
    }
    expect(JSON.stringify(onTestPort)).not.toContain('0.0.0.0/0');
  });

  test('the service switches between the two groups through the two rules, with the role AWS maintains the permissions of', () => {
    const sw = stage.edge.trafficSwitch!;
    const lb = service(stage).LoadBalancers;
    expect(lb).toHaveLength(1);
    const advanced = lb[0].AdvancedConfiguration;
    expect(JSON.stringify(advanced.AlternateTargetGroupArn)).toContain(platformId(sw.alternateTargetGroup));
    expect(JSON.stringify(advanced.ProductionListenerRule)).toContain(platformId(sw.productionRule));
    expect(JSON.stringify(advanced.TestListenerRule)).toContain(platformId(sw.testRule));
    expect(advanced.RoleArn).toEqual({ 'Fn::GetAtt': [serviceId(stage.service.loadBalancerRole), 'Arn'] });

    const roles = resources(svc, 'AWS::IAM::Role');
    expect(roles[serviceId(stage.service.loadBalancerRole)].Properties!.AssumeRolePolicyDocument.Statement)
      .toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ecs.amazonaws.com' } }]);
    // The managed policy ECS documents for this role (traffic-switch-role.ts says why), on the role
    // from its creation; no copy of it in a policy of ours.
    expect(roles[serviceId(stage.service.loadBalancerRole)].Properties!.ManagedPolicyArns)
      .toEqual([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers']] }]);
    const ownPolicies = Object.values(resources(svc, 'AWS::IAM::Policy'))
      .filter((p) => p.Properties!.Roles.some((r: any) => r.Ref === serviceId(stage.service.loadBalancerRole)));
    expect(ownPolicies).toEqual([]);
  });

  test('the service waits for every policy of the roles it hands to ECS (issue 26: ECS validates them at create and update)', () => {
    const serviceResource = resources(svc, 'AWS::ECS::Service')[serviceId(stage.service.service)];
    const roles = [stage.service.executionRole, stage.service.taskDefinition.taskRole, stage.service.preTrafficHook!.invokeRole];
    const policies = Object.entries(resources(svc, 'AWS::IAM::Policy'))
      .filter(([, p]) => p.Properties!.Roles.some((r: any) => roles.some((handed) => r.Ref === serviceId(handed))));
    expect(policies.length).toBe(3);
    for (const [policyId] of policies) expect(serviceResource.DependsOn).toContain(policyId);
  });

  test('the hook runs at POST_TEST_TRAFFIC_SHIFT, invoked through a role that may invoke that one function only', () => {
    const hook = stage.service.preTrafficHook!;
    const fnId = serviceId(hook.function);
    expect(service(stage).DeploymentConfiguration.LifecycleHooks).toEqual([{
      HookTargetArn: { 'Fn::GetAtt': [fnId, 'Arn'] },
      RoleArn: { 'Fn::GetAtt': [serviceId(hook.invokeRole), 'Arn'] },
      LifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
    }]);
    const invokeStatements = Object.values(resources(svc, 'AWS::IAM::Policy'))
      .filter((p) => p.Properties!.Roles.some((r: any) => r.Ref === serviceId(hook.invokeRole)))
      .flatMap((p) => p.Properties!.PolicyDocument.Statement);
    expect(invokeStatements).toEqual([{ Sid: 'InvokePreTrafficHook', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [fnId, 'Arn'] } }]);
  });

  test(`the hook function: pinned runtime, in the VPC, egress to the test port and HTTPS only, checks this commit as a ${role} region`, () => {
    const hook = stage.service.preTrafficHook!;
    const fn = resources(svc, 'AWS::Lambda::Function')[serviceId(hook.function)].Properties!;
    expect(fn.Runtime).toBe(LAMBDA_NODE_RUNTIME.name);
    // The checks plus a new token (credentials read, token request) within half of it (pre-traffic-checks.test.ts).
    expect(fn.Timeout).toBe(90);
    expect(fn.VpcConfig.SubnetIds.length).toBeGreaterThan(0);
    const credentials = role === 'primary'
      // The issuer region: the secret by ARN (an import from the Platform stack), both scopes.
      ? { CHECKS_SECRET_ID: expect.objectContaining({ 'Fn::ImportValue': expect.stringContaining('IssuerChecksClientSecret') }), CHECKS_SCOPES: 'transactions/read transactions/write' }
      // Another region: by its derivable name, read only (nothing is written there).
      : { CHECKS_SECRET_ID: 'transactions-prod-us-east-1/checks-client', CHECKS_SCOPES: 'transactions/read' };
    expect(fn.Environment.Variables).toEqual({
      ...credentials,
      CHECKS_SECRET_REGION: 'us-east-1',
      TEST_URL: `https://${TEST_DOMAIN.recordName}-${region}.${TEST_DOMAIN.zoneName}:${TEST_LISTENER_HTTPS_PORT}`,
      COMMIT: TEST_IMAGE.tag,
      IDEMPOTENCY_KEY: `pretraffic-prod-${region}-${TEST_IMAGE.tag}`,
      REGION_ROLE: role,
      MAX_ATTEMPTS: String(PRE_TRAFFIC_MAX_ATTEMPTS),
      RETRY_DELAY_SECONDS: '30',
      DEADLINE_MINUTES: String(PRE_TRAFFIC_DEADLINE_MINUTES),
      CLUSTER_NAME: { Ref: serviceId(stage.service.cluster) },
    });
    const sg = resources(svc, 'AWS::EC2::SecurityGroup')[serviceId(hook.securityGroup)].Properties!;
    // The test listener, and 443 for the ECS API (through the NAT: the stage has no ECS endpoint).
    expect(sg.SecurityGroupEgress).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: TEST_LISTENER_HTTPS_PORT, ToPort: TEST_LISTENER_HTTPS_PORT }),
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0', Description: 'HTTPS to the ECS API' }),
    ]);
    expect(sg.SecurityGroupIngress).toBeUndefined();
    const logGroup = resources(svc, 'AWS::Logs::LogGroup')[fn.LoggingConfig.LogGroup.Ref];
    expect(logGroup.Properties!.KmsKeyId).toBeDefined();
  });

  test('the hook may read the checks\' credentials in the issuer region (us-east-1) and decrypt them through Secrets Manager there, nothing else', () => {
    const hook = stage.service.preTrafficHook!;
    const statements = Object.values(resources(svc, 'AWS::IAM::Policy'))
      .filter((p) => p.Properties!.Roles.some((r: any) => r.Ref === serviceId(hook.role)))
      .flatMap((p) => p.Properties!.PolicyDocument.Statement)
      .filter((st: any) => ['ReadChecksCredentials', 'DecryptChecksCredentials'].includes(st.Sid));
    const via = { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' };
    if (role === 'primary') {
      expect(statements).toEqual([
        { Sid: 'ReadChecksCredentials', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: expect.objectContaining({ 'Fn::ImportValue': expect.stringContaining('IssuerChecksClientSecret') }) },
        { Sid: 'DecryptChecksCredentials', Effect: 'Allow', Action: 'kms:Decrypt', Resource: expect.objectContaining({ 'Fn::ImportValue': expect.stringContaining('IssuerSecretKey') }), Condition: { StringEquals: via } },
      ]);
    } else {
      expect(statements).toEqual([
        { Sid: 'ReadChecksCredentials', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: `arn:aws:secretsmanager:us-east-1:${prod().account}:secret:transactions-prod-us-east-1/checks-client-??????` },
        {
          Sid: 'DecryptChecksCredentials',
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: `arn:aws:kms:us-east-1:${prod().account}:key/*`,
          Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/transactions-prod-us-east-1/issuer-secret' }, 'StringEquals': via },
        },
      ]);
    }
  });

  test('the hook has an Errors alarm: paging, a deployment alarm ECS rolls back on, and one of the alarms the bake watches', () => {
    const hook = stage.service.preTrafficHook!;
    const alarm = stage.service.monitoring.preTrafficHookErrorsAlarm!;
    const props = resources(svc, 'AWS::CloudWatch::Alarm')[serviceId(alarm)].Properties!;
    expect(props).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: serviceId(hook.function) } }],
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      // No invocation between releases: no data is no error, and the bake needs OK, not INSUFFICIENT_DATA.
      TreatMissingData: 'notBreaching',
    });
    const topic = { Ref: serviceId(stage.service.monitoring.topic) };
    expect(props.AlarmActions).toEqual([topic]);
    expect(props.OKActions).toEqual([topic]);
    // ECS watches it during the deployment (with 5xx and unhealthy hosts) and rolls back on ALARM.
    const deployment = only(svc, 'AWS::ECS::Service').Properties!.DeploymentConfiguration.Alarms;
    expect(deployment).toMatchObject({ Enable: true, Rollback: true });
    expect(deployment.AlarmNames).toHaveLength(3);
    expect(deployment.AlarmNames).toContainEqual({ Ref: serviceId(alarm) });
    // The bake reads the AlarmNames output: it lists the hook's alarm.
    expect(svc.findOutputs('AlarmNames').AlarmNames.Value['Fn::Join'][1]).toContainEqual({ Ref: serviceId(alarm) });
    expect(stage.alarms).toContain(alarm);
  });

  test('the hook may list the services of its own cluster and the deployments of that cluster\'s services, nothing else of ECS', () => {
    const hook = stage.service.preTrafficHook!;
    const statements = Object.values(resources(svc, 'AWS::IAM::Policy'))
      .filter((p) => p.Properties!.Roles.some((r: any) => r.Ref === serviceId(hook.role)))
      .flatMap((p) => p.Properties!.PolicyDocument.Statement);
    const ecsStatements = statements.filter((st: any) => [st.Action].flat().some((a: string) => a.startsWith('ecs:')));
    const cluster = serviceId(stage.service.cluster);
    expect(ecsStatements).toEqual([
      {
        Sid: 'ListServicesOfOwnCluster',
        Effect: 'Allow',
        Action: 'ecs:ListServices',
        Resource: '*',
        Condition: { ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [cluster, 'Arn'] } } },
      },
      {
        Sid: 'ListDeploymentsOfOwnService',
        Effect: 'Allow',
        Action: 'ecs:ListServiceDeployments',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ecs:${region}:${prod().account}:service/`, { Ref: cluster }, '/*']] },
      },
    ]);
  });

  test('alarms and the dashboard follow whichever target group serves', () => {
    const alarms = Object.values(resources(svc, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties!);
    const byName = (name: string) => alarms.filter((a) => JSON.stringify(a).includes(`"MetricName":"${name}"`));
    for (const hosts of ['HealthyHostCount', 'UnHealthyHostCount']) {
      const [alarm] = byName(hosts);
      const expression = alarm.Metrics.find((m: any) => m.Expression).Expression;
      expect(expression).toMatch(/^FILL\(\w+Primary, 0\) \+ FILL\(\w+Alternate, 0\)$/);
      const groups = alarm.Metrics.filter((m: any) => m.MetricStat).map((m: any) => JSON.stringify(m.MetricStat.Metric.Dimensions));
      expect(new Set(groups).size).toBe(2);
    }
    // Response metrics at load-balancer level: no TargetGroup dimension, so a switch changes nothing.
    for (const name of ['TargetResponseTime', 'HTTPCode_Target_5XX_Count']) {
      const [alarm] = byName(name);
      expect(JSON.stringify(alarm)).not.toContain('"TargetGroup"');
    }
    const body = JSON.stringify(only(svc, 'AWS::CloudWatch::Dashboard').Properties!.DashboardBody);
    expect(body).toContain('FILL(healthyPrimary, 0) + FILL(healthyAlternate, 0)');
  });

  test('request scaling tracks load-balancer requests per running task (metric math), not one target group', () => {
    const policies = Object.values(resources(svc, 'AWS::ApplicationAutoScaling::ScalingPolicy'))
      .map((p) => p.Properties!.TargetTrackingScalingPolicyConfiguration);
    const custom = policies.find((p) => p.CustomizedMetricSpecification)!.CustomizedMetricSpecification;
    expect(custom.MetricName).toBeUndefined();
    expect(custom.Metrics.map((m: any) => m.Id)).toEqual(['requests', 'tasks', 'perTask']);
    expect(custom.Metrics[2]).toMatchObject({ Expression: 'requests / tasks', ReturnData: true });
    expect(custom.Metrics[0].MetricStat.Metric.Dimensions.map((d: any) => d.Name)).toEqual(['LoadBalancer']);
    expect(JSON.stringify(policies)).not.toContain('ALBRequestCountPerTarget');
  });
});

describe('what a release changes', () => {
  const synth = (tag: string, app: App = testApp()) => {
    const config = sampleConfig();
    const environment = prod();
    return new ServiceStage(app, ServiceStage.idFor(environment, 'us-east-1'), {
      environment,
      region: 'us-east-1',
      tags: config.tags,
      commit: tag,
      alarmEmails: config.notifications.emails,
      featureFlags: FEATURE_FLAGS,
      image: { ...TEST_IMAGE, tag },
    });
  };

  test('the listener rules ECS manages (and the whole Platform stack) are byte-identical across releases', () => {
    const a = synth('gated-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
    const b = synth('gated-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb');
    // A CloudFormation update of a rule would reset ECS's weights to 100/0: after a switch that is
    // the emptied target group. A release must not touch the Platform stack at all.
    expect(JSON.stringify(Template.fromStack(b.platform).toJSON())).toBe(JSON.stringify(Template.fromStack(a.platform).toJSON()));
    const ruleJson = (s: ServiceStage) => JSON.stringify(Template.fromStack(s.platform).findResources('AWS::ElasticLoadBalancingV2::ListenerRule'));
    expect(ruleJson(a)).toContain('"Weight":100');
    expect(ruleJson(b)).toBe(ruleJson(a));
    // The Service stack changes, as it should: the task definition and the hook's commit.
    const serviceA = Template.fromStack(a.service).toJSON().Resources as Record<string, CfnResource>;
    const serviceB = Template.fromStack(b.service).toJSON().Resources as Record<string, CfnResource>;
    const changed = Object.keys(serviceA).filter((id) => JSON.stringify(serviceA[id]) !== JSON.stringify(serviceB[id]));
    expect(changed.map((id) => serviceA[id].Type).sort()).toEqual(['AWS::ECS::TaskDefinition', 'AWS::Lambda::Function']);
  });

  test('the hook code is bundled once per synth: every stage uses the same asset', () => {
    expect(bundledHookCode()).toBe(bundledHookCode());
    const app = testApp();
    const config = sampleConfig();
    const stages = ['us-east-1', 'us-east-2'].map((region) => new ServiceStage(app, ServiceStage.idFor(prod(), region), {
      environment: prod(), region, tags: config.tags, commit: 'c', image: TEST_IMAGE, featureFlags: FEATURE_FLAGS,
    }));
    const codeOf = (stage: ServiceStage) => {
      const fn = stage.service.preTrafficHook!.function;
      return Template.fromStack(stage.service).toJSON().Resources[stage.service.getLogicalId(fn.node.defaultChild as any)].Properties.Code.S3Key;
    };
    expect(codeOf(stages[1])).toBe(codeOf(stages[0]));
  });

  test('HTTP-only mode: the test listener is plain HTTP on its own port, and the hook calls the ALB name on it', () => {
    const stage = buildStage(sampleEnvironment('prod', { domain: undefined, allowPlainHttp: { reason: 'This production environment is a demo without a domain, so it serves plain HTTP for now.' } }), 'us-east-1');
    const edge = tierTemplate(stage.edge);
    const test = Object.values(resources(edge, 'AWS::ElasticLoadBalancingV2::Listener')).find((l) => l.Properties!.Port === TEST_LISTENER_HTTP_PORT)!;
    expect(test.Properties).toMatchObject({ Protocol: 'HTTP' });
    const fn = Object.values(resources(Template.fromStack(stage.service), 'AWS::Lambda::Function'))[0].Properties!;
    expect(JSON.stringify(fn.Environment.Variables.TEST_URL)).toContain(`:${TEST_LISTENER_HTTP_PORT}`);
  });
});
