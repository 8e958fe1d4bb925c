import { RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { IMAGE_WRITE_ACTIONS, KEEP_DEPLOYABLE_IMAGES, STAGE_PULL_ACTIONS } from './image-repository';
import { partitionOf } from '../../shared/aws-names';
import { restrictGrantsToAwsResources } from '../constructs/key-policy';

/** Sid of the replica policy statement that leaves image writes to ECR's replication alone. */
export const REPLICA_IMAGES_ONLY_BY_REPLICATION_SID = 'ImagesOnlyByReplication';

/** Props of the ImageRegionStack. */
export interface ImageRegionStackProps extends StackProps {
  /** The repository namespace the pipeline owns (imageRepositoryNamespace): the template's prefix. */
  readonly namespace: string;
  /** The replicated repository (in `namespace`): the only one the creation role may create. */
  readonly repositoryName: string;
  /** Accounts whose stages pull from the replica. */
  readonly pullAccounts: readonly string[];
  /** Tags ECR puts on the repositories it creates from the template (the governance tags). */
  readonly repositoryTags: Readonly<Record<string, string>>;
  /** Images kept in the replica, newest first. @default KEEP_DEPLOYABLE_IMAGES (100), as in the source */
  readonly keepImages?: number;
}

/**
 * The replica's lifecycle policy (ECR lifecycle policy JSON).
 *
 * Unlike the source, it has NO rule on the `candidate-` prefix. In the source the gate removes
 * the candidate tag from the promoted image, but ECR replication does not replicate the removal
 * of a tag, so in a replica the promoted image keeps its `candidate-<commit>-<build>` tag beside
 * the commit tag. Lifecycle rules select an image through any of its tags: a candidate-age rule
 * here would expire every promoted image in the stage regions 14 days after its push
 * (test/synth/pipeline/image-replication.test.ts proves it against the synthesized policy). Rejected
 * candidates that replicated before they failed a gate age out through the count rule instead.
 */
export function replicaLifecyclePolicy(keepImages: number = KEEP_DEPLOYABLE_IMAGES): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: 'Untagged manifests expire',
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: 'Keep the newest images for rollback (never by the candidate- prefix: see image-region-stack.ts)',
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keepImages },
        action: { type: 'expire' },
      },
    ],
  });
}

/**
 * What ECR needs to create the replica in one destination region of the pipeline account, as
 * its own stack `DeliveryPipeline-Images-<region>` (the pipeline stack depends on it, so the
 * first `cdk deploy DeliveryPipeline` and every self-mutation deploy it first, with the
 * bootstrap roles of that region, before the replication rule can create a replica):
 *
 * - a repository creation template (appliedFor REPLICATION, prefix = the pipeline's namespace):
 *   immutable tags, this region's customer-managed key, the lifecycle above, a policy that lets
 *   the stage accounts pull and nobody push or delete images, and the governance tags. A
 *   template applies only when ECR creates the repository: a replica that exists already keeps
 *   its settings (RUNBOOKS.md).
 * - the key (rotation on, retained: replicas encrypted with it outlive the stack);
 * - the role ECR assumes to create the replica with that key and those tags (CustomRoleArn:
 *   without it ECR's service-linked role creates the repository and can use neither a
 *   customer-managed key nor tags). Its permissions are the ones the ECR user guide lists.
 *
 * What a template cannot carry: scan-on-push. Scanning is a registry setting
 * (PutRegistryScanningConfiguration, ONE per registry and region, ScanType registry-wide), so
 * setting it here would replace the registry's own scanning configuration (e.g. Inspector
 * enhanced scanning). Replicas hold the very digest both gates passed in the pipeline region.
 */
export class ImageRegionStack extends Stack {
  /** The key that encrypts the replica. */
  public readonly key: kms.Key;
  /** The role ECR assumes to create the replica. */
  public readonly creationRole: iam.Role;
  /** The repository creation template. */
  public readonly template: ecr.CfnRepositoryCreationTemplate;

  constructor(scope: Construct, id: string, props: ImageRegionStackProps) {
    super(scope, id, { terminationProtection: true, ...props });
    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts the ${props.namespace}/* image replicas in ${this.region}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    restrictGrantsToAwsResources(this.key);

    this.creationRole = new iam.Role(this, 'CreationRole', {
      assumedBy: new iam.ServicePrincipal('ecr.amazonaws.com'),
      description: `ECR creates the ${props.namespace}/* replicas in ${this.region} with this role (repository creation template)`,
    });
    this.creationRole.addToPolicy(new iam.PolicyStatement({
      sid: 'CreateReplica',
      actions: ['ecr:CreateRepository', 'ecr:ReplicateImage', 'ecr:TagResource'],
      // Only the replicated repository: the replication rule filters on its name.
      resources: [this.formatArn({ service: 'ecr', resource: 'repository', resourceName: props.repositoryName })],
    }));
    this.creationRole.addToPolicy(new iam.PolicyStatement({
      sid: 'EncryptReplica',
      actions: ['kms:CreateGrant', 'kms:RetireGrant', 'kms:DescribeKey'],
      resources: [this.key.keyArn],
    }));

    const accounts = [...new Set(props.pullAccounts)].sort();
    this.template = new ecr.CfnRepositoryCreationTemplate(this, 'ReplicaTemplate', {
      prefix: props.namespace,
      appliedFor: ['REPLICATION'],
      description: `Replicas of the gated ${props.namespace}/* images: immutable, KMS, lifecycle, stage-account pull`,
      imageTagMutability: 'IMMUTABLE',
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: this.key.keyArn },
      customRoleArn: this.creationRole.roleArn,
      lifecyclePolicy: replicaLifecyclePolicy(props.keepImages),
      repositoryPolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{
          Sid: 'StageAccountsPull',
          Effect: 'Allow',
          Principal: { AWS: accounts.map((a) => `arn:${partitionOf(this.region)}:iam::${a}:root`) },
          Action: [...STAGE_PULL_ACTIONS],
        }, {
          // Images reach a replica only through ECR's replication, which writes with
          // ReplicateImage (not denied: ImageRepository's IMAGE_WRITE_ACTIONS); nobody pushes,
          // tags or deletes an image here, not even the image gate. The lifecycle policy still
          // expires images (ECR's own action, not a principal's).
          Sid: REPLICA_IMAGES_ONLY_BY_REPLICATION_SID,
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: [...IMAGE_WRITE_ACTIONS],
        }],
      }),
      resourceTags: Object.entries(props.repositoryTags).sort(([a], [b]) => a.localeCompare(b)).map(([key, value]) => ({ key, value })),
    });
    // The role and its permissions exist before ECR may create a replica with them.
    this.template.node.addDependency(this.creationRole);
  }
}
