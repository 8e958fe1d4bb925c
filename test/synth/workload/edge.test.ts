import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildStage, only, resources, sampleEnvironment, TEST_DOMAIN, tierTemplate } from './support';
import { ServiceStage } from '../../../src/synth/workload/service-stage';
import { testApp } from '../../support/test-app';

function commonEdgeTests(get: () => { stage: ServiceStage; template: Template; production: boolean; retentionDays: number }) {
  test('internet-facing ALB in the public subnets with its own security group, dropping invalid headers', () => {
    const { template } = get();
    const alb = only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties!;
    expect(alb.Scheme).toBe('internet-facing');
    expect(JSON.stringify(alb.Subnets)).toMatch(/VpcpublicSubnet1/);
    expect(JSON.stringify(alb.Subnets)).not.toMatch(/Vpc(app|data)Subnet/);
    expect(JSON.stringify(alb.SecurityGroups)).toContain('SecurityGroupsLoadBalancer');
    expect(alb.LoadBalancerAttributes).toContainEqual({ Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' });
    expect(alb.LoadBalancerAttributes).toContainEqual({ Key: 'access_logs.s3.enabled', Value: 'true' });
  });

  test('listeners add no security group rules of their own (the explicit ones are in the network stack)', () => {
    const { template } = get();
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
  });

  test('target group: IP targets on 8080, liveness check on /health', () => {
    get().template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetType: 'ip', Port: 8080, Protocol: 'HTTP', HealthCheckPath: '/health', Matcher: { HttpCode: '200' },
    });
  });

  test('access logs bucket: SSE-S3 (the only encryption ALB log delivery supports), TLS only, private, versioned, expiring', () => {
    const { template, production, retentionDays } = get();
    const bucket = only(template, 'AWS::S3::Bucket');
    expect(bucket.Properties!.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(bucket.Properties!.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
    });
    expect(bucket.Properties!.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties!.LifecycleConfiguration.Rules).toEqual([expect.objectContaining({ ExpirationInDays: retentionDays, Status: 'Enabled' })]);
    expect(bucket.Properties!.BucketName).toBeUndefined();
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    expect(bucket.DeletionPolicy).toBe(production ? 'Retain' : 'Delete');
    template.resourceCountIs('Custom::S3AutoDeleteObjects', production ? 0 : 1);
  });

  test('WAF: regional web ACL on the ALB with AWS managed rule groups, a per-IP and a per-token rate limit', () => {
    const { template, stage } = get();
    const acl = only(template, 'AWS::WAFv2::WebACL').Properties!;
    expect(acl.Scope).toBe('REGIONAL');
    expect(acl.DefaultAction).toEqual({ Allow: {} });
    const managed = acl.Rules.filter((r: any) => r.Statement.ManagedRuleGroupStatement).map((r: any) => r.Statement.ManagedRuleGroupStatement);
    expect(managed.map((m: any) => `${m.VendorName}/${m.Name}`).sort()).toEqual([
      'AWS/AWSManagedRulesAmazonIpReputationList', 'AWS/AWSManagedRulesCommonRuleSet',
      'AWS/AWSManagedRulesKnownBadInputsRuleSet', 'AWS/AWSManagedRulesSQLiRuleSet',
    ]);
    const rate = acl.Rules.filter((r: any) => r.Statement.RateBasedStatement)
      .map((r: any) => [r.Name, r.Statement.RateBasedStatement.AggregateKeyType]);
    expect(rate).toEqual([['RateLimitPerIp', 'IP'], ['RateLimitPerToken', 'CUSTOM_KEYS']]);
    const priorities = acl.Rules.map((r: any) => r.Priority);
    expect(new Set(priorities).size).toBe(priorities.length);
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: { Ref: stage.platform.getLogicalId(stage.edge.loadBalancer.node.defaultChild as any) },
    });
  });

  test('WAF logs blocked/counted requests to an encrypted aws-waf-logs-* group, redacting credentials', () => {
    const { template, stage } = get();
    const logging = only(template, 'AWS::WAFv2::LoggingConfiguration').Properties!;
    const group = only(template, 'AWS::Logs::LogGroup').Properties!;
    expect(group.LogGroupName).toBe(`aws-waf-logs-transactions-${stage.stageName}`);
    expect(group.KmsKeyId).toEqual({ 'Fn::GetAtt': [stage.platform.getLogicalId(stage.edge.logsKey.node.defaultChild as any), 'Arn'] });
    expect(JSON.stringify(logging.LogDestinationConfigs)).toContain(`:log-group:${group.LogGroupName}"`);
    expect(logging.LoggingFilter.DefaultBehavior).toBe('DROP');
    expect(logging.RedactedFields).toEqual([{ SingleHeader: { Name: 'authorization' } }, { SingleHeader: { Name: 'cookie' } }]);
  });
}

