import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { TrafficSwitch } from './traffic-switch';

/** Props of the TrafficSwitchRole. */
export interface TrafficSwitchRoleProps {
  /** The target group the service starts in. */
  readonly primaryTargetGroup: elbv2.IApplicationTargetGroup;
  /** The alternate target group, the two listener rules and the two listeners. */
  readonly traffic: TrafficSwitch;
}

/**
 * The role ECS assumes to switch traffic during a progressive deployment (AlternateTarget's
 * `role`): what the AWS managed policy AmazonECSInfrastructureRolePolicyForLoadBalancers grants,
 * scoped to this stage's two target groups, two listener rules and two listeners. The Describe
 * actions have no resource-level permissions (suppression explains). No trust conditions: ECS's
 * documented trust policy for this role is the bare service principal, and only a principal
 * allowed iam:PassRole on it (this stack's CloudFormation role) can hand it to a service.
 */
export class TrafficSwitchRole extends iam.Role {
  constructor(scope: Construct, id: string, props: TrafficSwitchRoleProps) {
    super(scope, id, {
      assumedBy: new iam.ServicePrincipal('ecs.amazonaws.com'),
      description: 'ECS: switch the listener rules and (de)register tasks of this service during a progressive deployment',
    });
    const { traffic } = props;
    this.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadLoadBalancer',
      actions: [
        'elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeRules',
        'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetHealth',
      ],
      resources: ['*'],
    }));
    this.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'RegisterTasksInBothTargetGroups',
      actions: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
      resources: [props.primaryTargetGroup.targetGroupArn, traffic.alternateTargetGroup.targetGroupArn],
    }));
    this.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'SwitchProductionAndTestRules',
      actions: ['elasticloadbalancing:ModifyRule'],
      resources: [traffic.productionRule.listenerRuleArn, traffic.testRule.listenerRuleArn],
    }));
    this.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'SwitchProductionAndTestListeners',
      actions: ['elasticloadbalancing:ModifyListener'],
      resources: [traffic.productionListenerArn, traffic.testListener.listenerArn],
    }));
  }
}
