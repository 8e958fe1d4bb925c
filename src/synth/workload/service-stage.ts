import { CfnOutput, Stack, Stage, StageProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DataTier } from './data-tier';
import { EdgeTier } from './edge-tier';
import { NetworkTier } from './network-tier';
import { PipelineAccess } from './pipeline-access';
import { PlatformStack } from './platform-stack';
import { ServiceImage } from './service-image';
import { ServiceAuditProps, ServiceStack } from './service-stack';
import { StageSettings, stageSettingsOf } from './stage-settings';
import {
  AuditConfig, auditOf, auditReplicaBucketNameOf, auditReplicaKeyAliasOf, auditReplicaRegionsOf, auditReplicaStackIdOf, projectTrailRegionOf,
} from '../../config/audit';
import { FeatureFlagsDocument } from '../../config/feature-flags';
import { replicationLagAlarmMillisecondsOf } from '../../config/replication-lag';
import { regionalClusterIdentifierOf } from '../../config/resilience';
import { DeliveryConfig, EnvironmentConfig } from '../../config/schema';
import { vpcCidrOf } from '../../config/vpc-cidrs';
import { stageIdOf } from '../../config/waves';
import { AuditReplicaStack } from '../audit/audit-replica-stack';
import { applyGovernanceTags, GovernanceTagsProps } from '../constructs/governance-tags';
import { pinNodeLambdaRuntimes } from '../constructs/lambda-runtime';
import { applyPermissionsBoundary } from '../constructs/permissions-boundary';
import { remoteIssuerOf } from '../issuer/issuer-reference';

/** Props of one ServiceStage: one environment in one region. */
export interface ServiceStageProps extends StageProps {
  /** The environment (name, account, sizing, data rules). */
  readonly environment: EnvironmentConfig;
  /** The region this stage runs in (one of `environment.regions`). */
  readonly region: string;
  /** Tag values from the config (Team, CostCenter, Application). */
  readonly tags: DeliveryConfig['tags'];
  /** The image this stage runs. */
  readonly image: ServiceImage;
  /** The commit being delivered; the assertions check that `/version` reports it. */
  readonly commit: string;
  /** E-mail addresses subscribed to the stage's alarm topic. @default - none */
  readonly alarmEmails?: readonly string[];
  /**
   * The pipeline steps that reach this stage: the Platform stack creates a role for each.
   * @default - none
   */
  readonly pipelineAccess?: PipelineAccess;
  /**
   * The audit settings (config `audit`): production stages get an audit bucket replicated to
   * the environment's other regions, and the trail when `trail` is `project`.
   * @default - the config's defaults (organization trail, 365 days, GOVERNANCE)
   */
  readonly audit?: AuditConfig;
  /** The repository's feature-flag document (config/feature-flags.json, loadFeatureFlags). */
  readonly featureFlags: FeatureFlagsDocument;
}

/** Props of ServiceStacks: what one environment in one region needs. */
export interface ServiceStacksProps {
  /** The environment (name, account, sizing, data rules). */
  readonly environment: EnvironmentConfig;
  /** The region the stacks run in. */
  readonly region: string;
  /** Tag values from the config (Team, CostCenter, Application). */
  readonly tags: DeliveryConfig['tags'];
  /** The image the service runs. */
  readonly image: ServiceImage;
  /** E-mail addresses subscribed to the alarm topic. @default - none */
  readonly alarmEmails?: readonly string[];
  /**
   * The audit settings (config `audit`).
   * @default - the config's defaults (organization trail, 365 days, GOVERNANCE)
   */
  readonly audit?: AuditConfig;
  /** The repository's feature-flag document (config/feature-flags.json, loadFeatureFlags). */
  readonly featureFlags: FeatureFlagsDocument;
  /**
   * Prefix of the stack ids. Inside a Stage the stage id already names the environment and
   * region, so none is needed; directly in an App (integ tests) give `<env>-<region>-`.
   * @default ''
   */
  readonly stackIdPrefix?: string;
  /**
   * The pipeline steps that reach these stacks: the Platform stack creates a role for each.
   * @default - none
   */
  readonly pipelineAccess?: PipelineAccess;
}

