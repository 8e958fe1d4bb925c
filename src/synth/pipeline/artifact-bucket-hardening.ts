import * as s3 from 'aws-cdk-lib/aws-s3';
import { restrictGrantsToAwsResources } from '../constructs/key-policy';
import { logServerAccess } from '../constructs/server-access-logs';

/** Days pipeline artifacts are kept; a run older than this cannot be retried. */
export const ARTIFACT_RETENTION_DAYS = 30;

/** Whether `bucket` is the replication bucket of a CodePipeline cross-region support stack. */
export function isCrossRegionReplicationBucket(bucket: s3.IBucket): boolean {
  return bucket.node.id === 'CrossRegionCodePipelineReplicationBucket';
}

/**
 * Adds what CodePipeline's own artifact buckets lack: versioning (an overwritten artifact can
 * be recovered during an incident), lifecycle expiry (artifacts do not pile up forever) and
 * S3 server access logs (who read or wrote which artifact) into the stack's access-log bucket
 * (main artifact bucket only, see below).
 * KMS encryption, TLS-only access and the public-access block are already set by
 * aws-codepipeline when `crossAccountKeys` is on; tests assert all of it on the template.
 */
export function hardenArtifactBucket(bucket: s3.IBucket): void {
  const cfn = bucket.node.defaultChild as s3.CfnBucket | undefined;
  if (!cfn || !(cfn instanceof s3.CfnBucket)) {
    throw new Error(`hardenArtifactBucket: ${bucket.node.path} is not a bucket defined in this app`);
  }
  cfn.versioningConfiguration = { status: 'Enabled' };
  cfn.lifecycleConfiguration = {
    rules: [{
      id: 'expire-pipeline-artifacts',
      status: 'Enabled',
      expirationInDays: ARTIFACT_RETENTION_DAYS,
      noncurrentVersionExpiration: { noncurrentDays: 7 },
      abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
    }],
  };
  // The main artifact bucket logs S3 access to the pipeline stack's access-log bucket. The
  // cross-region replication bucket lives in a support stack CodePipeline generates with one
  // bucket and one key; it is a transit copy of the same artifacts and is not given a second
  // bucket there (its exception is documented in src/synth/pipeline/suppressions.ts).
  if (!isCrossRegionReplicationBucket(bucket)) logServerAccess(bucket, 'artifacts/');
  // The artifact key (created by aws-codepipeline) gets the same grant restriction as ours.
  if (bucket.encryptionKey) restrictGrantsToAwsResources(bucket.encryptionKey);
}
