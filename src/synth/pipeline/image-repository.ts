import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { restrictGrantsToAwsResources } from '../constructs/key-policy';

/** Props of the ImageRepository. */
export interface ImageRepositoryProps {
  /** Repository name (unique per pipeline; derived from the pipeline name). */
  readonly repositoryName: string;
  /** Accounts whose stages pull the image. */
  readonly pullAccounts: readonly string[];
  /** Untagged or candidate images older than this are expired. @default 14 days */
  readonly expireCandidatesAfter?: Duration;
  /** Deployable images kept (newest first). @default 100 */
  readonly keepDeployableImages?: number;
}

/**
 * Tag prefix of images pushed for scanning; only gated images get the bare commit tag, and
 * lose the candidate tag then (lifecycle rules match an image through any of its tags, so the
 * candidate expiry would otherwise also take promoted images).
 */
export const CANDIDATE_TAG_PREFIX = 'candidate-';

/** Deployable images a repository keeps, newest first (source and replicas). */
export const KEEP_DEPLOYABLE_IMAGES = 100;

/** What a stage account may do with the gated repository and its replicas: pull. */
export const STAGE_PULL_ACTIONS = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'] as const;

/**
 * The repository that holds the service image, in the pipeline account. Tags are immutable, so
 * a commit tag always names the one digest that passed both gates; scan-on-push feeds the ECR
 * gate; a customer-managed key encrypts it; only the stage accounts may pull.
 */
export class ImageRepository extends Construct {
  /** The repository. */
  public readonly repository: ecr.Repository;
  /** Its encryption key (rotation on). */
  public readonly key: kms.Key;
  /** Its name, as a literal (the same in every region it replicates to). */
  public readonly repositoryName: string;

  constructor(scope: Construct, id: string, props: ImageRepositoryProps) {
    super(scope, id);
    this.repositoryName = props.repositoryName;
    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts the ${props.repositoryName} image repository`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    restrictGrantsToAwsResources(this.key);
    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: props.repositoryName,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      imageScanOnPush: true,
      encryption: ecr.RepositoryEncryption.KMS,
      encryptionKey: this.key,
      // Kept with its images when the stack goes; but its name is fixed, so a failed first
      // create (an empty repository) deletes it, or the retried create would collide with it.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      lifecycleRules: [
        {
          rulePriority: 1,
          description: 'Candidates that never passed the gates, and untagged layers, expire',
          tagStatus: ecr.TagStatus.TAGGED,
          tagPrefixList: [CANDIDATE_TAG_PREFIX],
          maxImageAge: props.expireCandidatesAfter ?? Duration.days(14),
        },
        {
          rulePriority: 2,
          tagStatus: ecr.TagStatus.UNTAGGED,
          maxImageAge: Duration.days(1),
        },
        {
          rulePriority: 3,
          description: 'Keep the newest deployable images for rollback',
          tagStatus: ecr.TagStatus.ANY,
          maxImageCount: props.keepDeployableImages ?? KEEP_DEPLOYABLE_IMAGES,
        },
      ],
    });
    const accounts = [...new Set(props.pullAccounts)].sort();
    this.repository.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'StageAccountsPull',
      principals: accounts.map((a) => new iam.AccountPrincipal(a)),
      actions: [...STAGE_PULL_ACTIONS],
    }));
  }
}
