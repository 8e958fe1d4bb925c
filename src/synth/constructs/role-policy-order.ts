import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/**
 * Make `resource` wait for the separate policy resources of `roles` (the `DefaultPolicy` CDK
 * writes grants into), so it never starts before the roles may do what it hands them to do.
 *
 * A role's inline `Policies` and `ManagedPolicyArns` are part of the role resource, so a
 * resource that references the role already waits for them; an `AWS::IAM::Policy` is a resource
 * of its own, which CloudFormation creates in parallel with anything that does not depend on it
 * (CloudFormation User Guide, "DependsOn attribute"). An ECS service hands its roles to ECS when
 * it is created or updated: the load-balancer and lifecycle-hook roles ECS assumes to switch
 * traffic and invoke hooks, the execution and task roles its first tasks start with
 * (`npx projen rollback:check` flags a service that does not wait for them).
 *
 * Call it after the last grant to the roles: a DefaultPolicy made later is not seen here (the
 * rollback analysis would then report it).
 */
export function waitForRolePolicies(resource: IConstruct, roles: readonly (iam.IRole | undefined)[]): void {
  for (const role of roles) {
    const policy = role?.node.tryFindChild('DefaultPolicy');
    if (policy) resource.node.addDependency(policy);
  }
}