describe('EdgeTier without a domain (HTTP-only mode): dev us-east-1', () => {
  const environment = sampleEnvironment('dev');
  let stage: ServiceStage;
  let template: Template;
  beforeAll(() => {
    stage = buildStage(environment, 'us-east-1');
    template = tierTemplate(stage.edge);
  });
  commonEdgeTests(() => ({ stage, template, production: false, retentionDays: environment.sizing.logRetentionDays }));

  test('one HTTP listener on 80 forwarding to the service; no certificate, no DNS', () => {
    const listener = only(template, 'AWS::ElasticLoadBalancingV2::Listener').Properties!;
    expect(listener).toMatchObject({ Port: 80, Protocol: 'HTTP', DefaultActions: [{ Type: 'forward' }] });
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
  });

  test('the URL output is http://<alb dns name>', () => {
    const albId = stage.platform.getLogicalId(stage.edge.loadBalancer.node.defaultChild as any);
    template.hasOutput(stage.platform.getLogicalId(stage.edge.urlOutput), { Value: { 'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [albId, 'DNSName'] }]] } });
    expect(stage.loadBalancerUrl).toBe(stage.edge.urlOutput);
  });
});

describe.each(['us-east-1', 'us-east-2'])('EdgeTier with a domain: prod %s', (region) => {
  // Rolling: the test listener of a progressive strategy is covered in progressive.test.ts.
  const environment = sampleEnvironment('prod', { domain: TEST_DOMAIN, deployment: { strategy: 'rolling' } });
  let stage: ServiceStage;
  let template: Template;
  let missingContext: unknown;
  beforeAll(() => {
    const app = testApp();
    stage = buildStage(environment, region, app);
    template = tierTemplate(stage.edge);
    missingContext = app.synth().manifest.missing;
  });
  commonEdgeTests(() => ({ stage, template, production: true, retentionDays: environment.sizing.logRetentionDays }));

  test('DNS-validated certificate in the configured zone, for the service name and the regional name', () => {
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'api.prod.example.com',
      SubjectAlternativeNames: [`api-${region}.prod.example.com`],
      ValidationMethod: 'DNS',
      DomainValidationOptions: Match.arrayWith([{ DomainName: 'api.prod.example.com', HostedZoneId: TEST_DOMAIN.hostedZoneId }]),
    });
  });

  test('HTTPS listener with a TLS 1.2+ policy; HTTP permanently redirects to HTTPS', () => {
    const listeners = Object.values(resources(template, 'AWS::ElasticLoadBalancingV2::Listener')).map((l) => l.Properties!);
    expect(listeners).toHaveLength(2);
    const https = listeners.find((l) => l.Protocol === 'HTTPS')!;
    expect(https).toMatchObject({ Port: 443, SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06', DefaultActions: [{ Type: 'forward' }] });
    const http = listeners.find((l) => l.Protocol === 'HTTP')!;
    expect(http).toMatchObject({ Port: 80, DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }] });
  });

  test('a failover record for this region (prod is global: us-east-1 PRIMARY on the writer check, us-east-2 SECONDARY on the deep check)', () => {
    const records = Object.values(resources(template, 'AWS::Route53::RecordSet')).map((r) => r.Properties!);
    const primary = region === 'us-east-1';
    const failover = records.find((r) => r.Failover)!;
    expect(failover).toMatchObject({
      Name: 'api.prod.example.com.',
      Type: 'A',
      Failover: primary ? 'PRIMARY' : 'SECONDARY',
      SetIdentifier: `prod-${region}`,
      HostedZoneId: TEST_DOMAIN.hostedZoneId,
      HealthCheckId: { Ref: expect.stringMatching(/^EdgeHealthCheck/) },
    });
    expect(failover.Region).toBeUndefined();
    expect(failover.AliasTarget).toMatchObject({ EvaluateTargetHealth: true });
    expect(records.find((r) => !r.Failover)).toMatchObject({ Name: `api-${region}.prod.example.com.`, Type: 'A' });
    expect(records.find((r) => !r.Failover)!.SetIdentifier).toBeUndefined();
    expect(records).toHaveLength(2);
    // One health check, on the ALB's own name, on the deep endpoint (never the liveness /health).
    const check = only(template, 'AWS::Route53::HealthCheck').Properties!.HealthCheckConfig;
    expect(check).toMatchObject({
      Type: 'HTTPS',
      Port: 443,
      RequestInterval: 30,
      FailureThreshold: 3,
      ResourcePath: primary ? '/health/deep?require=writer' : '/health/deep',
      FullyQualifiedDomainName: { 'Fn::GetAtt': [expect.stringMatching(/^EdgeLoadBalancer/), 'DNSName'] },
    });
    expect(stage.edge.serviceRecord?.routing).toBe('failover');
  });

  test('the hosted zone is not looked up (synth stays offline)', () => {
    expect(missingContext).toBeUndefined();
  });

  test('URL outputs: the regional https name and the routed service name', () => {
    template.hasOutput(stage.platform.getLogicalId(stage.edge.urlOutput), { Value: `https://api-${region}.prod.example.com` });
    template.hasOutput(stage.platform.getLogicalId(stage.edge.serviceUrlOutput), { Value: 'https://api.prod.example.com' });
    expect(stage.serviceUrl).toBe(stage.edge.serviceUrlOutput);
  });
});

describe('EdgeTier of a production environment without a domain', () => {
  const reason = 'Internal load test environment behind a VPN, it never carries customer data.';

  test('is refused without the written opt-out, even when built without the config loader', () => {
    expect(() => buildStage(sampleEnvironment('prod', { domain: undefined }), 'us-east-1'))
      .toThrow('Production environment "prod" has no domain: set environment.domain (HTTPS), or allowPlainHttp with a reason');
  });

  test('with allowPlainHttp serves HTTP only and keeps the reason for the compliance report', () => {
    const stage = buildStage(sampleEnvironment('prod', { domain: undefined, allowPlainHttp: { reason }, deployment: { strategy: 'rolling' } }), 'us-east-1');
    const template = tierTemplate(stage.edge);
    expect(only(template, 'AWS::ElasticLoadBalancingV2::Listener').Properties).toMatchObject({ Port: 80, Protocol: 'HTTP' });
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    expect(stage.edge.plainHttpReason).toBe(reason);
  });
});

describe('EdgeTier DNS of an independent environment with a domain: test us-east-1 and us-east-2', () => {
  test.each(['us-east-1', 'us-east-2'])('%s keeps its latency record on /health and the logical ids it always had', (region) => {
    const stage = buildStage(sampleEnvironment('test', { domain: TEST_DOMAIN }), region);
    const template = tierTemplate(stage.edge);
    const ids = Object.keys(resources(template, 'AWS::Route53::RecordSet'));
    expect(ids.filter((id) => id.startsWith('EdgeLatencyRecord'))).toHaveLength(1);
    expect(ids.filter((id) => id.startsWith('EdgeFailoverRecord'))).toEqual([]);
    const latency = Object.values(resources(template, 'AWS::Route53::RecordSet')).map((r) => r.Properties!).find((r) => r.Region)!;
    expect(latency).toMatchObject({ Name: 'api.prod.example.com.', Region: region, SetIdentifier: `test-${region}` });
    expect(latency.Failover).toBeUndefined();
    expect(Object.keys(resources(template, 'AWS::Route53::HealthCheck'))).toEqual([expect.stringMatching(/^EdgeHealthCheck[0-9A-F]{8}$/)]);
    expect(only(template, 'AWS::Route53::HealthCheck').Properties!.HealthCheckConfig).toMatchObject({ ResourcePath: '/health' });
    expect(stage.edge.serviceRecord?.routing).toBe('latency');
  });

  test('resilience "independent" on prod keeps latency routing too', () => {
    const stage = buildStage(sampleEnvironment('prod', { domain: TEST_DOMAIN, resilience: 'independent' }), 'us-east-2');
    expect(stage.edge.serviceRecord?.routing).toBe('latency');
  });
});

describe('EdgeTier DNS of a global environment with a domain: who is primary', () => {
  test('primaryRegion decides the PRIMARY record, not the order of the regions', () => {
    const environment = sampleEnvironment('prod', { domain: TEST_DOMAIN, primaryRegion: 'us-east-2' });
    const failoverOf = (region: string) => Object.values(resources(tierTemplate(buildStage(environment, region).edge), 'AWS::Route53::RecordSet'))
      .map((r) => r.Properties!).find((r) => r.Failover)!;
    expect(failoverOf('us-east-2')).toMatchObject({ Failover: 'PRIMARY', SetIdentifier: 'prod-us-east-2' });
    expect(failoverOf('us-east-1')).toMatchObject({ Failover: 'SECONDARY', SetIdentifier: 'prod-us-east-1' });
  });

  test('three regions: refused with a message naming the limit and the fix (Route 53 has one SECONDARY per name)', () => {
    const environment = sampleEnvironment('prod', { domain: TEST_DOMAIN, regions: ['us-east-1', 'us-east-2', 'us-west-2'] });
    expect(() => buildStage(environment, 'us-east-1')).toThrow(
      'Environment "prod" is global with a domain and 3 regions, but Route 53 failover routing has exactly one PRIMARY and one SECONDARY '
      + 'record per name: use two regions, or set resilience: "independent"',
    );
  });
});
