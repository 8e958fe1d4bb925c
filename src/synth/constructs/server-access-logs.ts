import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LogDeliveryBucket } from './log-delivery-bucket';

/** Days S3 server access logs are kept (the pipeline's buckets, the audit buckets). */
export const SERVER_ACCESS_LOG_RETENTION_DAYS = 365;

/** Id of the per-stack server access-log bucket (one per stack, shared by its buckets). */
export const SERVER_ACCESS_LOGS_ID = 'ServerAccessLogs';

/**
 * The one bucket per stack that receives the S3 server access logs of the stack's other
 * buckets (artifacts, change reports, audit buckets): a LogDeliveryBucket, kept when the stack
 * goes. Shared by the pipeline stack and the production stages' audit stacks.
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
      // Evidence of who read or wrote artifacts, reports and audit records outlives the stack.
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
