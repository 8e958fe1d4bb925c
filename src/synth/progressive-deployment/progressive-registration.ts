import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { PreTrafficHook, PreTrafficHookProps } from './pre-traffic-hook';
import { TrafficSwitch } from './traffic-switch';
import { TrafficSwitchRole } from './traffic-switch-role';

/** What registerProgressively needs. */
export interface ProgressiveRegistrationProps {
  /** The ECS service (its deployment strategy is progressive). */
  readonly service: ecs.FargateService;
  /** The container the load balancer sends traffic to. */
  readonly container: ecs.ContainerDefinition;
  /** Its port. */
  readonly containerPort: number;
  /** The target group the service starts in. */
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** The alternate target group and the production and test listener rules (edge tier). */
  readonly traffic: TrafficSwitch;
  /** The pre-traffic hook's settings; its test URL and port come from `traffic`. */
  readonly hook: Omit<PreTrafficHookProps, 'testUrl' | 'testPort'>;
}

/** What registerProgressively created. */
export interface ProgressiveRegistration {
  /** The role ECS switches the listener rules and (de)registers tasks with. */
  readonly loadBalancerRole: iam.Role;
  /** The pre-traffic hook ECS calls before production traffic moves. */
  readonly preTrafficHook: PreTrafficHook;
}

/**
 * Registers a service with a progressive strategy (blue/green, canary, linear) behind the
 * load balancer: in the primary target group with the TrafficSwitch's alternate group and
 * listener rules as ECS's AlternateTarget, the TrafficSwitchRole ECS switches them with, and the
 * PreTrafficHook as the service's lifecycle hook. The constructs are `scope`'s children
 * (LoadBalancerRole, PreTrafficHook), created in that order.
 */
export function registerProgressively(scope: Construct, props: ProgressiveRegistrationProps): ProgressiveRegistration {
  const { traffic } = props;
  const loadBalancerRole = new TrafficSwitchRole(scope, 'LoadBalancerRole');
  props.service.loadBalancerTarget({
    containerName: props.container.containerName,
    containerPort: props.containerPort,
    alternateTarget: new ecs.AlternateTarget('AlternateTarget', {
      alternateTargetGroup: traffic.alternateTargetGroup,
      productionListener: ecs.ListenerRuleConfiguration.applicationListenerRule(traffic.productionRule),
      testListener: ecs.ListenerRuleConfiguration.applicationListenerRule(traffic.testRule),
      role: loadBalancerRole,
    }),
  }).attachToApplicationTargetGroup(props.targetGroup);
  const preTrafficHook = new PreTrafficHook(scope, 'PreTrafficHook', {
    ...props.hook,
    testUrl: traffic.testUrl,
    testPort: traffic.testPort,
  });
  props.service.addLifecycleHook(preTrafficHook.target);
  return { loadBalancerRole, preTrafficHook };
}
