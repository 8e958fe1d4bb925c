import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AuditBucket } from './audit-bucket';
import { AuditConfig } from '../../config/audit';
import { EnvironmentConfig } from '../../config/schema';
import { WorkloadKey } from '../constructs/encryption';

/** Props of an AuditReplicaStack. */
export interface AuditReplicaStackProps extends StackProps {
  /** The (production) environment. */
  readonly environment: EnvironmentConfig;
  /** The audit settings (retention, Object Lock mode). */
  readonly audit: AuditConfig;
  /** Name prefix of the SOURCE stage (`<app>-<env>-<source region>`): the key alias carries it. */
  readonly sourceNamePrefix: string;
  /** The region whose audit bucket replicates here. */
  readonly sourceRegion: string;
  /** The bucket's fixed name (auditReplicaBucketNameOf), which the source region's replication rule names. */
  readonly bucketName: string;
}

/**
 * The copy, in another region, of one production stage's audit bucket: a stack of that stage
 * (`<stage>-AuditReplica-<region>`, e.g. `prod-us-east-1-AuditReplica-us-east-2`) deployed into
 * the other region, holding the destination bucket (same settings as the source: KMS, Object
 * Lock, versioning, TLS-only, lifecycle) and its own key in that region.
 *
 * Why the stage owns its copy instead of replicating into the other stage's bucket: S3 refuses a
 * replication rule whose destination bucket does not exist yet ("Destination bucket must exist",
 * InvalidRequest of PutBucketReplication), and a sequential rollout deploys the primary region
 * first, so on the first release the other stage's bucket cannot exist when the primary's rule
 * is written. This stack deploys beside the stage's Platform stack, before its Service stack
 * (which holds the source bucket and its rule): no pipeline slot is added, and each bucket has
 * one owner. Names are derived from the config (src/config/audit.ts), never referenced: a
 * template cannot reference a resource in another region.
 *
 * Not termination-protected (the pipeline's protection step covers Platform and Service): its
 * bucket and key are retained, so deleting the stack loses nothing.
 */
export class AuditReplicaStack extends Stack {
  /** Always true: only production stages have audit buckets. */
  public readonly production: boolean;
  /** The key of the copy, in this region (alias `<source name prefix>/audit-replica`). */
  public readonly key: WorkloadKey;
  /** The destination bucket. */
  public readonly bucket: AuditBucket;
  /** The region that replicates into it. */
  public readonly sourceRegion: string;

  constructor(scope: Construct, id: string, props: AuditReplicaStackProps) {
    super(scope, id, props);
    this.production = props.environment.production;
    this.sourceRegion = props.sourceRegion;
    this.key = new WorkloadKey(this, 'Key', {
      environment: props.environment, namePrefix: props.sourceNamePrefix, purpose: 'audit-replica',
    });
    this.bucket = new AuditBucket(this, 'Bucket', {
      encryptionKey: this.key,
      retentionDays: props.audit.retentionDays,
      objectLockMode: props.audit.objectLockMode,
      bucketName: props.bucketName,
      serverAccessLogsPrefix: 'audit-replica/',
    });
    new CfnOutput(this, 'AuditReplicaBucketName', { value: this.bucket.bucketName, description: `Copy of the audit bucket of ${props.sourceRegion}` });
  }
}
