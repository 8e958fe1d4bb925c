import { CfnOutput, Duration, Fn, Size, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { WorkloadStackProps } from './common';
import { ServiceMonitoring } from './monitoring';
import { SERVICE_PORT, WorkloadSecurityGroups } from './network-tier';
import { ReplicationLagAlarms } from './replication-alarms';
import { scaleOnRequestsPerTask } from './request-scaling';
import { ServiceImage } from './service-image';
import { deploymentOf, DeploymentStrategyName } from '../../config/deployment';
import { primaryRegionOf, regionRoleOf } from '../../config/resilience';
import { stageIdOf } from '../../config/waves';
import { EncryptedLogGroup, WorkloadKey } from '../constructs/encryption';
import { waitForRolePolicies } from '../constructs/role-policy-order';
import { PreTrafficHook } from '../progressive-deployment/pre-traffic-hook';
import { TrafficSwitch } from '../progressive-deployment/traffic-switch';
import { TrafficSwitchRole } from '../progressive-deployment/traffic-switch-role';

/** Props of the ServiceStack. */
export interface ServiceStackProps extends WorkloadStackProps {
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
  /** The region the service runs in (env SERVICE_REGION). */
  readonly serviceRegion: string;
  /** The region whose database takes writes (env DB_WRITER_REGION). */
  readonly writerRegion: string;
  /**
   * Identifier of this region's secondary cluster of a global database: replication-lag alarms
   * page through the stage's alarm topic.
   * @default - no replication alarms (primary or independent region)
   */
  readonly replicationLagClusterIdentifier?: string;
  /** The load balancer in front of the service. */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** The target group (in the PlatformStack's edge tier) the service registers into. */
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /**
   * The alternate target group and listener rules of a progressive deployment strategy
   * (EdgeTier.trafficSwitch); required when `deployment.strategy` is not rolling.
   * @default - none: rolling deployment into `targetGroup`
   */
  readonly trafficSwitch?: TrafficSwitch;
  /** E-mail addresses subscribed to the alarm topic. @default - none */
  readonly alarmEmails?: readonly string[];
  /** Target average CPU utilisation (percent) for scaling. @default 60 */
  readonly cpuTargetPercent?: number;
  /** Target ALB requests per task per minute for scaling. @default 1000 */
  readonly requestsPerTarget?: number;
}

/** The strategy names of the config, as ECS's. */
const ECS_STRATEGY: Readonly<Record<DeploymentStrategyName, ecs.DeploymentStrategy>> = {
  rolling: ecs.DeploymentStrategy.ROLLING,
  blueGreen: ecs.DeploymentStrategy.BLUE_GREEN,
  canary: ecs.DeploymentStrategy.CANARY,
  linear: ecs.DeploymentStrategy.LINEAR,
};

/**
 * Liveness probe run inside the container with `node -e`: Node is the one tool the image is
 * sure to have (no curl, maybe no shell), so the check is exec form, not CMD-SHELL.
 */
export const CONTAINER_HEALTH_SCRIPT =
  `fetch('http://localhost:${SERVICE_PORT}/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))`;

/**
 * The service of one stage: an ECS cluster (Container Insights enhanced) and a Fargate service
 * in private subnets without public IPs, registered in the edge tier's target group, plus its
 * monitoring (alarms, topic, dashboard: in this stack because the deployment alarms must exist
 * before ECS can watch them and must still page through the topic).
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
 * For every strategy the circuit breaker (tasks that fail to start or stay unhealthy) and the
 * deployment alarms (5xx, unhealthy targets, over whichever target group serves) roll back to
 * the previous tasks automatically; with a progressive strategy a FAILED hook does too, and the
 * previous tasks kept serving production throughout.
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
  /** Role of the application itself: it calls no AWS API, so it has no permissions. */
  public readonly taskRole: iam.Role;
  /** Key of the container log group. */
  public readonly logsKey: WorkloadKey;
  /** The container log group. */
  public readonly logGroup: EncryptedLogGroup;
  /** Alarms, topic and dashboard. */
  public readonly monitoring: ServiceMonitoring;
  /** Replication-lag alarms (a secondary region of a global database only). */
  public readonly replicationAlarms?: ReplicationLagAlarms;
  /** Every alarm of the stage: the monitoring's and the replication alarms. */
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

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    const { environment } = props;
    const { sizing } = environment;
    super(scope, id, { ...props, terminationProtection: environment.production });
    this.production = environment.production === true;
    const deployment = deploymentOf(environment);

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENHANCED,
    });

    // Both roles trust ECS tasks of this account and region only (confused-deputy guard).
    const ecsTasks = () => new iam.ServicePrincipal('ecs-tasks.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': this.account },
        ArnLike: { 'aws:SourceArn': `arn:${this.partition}:ecs:${this.region}:${this.account}:*` },
      },
    });
    // Granted below by CDK, each scoped to one resource: pull from the gated repository (plus
    // ecr:GetAuthorizationToken, which has no resource-level form), write to the log group,
    // read the database secret (and decrypt it via Secrets Manager only).
    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: ecsTasks(),
      description: 'ECS agent: pull the gated image, write container logs, read the database secret',
    });
    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: ecsTasks(),
      description: 'The application: re-reads the database secret after a rotation (GetSecretValue on that one secret), nothing else',
    });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: sizing.cpu,
      memoryLimitMiB: sizing.memoryMiB,
      executionRole: this.executionRole,
      taskRole: this.taskRole,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });

    this.logsKey = new WorkloadKey(this, 'LogsKey', {
      environment, namePrefix: props.namePrefix, purpose: 'service-logs', allowCloudWatchLogs: true,
    });
    this.logGroup = new EncryptedLogGroup(this, 'LogGroup', { environment, encryptionKey: this.logsKey });

    const repository = ecr.Repository.fromRepositoryAttributes(this, 'GatedRepository', {
      repositoryArn: props.image.repositoryArn,
      repositoryName: props.image.repositoryName,
    });
    // Re-imported by ARN: the grants then land on the execution role's own policy instead of
    // the Platform stack's secret and key policies (which would make Platform depend on Service).
    const databaseSecret = secretsmanager.Secret.fromSecretCompleteArn(this, 'DatabaseSecret', props.databaseSecret.secretArn);
    this.executionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DecryptDatabaseSecretViaSecretsManager',
      actions: ['kms:Decrypt'],
      resources: [props.databaseSecretKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${this.region}.amazonaws.com` } },
    }));
    // Rotation without outage: the password arrives as an ECS secret at task start; after
    // Secrets Manager rotates it, a new connection fails authentication and the service
    // re-reads the secret (DB_SECRET_ARN) once and retries (app/src/db/credentials.ts). So the
    // task role may read exactly that secret, decrypting through Secrets Manager only.
    this.taskRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadDatabaseSecretAfterRotation',
      actions: ['secretsmanager:GetSecretValue'],
      resources: [props.databaseSecret.secretArn],
    }));
    this.taskRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DecryptDatabaseSecretViaSecretsManager',
      actions: ['kms:Decrypt'],
      resources: [props.databaseSecretKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${this.region}.amazonaws.com` } },
    }));
    const secret = (field: string) => ecs.Secret.fromSecretsManager(databaseSecret, field);
    const container = this.taskDefinition.addContainer('App', {
      image: ecs.ContainerImage.fromEcrRepository(repository, props.image.tag),
      essential: true,
      portMappings: [{ containerPort: SERVICE_PORT, name: 'http', protocol: ecs.Protocol.TCP }],
      environment: {
        PORT: String(SERVICE_PORT),
        DB_SSL: 'true',
        DB_SECRET_ARN: props.databaseSecret.secretArn,
        SERVICE_REGION: props.serviceRegion,
        DB_WRITER_REGION: props.writerRegion,
        ...(props.databaseHost ? { DB_HOST: props.databaseHost } : {}),
      },
      secrets: {
        // In a secondary region the replicated secret's host is the primary's writer: the
        // service reads through the local reader endpoint instead (databaseHost).
        ...(props.databaseHost ? {} : { DB_HOST: secret('host') }),
        DB_PORT: secret('port'),
        DB_NAME: secret('dbname'),
        DB_USER: secret('username'),
        DB_PASSWORD: secret('password'),
      },
      readonlyRootFilesystem: true,
      // The image's own non-root user (app/Dockerfile: USER node), stated in the task so the
      // container never runs as root even if a future image forgets its USER line.
      user: 'node',
      // A hard limit equal to the task's memory: a leak kills the container, not its neighbours.
      memoryLimitMiB: sizing.memoryMiB,
      healthCheck: {
        command: ['CMD', 'node', '-e', CONTAINER_HEALTH_SCRIPT],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      stopTimeout: Duration.seconds(30),
      logging: ecs.LogDrivers.awsLogs({
        logGroup: this.logGroup,
        streamPrefix: 'app',
        // A full log buffer must not block the event loop (and with it /health).
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(25),
      }),
    });
    // The root filesystem is read-only; /tmp is a task-local scratch volume for Node and libraries.
    this.taskDefinition.addVolume({ name: 'tmp' });
    container.addMountPoints({ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: sizing.desiredCount,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [props.securityGroups.service],
      assignPublicIp: false,
      platformVersion: ecs.FargatePlatformVersion.LATEST,
      deploymentStrategy: ECS_STRATEGY[deployment.strategy],
      ...(deployment.canary ? {
        canaryConfiguration: { stepPercent: deployment.canary.percent, stepBakeTime: Duration.minutes(deployment.canary.bakeMinutes) },
      } : {}),
      ...(deployment.linear ? {
        linearConfiguration: { stepPercent: deployment.linear.stepPercent, stepBakeTime: Duration.minutes(deployment.linear.stepBakeMinutes) },
      } : {}),
      ...(deployment.progressive ? { bakeTime: Duration.minutes(deployment.bakeMinutes) } : {}),
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: Duration.seconds(60),
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      enableECSManagedTags: true,
      enableExecuteCommand: false,
    });
    const traffic = props.trafficSwitch;
    if (deployment.progressive !== (traffic !== undefined)) {
      throw new Error(`Environment "${environment.name}": deployment strategy ${deployment.strategy} ${deployment.progressive ? 'needs' : 'must not have'} the edge tier's TrafficSwitch`);
    }
    if (traffic) {
      this.loadBalancerRole = new TrafficSwitchRole(this, 'LoadBalancerRole');
      this.service.loadBalancerTarget({
        containerName: container.containerName,
        containerPort: SERVICE_PORT,
        alternateTarget: new ecs.AlternateTarget('AlternateTarget', {
          alternateTargetGroup: traffic.alternateTargetGroup,
          productionListener: ecs.ListenerRuleConfiguration.applicationListenerRule(traffic.productionRule),
          testListener: ecs.ListenerRuleConfiguration.applicationListenerRule(traffic.testRule),
          role: this.loadBalancerRole,
        }),
      }).attachToApplicationTargetGroup(props.targetGroup);
      this.preTrafficHook = new PreTrafficHook(this, 'PreTrafficHook', {
        environment,
        namePrefix: props.namePrefix,
        vpc: props.vpc,
        testUrl: traffic.testUrl,
        testPort: traffic.testPort,
        commit: props.image.tag,
        stageId: stageIdOf(environment, this.region),
        role: regionRoleOf(environment, this.region),
      });
      this.service.addLifecycleHook(this.preTrafficHook.target);
    } else {
      this.service.attachToApplicationTargetGroup(props.targetGroup);
    }

    const scaling = this.service.autoScaleTaskCount({ minCapacity: sizing.minCapacity, maxCapacity: sizing.maxCapacity });
    // Scale out fast (1 min), in slowly (5 min) so a short lull does not drop capacity a new
    // burst needs right away.
    const cooldowns = { scaleOutCooldown: Duration.minutes(1), scaleInCooldown: Duration.minutes(5) };
    scaling.scaleOnCpuUtilization('CpuScaling', { targetUtilizationPercent: props.cpuTargetPercent ?? 60, ...cooldowns });
    if (traffic) {
      scaleOnRequestsPerTask(scaling, 'RequestScaling', {
        loadBalancer: props.loadBalancer,
        cluster: this.cluster,
        service: this.service,
        requestsPerTask: props.requestsPerTarget ?? 1000,
        ...cooldowns,
      });
    } else {
      scaling.scaleOnRequestCount('RequestScaling', {
        requestsPerTarget: props.requestsPerTarget ?? 1000,
        targetGroup: props.targetGroup,
        ...cooldowns,
      });
    }

    this.monitoring = new ServiceMonitoring(this, 'Monitoring', {
      environment,
      namePrefix: props.namePrefix,
      service: this.service,
      loadBalancer: props.loadBalancer,
      targetGroup: props.targetGroup,
      alternateTargetGroup: traffic?.alternateTargetGroup,
      database: props.database,
      alarmEmails: props.alarmEmails,
    });
    if (props.replicationLagClusterIdentifier) {
      this.replicationAlarms = new ReplicationLagAlarms(this, 'ReplicationAlarms', {
        namePrefix: props.namePrefix,
        clusterIdentifier: props.replicationLagClusterIdentifier,
        sourceRegion: primaryRegionOf(environment),
        topic: this.monitoring.topic,
      });
      this.monitoring.dashboard.addWidgets(new cloudwatch.AlarmWidget({
        title: 'Global database replication lag into this region (ms)', alarm: this.replicationAlarms.replicationLagAlarm, width: 24,
      }));
    }
    this.alarms = [...this.monitoring.alarms, ...(this.replicationAlarms?.alarms ?? [])];
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
}
