import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { globalClusterIdentifierOf } from '../../config/resilience';
import { EnvironmentConfig } from '../../config/schema';
import { fixedNameRemovalPolicy } from '../constructs/removal-policies';

/**
 * The Aurora global database of a `global` environment, seen from one region. Stages cannot
 * reference each other across regions, so everything the regions share is a derived name:
 * the global cluster (`globalClusterIdentifierOf`), the regional clusters
 * (`regionalClusterIdentifierOf`) and the credentials secret (`databaseSecretNameOf`).
 */

/** Props of GlobalClusterOfPrimary. */
export interface GlobalClusterOfPrimaryProps {
  /** The environment (deletion protection and removal follow `production`). */
  readonly environment: EnvironmentConfig;
  /** `globalClusterIdentifierOf(application, env)`. */
  readonly globalClusterIdentifier: string;
  /** The primary region's cluster, which becomes the global cluster's writer. */
  readonly primary: rds.DatabaseCluster;
}

/**
 * The `AWS::RDS::GlobalCluster` created FROM the primary region's cluster
 * (`SourceDBClusterIdentifier`), rather than created first with the cluster attached through
 * its `GlobalClusterIdentifier`:
 * - the cluster keeps its own engine, version, encryption key, database name and master
 *   credentials, and the global cluster inherits them (Engine, EngineVersion, StorageEncrypted
 *   must then not be set on it): one source of truth, nothing to keep equal by hand;
 * - an existing cluster cannot join a global cluster through its own properties (RDS only
 *   accepts a new cluster there, or a source for CreateGlobalCluster), so this is the only
 *   order in which a cluster that already holds data becomes a primary in place;
 * - the cluster's template keeps its master credentials and rotation, which a cluster created
 *   into an existing global cluster would have to drop.
 * Deleting the stack deletes (or, in production, retains) the global cluster first: its
 * handler detaches the primary (rds:RemoveFromGlobalCluster) before deleting it, and the
 * cluster itself follows its own SNAPSHOT/deletion-protection rules.
 */
export class GlobalClusterOfPrimary extends Construct {
  /** The global cluster. */
  public readonly globalCluster: rds.CfnGlobalCluster;

  constructor(scope: Construct, id: string, props: GlobalClusterOfPrimaryProps) {
    super(scope, id);
    this.globalCluster = new rds.CfnGlobalCluster(this, 'Resource', {
      globalClusterIdentifier: props.globalClusterIdentifier,
      sourceDbClusterIdentifier: props.primary.clusterArn,
      // Production: unset, turned on after the first successful create (deletion-protection.ts).
      deletionProtection: props.environment.production ? undefined : false,
    });
    // Retained in production, except after a failed first create: its fixed identifier would
    // block the retry (RUNBOOKS.md "Retained resources that block a re-create" under
    // "A stack is stuck after a failed deploy").
    this.globalCluster.applyRemovalPolicy(fixedNameRemovalPolicy(props.environment));
  }
}

/**
 * Turn a cluster built by the `rds.DatabaseCluster` L2 into a secondary of a global cluster:
 * `GlobalClusterIdentifier` set, no master credentials (a secondary inherits the primary's
 * users; RDS refuses MasterUsername/MasterUserPassword on a secondary), and the L2's generated
 * secret removed from the tree (nothing would read it, and it would hold a password no database
 * knows). The L2 is kept for everything else (instances, subnet group, parameter group,
 * encryption, monitoring role, metrics), so the secondary matches the primary setting for
 * setting and can take over as writer after a failover.
 */
export function makeSecondary(cluster: rds.DatabaseCluster, globalClusterIdentifier: string): rds.CfnDBCluster {
  const cfn = cluster.node.defaultChild as rds.CfnDBCluster;
  cfn.globalClusterIdentifier = globalClusterIdentifier;
  cfn.masterUsername = undefined;
  cfn.masterUserPassword = undefined;
  cfn.databaseName = undefined;
  if (!cluster.node.tryRemoveChild('Secret')) {
    throw new Error(`${cluster.node.path}: expected the L2's generated secret "Secret" to remove (aws-cdk-lib changed?)`);
  }
  return cfn;
}
