import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Props of a LogDeliveryBucket. */
export interface LogDeliveryBucketProps {
  /** Days the logs are kept (current versions; overwritten versions go after one day). */
  readonly retentionDays: number;
  /** What happens to the bucket when its stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
  /**
   * Empty the bucket when its stack is deleted (a CDK custom resource), so a DESTROY removal
   * policy does not fail on a non-empty bucket.
   * @default false
   */
  readonly autoDeleteObjects?: boolean;
}

/**
 * A bucket that an AWS log delivery writes into: the ALB's access logs, S3 server access logs.
 * Log delivery accepts SSE-S3 only (it rejects SSE-KMS), so unlike every other store here it
 * uses S3-managed keys; it is TLS-only, private, owner-enforced and versioned, and its logs
 * expire after `retentionDays`. It does not log itself (logs of logs would recurse). Its
 * compliance exceptions are one entry in src/synth/constructs/suppressions.ts for every instance.
 */
export class LogDeliveryBucket extends s3.Bucket {
  constructor(scope: Construct, id: string, props: LogDeliveryBucketProps) {
    super(scope, id, {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [{
        id: 'expire-logs',
        expiration: Duration.days(props.retentionDays),
        noncurrentVersionExpiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      }],
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: props.autoDeleteObjects,
    });
  }
}
