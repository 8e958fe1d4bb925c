import { ArnFormat, CfnOutput, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { DataTier } from './data-tier';
import type { EdgeTier } from './edge-tier';

/**
 * The output keys of a production Platform stack that the prod stage's post-deploy step reads
 * (TerminationProtectionStep): what it turns deletion protection on for.
 */
export const DELETION_PROTECTION_OUTPUTS = {
  cluster: 'DeletionProtectionClusterId',
  globalCluster: 'DeletionProtectionGlobalClusterId',
  loadBalancer: 'DeletionProtectionLoadBalancerArn',
} as const;

/** What the post-deploy step needs to know about a stage's deletion protection (plain data). */
export interface DeletionProtectionTargetsInfo {
  /** The Platform stack whose outputs name the role and the targets. */
  readonly stackName: string;
  /** Whether the stack holds the environment's global cluster (the primary region of a global environment). */
  readonly hasGlobalCluster: boolean;
}

/** Props of DeletionProtectionTargets. */
export interface DeletionProtectionTargetsProps {
  /** The data tier: its cluster, and in the primary region of a global environment the global cluster. */
  readonly data: DataTier;
  /** The edge tier: its load balancer. */
  readonly edge: EdgeTier;
}

/**
 * How a production stage ends deletion-protected although its templates never say so (issue 26).
 *
 * Why not in the template: CloudFormation's rollback of a failed create deletes what the create
 * made, and AWS refuses to delete a protected resource: the RDS DBCluster handler fails the delete
 * ("Cannot delete protected Cluster", `ensureDeletionProtectionDisabled` in
 * aws-cloudformation/aws-cloudformation-resource-providers-rds, aws-rds-dbcluster DeleteHandler),
 * DeleteGlobalCluster refuses a protected global cluster, and DeleteLoadBalancer "You can't
 * delete a load balancer if deletion protection is enabled". A first prod create that fails at
 * any resource (a certificate on a zone not delegated yet is enough) would end in
 * ROLLBACK_FAILED with fixed-name resources left behind, and no retry could pass.
 *
 * So the templates leave DeletionProtection (cluster, global cluster) and the
 * `deletion_protection.enabled` attribute (load balancer) unset in production, and the prod
 * stage's post-deploy step (TerminationProtectionStep, after the Service deploy: only once the
 * whole stage was created) turns protection on through the API with the stage's protect role
 * (PipelineAccessRoles, src/synth/workload/pipeline-access.ts, allowed `statements`), then reads
 * it back. Why unset rather than a value:
 * - A later update never turns it off again: the RDS update handlers send the template's value
 *   on every update of the resource (`modifyDbClusterRequest` and the global cluster's
 *   `modifyGlobalClusterRequest` set `deletionProtection(desiredModel.getDeletionProtection())`),
 *   and an unset property sends nothing. A template value of `false` would switch protection off
 *   at the next change of the cluster; `true` would be back in the first create. The load
 *   balancer handler is not public: the step runs after every prod deploy, so it puts protection
 *   back whatever an update did.
 * - No drift: drift detection compares only properties the template sets ("CloudFormation only
 *   determines drift for property values that are explicitly set", CloudFormation User Guide,
 *   "Detect unmanaged configuration changes to stacks and resources").
 * - Rollback of a later update reverts only what the template set, so protection stays on.
 * - A failed first create (or one whose Service stack failed) never reached the step: nothing
 *   is protected, the rollback deletes cleanly, and the retry starts from nothing
 *   (RUNBOOKS.md "A stack is stuck after a failed deploy").
 *
 * The permissions (`statements`, the protect role's besides termination protection): exactly
 * turning on and reading back deletion protection of this stage's cluster, global cluster and
 * load balancer (`DescribeLoadBalancerAttributes` takes no resource ARN).
 */
export class DeletionProtectionTargets extends Construct implements DeletionProtectionTargetsInfo {
  /** What the post-deploy step may call to turn protection on for the targets and read it back. */
  public readonly statements: readonly iam.PolicyStatement[];
  public readonly stackName: string;
  public readonly hasGlobalCluster: boolean;

  constructor(scope: Construct, id: string, props: DeletionProtectionTargetsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.stackName = stack.stackName;
    const { cluster, globalCluster } = props.data;
    const { loadBalancer } = props.edge;
    this.hasGlobalCluster = globalCluster !== undefined;
    const globalClusterIdentifier = globalCluster?.globalCluster.globalClusterIdentifier;

    const statements = [
      new iam.PolicyStatement({
        sid: 'ProtectCluster',
        actions: ['rds:ModifyDBCluster', 'rds:DescribeDBClusters'],
        resources: [cluster.clusterArn],
      }),
      new iam.PolicyStatement({
        sid: 'ProtectLoadBalancer',
        actions: ['elasticloadbalancing:ModifyLoadBalancerAttributes'],
        resources: [loadBalancer.loadBalancerArn],
      }),
      new iam.PolicyStatement({
        sid: 'ReadLoadBalancerAttributes',
        actions: ['elasticloadbalancing:DescribeLoadBalancerAttributes'],
        resources: ['*'],
      }),
    ];
    if (globalClusterIdentifier) {
      statements.push(new iam.PolicyStatement({
        sid: 'ProtectGlobalCluster',
        actions: ['rds:ModifyGlobalCluster', 'rds:DescribeGlobalClusters'],
        // Global cluster ARNs have no region: arn:<partition>:rds::<account>:global-cluster:<id>.
        resources: [stack.formatArn({ service: 'rds', region: '', resource: 'global-cluster', resourceName: globalClusterIdentifier, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      }));
    }
    this.statements = statements;

    const output = (key: string, value: string, description: string) => new CfnOutput(this, key, { value, description }).overrideLogicalId(key);
    output(DELETION_PROTECTION_OUTPUTS.cluster, cluster.clusterIdentifier, 'Aurora cluster the post-deploy step protects');
    output(DELETION_PROTECTION_OUTPUTS.loadBalancer, loadBalancer.loadBalancerArn, 'Load balancer the post-deploy step protects');
    if (globalClusterIdentifier) output(DELETION_PROTECTION_OUTPUTS.globalCluster, globalClusterIdentifier, 'Global cluster the post-deploy step protects');
  }
}
