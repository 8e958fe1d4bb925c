import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import { ServedTargetMetrics } from './served-target-metrics';

const { GREATER_THAN_THRESHOLD, GREATER_THAN_OR_EQUAL_TO_THRESHOLD, LESS_THAN_THRESHOLD } = cloudwatch.ComparisonOperator;
const { BREACHING, MISSING, NOT_BREACHING } = cloudwatch.TreatMissingData;
const minute = Duration.minutes(1);

/** Approximate Aurora PostgreSQL max_connections per ACU (2 GiB / 9531392 bytes per connection). */
const CONNECTIONS_PER_ACU = 225;

/**
 * One alarm of a stage. Every alarm evaluates one-minute periods and fires when `breaching` of
 * the last `periods` minutes breach; its description says so (derived from these fields, so
 * the text cannot drift from the settings).
 */
export interface AlarmDefinition {
  /** What the alarm watches (one-minute period). */
  readonly metric: cloudwatch.IMetric;
  /** What breaches, e.g. `service CPU above 80%` (the stage prefix and the minutes are added). */
  readonly description: string;
  /** The threshold. */
  readonly threshold: number;
  /** How the metric compares with the threshold. */
  readonly comparisonOperator: cloudwatch.ComparisonOperator;
  /** Breaching one-minute points that fire the alarm (`datapointsToAlarm`). */
  readonly breaching: number;
  /** Minutes evaluated (`evaluationPeriods`). */
  readonly periods: number;
  /** What a minute without data counts as. */
  readonly treatMissingData: cloudwatch.TreatMissingData;
  /** Whether ECS watches the alarm during a deployment and rolls back on ALARM. @default false */
  readonly rollsBackDeployment?: boolean;
}

/** Construct ids of the alarms of a stage, in the order they are created. */
export type AlarmId =
  | 'ServiceCpu' | 'ServiceMemory'
  | 'Http5xx' | 'LatencyP99' | 'UnhealthyHosts' | 'NoHealthyHosts'
  | 'DatabaseCpu' | 'DatabaseConnections' | 'DatabaseFreeableMemory'
  | 'PreTrafficHookErrors';

/** What the alarms of a stage watch, and their tunable thresholds. */
export interface AlarmTableProps {
  /** The ECS service. */
  readonly service: ecs.FargateService;
  /** The target-side metrics of the service, over whichever target group serves. */
  readonly served: ServedTargetMetrics;
  /** 5xx per minute, ALB plus service (http5xxPerMinute in served-target-metrics.ts). */
  readonly http5xx: cloudwatch.IMetric;
  /** The Aurora cluster. */
  readonly database: rds.IDatabaseCluster;
  /** Maximum ACU of the cluster (`sizing.dbMaxCapacity`): the connection and memory thresholds follow it. */
  readonly dbMaxCapacity: number;
  /** CPU and memory utilisation (percent) that count as a hot minute. */
  readonly utilizationPercent: number;
  /** Service-side 5xx responses per minute that count as a bad minute. */
  readonly http5xxPerMinute: number;
  /** p99 target response time that counts as a slow minute. */
  readonly p99Latency: Duration;
  /**
   * The pre-traffic hook of a progressive deployment: its `Errors` get an alarm.
   * @default - none (a rolling deployment has no hook, and no such alarm)
   */
  readonly preTrafficHook?: lambda.IFunction;
}

/**
 * Every alarm of a stage by construct id, in creation order, each with the reason for its
 * `breaching`/`periods` and `treatMissingData`.
 */
export function alarmTable(props: AlarmTableProps): Readonly<Partial<Record<AlarmId, AlarmDefinition>>> {
  return { ...serviceAlarms(props), ...loadBalancerAlarms(props), ...databaseAlarms(props), ...hookAlarms(props) };
}

/** Service CPU and memory. */
function serviceAlarms({ service, utilizationPercent: utilization }: AlarmTableProps): Record<'ServiceCpu' | 'ServiceMemory', AlarmDefinition> {
  // 3 of 5 one-minute points: a deployment or a burst spikes CPU for a minute or two
  // without being a problem. Missing = no task reports (service stopped); the host-count
  // alarms own that case, so NOT_BREACHING here avoids a duplicate page.
  const hot = { threshold: utilization, comparisonOperator: GREATER_THAN_THRESHOLD, breaching: 3, periods: 5, treatMissingData: NOT_BREACHING };
  return {
    ServiceCpu: { ...hot, metric: service.metricCpuUtilization({ period: minute }), description: `service CPU above ${utilization}%` },
    ServiceMemory: { ...hot, metric: service.metricMemoryUtilization({ period: minute }), description: `service memory above ${utilization}%` },
  };
}

