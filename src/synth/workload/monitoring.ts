import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../../config/schema';
import { WorkloadKey } from '../constructs/encryption';

/** Props of ServiceMonitoring. */
export interface ServiceMonitoringProps {
  /** The environment (database sizing drives the connection and memory thresholds). */
  readonly environment: EnvironmentConfig;
  /** Stage name prefix: the dashboard is named after it and the topic key alias carries it. */
  readonly namePrefix: string;
  /** The ECS service watched. */
  readonly service: ecs.FargateService;
  /** The load balancer in front of it. */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** The target group the service registers into. */
  readonly targetGroup: elbv2.IApplicationTargetGroup;
  /**
   * The alternate target group of a progressive deployment: the target metrics then cover both
   * groups (whichever serves), so no alarm watches an emptied group after a switch.
   * @default - none: rolling, one target group
   */
  readonly alternateTargetGroup?: elbv2.IApplicationTargetGroup;
  /** The Aurora cluster. */
  readonly database: rds.IDatabaseCluster;
  /** Addresses subscribed (by e-mail) to the alarm topic. @default - none */
  readonly alarmEmails?: readonly string[];
  /** Service-side 5xx responses per minute that count as a bad minute. @default 10 */
  readonly http5xxPerMinute?: number;
  /** p99 target response time that counts as a slow minute. @default Duration.seconds(2) */
  readonly p99Latency?: Duration;
  /** CPU and memory utilisation (percent) that count as a hot minute. @default 80 */
  readonly utilizationPercent?: number;
}

/** Approximate Aurora PostgreSQL max_connections per ACU (2 GiB / 9531392 bytes per connection). */
const CONNECTIONS_PER_ACU = 225;

/**
 * Alarms, alarm topic and dashboard of one stage. Every alarm sends ALARM and OK to a
 * KMS-encrypted SNS topic, and each states why it uses its `datapointsToAlarm` and
 * `treatMissingData`. `deploymentAlarms` are the ones ECS watches during a deployment.
 */
