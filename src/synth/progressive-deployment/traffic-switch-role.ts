import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** The AWS managed policy ECS documents for its load-balancer infrastructure role. */
export const ECS_LOAD_BALANCER_POLICY = 'AmazonECSInfrastructureRolePolicyForLoadBalancers';

/**
 * The role ECS assumes to switch traffic during a progressive deployment (AlternateTarget's
 * `role`): the AWS managed policy AmazonECSInfrastructureRolePolicyForLoadBalancers, as the ECS
 * developer guide prescribes for blue/green, linear and canary deployments
 * (docs.aws.amazon.com/AmazonECS/latest/developerguide/AmazonECSInfrastructureRolePolicyForLoadBalancers.html).
 *
 * Why the managed policy and not a copy scoped to this stage's target groups, rules and
 * listeners (what this role carried before issue 26): the copy matched the managed policy's
 * actions as of its version v6 (2026-02-12: Describe listeners, rules, target groups and target
 * health; Register/DeregisterTargets; ModifyListener; ModifyRule), but nothing can show offline
 * that a copy stays current, and AWS revises this policy (v2 in July 2025 to v6 in February
 * 2026). A copy that lacks an action ECS starts calling fails a prod release in the middle of its
 * traffic shift, when the rollback needs the same role. AWS keeps the managed policy current.
 * Its extra breadth (every target group, listener and rule of the account rather than this
 * stage's) is usable only through this role, which only ECS may assume and only a principal
 * allowed iam:PassRole on it (this stack's CloudFormation role) can hand to a service.
 * Being a managed policy ARN of the role, it is on the role from its creation: the service
 * never starts before its permissions exist.
 *
 * No trust conditions: ECS's documented trust policy for this role is the bare service
 * principal.
 */
export class TrafficSwitchRole extends iam.Role {
  constructor(scope: Construct, id: string) {
    super(scope, id, {
      assumedBy: new iam.ServicePrincipal('ecs.amazonaws.com'),
      description: 'ECS: switch the listener rules and (de)register tasks of this service during a progressive deployment',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName(ECS_LOAD_BALANCER_POLICY)],
    });
  }
}
