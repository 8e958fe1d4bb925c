import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { cloudFormationExecutionRoleArnOf } from '../constructs/deploy-role';
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
 * The actions that put an image (or a tag) into a repository or take one out of it: the image
 * gate alone may call them on the gated repository (ImageRepository.reserveImageWritesTo), and
 * nobody on a replica (ImageRegionStack). From the Service Authorization Reference for Amazon
 * ECR (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html),
 * every Write action on the `repository` resource type that adds, removes or hides an image:
 * the push (layer upload + PutImage), BatchDeleteImage (also what removes a tag),
 * BatchImportUpstreamImage (a pull-through cache import) and UpdateImageStorageClass (an
 * archived image cannot be pulled). Not ReplicateImage: ECR's replication calls it on the
 * destination (ECRReplicationServiceRolePolicy, https://docs.aws.amazon.com/AmazonECR/latest/userguide/slr-replication.html),
 * and a deny there would stop the replicas.
 */
export const IMAGE_WRITE_ACTIONS = [
  'ecr:BatchDeleteImage', 'ecr:BatchImportUpstreamImage', 'ecr:CompleteLayerUpload', 'ecr:InitiateLayerUpload',
  'ecr:PutImage', 'ecr:UpdateImageStorageClass', 'ecr:UploadLayerPart',
] as const;

/**
 * What changes the gated repository's own settings, or deletes it: only CloudFormation (the
 * stack's execution role) may. These are exactly the ECR actions of the AWS::ECR::Repository
 * update and delete handlers (CloudFormation registry schema, bootstrap/handler-permissions.json)
 * that write: policy, lifecycle (a lifecycle rule expires images), tag mutability (mutable tags
 * could be overwritten), scanning (the ECR gate reads scan-on-push) and DeleteRepository.
 * Resource tags (TagResource/UntagResource) stay with IAM: they change no image and no access.
 */
export const REPOSITORY_MANAGEMENT_ACTIONS = [
  'ecr:DeleteLifecyclePolicy', 'ecr:DeleteRepository', 'ecr:DeleteRepositoryPolicy', 'ecr:PutImageScanningConfiguration',
  'ecr:PutImageTagMutability', 'ecr:PutLifecyclePolicy', 'ecr:SetRepositoryPolicy',
] as const;

/** Sid of the statement that reserves image writes to the image gate. */
export const ONLY_THE_GATE_WRITES_SID = 'OnlyTheImageGateWritesImages';
/** Sid of the statement that reserves the repository's settings to CloudFormation. */
export const ONLY_CLOUDFORMATION_MANAGES_SID = 'OnlyCloudFormationManagesTheRepository';

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

  /**
   * Let only `writer` (the image gate's role) push, tag or delete images, and only CloudFormation
   * (the stack's execution role, `manager`) change the repository's policy, lifecycle, tag
   * mutability or scanning, or delete it: two explicit Deny statements on every other principal,
   * of this account or any other. An explicit Deny in a resource-based policy wins over any
   * Allow, an administrator's included (IAM User Guide, "Policy evaluation logic",
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
   *
   * The principals are named by `aws:PrincipalArn` (the role's ARN for any session of the role,
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn),
   * not by the Principal element: a role named there is pinned to its unique id, and a role
   * recreated with the same name would lose access until the policy is saved again.
   *
   * What keeps working, and why:
   * - the stage accounts' pulls and the gate's reads: no read action is denied;
   * - replication: ECR's replication role calls only CreateRepository and ReplicateImage, on the
   *   destination (https://docs.aws.amazon.com/AmazonECR/latest/userguide/slr-replication.html);
   * - the lifecycle policy: ECR expires images itself, as an AWS service event invoked by "AWS
   *   Internal", not as a principal's BatchDeleteImage request (CloudTrail PolicyExecutionEvent,
   *   https://repost.aws/knowledge-center/ecr-lifecycle-policy-events);
   * - the pipeline's own deploys of this stack, first create included: CloudFormation makes every
   *   call of the AWS::ECR::Repository handlers with `manager`, which the second statement exempts.
   *
   * @param writer the only role that may write images (the ImageGate project's role)
   * @param manager ARN of the only principal that may manage the repository. @default the stack's CloudFormation execution role
   */
  public reserveImageWritesTo(writer: iam.IRole, manager: string = cloudFormationExecutionRoleArnOf(Stack.of(this))): void {
    this.repository.addToResourcePolicy(new iam.PolicyStatement({
      sid: ONLY_THE_GATE_WRITES_SID,
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: [...IMAGE_WRITE_ACTIONS],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': writer.roleArn } },
    }));
    this.repository.addToResourcePolicy(new iam.PolicyStatement({
      sid: ONLY_CLOUDFORMATION_MANAGES_SID,
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: [...REPOSITORY_MANAGEMENT_ACTIONS],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': manager } },
    }));
  }
}
