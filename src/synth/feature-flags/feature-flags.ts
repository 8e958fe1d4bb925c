import { CfnOutput, CfnResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as appconfig from 'aws-cdk-lib/aws-appconfig';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { FeatureFlagsDocument } from '../../config/feature-flags';

/** Suffix of every stage's feature-flag configuration profile name (`<name prefix>-feature-flags`). */
export const FEATURE_FLAGS_PROFILE_SUFFIX = 'feature-flags';

/**
 * AppConfig's predefined strategy for the flags the pipeline deploys (and the one RUNBOOKS.md's
 * kill-switch flip uses): `AppConfig.AllAtOnce`, the new version is served to every target at
 * once, then a 10-minute bake during which nothing rolls it back (the environment has no
 * monitors). Not CDK's `RolloutStrategy.ALL_AT_ONCE`, which creates a custom strategy of its own.
 */
export const FEATURE_FLAGS_STRATEGY_ID = appconfig.DeploymentStrategyId.ALL_AT_ONCE;

/** Props of FeatureFlags. */
export interface FeatureFlagsProps {
  /** Stage name prefix (`<app>-<env>-<region>`): the names of the application, environment and profile. */
  readonly namePrefix: string;
  /** The repository's flag document (config/feature-flags.json). */
  readonly document: FeatureFlagsDocument;
}

/**
 * The feature flags of one stage in AWS AppConfig: an application and an environment named after
 * the stage (`<app>-<env>-<region>`, so two stages in one account never share a name) and a
 * feature-flag configuration profile (`<app>-<env>-<region>-feature-flags`, type
 * `AWS.AppConfig.FeatureFlags`, hosted) whose content is the repository's
 * config/feature-flags.json, deployed to the environment with `AppConfig.AllAtOnce`. Their ids
 * are outputs of the Service stack (FeatureFlagsApplicationId, FeatureFlagsEnvironmentId,
 * FeatureFlagsProfileId): RUNBOOKS.md "Kill switch" reads them.
 *
 * What the pipeline does to an operator's flip (the decision RUNBOOKS.md "Kill switch" states):
 * the hosted version is a CloudFormation resource whose content is the file, so a release that
 * does not change the file changes nothing here and a flip made with the CLI stays; a release
 * that changes the file creates a new version from it and deploys it, which replaces whatever
 * was flipped. A flip is therefore for emergencies, followed by a commit that writes the same
 * value into the file (or a revert of the flip) before the next change to the file ships.
 * The pipeline's hosted version is deleted when the pipeline replaces it (CDK's HostedConfiguration
 * retains it; set back to DESTROY here): AppConfig refuses to delete a profile that still has
 * hosted versions ("Cannot delete configuration profile ... because there are still hosted
 * configuration versions existing under it", BadRequestException), so a retained version would
 * turn the rollback of a failed first create into ROLLBACK_FAILED. The content of every earlier
 * version is in git. Versions an operator created with the CLI are not CloudFormation's: delete
 * them before deleting a stage (RUNBOOKS.md "Kill switch").
 *
 * No environment monitors: AppConfig would roll a deployment back when an alarm fires, and
 * the kill switch is flipped exactly when alarms fire. Deletion protection is bypassed on the
 * environment and the profile (a rolled-back first create must be able to delete them even
 * after tasks have read them; only CloudFormation deletes them, on a rollback or a stack delete).
 */
export class FeatureFlags extends Construct {
  /** The AppConfig application. */
  public readonly application: appconfig.Application;
  /** The AppConfig environment of this stage. */
  public readonly environment: appconfig.Environment;
  /** The feature-flag profile and its hosted version from the repository. */
  public readonly profile: appconfig.HostedConfiguration;
  /**
   * Where the AppConfig agent serves the flags inside the task:
   * `/applications/<app id>/environments/<env id>/configurations/<profile id>` (tokens).
   */
  public readonly agentPath: string;
  /** The agent's PREFETCH_LIST entry: `<app id>:<env id>:<profile id>`. */
  public readonly prefetch: string;
  /** ARN of this stage's configuration (the only thing a task may read). */
  public readonly configurationArn: string;
  /** Outputs: the application, environment and profile ids (plain outputs, no exports). */
  public readonly outputs: { readonly applicationId: CfnOutput; readonly environmentId: CfnOutput; readonly profileId: CfnOutput };

  constructor(scope: Construct, id: string, props: FeatureFlagsProps) {
    super(scope, id);
    this.application = new appconfig.Application(this, 'Application', {
      applicationName: props.namePrefix,
      description: `Feature flags of ${props.namePrefix} (config/feature-flags.json)`,
    });
    this.environment = new appconfig.Environment(this, 'Environment', {
      application: this.application,
      environmentName: props.namePrefix,
      description: `The AppConfig environment of ${props.namePrefix}`,
      deletionProtectionCheck: appconfig.DeletionProtectionCheck.BYPASS,
    });
    this.profile = new appconfig.HostedConfiguration(this, 'Profile', {
      application: this.application,
      name: `${props.namePrefix}-${FEATURE_FLAGS_PROFILE_SUFFIX}`,
      description: 'Feature flags from config/feature-flags.json (the kill switch of new transactions)',
      type: appconfig.ConfigurationType.FEATURE_FLAGS,
      content: appconfig.ConfigurationContent.fromInlineJson(JSON.stringify(props.document)),
      deploymentStrategy: appconfig.DeploymentStrategy.fromDeploymentStrategyId(this, 'AllAtOnce', FEATURE_FLAGS_STRATEGY_ID),
      deployTo: [this.environment],
      deletionProtectionCheck: appconfig.DeletionProtectionCheck.BYPASS,
    });
    (this.profile.node.defaultChild as CfnResource).applyRemovalPolicy(RemovalPolicy.DESTROY);
    const ids = [this.application.applicationId, this.environment.environmentId, this.profile.configurationProfileId];
    this.agentPath = `/applications/${ids[0]}/environments/${ids[1]}/configurations/${ids[2]}`;
    this.prefetch = ids.join(':');
    const stack = Stack.of(this);
    this.outputs = {
      applicationId: new CfnOutput(stack, 'FeatureFlagsApplicationId', { value: ids[0], description: 'AppConfig application of the feature flags' }),
      environmentId: new CfnOutput(stack, 'FeatureFlagsEnvironmentId', { value: ids[1], description: 'AppConfig environment of this stage' }),
      profileId: new CfnOutput(stack, 'FeatureFlagsProfileId', { value: ids[2], description: 'AppConfig feature-flag profile (the kill switch)' }),
    };
    this.configurationArn = stack.formatArn({
      service: 'appconfig',
      resource: 'application',
      resourceName: `${ids[0]}/environment/${ids[1]}/configuration/${ids[2]}`,
    });
  }

  /**
   * Lets `grantee` (the task role, which the agent runs as) read this stage's flags and nothing
   * else: the two AppConfig Data calls the agent makes (StartConfigurationSession, then
   * GetLatestConfiguration), on this application, environment and profile only. CDK's
   * `Environment.grantReadConfig` would allow every profile of the environment (`configuration/*`).
   */
  public grantRead(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadOwnFeatureFlags',
      actions: ['appconfig:StartConfigurationSession', 'appconfig:GetLatestConfiguration'],
      resources: [this.configurationArn],
    }));
  }
}
