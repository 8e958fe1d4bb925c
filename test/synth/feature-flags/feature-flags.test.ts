import { Template } from 'aws-cdk-lib/assertions';
import { FEATURE_FLAGS_FILE } from '../../../src/config/feature-flags';
import { APPCONFIG_AGENT_IMAGE, APPCONFIG_AGENT_POLL_SECONDS } from '../../../src/synth/feature-flags/appconfig-agent';
import { ServiceStage } from '../../../src/synth/workload/service-stage';
import { buildStage, FEATURE_FLAGS, only, resources, sampleEnvironment } from '../workload/support';

/**
 * Feature flags per stage (src/synth/feature-flags/): AppConfig application, environment and a
 * feature-flag profile whose content is config/feature-flags.json, deployed with the predefined
 * AllAtOnce strategy; the AppConfig agent as a sidecar pinned by digest; the task role reading
 * only this stage's configuration.
 */
describe.each([
  ['dev', 'us-east-1'],
  ['prod', 'us-east-2'],
])('%s %s', (envName, region) => {
  let stage: ServiceStage;
  let template: Template;
  const id = (c: any) => stage.service.getLogicalId(c.node.defaultChild ?? c);
  const prefix = `transactions-${envName}-${region}`;
  beforeAll(() => {
    stage = buildStage(sampleEnvironment(envName), region);
    template = Template.fromStack(stage.service);
  });

  test(`an application, an environment and a feature-flag profile named after the stage, the profile holding ${FEATURE_FLAGS_FILE}`, () => {
    expect(only(template, 'AWS::AppConfig::Application').Properties!.Name).toBe(prefix);
    expect(only(template, 'AWS::AppConfig::Environment').Properties!).toMatchObject({ Name: prefix, DeletionProtectionCheck: 'BYPASS' });
    expect(only(template, 'AWS::AppConfig::Environment').Properties!.Monitors).toBeUndefined();
    expect(only(template, 'AWS::AppConfig::ConfigurationProfile').Properties!).toMatchObject({
      Name: `${prefix}-feature-flags`, Type: 'AWS.AppConfig.FeatureFlags', LocationUri: 'hosted', DeletionProtectionCheck: 'BYPASS',
    });
    const version = only(template, 'AWS::AppConfig::HostedConfigurationVersion');
    expect(JSON.parse(version.Properties!.Content)).toEqual(FEATURE_FLAGS);
    expect(version.Properties!.ContentType).toBe('application/json');
    // Deleted when replaced: AppConfig refuses to delete a profile that still has versions, which
    // would turn the rollback of a failed first create into ROLLBACK_FAILED.
    expect(version.DeletionPolicy).toBe('Delete');
  });

  test('deployed to the environment with AppConfig\'s predefined AllAtOnce strategy (no custom strategy resource)', () => {
    expect(only(template, 'AWS::AppConfig::Deployment').Properties!).toMatchObject({
      DeploymentStrategyId: 'AppConfig.AllAtOnce',
      EnvironmentId: { Ref: id(stage.service.featureFlags.environment) },
      ConfigurationVersion: { Ref: stage.service.getLogicalId(stage.service.featureFlags.profile.node.defaultChild as any) },
    });
    expect(Object.keys(resources(template, 'AWS::AppConfig::DeploymentStrategy'))).toEqual([]);
  });

  test('the agent: pinned by digest, essential, 15 s polls of this stage\'s flags fetched at start, a backup on disk, read-only root, non-root, its own logs', () => {
    const containers = only(template, 'AWS::ECS::TaskDefinition').Properties!.ContainerDefinitions;
    const agent = containers.find((c: any) => c.Name === 'AppConfigAgent');
    expect(agent.Image).toBe(APPCONFIG_AGENT_IMAGE);
    expect(agent.Image).toMatch(/^public\.ecr\.aws\/aws-appconfig\/aws-appconfig-agent:2\.x@sha256:[0-9a-f]{64}$/);
    const env = Object.fromEntries(agent.Environment.map((e: any) => [e.Name, e.Value]));
    expect(env).toMatchObject({ SERVICE_REGION: region, POLL_INTERVAL: String(APPCONFIG_AGENT_POLL_SECONDS), BACKUP_DIRECTORY: '/tmp/appconfig-backups', HTTP_PORT: '2772' });
    expect(env.PREFETCH_LIST).toEqual({
      'Fn::Join': ['', [
        { Ref: id(stage.service.featureFlags.application) }, ':', { Ref: id(stage.service.featureFlags.environment) }, ':',
        { Ref: stage.service.getLogicalId(stage.service.featureFlags.profile.node.findChild('ConfigurationProfile') as any) },
      ]],
    });
    expect(agent).toMatchObject({ Essential: true, ReadonlyRootFilesystem: true, User: '1000', MemoryReservation: 32, Memory: 128 });
    expect(agent.PortMappings).toBeUndefined();
    expect(agent.LogConfiguration.Options['awslogs-stream-prefix']).toBe('appconfig-agent');
    expect(agent.MountPoints).toEqual([{ ContainerPath: '/tmp', ReadOnly: false, SourceVolume: 'appconfig-agent-tmp' }]);
    // The app starts after the agent, and the two fit the task's memory.
    const app = containers.find((c: any) => c.Name === 'App');
    expect(app.DependsOn).toEqual([{ ContainerName: 'AppConfigAgent', Condition: 'START' }]);
    expect(app.Memory + agent.MemoryReservation).toBe(Number(only(template, 'AWS::ECS::TaskDefinition').Properties!.Memory));
  });

  test('the task role may start a session and get the latest configuration of this stage\'s profile, nothing else of AppConfig', () => {
    const flags = stage.service.featureFlags;
    const statements = Object.values(resources(template, 'AWS::IAM::Policy'))
      .filter((p) => p.Properties!.Roles.some((r: any) => r.Ref === id(stage.service.taskRole)))
      .flatMap((p) => p.Properties!.PolicyDocument.Statement)
      .filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('appconfig:')));
    expect(statements).toEqual([{
      Sid: 'ReadOwnFeatureFlags',
      Effect: 'Allow',
      Action: ['appconfig:StartConfigurationSession', 'appconfig:GetLatestConfiguration'],
      Resource: {
        'Fn::Join': ['', [
          'arn:', { Ref: 'AWS::Partition' }, `:appconfig:${region}:${stage.account}:application/`, { Ref: id(flags.application) },
          '/environment/', { Ref: id(flags.environment) }, '/configuration/', { Ref: stage.service.getLogicalId(flags.profile.node.findChild('ConfigurationProfile') as any) },
        ]],
      },
    }]);
  });

  test('outputs: the application, environment and profile ids (RUNBOOKS "Kill switch" reads them), no exports', () => {
    const outputs = template.toJSON().Outputs;
    for (const key of ['FeatureFlagsApplicationId', 'FeatureFlagsEnvironmentId', 'FeatureFlagsProfileId']) {
      expect(outputs[key].Value).toEqual(expect.objectContaining({ Ref: expect.any(String) }));
      expect(outputs[key].Export).toBeUndefined();
    }
  });
});
