import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** Lag (milliseconds) above which a secondary region pages. */
export const REPLICATION_LAG_THRESHOLD_MS = 30_000;

/** Props of ReplicationLagAlarms. */
export interface ReplicationLagAlarmsProps {
  /** Stage name prefix, at the start of the alarm description. */
  readonly namePrefix: string;
  /** Identifier of this region's secondary cluster (`regionalClusterIdentifierOf`). */
  readonly clusterIdentifier: string;
  /** The region of the primary cluster it replicates from (`primaryRegionOf`): the metric's `SourceRegion`. */
  readonly sourceRegion: string;
  /** The stage's alarm topic: ALARM and OK go there, like every other alarm of the stage. */
  readonly topic: sns.ITopic;
  /**
   * Lag in milliseconds that pages.
   * @default REPLICATION_LAG_THRESHOLD_MS (30 s)
   */
  readonly thresholdMs?: number;
}

/**
 * The replication alarm of a secondary region of an Aurora global database:
 * `AuroraGlobalDBReplicationLag` (AWS/RDS, in the secondary's region, dimensions
 * `DBClusterIdentifier` of the secondary and `SourceRegion` of the primary), the Maximum over
 * one-minute periods above 30 s in 3 of 5 minutes.
 *
 * - Dimensions: an alarm matches exactly one dimension set, and a set the metric is not published
 *   with gives no data, which this alarm (missing data is breaching) would turn into an alarm that
 *   never clears. Aurora publishes the metric in the secondary region under the metric group
 *   "DBClusterIdentifier, SourceRegion", SourceRegion being the primary's region (AWS's Aurora
 *   workshop, "Monitor an Aurora Global Database": "select the metrics group named
 *   DBClusterIdentifier, SourceRegion ... Choose the metric named AuroraGlobalDBReplicationLag",
 *   github.com/aws-samples/amazon-aurora-labs-for-mysql docs/global/monitor/index.md; the earlier
 *   lab at awsauroralabsmy.com/global/cw lists it under the group SourceRegion with the primary's
 *   region as value). The Aurora dimensions page lists SourceRegion and DBClusterIdentifier but
 *   not which set each metric uses, and no AWS page shows the series with DBClusterIdentifier
 *   alone except a dashboard snippet; so the alarm uses the documented pair. Check a live
 *   environment with `aws cloudwatch list-metrics --namespace AWS/RDS --metric-name
 *   AuroraGlobalDBReplicationLag --region <secondary>` (RUNBOOKS.md "An alarm fired").
 *
 * - Threshold: replication normally runs well under a second; a burst of writes or primary
 *   maintenance can push it up for a minute. Sustained lag above 30 s means an unplanned
 *   failover would now lose more than 30 s of committed transactions (the RPO the runbook
 *   states), and that readers here serve stale data.
 * - 3 of 5 minutes: one slow minute is noise, three are a trend worth a page.
 * - Missing data is BREACHING: the secondary reports the metric every minute while it
 *   replicates, so silence means it stopped replicating (detached, promoted by a failover
 *   that the config does not know yet, or the cluster is down), and each of those needs a
 *   human. The other database alarms cannot see it: the instances stay up.
 *
 * `AuroraGlobalDBRPOLag` is left out: it measures against a managed RPO (the
 * `rds.global_db_rpo` parameter), which we do not set, because it makes the primary refuse
 * commits while a secondary lags (availability traded for RPO), a choice for a team to make.
 */
export class ReplicationLagAlarms extends Construct {
  /** Replication lag of this secondary cluster. */
  public readonly replicationLagAlarm: cloudwatch.Alarm;
  /** Every alarm of this construct. */
  public readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: ReplicationLagAlarmsProps) {
    super(scope, id);
    const threshold = props.thresholdMs ?? REPLICATION_LAG_THRESHOLD_MS;
    const metric = new cloudwatch.Metric({
      namespace: 'AWS/RDS',
      metricName: 'AuroraGlobalDBReplicationLag',
      dimensionsMap: { DBClusterIdentifier: props.clusterIdentifier, SourceRegion: props.sourceRegion },
      statistic: 'Maximum',
      period: Duration.minutes(1),
    });
    this.replicationLagAlarm = new cloudwatch.Alarm(this, 'ReplicationLag', {
      metric,
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      alarmDescription: `${props.namePrefix}: global database replication lag into this region above ${threshold / 1000} s (or not reported) for 3 of 5 minutes`,
    });
    this.replicationLagAlarm.addAlarmAction(new cwActions.SnsAction(props.topic));
    this.replicationLagAlarm.addOkAction(new cwActions.SnsAction(props.topic));
    this.alarms = [this.replicationLagAlarm];
  }
}
