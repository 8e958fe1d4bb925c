import { z } from 'zod';
import { describeValue, expecting } from './messages';
import { primaryRegionOf, secondaryRegionsOf } from './resilience';
import type { DeliveryConfig, EnvironmentConfig } from './schema';

/**
 * Default of `environments[i].replicationLagAlarmSeconds`: how far (seconds) a secondary region
 * of an Aurora global database may lag its writer before the `AuroraGlobalDBReplicationLag`
 * alarm pages (the Maximum of one-minute periods, 3 of 5 minutes).
 *
 * Why 30 s by default, and why a team may choose otherwise:
 * - AWS's typical lag: Aurora global databases replicate "with typical latency of under a
 *   second" (Aurora User Guide, "Using Amazon Aurora Global Database",
 *   https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database.html).
 *   A healthy secondary is therefore far below any threshold in this range.
 * - The alarm's noise: the statistic is the Maximum of each minute, so one slow commit burst or
 *   a maintenance action on the writer lifts a whole minute. At 1 s (what the payments system
 *   we replace alarms at) such minutes are common enough that 3 of 5 of them happen and page
 *   on a busy day; at 30 s only sustained trouble pages.
 * - What the number means: the data an unplanned failover would lose (the RPO). A team whose RPO
 *   is a second sets 1 and accepts the pages; 30 s matches the RPO RUNBOOKS.md states.
 */
export const DEFAULT_REPLICATION_LAG_ALARM_SECONDS = 30;
/** Bounds of the field: below 0.1 s the alarm would fire on normal replication; above an hour it no longer protects an RPO. */
export const MIN_REPLICATION_LAG_ALARM_SECONDS = 0.1;
export const MAX_REPLICATION_LAG_ALARM_SECONDS = 3600;

/** The schema of `environments[i].replicationLagAlarmSeconds` (seconds, 0.1 to 3600, millisecond precision). */
export const replicationLagAlarmSecondsSchema = z.number(expecting(`a number of seconds from ${MIN_REPLICATION_LAG_ALARM_SECONDS} to ${MAX_REPLICATION_LAG_ALARM_SECONDS}, e.g. 30 or 1`))
  .min(MIN_REPLICATION_LAG_ALARM_SECONDS, {
    error: (iss) => `must be at least ${MIN_REPLICATION_LAG_ALARM_SECONDS} seconds (Aurora's normal lag is up to about a second: lower would page on healthy replication); got ${describeValue(iss.input)}`,
  })
  .max(MAX_REPLICATION_LAG_ALARM_SECONDS, {
    error: (iss) => `must be at most ${MAX_REPLICATION_LAG_ALARM_SECONDS} seconds (an hour); got ${describeValue(iss.input)}`,
  })
  .refine((s) => Math.abs(s * 1000 - Math.round(s * 1000)) < 1e-6, {
    error: (iss) => `must have at most three decimals (CloudWatch reports the lag in milliseconds); got ${describeValue(iss.input)}`,
  });

/** The threshold (seconds) of an environment's replication-lag alarm: as configured, else the default. */
export function replicationLagAlarmSecondsOf(environment: Pick<EnvironmentConfig, 'replicationLagAlarmSeconds'>): number {
  return environment.replicationLagAlarmSeconds ?? DEFAULT_REPLICATION_LAG_ALARM_SECONDS;
}

/** The same threshold in milliseconds, the unit of `AuroraGlobalDBReplicationLag`. */
export function replicationLagAlarmMillisecondsOf(environment: Pick<EnvironmentConfig, 'replicationLagAlarmSeconds'>): number {
  return Math.round(replicationLagAlarmSecondsOf(environment) * 1000);
}

/** The synth summary's lines: per environment with secondaries, the threshold and where it comes from. */
export function renderReplicationLagAlarms(config: Pick<DeliveryConfig, 'environments'>): string[] {
  return config.environments.flatMap((environment, i) => {
    const secondaries = secondaryRegionsOf(environment);
    if (secondaries.length === 0) return [];
    const seconds = replicationLagAlarmSecondsOf(environment);
    const source = environment.replicationLagAlarmSeconds === undefined
      ? `the default; set environments[${i}].replicationLagAlarmSeconds to change it`
      : `environments[${i}].replicationLagAlarmSeconds`;
    return [`Replication-lag alarm: ${environment.name} pages when ${secondaries.join(', ')} lags the writer ${primaryRegionOf(environment)} `
      + `by more than ${seconds} s for 3 of 5 minutes (${source})`];
  });
}