/** Errors, latency and targets, as the load balancer sees them. */
function loadBalancerAlarms(props: AlarmTableProps): Record<'Http5xx' | 'LatencyP99' | 'UnhealthyHosts' | 'NoHealthyHosts', AlarmDefinition> {
  const { served } = props;
  const p99 = props.p99Latency.toSeconds();
  return {
    // 2 of 3 minutes: fast enough for ECS to roll a bad release back within its bake, slow
    // enough that one unlucky minute does not. The ALB publishes 5xx counts only when there
    // are some, so missing data means "no errors": NOT_BREACHING. With a progressive strategy
    // the target 5xx are the load balancer's (every target group), so a switch changes nothing.
    Http5xx: {
      metric: props.http5xx,
      description: `${props.http5xxPerMinute}+ HTTP 5xx per minute`,
      threshold: props.http5xxPerMinute,
      comparisonOperator: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      breaching: 2,
      periods: 3,
      treatMissingData: NOT_BREACHING,
      rollsBackDeployment: true,
    },
    // 3 of 5: tail latency is noisy at low traffic. No requests = no latency datapoint, which
    // is not slowness: NOT_BREACHING.
    LatencyP99: {
      metric: served.responseTime('p99'),
      description: `p99 target response time above ${p99}s`,
      threshold: p99,
      comparisonOperator: GREATER_THAN_THRESHOLD,
      breaching: 3,
      periods: 5,
      treatMissingData: NOT_BREACHING,
    },
    // 2 of 3 one-minute maxima: a task failing its checks for two minutes is not a blip. The
    // count is published while the target group is in use; a gap is not evidence of an
    // unhealthy task (NoHealthyHosts covers the empty case), so NOT_BREACHING. Also a
    // deployment alarm: new tasks that fail health checks roll the release back.
    UnhealthyHosts: {
      metric: served.unhealthyHosts,
      description: 'at least one unhealthy target',
      threshold: 1,
      comparisonOperator: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      breaching: 2,
      periods: 3,
      treatMissingData: NOT_BREACHING,
      rollsBackDeployment: true,
    },
    // Nothing healthy serves traffic. Missing data here means no target group reports
    // anything at all (with two groups the emptied one counts as 0 through FILL, so a switch is
    // not "missing"), which for a service that should always run is an outage: BREACHING.
    NoHealthyHosts: {
      metric: served.healthyHosts,
      description: 'no healthy target',
      threshold: 1,
      comparisonOperator: LESS_THAN_THRESHOLD,
      breaching: 3,
      periods: 3,
      treatMissingData: BREACHING,
    },
  };
}

/** Database CPU, connections and memory (Aurora publishes every minute while the cluster runs). */
function databaseAlarms(props: AlarmTableProps): Record<'DatabaseCpu' | 'DatabaseConnections' | 'DatabaseFreeableMemory', AlarmDefinition> {
  const { database, utilizationPercent: utilization } = props;
  const maxConnections = Math.min(5000, Math.floor(props.dbMaxCapacity * CONNECTIONS_PER_ACU));
  const connectionThreshold = Math.floor(maxConnections * 0.8);
  const memoryThreshold = Math.floor(props.dbMaxCapacity * 2 * 1024 ** 3 * 0.1);
  return {
    // 3 of 5 like the service. A gap keeps the last state (MISSING): the freeable-memory alarm
    // is the one that treats a silent database as broken, so one page, not three.
    DatabaseCpu: {
      metric: database.metricCPUUtilization({ period: minute }),
      description: `database CPU above ${utilization}%`,
      threshold: utilization,
      comparisonOperator: GREATER_THAN_THRESHOLD,
      breaching: 3,
      periods: 5,
      treatMissingData: MISSING,
    },
    // 80% of max_connections at the maximum ACU. Connections do not vanish when there is no
    // data, but nor do they grow: NOT_BREACHING.
    DatabaseConnections: {
      metric: database.metricDatabaseConnections({ period: minute, statistic: 'Maximum' }),
      description: `database connections above ${connectionThreshold} (80% of ~${maxConnections})`,
      threshold: connectionThreshold,
      comparisonOperator: GREATER_THAN_THRESHOLD,
      breaching: 3,
      periods: 5,
      treatMissingData: NOT_BREACHING,
    },
    // Under 10% of the memory at maximum capacity (1 ACU = 2 GiB): Serverless v2 is at its
    // ceiling and still short. Missing = the database is not reporting at all: BREACHING.
    DatabaseFreeableMemory: {
      metric: database.metricFreeableMemory({ period: minute, statistic: 'Minimum' }),
      description: `database freeable memory below ${Math.round(memoryThreshold / 1024 ** 2)} MiB`,
      threshold: memoryThreshold,
      comparisonOperator: LESS_THAN_THRESHOLD,
      breaching: 3,
      periods: 5,
      treatMissingData: BREACHING,
    },
  };
}

/**
 * The pre-traffic hook's `Errors` (AWS/Lambda: invocations that threw or timed out; a FAILED
 * answer is a normal return and does not count). ECS rolls a release back when the hook throws,
 * but only the hook's logs said why; this alarm pages, is a deployment alarm (so ECS also rolls
 * back on it during the bake) and is one of the alarms the bake watches.
 * Any error in one minute fires: the hook runs a few times per release, so one error is a
 * signal, not noise. No invocation = no data = no error: NOT_BREACHING (the bake needs the
 * alarm OK, not INSUFFICIENT_DATA, on a healthy stage).
 */
function hookAlarms(props: AlarmTableProps): Partial<Record<'PreTrafficHookErrors', AlarmDefinition>> {
  if (!props.preTrafficHook) return {};
  return {
    PreTrafficHookErrors: {
      metric: props.preTrafficHook.metricErrors({ period: minute, statistic: 'Sum' }),
      description: 'pre-traffic hook errors (the function threw or timed out) in a minute',
      threshold: 1,
      comparisonOperator: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      breaching: 1,
      periods: 1,
      treatMissingData: NOT_BREACHING,
      rollsBackDeployment: true,
    },
  };
}
