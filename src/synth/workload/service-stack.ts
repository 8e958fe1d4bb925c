import { CfnOutput, Duration, Fn, Stack, StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ServiceMonitoring } from './monitoring';
import { SERVICE_PORT, WorkloadSecurityGroups } from './network-tier';
import { ReplicationLagAlarms } from './replication-alarms';
import { ServiceImage } from './service-image';
import { scaleService } from './service-scaling';
import { addServiceTask } from './service-task';
import { StageSettings } from './stage-settings';
import { AuditConfig } from '../../config/audit';
import { FeatureFlagsDocument } from '../../config/feature-flags';
import { checksTokenFunctionNameOf } from '../../config/issuer';
import { READ_SCOPE, WRITE_SCOPE } from '../../shared/client-credentials';
import { AuditReplicationDestination } from '../audit/audit-replication';
import { AuditTier } from '../audit/audit-tier';
import { EncryptedLogGroup, WorkloadKey } from '../constructs/encryption';
import { waitForRolePolicies } from '../constructs/role-policy-order';
import { FeatureFlags } from '../feature-flags/feature-flags';
import { ChecksTokenFunction } from '../issuer/checks-token-function';
import { IssuerAccess, issuerAccess, IssuerReference } from '../issuer/issuer-reference';
import { ecsDeploymentOf } from '../progressive-deployment/ecs-deployment';
import { PreTrafficHook } from '../progressive-deployment/pre-traffic-hook';
import { registerProgressively } from '../progressive-deployment/progressive-registration';
import { TrafficSwitch } from '../progressive-deployment/traffic-switch';

