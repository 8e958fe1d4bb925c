import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { restrictGrantsToAwsResources } from '../constructs/key-policy';
import { LogDeliveryBucket } from '../constructs/log-delivery-bucket';

/** Days pipeline artifacts are kept; a run older than this cannot be retried. */
export const ARTIFACT_RETENTION_DAYS = 30;

/** Days S3 server access logs of the pipeline buckets are kept. */
export const SERVER_ACCESS_LOG_RETENTION_DAYS = 365;

/** Id of the per-stack server access-log bucket (one per stack, shared by its buckets). */
export const SERVER_ACCESS_LOGS_ID = 'ServerAccessLogs';

/**
 * The one bucket per stack that receives the S3 server access logs of the stack's other
 * buckets (artifacts, change reports): a LogDeliveryBucket, kept when the stack goes.
 */
export class ServerAccessLogsBucket extends LogDeliveryBucket {
  /** The stack's access-log bucket, created on first use. */
  public static of(scope: Construct): ServerAccessLogsBucket {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(SERVER_ACCESS_LOGS_ID);
    if (existing instanceof ServerAccessLogsBucket) return existing;
    return new ServerAccessLogsBucket(stack, SERVER_ACCESS_LOGS_ID);
  }

  private constructor(scope: Construct, id: string) {
    super(scope, id, {
      retentionDays: SERVER_ACCESS_LOG_RETENTION_DAYS,
      // Evidence of who read or wrote artifacts and reports outlives the pipeline stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // S3 log delivery writes with the bucket policy (ACLs are disabled), for this account only.
    this.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'S3ServerAccessLogDelivery',
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [this.arnForObjects('*')],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
    }));
  }
}

/**
 * Sends the S3 server access logs of `bucket` (defined in this app) to its stack's
 * ServerAccessLogsBucket, under `prefix`.
 */
export function logServerAccess(bucket: s3.IBucket, prefix: string): void {
  const cfn = bucket.node.defaultChild;
  if (!(cfn instanceof s3.CfnBucket)) {
    throw new Error(`logServerAccess: ${bucket.node.path} is not a bucket defined in this app`);
  }
  const logs = ServerAccessLogsBucket.of(bucket);
  cfn.loggingConfiguration = { destinationBucketName: logs.bucketName, logFilePrefix: prefix };
}

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
