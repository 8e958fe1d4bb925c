import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AuditBucket } from './audit-bucket';
import { AuditReplication, AuditReplicationDestination } from './audit-replication';
import { AuditTrail } from './audit-trail';
import { TransactionAuditDelivery } from './transaction-audit-delivery';
import { AuditConfig } from '../../config/audit';
import { EnvironmentConfig } from '../../config/schema';
import { WorkloadKey } from '../constructs/encryption';

/** Props of an AuditTier. */
export interface AuditTierProps {
  /** The (production) environment. */
  readonly environment: EnvironmentConfig;
  /** Stage name prefix (`<app>-<env>-<region>`): key alias, alarm descriptions. */
  readonly namePrefix: string;
  /** The audit settings (retention, Object Lock mode). */
  readonly audit: AuditConfig;
  /** The regions the bucket replicates into (every other region of the environment), with their derived names. */
  readonly destinations: readonly AuditReplicationDestination[];
  /** Whether this stage holds the account's trail (`audit.trail: "project"`, primary region). */
  readonly trail: boolean;
  /** The service's container log group (its transaction audit records are selected from it). */
  readonly serviceLogGroup: logs.ILogGroup;
  /** The stage's alarm topic. */
  readonly topic: sns.ITopic;
}

const minute = Duration.minutes(1);

/**
 * What records what happened in a production stage, and keeps it in two regions: the audit key
 * of the region, the audit bucket (AuditBucket), its replication into every other region of the
 * environment (AuditReplication, into each AuditReplicaStack), the account's trail where this
 * stage holds it (AuditTrail), the delivery of the service's transaction audit records
 * (TransactionAuditDelivery), and the alarms on all of it (to the stage's topic, part of the
 * stage's alarms: the bake and the post-deploy assertions watch them).
 *
 * In the Service stack, not the Platform stack: the replication rule needs its destination to
 * exist, and the replica stacks deploy beside the Platform stack; the Service stack deploys
 * after both, so no pipeline slot is added. The bucket is retained, so a failed or rolled-back
 * Service deploy never loses it (see README "Audit trail and audit records").
 */
export class AuditTier extends Construct {
  /** The region's audit key (bucket, trail, stream, the audit log groups). */
  public readonly key: WorkloadKey;
  /** The region's audit bucket. */
  public readonly bucket: AuditBucket;
  /** Its replication into the other regions (none when the environment has one region). */
  public readonly replication?: AuditReplication;
  /** The account's trail, where this stage holds it. */
  public readonly trail?: AuditTrail;
  /** The transaction audit records' delivery. */
  public readonly records: TransactionAuditDelivery;
  /** Per destination region: the replication latency and failed-operation alarms. */
  public readonly replicationAlarms: Readonly<Record<string, { latency: cloudwatch.Alarm; failed: cloudwatch.Alarm }>>;
  /** The delivery of the transaction audit records is late (data freshness). */
  public readonly deliveryAlarm: cloudwatch.Alarm;
  /** Every alarm of the tier. */
  public readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: AuditTierProps) {
    super(scope, id);
    const { environment, namePrefix, audit } = props;
    this.key = new WorkloadKey(this, 'Key', { environment, namePrefix, purpose: 'audit', allowCloudWatchLogs: true });
    this.bucket = new AuditBucket(this, 'Bucket', {
      encryptionKey: this.key,
      retentionDays: audit.retentionDays,
      objectLockMode: audit.objectLockMode,
      serverAccessLogsPrefix: 'audit/',
    });
    if (props.destinations.length > 0) {
      this.replication = new AuditReplication(this, 'Replication', { bucket: this.bucket, key: this.key, destinations: props.destinations });
    }
    if (props.trail) this.trail = new AuditTrail(this, 'Trail', { environment, bucket: this.bucket, key: this.key });
    this.records = new TransactionAuditDelivery(this, 'TransactionRecords', {
      environment, serviceLogGroup: props.serviceLogGroup, bucket: this.bucket, key: this.key,
    });
    // For RUNBOOKS.md "Audit records and replication" (a plain output, no export).
    new CfnOutput(Stack.of(this), 'AuditBucketName', { value: this.bucket.bucketName, description: 'Audit bucket of this region (trail log files, transaction audit records)' });

    const alarm = (alarmId: string, description: string, options: Omit<cloudwatch.AlarmProps, 'alarmDescription'>) => {
      const a = new cloudwatch.Alarm(this, alarmId, { ...options, alarmDescription: `${namePrefix}: ${description}` });
      a.addAlarmAction(new cwActions.SnsAction(props.topic));
      a.addOkAction(new cwActions.SnsAction(props.topic));
      return a;
    };
    const replicationAlarms: Record<string, { latency: cloudwatch.Alarm; failed: cloudwatch.Alarm }> = {};
    for (const destination of props.destinations) {
      const metric = (metricName: string, statistic: string) => new cloudwatch.Metric({
        namespace: 'AWS/S3',
        metricName,
        // ⚠️ The dimensions S3 publishes replication metrics with: SourceBucket, DestinationBucket,
        // RuleId (as public alarm modules use them; the user guide's metrics table lists the
        // metrics, research notes D7). Missing data is NOT_BREACHING on both alarms, so a wrong
        // dimension shows as an alarm that never fires, which the first-deploy check in
        // RUNBOOKS.md "Audit records and replication" catches.
        dimensionsMap: {
          SourceBucket: this.bucket.bucketName,
          DestinationBucket: destination.bucketName,
          RuleId: this.replication!.ruleIds[destination.region],
        },
        statistic,
        period: minute,
      });
      replicationAlarms[destination.region] = {
        // The copy in the other region is more than 15 minutes behind (the S3 RTC target) for 5
        // minutes straight: a regional loss now would lose that much evidence. Published only
        // while objects replicate: no data is no lag.
        latency: alarm(`ReplicationLatency-${destination.region}`, `audit bucket replication to ${destination.region} more than 15 minutes behind for 5 of 5 minutes`, {
          metric: metric('ReplicationLatency', 'Maximum'),
          threshold: 900,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 5,
          datapointsToAlarm: 5,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
        // S3 does not retry a failed replication: every failure is an object missing in the other
        // region until someone re-replicates it (RUNBOOKS.md). One is a page.
        failed: alarm(`ReplicationFailed-${destination.region}`, `audit bucket replication to ${destination.region} failed for at least one object in 1 of 1 minutes`, {
          metric: metric('OperationsFailedReplication', 'Sum'),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          datapointsToAlarm: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      };
    }
    this.replicationAlarms = replicationAlarms;
    // Firehose's oldest undelivered record is older than 15 minutes (healthy: at most the
    // 5-minute buffer) for 5 minutes straight: delivery to the bucket fails (KMS, Object Lock,
    // bucket policy). Firehose keeps retrying for 24 hours, so this pages long before data is lost.
    this.deliveryAlarm = alarm('TransactionRecordsDelivery', 'transaction audit records not delivered to the audit bucket for more than 15 minutes, for 5 of 5 minutes', {
      metric: this.records.metric('DeliveryToS3.DataFreshness', { statistic: 'Maximum', period: minute }),
      threshold: 900,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarms = [...Object.values(replicationAlarms).flatMap((a) => [a.latency, a.failed]), this.deliveryAlarm];
  }
}