/** Props of the ServiceStack. */
export interface ServiceStackProps extends StackProps {
  /**
   * The settings of the stage: its deployment strategy, the region (env SERVICE_REGION) and the
   * region whose database takes writes (env DB_WRITER_REGION), the name prefix.
   */
  readonly settings: StageSettings;
  /** The stage VPC (tasks run in its private-with-egress subnets). */
  readonly vpc: ec2.IVpc;
  /** The stage security groups (the service group is used). */
  readonly securityGroups: WorkloadSecurityGroups;
  /** The image to run: the gated repository in the pipeline account, by immutable tag. */
  readonly image: ServiceImage;
  /** The database credentials secret (fields host, port, dbname, username, password). */
  readonly databaseSecret: secretsmanager.ISecret;
  /** The customer-managed key the secret is encrypted with (the execution role may decrypt via Secrets Manager). */
  readonly databaseSecretKey: kms.IKey;
  /** The Aurora cluster (watched by the alarms and dashboard). */
  readonly database: rds.IDatabaseCluster;
  /**
   * Database host as a plain environment variable instead of the secret's `host` field: the
   * local reader endpoint in a secondary region, whose replicated secret names the primary's writer.
   * @default - DB_HOST from the secret
   */
  readonly databaseHost?: string;
  /**
   * Identifier of this region's secondary cluster of a global database: replication-lag alarms
   * page through the stage's alarm topic.
   * @default - no replication alarms (primary or independent region)
   */
  readonly replicationLagClusterIdentifier?: string;
  /**
   * Lag (milliseconds) above which the replication-lag alarm pages (config
   * `replicationLagAlarmSeconds`).
   * @default REPLICATION_LAG_THRESHOLD_MS (30 s)
   */
  readonly replicationLagThresholdMs?: number;
  /** The load balancer in front of the service. */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** The target group (in the PlatformStack's edge tier) the service registers into. */
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /**
   * The alternate target group and listener rules of a progressive deployment strategy
   * (EdgeTier.trafficSwitch, built from the same settings); present exactly when
   * `settings.deployment` is progressive.
   * @default - none: rolling deployment into `targetGroup`
   */
  readonly trafficSwitch?: TrafficSwitch;
  /** E-mail addresses subscribed to the alarm topic. @default - none */
  readonly alarmEmails?: readonly string[];
  /**
   * The environment's token issuer: the Platform stack's TokenIssuer in the issuer region, else
   * the issuer region's, by derived names (src/synth/issuer/issuer-reference.ts).
   */
  readonly issuer: IssuerReference;
  /**
   * The audit tier of a production stage: the audit bucket, its replication into `destinations`
   * (whose AuditReplicaStacks this stack depends on), the trail where `trail` is true, the
   * delivery of the service's transaction audit records.
   * @default - none (non-production stages)
   */
  readonly audit?: ServiceAuditProps;
  /** The repository's feature-flag document (config/feature-flags.json), deployed into this stage's AppConfig environment. */
  readonly featureFlags: FeatureFlagsDocument;
  /** Target average CPU utilisation (percent) for scaling. @default 60 */
  readonly cpuTargetPercent?: number;
  /** Target ALB requests per task per minute for scaling. @default 1000 */
  readonly requestsPerTarget?: number;
}

/** What the audit tier of a production stage needs (ServiceStacks derives it from the config). */
export interface ServiceAuditProps {
  /** The audit settings (retention, Object Lock mode). */
  readonly config: AuditConfig;
  /** Every other region of the environment, with the derived names of the copy there. */
  readonly destinations: readonly AuditReplicationDestination[];
  /** Whether this stage holds the account's trail (`audit.trail: "project"`, primary region). */
  readonly trail: boolean;
}

/**
 * The service of one stage: an ECS cluster (Container Insights enhanced) and a Fargate service
 * in private subnets without public IPs, registered in the edge tier's target group, plus its
 * monitoring (alarms, topic, dashboard: in this stack because the deployment alarms must exist
 * before ECS can watch them and must still page through the topic).
 *
 * Built in the stack's own scope from: the task (addServiceTask, service-task.ts), how ECS
 * deploys and registers it (ecsDeploymentOf and registerProgressively in
 * src/synth/progressive-deployment/), scaling (scaleService, service-scaling.ts) and monitoring.
 *
 * Deployment strategy, per environment (`deployment` in the config, src/config/deployment.ts):
 * - `rolling` (default outside production): tasks are replaced in place, minHealthyPercent 100
 *   so capacity never drops; old and new versions serve side by side until the old stop.
 * - `blueGreen`, `canary` (production default: 10% for 10 minutes, then the rest) and `linear`:
 *   ECS's native progressive deployment, no CodeDeploy. The new tasks start in the alternate
 *   target group (TrafficSwitch, edge tier), ECS points the TEST listener rule at them and calls
 *   the pre-traffic hook (PreTrafficHook: health, ready, version = commit, database role, a
 *   transaction round trip, through the test listener); only when it answers SUCCEEDED does ECS
 *   move the PRODUCTION listener rule's weights, all at once or in steps, then keeps the old
 *   tasks for `bakeMinutes` so a rollback is a weight switch, not a new deployment.
 * The deployment alarms (5xx, unhealthy targets, over whichever target group serves) roll back
 * to the previous tasks automatically for every strategy; with a progressive strategy a FAILED
 * hook does too, and the previous tasks kept serving production throughout. The circuit breaker
 * (tasks that fail to start or stay unhealthy) is set for every strategy, but ECS documents it
 * for rolling and blue/green only, not canary or linear
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-failure-detection.html),
 * so nothing relies on it there (README "Releases: rolling, blue/green, canary, linear").
 */
export class ServiceStack extends Stack {
  /** Whether this is a production stage (deletion protection, retention). */
  public readonly production: boolean;
  /** The ECS cluster. */
  public readonly cluster: ecs.Cluster;
  /** The Fargate service. */
  public readonly service: ecs.FargateService;
  /** The task definition. */
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  /** Role ECS uses to pull the image, write logs and read the database secret. */
  public readonly executionRole: iam.Role;
  /** Role of the application (re-reads the database secret) and of its AppConfig agent (reads this stage's flags). */
  public readonly taskRole: iam.Role;
  /** The stage's feature flags in AppConfig (application, environment, profile). */
  public readonly featureFlags: FeatureFlags;
  /** Key of the container log group. */
  public readonly logsKey: WorkloadKey;
  /** The container log group. */
  public readonly logGroup: EncryptedLogGroup;
  /** Alarms, topic and dashboard. */
  public readonly monitoring: ServiceMonitoring;
  /** Replication-lag alarms (a secondary region of a global database only). */
  public readonly replicationAlarms?: ReplicationLagAlarms;
  /**
   * The audit tier (production stages): audit bucket, replication, trail, transaction records.
   * @default - none outside production
   */
  public readonly audit?: AuditTier;
  /** Every alarm of the stage: the monitoring's, the replication-lag and the audit tier's alarms. */
  public readonly alarms: readonly cloudwatch.IAlarm[];
  /** Outputs for pipeline steps and runbooks. */
  public readonly clusterNameOutput: CfnOutput;
  /** Output: the ECS service name. */
  public readonly serviceNameOutput: CfnOutput;
  /** Output: the alarm topic ARN. */
  public readonly alarmTopicArnOutput: CfnOutput;
  /** Output: comma-separated names of every alarm of the stage. */
  public readonly alarmNamesOutput: CfnOutput;
  /**
   * The pre-traffic hook of a progressive deployment.
   * @default - none with a rolling deployment
   */
  public readonly preTrafficHook?: PreTrafficHook;
  /**
   * The role ECS uses to move the listener rules' weights and (de)register tasks in both target
   * groups during a progressive deployment.
   * @default - none with a rolling deployment
   */
  public readonly loadBalancerRole?: iam.Role;
  /** The issuer as this stage uses it: AUTH_ISSUER, the checks' credentials, the lookup in another region. */
  public readonly auth: IssuerAccess;
  /** The function the post-deploy assertions get their access token from. */
  public readonly checksToken: ChecksTokenFunction;
  /** The scopes the checks of this stage ask for: read only in a read-only (secondary) region. */
  public readonly checksScopes: readonly string[];

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    const { settings } = props;
    const { environment } = settings;
    const { sizing } = environment;
    super(scope, id, { ...props, terminationProtection: environment.production });
    this.production = settings.production;

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENHANCED,
    });
    this.auth = issuerAccess(this, props.issuer, props.image.tag);
    this.checksScopes = settings.role === 'secondary' ? [READ_SCOPE] : [READ_SCOPE, WRITE_SCOPE];
    this.featureFlags = new FeatureFlags(this, 'FeatureFlags', {
      namePrefix: settings.namePrefix, document: props.featureFlags,
    });
    const task = addServiceTask(this, { ...props, issuerUrl: this.auth.issuerUrl, featureFlags: this.featureFlags });
    ({
      executionRole: this.executionRole, taskRole: this.taskRole, taskDefinition: this.taskDefinition,
      logsKey: this.logsKey, logGroup: this.logGroup,
    } = task);

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: sizing.desiredCount,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [props.securityGroups.service],
      assignPublicIp: false,
      platformVersion: ecs.FargatePlatformVersion.LATEST,
      ...ecsDeploymentOf(settings.deployment),
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: Duration.seconds(60),
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      enableECSManagedTags: true,
      enableExecuteCommand: false,
    });
    const traffic = props.trafficSwitch;
    if (traffic) {
      ({ loadBalancerRole: this.loadBalancerRole, preTrafficHook: this.preTrafficHook } = registerProgressively(this, {
        service: this.service,
        container: task.container,
        containerPort: SERVICE_PORT,
        targetGroup: props.targetGroup,
        traffic,
        hook: {
          environment,
          namePrefix: settings.namePrefix,
          vpc: props.vpc,
          commit: props.image.tag,
          stageId: settings.stageId,
          role: settings.role,
          cluster: this.cluster,
          credentials: this.auth.checks,
          scopes: this.checksScopes,
        },
      }));
    } else {
      this.service.attachToApplicationTargetGroup(props.targetGroup);
    }
    this.checksToken = new ChecksTokenFunction(this, 'ChecksToken', {
      environment,
      stageId: settings.stageId,
      vpc: props.vpc,
      logsKey: this.logsKey,
      credentials: this.auth.checks,
      scopes: this.checksScopes,
      functionName: checksTokenFunctionNameOf(settings.application, environment.name, settings.region),
    });
    scaleService(this.service, {
      minCapacity: sizing.minCapacity,
      maxCapacity: sizing.maxCapacity,
      cpuTargetPercent: props.cpuTargetPercent ?? 60,
      requestsPerTarget: props.requestsPerTarget ?? 1000,
      cluster: this.cluster,
      loadBalancer: props.loadBalancer,
      targetGroup: props.targetGroup,
      switchesTargetGroups: traffic !== undefined,
    });

    ({ monitoring: this.monitoring, replicationAlarms: this.replicationAlarms } = this.addMonitoring(props));
    this.audit = props.audit && this.addAudit(props.settings, props.audit);
    this.alarms = [...this.monitoring.alarms, ...(this.replicationAlarms?.alarms ?? []), ...(this.audit?.alarms ?? [])];
    this.service.enableDeploymentAlarms(this.monitoring.deploymentAlarms.map((a) => a.alarmName), {
      behavior: ecs.AlarmBehavior.ROLLBACK_ON_ALARM,
    });

    this.clusterNameOutput = new CfnOutput(this, 'ClusterName', { value: this.cluster.clusterName });
    this.serviceNameOutput = new CfnOutput(this, 'ServiceName', { value: this.service.serviceName });
    this.alarmTopicArnOutput = new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    this.alarmNamesOutput = new CfnOutput(this, 'AlarmNames', {
      value: Fn.join(',', this.alarms.map((a) => a.alarmName)),
    });
    // After the last grant: the service waits for every policy of the roles it hands to ECS.
    waitForRolePolicies(this.service, [this.executionRole, this.taskDefinition.taskRole, this.loadBalancerRole, this.preTrafficHook?.invokeRole]);
  }

  /** The audit tier of a production stage, its alarms on the stage's topic and dashboard. */
  private addAudit(settings: StageSettings, audit: ServiceAuditProps): AuditTier {
    const { environment, namePrefix } = settings;
    const tier = new AuditTier(this, 'Audit', {
      environment,
      namePrefix,
      audit: audit.config,
      destinations: audit.destinations,
      trail: audit.trail,
      serviceLogGroup: this.logGroup,
      topic: this.monitoring.topic,
    });
    this.monitoring.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({
      title: 'Audit: replication to the other regions, delivery of the transaction records', alarms: [...tier.alarms], width: 24, height: 3,
    }));
    return tier;
  }

  /**
   * Alarms, topic and dashboard over the service, its load balancer (both target groups with a
   * progressive strategy) and the database, plus the replication-lag alarms of a secondary region.
   */
  private addMonitoring(props: ServiceStackProps): { monitoring: ServiceMonitoring; replicationAlarms?: ReplicationLagAlarms } {
    const { environment, namePrefix } = props.settings;
    const monitoring = new ServiceMonitoring(this, 'Monitoring', {
      environment,
      namePrefix,
      service: this.service,
      loadBalancer: props.loadBalancer,
      targetGroup: props.targetGroup,
      alternateTargetGroup: props.trafficSwitch?.alternateTargetGroup,
      database: props.database,
      alarmEmails: props.alarmEmails,
      preTrafficHook: this.preTrafficHook?.function,
    });
    if (!props.replicationLagClusterIdentifier) return { monitoring };
    const replicationAlarms = new ReplicationLagAlarms(this, 'ReplicationAlarms', {
      namePrefix,
      clusterIdentifier: props.replicationLagClusterIdentifier,
      sourceRegion: props.settings.primaryRegion,
      topic: monitoring.topic,
      thresholdMs: props.replicationLagThresholdMs,
    });
    monitoring.dashboard.addWidgets(new cloudwatch.AlarmWidget({
      title: 'Global database replication lag into this region (ms)', alarm: replicationAlarms.replicationLagAlarm, width: 24,
    }));
    return { monitoring, replicationAlarms };
  }
}
