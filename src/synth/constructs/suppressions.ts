import { LogDeliveryBucket } from './log-delivery-bucket';
import { AWS, bucketWithoutEventsOrObjectLock, FRAMEWORKS, guard, rule, suppress, Suppressor } from '../compliance/suppressions';

const LOG_BUCKET_IS_THE_LOG = 'This bucket is itself the access-log destination, and logging it into another bucket would '
  + 'only move the same exception one level down.';

const LOG_DELIVERY_SSE_S3 = 'AWS log delivery into this bucket supports SSE-S3 only and rejects SSE-KMS, so '
  + 'S3-managed keys are the only working choice here.';

/**
 * A bucket AWS log delivery writes into (the ALB's access logs, S3 server access logs): the
 * documented log-bucket exception, one rule for every instance.
 */
function logDeliveryBucket(bucket: LogDeliveryBucket): void {
  suppress(bucket,
    rule('S1', [AWS], LOG_BUCKET_IS_THE_LOG),
    rule('S3BucketLoggingEnabled', FRAMEWORKS, LOG_BUCKET_IS_THE_LOG),
    rule('S3DefaultEncryptionKMS', FRAMEWORKS, LOG_DELIVERY_SSE_S3),
    rule('S3BucketReplicationEnabled', FRAMEWORKS,
      'Access logs are telemetry that expires by lifecycle rule in the account that produced it, so a second regional copy is not worth its cost.'));
  guard(bucket, ['s3_bucket_logging_enabled_check'], LOG_BUCKET_IS_THE_LOG);
  guard(bucket, ['s3_bucket_default_encryption_kms_check'], LOG_DELIVERY_SSE_S3);
  bucketWithoutEventsOrObjectLock(bucket);
}

/** The exceptions of the shared constructs. */
export const constructSuppressions: Suppressor = (c) => {
  if (c instanceof LogDeliveryBucket) logDeliveryBucket(c);
};