export class ServiceMonitoring extends Construct {
  /** The alarm topic (KMS-encrypted, TLS-only). */
  public readonly topic: sns.Topic;
  /** The key encrypting the topic; CloudWatch may use it to publish. */
  public readonly topicKey: WorkloadKey;
  /** Service average CPU utilisation too high. */
  public readonly serviceCpuAlarm: cloudwatch.Alarm;
  /** Service average memory utilisation too high. */
  public readonly serviceMemoryAlarm: cloudwatch.Alarm;
  /** 5xx responses (ALB-generated plus service-generated) per minute too high. */
  public readonly http5xxAlarm: cloudwatch.Alarm;
  /** p99 target response time too high. */
  public readonly latencyP99Alarm: cloudwatch.Alarm;
  /** At least one target failing its health check. */
  public readonly unhealthyHostsAlarm: cloudwatch.Alarm;
  /** No healthy target at all (the service is down). */
  public readonly noHealthyHostsAlarm: cloudwatch.Alarm;
  /** Database CPU too high. */
  public readonly databaseCpuAlarm: cloudwatch.Alarm;
  /** Database connections near max_connections. */
  public readonly databaseConnectionsAlarm: cloudwatch.Alarm;
  /** Database freeable memory too low. */
  public readonly databaseMemoryAlarm: cloudwatch.Alarm;
  /** Every alarm above. */
  public readonly alarms: readonly cloudwatch.Alarm[];
  /** The alarms that roll an ECS deployment back (5xx, unhealthy hosts). */
  public readonly deploymentAlarms: readonly cloudwatch.Alarm[];
  /** The stage dashboard (service, ALB, database). */
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ServiceMonitoringProps) {
    super(scope, id);
    const { sizing } = props.environment;
    const utilization = props.utilizationPercent ?? 80;
    const minute = Duration.minutes(1);

    this.topicKey = new WorkloadKey(this, 'TopicKey', {
      environment: props.environment, namePrefix: props.namePrefix, purpose: 'alarms',
    });
    const { account, region, partition } = Stack.of(this);
    const fromOurAlarms = {
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
    };
    // CloudWatch encrypts what it publishes with the topic key: it must be allowed to use it.
    this.topicKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
    }));
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `Alarms of ${props.namePrefix}`,
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    // enforceSSL replaces the default topic policy, so the CloudWatch grant is explicit.
    this.topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsOfThisAccount',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [this.topic.topicArn],
      conditions: fromOurAlarms,
    }));
    for (const email of props.alarmEmails ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }

    // Every alarm: one-minute periods, `breaching` of the last `periods` minutes, and a
    // description that says so (derived here, so the text cannot drift from the settings).
    type AlarmOptions = Omit<cloudwatch.CreateAlarmOptions, 'alarmDescription' | 'evaluationPeriods' | 'datapointsToAlarm'>
      & { readonly description: string; readonly breaching: number; readonly periods: number };
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, options: AlarmOptions) => {
      const { description, breaching, periods, ...rest } = options;
      const created = new cloudwatch.Alarm(this, alarmId, {
        ...rest,
        metric,
        evaluationPeriods: periods,
        datapointsToAlarm: breaching,
        alarmDescription: `${props.namePrefix}: ${description} for ${breaching} of ${periods} minutes`,
      });
      created.addAlarmAction(new cwActions.SnsAction(this.topic));
      created.addOkAction(new cwActions.SnsAction(this.topic));
      return created;
    };

    // --- service ---------------------------------------------------------------------------
    // 3 of 5 one-minute points: a deployment or a burst spikes CPU for a minute or two
    // without being a problem. Missing = no task reports (service stopped); the host-count
    // alarms own that case, so NOT_BREACHING here avoids a duplicate page.
    this.serviceCpuAlarm = alarm('ServiceCpu', props.service.metricCpuUtilization({ period: minute }), {
      description: `service CPU above ${utilization}%`,
      threshold: utilization,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      breaching: 3,
      periods: 5,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.serviceMemoryAlarm = alarm('ServiceMemory', props.service.metricMemoryUtilization({ period: minute }), {
      description: `service memory above ${utilization}%`,
      threshold: utilization,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      breaching: 3,
      periods: 5,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // --- load balancer ---------------------------------------------------------------------
    const served = servedTargetMetrics(props.loadBalancer, props.targetGroup, props.alternateTargetGroup);
    const http5xx = new cloudwatch.MathExpression({
      label: '5xx per minute (ALB + service)',
      expression: 'FILL(elb5xx, 0) + FILL(target5xx, 0)',
      usingMetrics: {
        elb5xx: props.loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: minute, statistic: 'Sum' }),
        target5xx: served.target5xx,
      },
      period: minute,
    });
    // 2 of 3 minutes: fast enough for ECS to roll a bad release back within its bake, slow
    // enough that one unlucky minute does not. The ALB publishes 5xx counts only when there
    // are some, so missing data means "no errors": NOT_BREACHING. With a progressive strategy
    // the target 5xx are the load balancer's (every target group), so a switch changes nothing.
    this.http5xxAlarm = alarm('Http5xx', http5xx, {
      description: `${props.http5xxPerMinute ?? 10}+ HTTP 5xx per minute`,
      threshold: props.http5xxPerMinute ?? 10,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      breaching: 2,
      periods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const p99 = props.p99Latency ?? Duration.seconds(2);
    // 3 of 5: tail latency is noisy at low traffic. No requests = no latency datapoint, which
    // is not slowness: NOT_BREACHING.
    this.latencyP99Alarm = alarm('LatencyP99', served.responseTime('p99'), {
      description: `p99 target response time above ${p99.toSeconds()}s`,
      threshold: p99.toSeconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      breaching: 3,
      periods: 5,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // 2 of 3 one-minute maxima: a task failing its checks for two minutes is not a blip. The
    // count is published while the target group is in use; a gap is not evidence of an
    // unhealthy task (noHealthyHosts covers the empty case), so NOT_BREACHING. Also a
    // deployment alarm: new tasks that fail health checks roll the release back.
    this.unhealthyHostsAlarm = alarm('UnhealthyHosts', served.unhealthyHosts, {
      description: 'at least one unhealthy target',
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      breaching: 2,
      periods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // Nothing healthy serves traffic. Missing data here means no target group reports
    // anything at all (with two groups the emptied one counts as 0 through FILL, so a switch is
    // not "missing"), which for a service that should always run is an outage: BREACHING.
    this.noHealthyHostsAlarm = alarm('NoHealthyHosts', served.healthyHosts, {
      description: 'no healthy target',
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      breaching: 3,
      periods: 3,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    // --- database ----------------------------------------------------------------------------
    // Aurora publishes every minute while the cluster runs.
    // CPU: 3 of 5 like the service. A gap keeps the last state (MISSING): the freeable-memory
    // alarm is the one that treats a silent database as broken, so one page, not three.
    this.databaseCpuAlarm = alarm('DatabaseCpu', props.database.metricCPUUtilization({ period: minute }), {
      description: `database CPU above ${utilization}%`,
      threshold: utilization,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      breaching: 3,
      periods: 5,
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });
    const maxConnections = Math.min(5000, Math.floor(sizing.dbMaxCapacity * CONNECTIONS_PER_ACU));
    const connectionThreshold = Math.floor(maxConnections * 0.8);
    // 80% of max_connections at the maximum ACU. Connections do not vanish when there is no
    // data, but nor do they grow: NOT_BREACHING.
    this.databaseConnectionsAlarm = alarm('DatabaseConnections', props.database.metricDatabaseConnections({ period: minute, statistic: 'Maximum' }), {
      description: `database connections above ${connectionThreshold} (80% of ~${maxConnections})`,
      threshold: connectionThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      breaching: 3,
      periods: 5,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // Under 10% of the memory at maximum capacity (1 ACU = 2 GiB): Serverless v2 is at its
    // ceiling and still short. Missing = the database is not reporting at all: BREACHING.
    const memoryThreshold = Math.floor(sizing.dbMaxCapacity * 2 * 1024 ** 3 * 0.1);
    this.databaseMemoryAlarm = alarm('DatabaseFreeableMemory', props.database.metricFreeableMemory({ period: minute, statistic: 'Minimum' }), {
      description: `database freeable memory below ${Math.round(memoryThreshold / 1024 ** 2)} MiB`,
      threshold: memoryThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      breaching: 3,
      periods: 5,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    this.alarms = [
      this.serviceCpuAlarm, this.serviceMemoryAlarm, this.http5xxAlarm, this.latencyP99Alarm,
      this.unhealthyHostsAlarm, this.noHealthyHostsAlarm,
      this.databaseCpuAlarm, this.databaseConnectionsAlarm, this.databaseMemoryAlarm,
    ];
    this.deploymentAlarms = [this.http5xxAlarm, this.unhealthyHostsAlarm];

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.namePrefix,
      defaultInterval: Duration.hours(3),
    });
    const graph = (title: string, left: cloudwatch.IMetric[], right: cloudwatch.IMetric[] = []) =>
      new cloudwatch.GraphWidget({ title, left, right, width: 8, height: 6 });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarms], width: 24, height: 3 }),
    );
    this.dashboard.addWidgets(
      graph('Service CPU / memory (%)', [props.service.metricCpuUtilization(), props.service.metricMemoryUtilization()]),
      graph('Requests and 5xx', [props.loadBalancer.metrics.requestCount({ statistic: 'Sum' })], [http5xx]),
      graph('Target response time', served.dashboardResponseTimes),
    );
    this.dashboard.addWidgets(
      graph('Targets', served.dashboardTargets),
      graph('Database CPU (%) / connections', [props.database.metricCPUUtilization()], [props.database.metricDatabaseConnections()]),
      graph('Database capacity (ACU) / freeable memory', [
        props.database.metric('ServerlessDatabaseCapacity', { statistic: 'Maximum' }),
      ], [props.database.metricFreeableMemory()]),
    );
  }
}

/** The target-side metrics of the service, over whichever target group serves. */
interface ServedTargetMetrics {
  /** 5xx answered by the tasks, per minute (Sum). */
  readonly target5xx: cloudwatch.IMetric;
  /** Target response time at a percentile, per minute. */
  readonly responseTime: (statistic: 'p50' | 'p99') => cloudwatch.IMetric;
  /** Unhealthy targets (one-minute maximum), every target group together. */
  readonly unhealthyHosts: cloudwatch.IMetric;
  /** Healthy targets (one-minute minimum), every target group together. */
  readonly healthyHosts: cloudwatch.IMetric;
  /** Dashboard graph: p50 and p99 response time. */
  readonly dashboardResponseTimes: cloudwatch.IMetric[];
  /** Dashboard graph: healthy and unhealthy targets. */
  readonly dashboardTargets: cloudwatch.IMetric[];
}

/**
 * With one target group (rolling): its own metrics, as before. With two (progressive): the
 * response metrics at load-balancer level (the ALB serves only this service, so they follow the
 * traffic wherever ECS sends it, test listener included: a new revision that errors on the test
 * port trips the deployment alarm before production moves), and the host counts as the sum over
 * both groups (FILL(..., 0): the emptied group publishes nothing, which must count as zero, not
 * turn the sum into no data).
 */
function servedTargetMetrics(
  loadBalancer: elbv2.IApplicationLoadBalancer,
  primary: elbv2.IApplicationTargetGroup,
  alternate: elbv2.IApplicationTargetGroup | undefined,
): ServedTargetMetrics {
  const period = Duration.minutes(1);
  if (!alternate) {
    const tg = primary.metrics;
    return {
      target5xx: tg.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period, statistic: 'Sum' }),
      responseTime: (statistic) => tg.targetResponseTime({ period, statistic }),
      unhealthyHosts: tg.unhealthyHostCount({ period, statistic: 'Maximum' }),
      healthyHosts: tg.healthyHostCount({ period, statistic: 'Minimum' }),
      dashboardResponseTimes: [tg.targetResponseTime({ statistic: 'p50' }), tg.targetResponseTime({ statistic: 'p99' })],
      dashboardTargets: [tg.healthyHostCount(), tg.unhealthyHostCount()],
    };
  }
  // Metric ids must be unique per graph: prefixed by what they count.
  const both = (id: string, label: string, of: (tg: elbv2.IApplicationTargetGroupMetrics) => cloudwatch.IMetric) => new cloudwatch.MathExpression({
    label,
    expression: `FILL(${id}Primary, 0) + FILL(${id}Alternate, 0)`,
    usingMetrics: { [`${id}Primary`]: of(primary.metrics), [`${id}Alternate`]: of(alternate.metrics) },
    period,
  });
  const responseTime = (statistic: 'p50' | 'p99') => loadBalancer.metrics.targetResponseTime({ period, statistic });
  const unhealthyHosts = both('unhealthy', 'Unhealthy targets (both target groups)', (m) => m.unhealthyHostCount({ period, statistic: 'Maximum' }));
  const healthyHosts = both('healthy', 'Healthy targets (both target groups)', (m) => m.healthyHostCount({ period, statistic: 'Minimum' }));
  return {
    target5xx: loadBalancer.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period, statistic: 'Sum' }),
    responseTime,
    unhealthyHosts,
    healthyHosts,
    dashboardResponseTimes: [responseTime('p50'), responseTime('p99')],
    dashboardTargets: [healthyHosts, unhealthyHosts],
  };
}
