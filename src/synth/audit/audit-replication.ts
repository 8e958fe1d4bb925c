import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** One region the audit bucket replicates into. */
export interface AuditReplicationDestination {
  /** The destination region. */
  readonly region: string;
  /** The destination bucket's name (auditReplicaBucketNameOf). */
  readonly bucketName: string;
  /** Alias of its key, without `alias/` (auditReplicaKeyAliasOf). */
  readonly keyAlias: string;
}

/** Props of AuditReplication. */
export interface AuditReplicationProps {
  /** The source bucket (this stage's audit bucket). */
  readonly bucket: s3.Bucket;
  /** Its key. */
  readonly key: kms.IKey;
  /** Where it replicates to (every other region of the environment). */
  readonly destinations: readonly AuditReplicationDestination[];
}

/** S3's encryption context of an object or bucket ARN (an S3 Bucket Key uses the bucket's ARN). */
const s3ArnContext = (bucketArn: string) => ({ 'kms:EncryptionContext:aws:s3:arn': [bucketArn, `${bucketArn}/*`] });

/**
 * Live replication of the audit bucket into every other region of the environment, one rule
 * per destination, and the role S3 replicates with.
 *
 * Each rule (S3 PutBucketReplication, the botocore `s3` model's shapes):
 * - every object (`Filter: { Prefix: "" }`), delete markers NOT replicated (the lifecycle's
 *   expiry markers stay local; the copy expires by its own lifecycle);
 * - SSE-KMS objects included: "By default, Amazon S3 doesn't replicate objects that are stored at
 *   rest using server-side encryption with KMS keys. To replicate AWS KMS-encrypted objects, add
 *   ... SourceSelectionCriteria, SseKmsEncryptedObjects, Status, EncryptionConfiguration, and
 *   ReplicaKmsKeyID"; the replica key is named by its alias ARN ("Key ARN or Alias ARN");
 * - replication metrics on (`Metrics.Status: Enabled`): needed for the `OperationsFailedReplication`
 *   and `ReplicationLatency` metrics the alarms watch, without S3 Replication Time Control
 *   (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-metrics-events.html: "You can
 *   enable S3 Replication metrics independently of S3 RTC"); the 15-minute event threshold is the
 *   value S3 accepts.
 *
 * The role may do exactly what S3 replication needs, on exactly these buckets and keys
 * (archived S3 developer guide, replication-config-for-kms-objects.md; S3 FAQ for Object Lock):
 * read the source's replication configuration and list it; read object versions, their ACL,
 * tags, retention and legal hold on the source (the last two because the buckets use Object
 * Lock); replicate objects and tags into each destination; decrypt with the source key only
 * through S3 in this region and only for this bucket's encryption context; encrypt with each
 * destination key only through S3 in that region, only for that bucket, and only the key that
 * carries that destination's alias (`kms:ResourceAliases`: the key's ARN is not known here, it
 * lives in another region's stack). It trusts s3.amazonaws.com; only a principal allowed
 * iam:PassRole on it (this stack's CloudFormation role) can attach it to a bucket.
 */
export class AuditReplication extends Construct {
  /** The role S3 replicates with. */
  public readonly role: iam.Role;
  /** The rule id of each destination region (the `RuleId` dimension of the replication metrics). */
  public readonly ruleIds: Readonly<Record<string, string>>;
  /** The destination buckets' names. */
  public readonly destinationBucketNames: readonly string[];

  constructor(scope: Construct, id: string, props: AuditReplicationProps) {
    super(scope, id);
    const { bucket, destinations } = props;
    const { region, account, partition } = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('s3.amazonaws.com'),
      description: `S3 replication of the audit bucket of ${region} into ${destinations.map((d) => d.region).join(', ')}, nothing else`,
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadReplicationConfiguration',
      actions: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
      resources: [bucket.bucketArn],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadSourceObjectVersions',
      actions: [
        's3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging',
        's3:GetObjectRetention', 's3:GetObjectLegalHold',
      ],
      resources: [bucket.arnForObjects('*')],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DecryptSourceThroughS3',
      actions: ['kms:Decrypt'],
      resources: [props.key.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` },
        StringLike: s3ArnContext(bucket.bucketArn),
      },
    }));
    const ruleIds: Record<string, string> = {};
    destinations.forEach((d, i) => {
      const destinationArn = `arn:${partition}:s3:::${d.bucketName}`;
      ruleIds[d.region] = `audit-to-${d.region}`;
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: `ReplicateInto${i}`,
        actions: ['s3:ReplicateObject', 's3:ReplicateTags'],
        resources: [`${destinationArn}/*`],
      }));
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: `EncryptReplicaThroughS3${i}`,
        actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [`arn:${partition}:kms:${d.region}:${account}:key/*`],
        conditions: {
          'StringEquals': { 'kms:ViaService': `s3.${d.region}.amazonaws.com` },
          'StringLike': s3ArnContext(destinationArn),
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': `alias/${d.keyAlias}` },
        },
      }));
    });
    this.ruleIds = ruleIds;
    this.destinationBucketNames = destinations.map((d) => d.bucketName);

    const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
    cfnBucket.replicationConfiguration = {
      role: this.role.roleArn,
      rules: destinations.map((d, i) => ({
        id: ruleIds[d.region],
        priority: i,
        status: 'Enabled',
        filter: { prefix: '' },
        deleteMarkerReplication: { status: 'Disabled' },
        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
        destination: {
          bucket: `arn:${partition}:s3:::${d.bucketName}`,
          encryptionConfiguration: { replicaKmsKeyId: `arn:${partition}:kms:${d.region}:${account}:alias/${d.keyAlias}` },
          metrics: { status: 'Enabled', eventThreshold: { minutes: 15 } },
        },
      })),
    };
  }
}