/**
 * The two stacks of one environment in one region, in deployment order:
 * - `Platform`: the network tier (VPC, endpoints, flow logs, every security group), the data
 *   tier (Aurora PostgreSQL, its keys, rotated secret and logs) and the edge tier (ALB, target
 *   group, listeners, certificate and DNS with a domain, WAF, access logs);
 * - `Service`: ECS cluster and Fargate service, autoscaling, alarms, alarm topic, dashboard.
 * Production stacks have termination protection; stateful resources are retained. Why the
 * tiers share a stack: see PlatformStack.
 *
 * Built inside a ServiceStage by the pipeline, and directly in an App by the integ tests, so
 * both deploy (and assert on) the same thing.
 */
export class ServiceStacks {
  /** Network, data and edge tiers. */
  public readonly platform: PlatformStack;
  /** The VPC, its endpoints and the security groups (in `platform`). */
  public readonly network: NetworkTier;
  /** The database tier (in `platform`). */
  public readonly data: DataTier;
  /** The load balancer, WAF, TLS and DNS (in `platform`). */
  public readonly edge: EdgeTier;
  /** ECS, autoscaling, alarms and dashboard (and, in production, the audit tier). */
  public readonly service: ServiceStack;
  /**
   * Production: per other region of the environment, the stack there holding the copy of this
   * stage's audit bucket (`AuditReplica-<region>`), deployed before the Service stack.
   */
  public readonly auditReplicas: readonly AuditReplicaStack[];
  /** All alarms. */
  public readonly alarms: readonly cloudwatch.IAlarm[];
  /** The governance tags of the stacks (and of whatever deploys beside them, e.g. assertions). */
  public readonly governanceTags: GovernanceTagsProps;
  /** The settings of the stage, derived from the config once here and passed to every stack and tier. */
  public readonly settings: StageSettings;

  constructor(scope: Construct, props: ServiceStacksProps) {
    const { environment } = props;
    const prefix = props.stackIdPrefix ?? '';
    this.settings = stageSettingsOf(environment, props.tags.Application, props.region);
    const { settings } = this;
    const { namePrefix } = settings;
    const env = { account: environment.account, region: props.region };
    const inApp = prefix !== '';
    this.governanceTags = { environment: environment.name, region: props.region, tags: props.tags };

    this.platform = new PlatformStack(scope, `${prefix}Platform`, {
      settings,
      ...(inApp ? { env } : {}),
      cidr: vpcCidrOf(environment, props.region),
      pipelineAccess: props.pipelineAccess,
      description: `Platform of ${namePrefix}: VPC, Aurora PostgreSQL, ALB with WAF, keys, logs`,
    });
    ({ network: this.network, data: this.data, edge: this.edge } = this.platform);
    const { vpc, securityGroups } = this.network;

    const audit = this.auditOf(props);
    this.auditReplicas = (audit?.destinations ?? []).map((destination) => {
      const replica = new AuditReplicaStack(scope, `${prefix}${auditReplicaStackIdOf(destination.region)}`, {
        env: { account: environment.account, region: destination.region },
        description: `Copy of the audit bucket of ${namePrefix}, in ${destination.region}: bucket and key`,
        environment,
        audit: auditOf(props),
        sourceNamePrefix: namePrefix,
        sourceRegion: props.region,
        bucketName: destination.bucketName,
      });
      applyGovernanceTags(replica, { ...this.governanceTags, region: destination.region });
      return replica;
    });

    this.service = new ServiceStack(scope, `${prefix}Service`, {
      settings,
      ...(inApp ? { env } : {}),
      vpc,
      securityGroups,
      image: props.image,
      databaseSecret: this.data.secret,
      databaseSecretKey: this.data.secretKey,
      database: this.data.cluster,
      databaseHost: this.data.serviceHost,
      replicationLagClusterIdentifier: settings.role === 'secondary'
        ? regionalClusterIdentifierOf(props.tags.Application, environment.name, props.region) : undefined,
      replicationLagThresholdMs: replicationLagAlarmMillisecondsOf(environment),
      loadBalancer: this.edge.loadBalancer,
      targetGroup: this.edge.targetGroup,
      trafficSwitch: this.edge.trafficSwitch,
      alarmEmails: props.alarmEmails,
      issuer: this.platform.issuer ? { local: this.platform.issuer } : { remote: remoteIssuerOf(props.tags.Application, environment) },
      audit,
      featureFlags: props.featureFlags,
      description: `Service of ${namePrefix}: ECS Fargate, autoscaling, alarms, dashboard${audit ? ', audit bucket and records' : ''}`,
    });
    for (const replica of this.auditReplicas) {
      this.service.addDependency(replica, 'S3 refuses a replication rule whose destination bucket does not exist yet');
    }
    this.alarms = this.service.alarms;

    // Inside a ServiceStage the stage tags everything in it (the assertion stack too); directly
    // in an App (integ) the stacks are tagged here, and addWorkloadAssertions tags its stack.
    if (inApp) for (const stack of this.stacks) applyGovernanceTags(stack, this.governanceTags);
  }

