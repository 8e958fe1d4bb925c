import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { logServerAccess } from '../constructs/server-access-logs';
import { restrictGrantsToAwsResources } from '../constructs/key-policy';

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
}
