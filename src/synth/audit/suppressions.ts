import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { AuditReplicaStack } from './audit-replica-stack';
import { AuditReplication } from './audit-replication';
import { AuditTier } from './audit-tier';
import { AuditTrail } from './audit-trail';
import { TransactionAuditDelivery } from './transaction-audit-delivery';
import { AWS, CDK_GRANT_INLINE, child, FRAMEWORKS, logicalId, rule, suppress, Suppressor } from '../compliance/suppressions';

const OWN_INLINE = 'The statements are written out in this folder, each scoped to the named buckets, keys, streams or log groups, '
  + 'and they live in the role\'s own policy so that they are created and deleted with the role.';

/** The copy of an audit bucket is the end of the line: replicating it again would make a third copy of the same evidence. */
function replicaBucket(replica: AuditReplicaStack): void {
  suppress(replica.bucket, rule('S3BucketReplicationEnabled', FRAMEWORKS,
    `This bucket is the replica in a second region of the ${replica.sourceRegion} audit bucket, so replicating it again would only make a third copy of the same evidence.`));
}

/** The replication role: object keys are not known in advance, and the replica key lives in another region. */
function replicationRole(replication: AuditReplication): void {
  const bucketObjects = `Resource::<${logicalId(replication.node.scope!.node.findChild('Bucket'))}.Arn>/*`;
  const { account } = Stack.of(replication);
  const destinationWildcards = Object.keys(replication.ruleIds).flatMap((region) => [
    `Resource::arn:<AWS::Partition>:kms:${region}:${account}:key/*`,
  ]);
  const destinationObjects = replication.destinationBucketNames.map((name) => `Resource::arn:<AWS::Partition>:s3:::${name}/*`);
  suppress(child(replication.role, 'DefaultPolicy'),
    rule('IAM5', [AWS],
      'S3 replication reads and writes object versions whose keys are not known in advance, so the statements name every object of '
      + 'the source and of each destination bucket; the replica key lives in another region, where its ARN cannot be referenced, '
      + 'so its statement allows only the key carrying that destination\'s alias, through S3 in that region, for that bucket.',
      [bucketObjects, ...destinationObjects, ...destinationWildcards]),
    rule('IAMNoInlinePolicy', FRAMEWORKS, `The replication role may only replicate this audit bucket into its copies. ${OWN_INLINE}`));
}

/** CloudTrail's role that writes into the trail's log group, granted by CDK. */
function trailLogsRole(trail: AuditTrail): void {
  suppress(child(trail.trail, 'LogsRole', 'DefaultPolicy'), rule('IAMNoInlinePolicy', FRAMEWORKS,
    `The trail's role may only create streams in and write to the trail's log group. ${CDK_GRANT_INLINE}`));
}

/** Firehose writes objects under generated keys; CloudWatch Logs puts records into one stream. */
function transactionRecords(delivery: TransactionAuditDelivery): void {
  const bucket = delivery.node.scope!.node.findChild('Bucket');
  suppress(child(delivery.role, 'DefaultPolicy'),
    rule('IAM5', [AWS], 'Firehose names each object it writes by time and a generated suffix, so the role may write any object of the one audit bucket.',
      [`Resource::<${logicalId(bucket)}.Arn>/*`]),
    rule('IAMNoInlinePolicy', FRAMEWORKS, `The Firehose role may only write the audit bucket, use its key through S3 and log delivery errors. ${OWN_INLINE}`));
  suppress(child(delivery, 'SubscriptionRole', 'DefaultPolicy'), rule('IAMNoInlinePolicy', FRAMEWORKS,
    `The CloudWatch Logs role may only put records into the one audit Firehose stream. ${OWN_INLINE}`));
}

/** A production environment with a single region has no other region to copy its evidence into. */
function singleRegionAuditBucket(tier: AuditTier): void {
  if (tier.replication) return;
  suppress(tier.bucket, rule('S3BucketReplicationEnabled', FRAMEWORKS,
    'The environment runs in a single region, so there is no second region of its own to replicate into; the config warns about it, and adding a region turns replication on.'));
}

/** The exceptions of the audit constructs. */
export const auditSuppressions: Suppressor = (c: IConstruct) => {
  if (c instanceof AuditReplicaStack) replicaBucket(c);
  else if (c instanceof AuditReplication) replicationRole(c);
  else if (c instanceof AuditTrail) trailLogsRole(c);
  else if (c instanceof TransactionAuditDelivery) transactionRecords(c);
  else if (c instanceof AuditTier) singleRegionAuditBucket(c);
};