  /** The two stacks, in deployment order. */
  public get stacks(): Stack[] {
    return [this.platform, this.service];
  }

  /**
   * The audit tier of a production stage: every other region of the environment with the
   * derived names of the copy there, and whether this stage holds the project's trail.
   * Non-production stages have none.
   */
  private auditOf(props: ServiceStacksProps): ServiceAuditProps | undefined {
    const { environment, region } = props;
    if (!environment.production) return undefined;
    const config = auditOf(props);
    const { stageId, namePrefix } = this.settings;
    return {
      config,
      destinations: auditReplicaRegionsOf(environment, region).map((destination) => ({
        region: destination,
        bucketName: auditReplicaBucketNameOf(stageId, environment.account, destination),
        keyAlias: auditReplicaKeyAliasOf(namePrefix),
      })),
      trail: projectTrailRegionOf(config, environment) === region,
    };
  }
}

/**
 * One environment in one region, id `<env>-<region>` (e.g. `prod-us-east-2`), so every
 * deployed stack name says where it runs. Holds the ServiceStacks (and, in the pipeline,
 * the post-deploy assertion stack); everything in it is tagged.
 */
export class ServiceStage extends Stage {
  /** `<env>-<region>` (the one rule: stageIdOf in src/config/waves.ts). */
  public static idFor(environment: EnvironmentConfig, region: string): string {
    return stageIdOf(environment, region);
  }

  /** The two stacks. */
  public readonly stacks: ServiceStacks;
  /** Network, data and edge tiers. */
  public readonly platform: PlatformStack;
  /** The VPC, its endpoints and the security groups (in `platform`). */
  public readonly network: NetworkTier;
  /** The database tier (in `platform`). */
  public readonly data: DataTier;
  /** Load balancer, WAF, TLS and DNS (in `platform`). */
  public readonly edge: EdgeTier;
  /** ECS cluster, service and monitoring. */
  public readonly service: ServiceStack;

  /** Output: URL of this stage's load balancer (https://<record>-<region>.<zone> or http://<alb dns>). */
  public readonly loadBalancerUrl: CfnOutput;
  /** Output: URL users call (the domain, latency- or failover-routed; the ALB URL without a domain). */
  public readonly serviceUrl: CfnOutput;
  /** Output: ECS cluster name. */
  public readonly clusterName: CfnOutput;
  /** Output: ECS service name. */
  public readonly serviceName: CfnOutput;
  /** Output: Aurora DB cluster identifier. */
  public readonly databaseClusterIdentifier: CfnOutput;
  /** Output: ARN of the alarm topic. */
  public readonly alarmTopicArn: CfnOutput;
  /** Output: comma-separated names of all alarms of the stage. */
  public readonly alarmNames: CfnOutput;
  /** The alarm topic. */
  public readonly alarmTopic: sns.ITopic;
  /** All alarms of the stage. */
  public readonly alarms: readonly cloudwatch.IAlarm[];

  constructor(scope: Construct, id: string, props: ServiceStageProps) {
    super(scope, id, { ...props, env: { account: props.environment.account, region: props.region } });
    this.stacks = new ServiceStacks(this, props);
    ({ platform: this.platform, network: this.network, data: this.data, edge: this.edge, service: this.service } = this.stacks);

    this.loadBalancerUrl = this.edge.urlOutput;
    this.serviceUrl = this.edge.serviceUrlOutput;
    this.clusterName = this.service.clusterNameOutput;
    this.serviceName = this.service.serviceNameOutput;
    this.databaseClusterIdentifier = this.data.clusterIdentifierOutput;
    this.alarmTopicArn = this.service.alarmTopicArnOutput;
    this.alarmNames = this.service.alarmNamesOutput;
    this.alarmTopic = this.service.monitoring.topic;
    this.alarms = this.stacks.alarms;
    applyGovernanceTags(this, this.stacks.governanceTags);
    // Every function of the stage (custom resources, assertions) on the project's Node.js runtime.
    pinNodeLambdaRuntimes(this);
    // Every role of the stage (custom resources and assertions too) carries the permissions boundary.
    applyPermissionsBoundary(this);
  }
}
