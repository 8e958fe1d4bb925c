import { Template } from 'aws-cdk-lib/assertions';
import { buildStage, identityStatements, importsIn, only, resources, sampleEnvironment, TEST_IMAGE } from './support';
import { ServiceStage } from '../../../src/synth/workload/service-stage';

/** Service: ECS cluster, Fargate service, roles, container, autoscaling, deployment safety. */
describe.each([
  ['dev', 'us-east-1'],
  ['prod', 'us-east-1'], // the secondary's service: test/synth/workload/global-database.test.ts,
])('ServiceStack %s %s', (envName, region) => {
  // Rolling everywhere here (prod's default is canary): test/synth/workload/progressive.test.ts covers
  // the progressive strategies, this file proves rolling behaves as it always did.
  const environment = sampleEnvironment(envName, { deployment: { strategy: 'rolling' } });
  const { sizing } = environment;
  let stage: ServiceStage;
  let template: Template;
  const id = (construct: any) => stage.service.getLogicalId(construct.node.defaultChild);
  const container = () => only(template, 'AWS::ECS::TaskDefinition').Properties!.ContainerDefinitions[0];

  beforeAll(() => {
    stage = buildStage(environment, region);
    template = Template.fromStack(stage.service);
  });

  test('cluster has Container Insights with enhanced observability', () => {
    expect(only(template, 'AWS::ECS::Cluster').Properties!.ClusterSettings).toEqual([{ Name: 'containerInsights', Value: 'enhanced' }]);
  });

  test('Fargate service in the private subnets, no public IP, the service security group', () => {
    const service = only(template, 'AWS::ECS::Service').Properties!;
    expect(service.LaunchType).toBe('FARGATE');
    expect(service.DesiredCount).toBe(sizing.desiredCount);
    const network = service.NetworkConfiguration.AwsvpcConfiguration;
    expect(network.AssignPublicIp).toBe('DISABLED');
    expect(importsIn(network.Subnets)).toHaveLength(sizing.maxAzs);
    for (const s of importsIn(network.Subnets)) expect(s).toMatch(/Platform:ExportsOutputRefNetworkVpcappSubnet/);
    expect(importsIn(network.SecurityGroups)).toEqual([expect.stringContaining('NetworkSecurityGroupsService')]);
    expect(service.LoadBalancers).toEqual([{
      ContainerName: 'App', ContainerPort: 8080, TargetGroupArn: { 'Fn::ImportValue': expect.stringContaining('ServiceTargets') },
    }]);
  });

  test('rolling deployment never drops capacity and rolls back on circuit breaker and on alarms', () => {
    const deployment = only(template, 'AWS::ECS::Service').Properties!.DeploymentConfiguration;
    expect(deployment.Strategy).toBe('ROLLING');
    expect(deployment.MinimumHealthyPercent).toBe(100);
    expect(deployment.MaximumPercent).toBe(200);
    expect(deployment.DeploymentCircuitBreaker).toEqual({ Enable: true, Rollback: true });
    expect(deployment.Alarms).toEqual({
      Enable: true,
      Rollback: true,
      AlarmNames: [{ Ref: id(stage.service.monitoring.http5xxAlarm) }, { Ref: id(stage.service.monitoring.unhealthyHostsAlarm) }],
    });
  });

  test('task size comes from sizing; x86_64 Linux', () => {
    const task = only(template, 'AWS::ECS::TaskDefinition').Properties!;
    expect(task.Cpu).toBe(String(sizing.cpu));
    expect(task.Memory).toBe(String(sizing.memoryMiB));
    expect(task.RequiresCompatibilities).toEqual(['FARGATE']);
    expect(task.RuntimePlatform).toEqual({ CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' });
  });

  test('runs the gated image by tag from the pipeline account repository', () => {
    expect(JSON.stringify(container().Image)).toContain(`/${TEST_IMAGE.repositoryName}:${TEST_IMAGE.tag}`);
    expect(JSON.stringify(container().Image)).toContain('111111111111.dkr.ecr.us-east-1.');
  });

  test('database credentials arrive as ECS secrets from the secret fields; plain settings are the port, TLS, the secret\'s ARN, the regions and the issuer', () => {
    const c = container();
    expect(c.Environment.map((e: any) => e.Name)).toEqual(['PORT', 'DB_SSL', 'DB_SECRET_ARN', 'SERVICE_REGION', 'DB_WRITER_REGION', 'FEATURE_FLAGS_URL', 'AUTH_ISSUER']);
    expect(c.Environment.slice(0, 2)).toEqual([{ Name: 'PORT', Value: '8080' }, { Name: 'DB_SSL', Value: 'true' }]);
    // A primary or independent region writes locally.
    expect(c.Environment.slice(3, 5)).toEqual([{ Name: 'SERVICE_REGION', Value: region }, { Name: 'DB_WRITER_REGION', Value: region }]);
    // The AppConfig agent sidecar serves this stage's flags on localhost (test/synth/feature-flags/).
    const flags = stage.service.featureFlags;
    expect(c.Environment[5].Value).toEqual({
      'Fn::Join': ['', [
        'http://localhost:2772/applications/', { Ref: id(flags.application) }, '/environments/', { Ref: id(flags.environment) },
        '/configurations/', { Ref: stage.service.getLogicalId(flags.profile.node.findChild('ConfigurationProfile') as any) },
      ]],
    });
    expect(importsIn(c.Environment[2].Value)).toEqual([expect.stringContaining('DatabaseSecretAttachment')]);
    const fields = Object.fromEntries(c.Secrets.map((s: any) => [s.Name, s.ValueFrom['Fn::Join'][1][1]]));
    expect(fields).toEqual({ DB_HOST: ':host::', DB_PORT: ':port::', DB_NAME: ':dbname::', DB_USER: ':username::', DB_PASSWORD: ':password::' });
    for (const s of c.Secrets) expect(importsIn(s.ValueFrom)).toEqual([expect.stringContaining('DatabaseSecretAttachment')]);
  });

  test('container: read-only root filesystem with a /tmp scratch volume, node health check, port 8080', () => {
    const c = container();
    expect(c.ReadonlyRootFilesystem).toBe(true);
    expect(c.MountPoints).toEqual([{ ContainerPath: '/tmp', ReadOnly: false, SourceVolume: 'tmp' }]);
    expect(c.HealthCheck.Command.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    expect(c.HealthCheck.Command[3]).toContain("fetch('http://localhost:8080/health')");
    expect(c.PortMappings).toEqual([expect.objectContaining({ ContainerPort: 8080 })]);
  });

  test('AUTH_ISSUER is the provider URL of the environment\'s user pool, which this (primary) region\'s Platform stack holds', () => {
    const issuer = container().Environment.find((e: any) => e.Name === 'AUTH_ISSUER').Value;
    expect(importsIn(issuer)).toEqual([expect.stringMatching(/^\w+-us-east-1-Platform:ExportsOutputFnGetAttIssuerUserPool\w+ProviderURL/)]);
    expect(stage.platform.issuer).toBeDefined();
    expect(stage.service.auth.lookup).toBeUndefined();
  });

  test('logs go to a KMS-encrypted log group with the configured retention', () => {
    const logGroup = resources(template, 'AWS::Logs::LogGroup')[id(stage.service.logGroup)];
    expect(logGroup.Properties!.KmsKeyId).toEqual({ 'Fn::GetAtt': [id(stage.service.logsKey), 'Arn'] });
    expect(logGroup.Properties!.RetentionInDays).toBe(sizing.logRetentionDays);
    expect(container().LogConfiguration).toMatchObject({ LogDriver: 'awslogs', Options: { 'awslogs-group': { Ref: id(stage.service.logGroup) }, 'mode': 'non-blocking' } });
  });

  /** The identity statements attached to one role of the template. */
  const roleStatements = (role: string) => Object.values(resources(template, 'AWS::IAM::Policy'))
    .filter((p) => (p.Properties!.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: role })))
    .flatMap((p) => p.Properties!.PolicyDocument.Statement as Array<Record<string, any>>);
  const summarize = (statements: Array<Record<string, any>>) => statements
    .map((s) => [s.Sid ?? '', [s.Action].flat().sort().join(','), JSON.stringify(s.Resource)])
    .sort((a, b) => a[1].localeCompare(b[1]));

  test('separate execution and task roles; the task role may only re-read the one database secret after a rotation and read this stage\'s flags', () => {
    const task = only(template, 'AWS::ECS::TaskDefinition').Properties!;
    expect(task.ExecutionRoleArn).toEqual({ 'Fn::GetAtt': [id(stage.service.executionRole), 'Arn'] });
    expect(task.TaskRoleArn).toEqual({ 'Fn::GetAtt': [id(stage.service.taskRole), 'Arn'] });
    const taskRole = resources(template, 'AWS::IAM::Role')[id(stage.service.taskRole)];
    expect(taskRole.Properties!.Policies).toBeUndefined();
    expect(taskRole.Properties!.ManagedPolicyArns).toBeUndefined();
    expect(summarize(roleStatements(id(stage.service.taskRole)))).toEqual([
      ['ReadOwnFeatureFlags', 'appconfig:GetLatestConfiguration,appconfig:StartConfigurationSession', expect.stringContaining(`:appconfig:${region}:${environment.account}:application/`)],
      ['DecryptDatabaseSecretViaSecretsManager', 'kms:Decrypt', expect.stringContaining('Platform:ExportsOutputFnGetAttDataSecretKey')],
      ['ReadDatabaseSecretAfterRotation', 'secretsmanager:GetSecretValue', expect.stringContaining('DatabaseSecretAttachment')],
    ]);
    const decrypt = roleStatements(id(stage.service.taskRole)).find((s) => s.Sid === 'DecryptDatabaseSecretViaSecretsManager')!;
    expect(decrypt.Condition).toEqual({ StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } });
    // The service is told which secret to re-read: the same one its DB_* secrets come from.
    const env = Object.fromEntries((container().Environment as Array<{ Name: string; Value: unknown }>).map((e) => [e.Name, e.Value]));
    expect(JSON.stringify(env.DB_SECRET_ARN)).toBe(JSON.stringify(roleStatements(id(stage.service.taskRole))
      .find((s) => s.Sid === 'ReadDatabaseSecretAfterRotation')!.Resource));
    for (const role of [stage.service.executionRole, stage.service.taskRole].map((r) => resources(template, 'AWS::IAM::Role')[id(r)])) {
      expect(role.Properties!.AssumeRolePolicyDocument.Statement[0].Condition.StringEquals['aws:SourceAccount']).toBe(environment.account);
    }
  });

  test('the execution role can pull the image, write its logs and read the one secret: nothing else', () => {
    const statements = roleStatements(id(stage.service.executionRole));
    expect(summarize(statements)).toEqual([
      ['', 'ecr:BatchCheckLayerAvailability,ecr:BatchGetImage,ecr:GetDownloadUrlForLayer', JSON.stringify(TEST_IMAGE.repositoryArn)],
      // GetAuthorizationToken has no resource-level permissions: '*' is the only valid resource.
      ['', 'ecr:GetAuthorizationToken', '"*"'],
      ['DecryptDatabaseSecretViaSecretsManager', 'kms:Decrypt', expect.stringContaining('Platform:ExportsOutputFnGetAttDataSecretKey')],
      ['', 'logs:CreateLogStream,logs:PutLogEvents', JSON.stringify({ 'Fn::GetAtt': [id(stage.service.logGroup), 'Arn'] })],
      ['', 'secretsmanager:DescribeSecret,secretsmanager:GetSecretValue', expect.stringContaining('DatabaseSecretAttachment')],
    ]);
    const decrypt = statements.find((s) => s.Sid === 'DecryptDatabaseSecretViaSecretsManager')!;
    expect(decrypt.Condition).toEqual({ StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } });
  });

  test('autoscaling between min and max on CPU and ALB requests per target, with cooldowns', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: sizing.minCapacity, MaxCapacity: sizing.maxCapacity, ScalableDimension: 'ecs:service:DesiredCount',
    });
    const policies = Object.values(resources(template, 'AWS::ApplicationAutoScaling::ScalingPolicy'))
      .map((p) => p.Properties!.TargetTrackingScalingPolicyConfiguration);
    expect(policies.map((p) => p.PredefinedMetricSpecification.PredefinedMetricType).sort())
      .toEqual(['ALBRequestCountPerTarget', 'ECSServiceAverageCPUUtilization']);
    for (const p of policies) {
      expect(p.ScaleInCooldown).toBe(300);
      expect(p.ScaleOutCooldown).toBe(60);
    }
  });

  test('outputs cluster and service names; the stage exposes them', () => {
    template.hasOutput('ClusterName', { Value: { Ref: id(stage.service.cluster) } });
    template.hasOutput('ServiceName', { Value: { 'Fn::GetAtt': [id(stage.service.service), 'Name'] } });
    expect(stage.clusterName).toBe(stage.service.clusterNameOutput);
    expect(stage.serviceName).toBe(stage.service.serviceNameOutput);
    expect(stage.service.terminationProtection).toBe(environment.production);
  });
});
