import { Duration } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';

/** What request-per-task scaling needs. */
export interface RequestsPerTaskScalingProps {
  /** The load balancer in front of the service (it serves this service only). */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** The cluster and service whose running tasks divide the requests. */
  readonly cluster: ecs.ICluster;
  /** The service. */
  readonly service: ecs.IBaseService;
  /** Requests per task per minute to track. */
  readonly requestsPerTask: number;
  /** Cooldowns. */
  readonly scaleOutCooldown: Duration;
  /** Cooldowns. */
  readonly scaleInCooldown: Duration;
}

/** The dimensions of a single metric, as CloudFormation's `[{ Name, Value }]`. */
function dimensionsOf(metric: cloudwatch.IMetric): { Name: string; Value: unknown }[] {
  return (metric.toMetricConfig().metricStat?.dimensions ?? []).map((d) => ({ Name: d.name, Value: d.value }));
}

/**
 * Request-count scaling that follows whichever target group serves (progressive deployments):
 * ALBRequestCountPerTarget is per target group, so after a switch it would watch the emptied one
 * and scale in. The metric is the load balancer's RequestCount (every listener; this ALB serves
 * only this service) divided by the service's running tasks (Container Insights), as metric
 * math, which CDK's target tracking does not render (hence the override). While a deployment
 * runs both revisions count as tasks, so the metric reads low; Application Auto Scaling turns
 * scale-in off while an ECS deployment is in progress, so that cannot shrink the service
 * mid-release.
 */
export function scaleOnRequestsPerTask(scaling: ecs.ScalableTaskCount, id: string, props: RequestsPerTaskScalingProps): void {
  const requests = props.loadBalancer.metrics.requestCount({ period: Duration.minutes(1), statistic: 'Sum' });
  scaling.scaleToTrackCustomMetric(id, {
    metric: requests,
    targetValue: props.requestsPerTask,
    scaleOutCooldown: props.scaleOutCooldown,
    scaleInCooldown: props.scaleInCooldown,
  });
  // ScalableTaskCount puts its policies under its scalable target.
  const resource = scaling.node.findChild('Target').node.findChild(id).node.findChild('Resource') as appscaling.CfnScalingPolicy;
  const spec = 'TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification';
  for (const single of ['MetricName', 'Namespace', 'Dimensions', 'Statistic']) resource.addPropertyDeletionOverride(`${spec}.${single}`);
  resource.addPropertyOverride(`${spec}.Metrics`, [
    {
      Id: 'requests',
      MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: dimensionsOf(requests) }, Stat: 'Sum' },
      ReturnData: false,
    },
    {
      Id: 'tasks',
      MetricStat: {
        Metric: {
          Namespace: 'ECS/ContainerInsights',
          MetricName: 'RunningTaskCount',
          Dimensions: [{ Name: 'ClusterName', Value: props.cluster.clusterName }, { Name: 'ServiceName', Value: props.service.serviceName }],
        },
        Stat: 'Average',
      },
      ReturnData: false,
    },
    { Id: 'perTask', Expression: 'requests / tasks', Label: 'ALB requests per running task per minute', ReturnData: true },
  ]);
}
