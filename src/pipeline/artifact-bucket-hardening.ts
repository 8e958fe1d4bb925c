import * as s3 from 'aws-cdk-lib/aws-s3';

/** Days pipeline artifacts are kept; a run older than this cannot be retried. */
export const ARTIFACT_RETENTION_DAYS = 30;

/**
 * Adds what CodePipeline's own artifact buckets lack: versioning (an overwritten artifact can
 * be recovered during an incident) and lifecycle expiry (artifacts do not pile up forever).
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
}
