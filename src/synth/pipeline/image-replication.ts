import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';
import { DeliveryConfig } from '../../config/schema';
import { partitionOf } from '../../shared/aws-names';

/**
 * Images in every region: the gated repository lives in the pipeline account and region; ECR
 * replicates it to every other region a stage runs in (same account, same repository name), so
 * a stage pulls from its own region and keeps starting tasks when the pipeline region is down.
 */

/** Name of the pipeline's image repository, derived from the pipeline name: `<pipeline>/service`. */
export function imageRepositoryName(config: Pick<DeliveryConfig, 'pipeline'>): string {
  return `${imageRepositoryNamespace(config)}/service`;
}

/**
 * The repository namespace the pipeline owns (`<pipeline>`, lower case): the prefix of the
 * repository creation templates, which ECR matches by namespace (`<prefix>/...`).
 */
export function imageRepositoryNamespace(config: Pick<DeliveryConfig, 'pipeline'>): string {
  return config.pipeline.name.toLowerCase().replace(/[^a-z0-9._-]/g, '-');
}

/** Every region a stage runs in other than the pipeline region, sorted, each once: the replication destinations. */
export function replicationRegionsOf(config: Pick<DeliveryConfig, 'pipeline' | 'environments'>): string[] {
  const regions = new Set(config.environments.flatMap((e) => e.regions));
  regions.delete(config.pipeline.region);
  return [...regions].sort();
}

/**
 * ARN of the gated repository in `region` (the source in the pipeline region, its replica
 * elsewhere). A literal, not a token: stages live in other accounts, where a cross-stack
 * reference cannot reach, and the replica is created by ECR, not by a stack.
 */
export function imageRepositoryArnIn(config: Pick<DeliveryConfig, 'pipeline'>, region: string): string {
  return `arn:${partitionOf(region)}:ecr:${region}:${config.pipeline.account}:repository/${imageRepositoryName(config)}`;
}

/** Props of the ImageReplication. */
export interface ImageReplicationProps {
  /** The repository to replicate (PREFIX_MATCH on its full name). */
  readonly repositoryName: string;
  /** Destination regions, in the same account (replicationRegionsOf). */
  readonly regions: readonly string[];
  /** The pipeline account (the registry of source and destinations). */
  readonly account: string;
}

/**
 * The registry replication rule of the pipeline account in the pipeline region: the gated
 * repository to every destination region, same account.
 *
 * ECR holds ONE replication configuration per registry (account + region), and
 * AWS::ECR::ReplicationConfiguration writes the whole of it (PutReplicationConfiguration):
 * deploying this replaces any replication rules already configured in that registry, and
 * deleting the stack removes them all. `npx projen bootstrap` prints the check to run before the
 * first deploy (src/terminal/execution-policy/bootstrap-plan.ts), and README "Images in every region" says so.
 *
 * Only images pushed after the rule exists replicate, and ECR never replicates deletions (nor the
 * removal of a tag): the destination lifecycle (ImageRegionStack) must not rely on them.
 */
export class ImageReplication extends Construct {
  /** The registry's replication configuration. */
  public readonly configuration: ecr.CfnReplicationConfiguration;

  constructor(scope: Construct, id: string, props: ImageReplicationProps) {
    super(scope, id);
    if (props.regions.length === 0) throw new Error('ImageReplication needs at least one destination region');
    this.configuration = new ecr.CfnReplicationConfiguration(this, 'Configuration', {
      replicationConfiguration: {
        rules: [{
          destinations: props.regions.map((region) => ({ region, registryId: props.account })),
          repositoryFilters: [{ filter: props.repositoryName, filterType: 'PREFIX_MATCH' }],
        }],
      },
    });
  }
}
