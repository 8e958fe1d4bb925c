import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { AlarmDefinition, AlarmId, alarmTable } from './alarm-table';
import { http5xxPerMinute, ServedTargetMetrics, servedTargetMetrics } from './served-target-metrics';
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
  /**
   * The pre-traffic hook of a progressive deployment (its Errors alarm is a deployment alarm).
   * @default - none: rolling, no hook
   */
  readonly preTrafficHook?: lambda.IFunction;
}

/**
 * Alarms, alarm topic and dashboard of one stage. The alarms are a table (alarm-table.ts: each
 * states why it uses its `datapointsToAlarm` and `treatMissingData`) created in one loop; every
 * alarm sends ALARM and OK to a KMS-encrypted SNS topic. `deploymentAlarms` are the ones ECS
 * watches during a deployment (`rollsBackDeployment` in the table).
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
  /**
   * The pre-traffic hook threw or timed out.
   * @default - none with a rolling deployment
   */
  public readonly preTrafficHookErrorsAlarm?: cloudwatch.Alarm;
  /** Every alarm above. */
  public readonly alarms: readonly cloudwatch.Alarm[];
  /** The alarms that roll an ECS deployment back (5xx, unhealthy hosts, pre-traffic hook errors). */
  public readonly deploymentAlarms: readonly cloudwatch.Alarm[];
  /** The stage dashboard (service, ALB, database). */
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ServiceMonitoringProps) {
    super(scope, id);
    ({ topicKey: this.topicKey, topic: this.topic } = this.addTopic(props));

    const served = servedTargetMetrics(props.loadBalancer, props.targetGroup, props.alternateTargetGroup);
    const http5xx = http5xxPerMinute(props.loadBalancer, served);
    const table = alarmTable({
      service: props.service,
      served,
      http5xx,
      database: props.database,
      dbMaxCapacity: props.environment.sizing.dbMaxCapacity,
      utilizationPercent: props.utilizationPercent ?? 80,
      http5xxPerMinute: props.http5xxPerMinute ?? 10,
      p99Latency: props.p99Latency ?? Duration.seconds(2),
      preTrafficHook: props.preTrafficHook,
    });
    const ids = Object.keys(table) as AlarmId[];
    const alarms = {} as Record<AlarmId, cloudwatch.Alarm>;
    for (const alarmId of ids) alarms[alarmId] = this.addAlarm(alarmId, table[alarmId]!, props.namePrefix);
    this.serviceCpuAlarm = alarms.ServiceCpu;
    this.serviceMemoryAlarm = alarms.ServiceMemory;
    this.http5xxAlarm = alarms.Http5xx;
    this.latencyP99Alarm = alarms.LatencyP99;
    this.unhealthyHostsAlarm = alarms.UnhealthyHosts;
    this.noHealthyHostsAlarm = alarms.NoHealthyHosts;
    this.databaseCpuAlarm = alarms.DatabaseCpu;
    this.databaseConnectionsAlarm = alarms.DatabaseConnections;
    this.databaseMemoryAlarm = alarms.DatabaseFreeableMemory;
    this.preTrafficHookErrorsAlarm = alarms.PreTrafficHookErrors;
    this.alarms = ids.map((alarmId) => alarms[alarmId]);
    this.deploymentAlarms = ids.filter((alarmId) => table[alarmId]!.rollsBackDeployment).map((alarmId) => alarms[alarmId]);

    this.dashboard = this.addDashboard(props, served, http5xx);
  }

  /** The KMS-encrypted, TLS-only alarm topic, which CloudWatch alarms of this account may publish to. */
  private addTopic(props: ServiceMonitoringProps): { topicKey: WorkloadKey; topic: sns.Topic } {
    const topicKey = new WorkloadKey(this, 'TopicKey', {
      environment: props.environment, namePrefix: props.namePrefix, purpose: 'alarms',
    });
    const { account, region, partition } = Stack.of(this);
    const fromOurAlarms = {
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
    };
    // CloudWatch encrypts what it publishes with the topic key: it must be allowed to use it.
    topicKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
    }));
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `Alarms of ${props.namePrefix}`,
      masterKey: topicKey,
      enforceSSL: true,
    });
    // enforceSSL replaces the default topic policy, so the CloudWatch grant is explicit.
    topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsOfThisAccount',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: fromOurAlarms,
    }));
    for (const email of props.alarmEmails ?? []) {
      topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    return { topicKey, topic };
  }

  /** One alarm of the table, sending ALARM and OK to the topic. */
  private addAlarm(alarmId: AlarmId, definition: AlarmDefinition, namePrefix: string): cloudwatch.Alarm {
    const { description, breaching, periods, rollsBackDeployment: _, ...rest } = definition;
    const alarm = new cloudwatch.Alarm(this, alarmId, {
      ...rest,
      evaluationPeriods: periods,
      datapointsToAlarm: breaching,
      alarmDescription: `${namePrefix}: ${description} for ${breaching} of ${periods} minutes`,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(this.topic));
    alarm.addOkAction(new cwActions.SnsAction(this.topic));
    return alarm;
  }

  /** The stage dashboard: alarm states, then service, load balancer and database graphs. */
  private addDashboard(props: ServiceMonitoringProps, served: ServedTargetMetrics, http5xx: cloudwatch.IMetric): cloudwatch.Dashboard {
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.namePrefix,
      defaultInterval: Duration.hours(3),
    });
    const graph = (title: string, left: cloudwatch.IMetric[], right: cloudwatch.IMetric[] = []) =>
      new cloudwatch.GraphWidget({ title, left, right, width: 8, height: 6 });
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarms], width: 24, height: 3 }),
    );
    dashboard.addWidgets(
      graph('Service CPU / memory (%)', [props.service.metricCpuUtilization(), props.service.metricMemoryUtilization()]),
      graph('Requests and 5xx', [props.loadBalancer.metrics.requestCount({ statistic: 'Sum' })], [http5xx]),
      graph('Target response time', served.dashboardResponseTimes),
    );
    dashboard.addWidgets(
      graph('Targets', served.dashboardTargets),
      graph('Database CPU (%) / connections', [props.database.metricCPUUtilization()], [props.database.metricDatabaseConnections()]),
      graph('Database capacity (ACU) / freeable memory', [
        props.database.metric('ServerlessDatabaseCapacity', { statistic: 'Maximum' }),
      ], [props.database.metricFreeableMemory()]),
    );
    return dashboard;
  }
}
