import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { restrictGrantsToAwsResources } from '../constructs/key-policy';
import { logServerAccess } from '../constructs/server-access-logs';

/** Props of the ReportBucket. */
export interface ReportBucketProps {
  /** Days a change report is kept (evidence of what an approver saw). @default 365 */
  readonly retentionDays?: number;
}

/**
 * Where the change reports live, in the pipeline account: KMS-encrypted with a rotating key,
 * TLS-only, public access blocked, versioned, expiring after a year, retained on delete, its
 * S3 server access logs (who read which report) in the stack's access-log bucket.
 */
export class ReportBucket extends Construct {
  /** The bucket. */
  public readonly bucket: s3.Bucket;
  /** Its key. */
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: ReportBucketProps = {}) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the prod change reports',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    restrictGrantsToAwsResources(this.key);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [{
        expiration: Duration.days(props.retentionDays ?? 365),
        noncurrentVersionExpiration: Duration.days(30),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    logServerAccess(this.bucket, 'change-reports/');
  }

  /**
   * Let only `writer` create, overwrite or delete objects under `prefix` (the image gate's
   * provenance records): an explicit Deny, in the bucket policy, on every other principal, named
   * by `aws:PrincipalArn` as in ImageRepository.reserveImageWritesTo. Covered: PutObject (also
   * what CopyObject and multipart uploads need), DeleteObject, DeleteObjectVersion and the
   * replication writes (a replication rule of another bucket could otherwise copy objects in).
   * S3 Lifecycle still expires them: lifecycle actions are S3's own, which is why the S3 API
   * Reference says that to prevent objects from being removed you must deny
   * s3:PutLifecycleConfiguration besides s3:DeleteObject and s3:DeleteObjectVersion
   * (PutBucketLifecycle, https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycle.html).
   * A record that expires or is deleted only makes the gate refuse to reuse that commit's tag.
   */
  public reserveWritesUnder(prefix: string, writer: iam.IRole): void {
    this.bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: RESERVED_WRITES_SID,
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: [...RESERVED_WRITE_ACTIONS],
      resources: [this.bucket.arnForObjects(`${prefix}*`)],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': writer.roleArn } },
    }));
  }
}

/** Sid of the statement that reserves a prefix's writes to one role. */
export const RESERVED_WRITES_SID = 'OnlyTheImageGateWritesProvenance';

/** The S3 actions that create, replace or remove an object (Service Authorization Reference for Amazon S3). */
export const RESERVED_WRITE_ACTIONS = ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObject', 's3:ReplicateDelete', 's3:ReplicateObject'] as const;
