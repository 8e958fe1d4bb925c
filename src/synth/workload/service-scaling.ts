import { Duration } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { scaleOnRequestsPerTask } from './request-scaling';

/** What scaleService needs. */
export interface ServiceScalingProps {
  /** Fewest tasks (`sizing.minCapacity`). */
  readonly minCapacity: number;
  /** Most tasks (`sizing.maxCapacity`). */
  readonly maxCapacity: number;
  /** Target average CPU utilisation (percent). */
  readonly cpuTargetPercent: number;
  /** Target ALB requests per task per minute. */
  readonly requestsPerTarget: number;
  /** The cluster of the service (its running-task count divides the requests). */
  readonly cluster: ecs.ICluster;
  /** The load balancer in front of the service. */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** The target group the service starts in. */
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /**
   * Whether a progressive deployment switches the service between two target groups: requests
   * are then counted at the load balancer (scaleOnRequestsPerTask), not per target group.
   */
  readonly switchesTargetGroups: boolean;
}

/**
 * Target tracking on CPU and on requests per task, between the sizing's minimum and maximum.
 * Scale out fast (1 min), in slowly (5 min) so a short lull does not drop capacity a new
 * burst needs right away.
 */
export function scaleService(service: ecs.FargateService, props: ServiceScalingProps): ecs.ScalableTaskCount {
  const scaling = service.autoScaleTaskCount({ minCapacity: props.minCapacity, maxCapacity: props.maxCapacity });
  const cooldowns = { scaleOutCooldown: Duration.minutes(1), scaleInCooldown: Duration.minutes(5) };
  scaling.scaleOnCpuUtilization('CpuScaling', { targetUtilizationPercent: props.cpuTargetPercent, ...cooldowns });
  if (props.switchesTargetGroups) {
    scaleOnRequestsPerTask(scaling, 'RequestScaling', {
      loadBalancer: props.loadBalancer,
      cluster: props.cluster,
      service,
      requestsPerTask: props.requestsPerTarget,
      ...cooldowns,
    });
  } else {
    scaling.scaleOnRequestCount('RequestScaling', {
      requestsPerTarget: props.requestsPerTarget,
      targetGroup: props.targetGroup,
      ...cooldowns,
    });
  }
  return scaling;
}
