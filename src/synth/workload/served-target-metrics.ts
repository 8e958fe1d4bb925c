import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';

/** The target-side metrics of the service, over whichever target group serves. */
export interface ServedTargetMetrics {
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
export function servedTargetMetrics(
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

/**
 * 5xx per minute as clients see them: the load balancer's own (ELB_5XX) plus the ones the
 * service answered (over whichever target group serves). FILL(…, 0): the ALB publishes 5xx
 * counts only when there are some, so a missing point is zero.
 */
export function http5xxPerMinute(loadBalancer: elbv2.IApplicationLoadBalancer, served: ServedTargetMetrics): cloudwatch.MathExpression {
  const minute = Duration.minutes(1);
  return new cloudwatch.MathExpression({
    label: '5xx per minute (ALB + service)',
    expression: 'FILL(elb5xx, 0) + FILL(target5xx, 0)',
    usingMetrics: {
      elb5xx: loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: minute, statistic: 'Sum' }),
      target5xx: served.target5xx,
    },
    period: minute,
  });
}
