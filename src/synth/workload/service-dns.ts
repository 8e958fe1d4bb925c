import { Duration } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { StageSettings } from './stage-settings';
import { secondaryRegionsOf } from '../../config/resilience';

/** Deep health path of the primary region's failover record: 200 only while this region's database takes writes. */
export const WRITER_HEALTH_PATH = '/health/deep?require=writer';
/** Deep health path of a secondary region's failover record: 200 while this region's database answers (either role). */
export const DEEP_HEALTH_PATH = '/health/deep';

/** Props of addServiceRecord. */
export interface ServiceRecordProps {
  /** The settings of the stage (the role of its region decides the routing policy). */
  readonly settings: StageSettings;
  /** The hosted zone of the environment's domain. */
  readonly zone: route53.IHostedZone;
  /** The name users call, e.g. `api.prod.example.com`. */
  readonly recordName: string;
  /** This region's load balancer (the record's alias target and the health check's host). */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** Path the health check of a latency record (an `independent` environment) requests. */
  readonly latencyHealthCheckPath: string;
}

/** What addServiceRecord created. */
export interface ServiceRecord {
  /** The Route 53 health check that decides whether Route 53 answers with this region. */
  readonly healthCheck: route53.HealthCheck;
  /** The routed record of this region under the service name. */
  readonly record: route53.ARecord;
  /** How the record routes: `latency` (independent regions) or `failover` (one writer). */
  readonly routing: 'latency' | 'failover';
}

/**
 * This region's record under the service name (`recordName`), with its Route 53 health check.
 * Constructs are added to `scope` (the EdgeTier) with the ids it always had, so the logical ids
 * of an `independent` environment's records do not change.
 *
 * - `independent` environment: a LATENCY record per region, healthy while `/health` answers
 *   (each region has its own database, any healthy region may serve).
 * - `global` environment (one writer, src/config/resilience.ts): FAILOVER routing. The primary
 *   region's record is PRIMARY, healthy only while `/health/deep?require=writer` answers 200,
 *   i.e. while this region's database takes writes; the secondary region's record is SECONDARY,
 *   healthy while `/health/deep` answers (its database replies, as reader or writer). So:
 *   - normal operation: everyone goes to the primary region (the writer);
 *   - the primary region's service or database fails: Route 53 answers with the secondary, which
 *     serves reads and answers writes with 503 + Retry-After until the database fails over;
 *   - after `npx projen failover` the old primary region, back as a reader, fails `require=writer`,
 *     so DNS keeps following the writer, with no DNS change;
 *   - both unhealthy: Route 53 answers with the PRIMARY record (its documented behaviour when
 *     every record of a failover pair is unhealthy), so clients see the primary region's errors.
 *   Route 53 allows exactly one PRIMARY and one SECONDARY record per name, so a global
 *   environment with a domain has at most two regions (the config loader refuses more:
 *   src/config/region-rules.ts; checked here again).
 *
 * The health check calls the ALB's own name over HTTPS (the service name resolves to whichever
 * region Route 53 picks, not necessarily this one). Route 53 does not validate the certificate,
 * so the name mismatch is fine. The deep check queries the database: with 30 s intervals the
 * ~15 Route 53 checker locations add well under one query per second.
 */
export function addServiceRecord(scope: Construct, props: ServiceRecordProps): ServiceRecord {
  const { zone, loadBalancer } = props;
  const { environment, region, role } = props.settings;
  if (role !== 'independent' && secondaryRegionsOf(environment).length > 1) {
    throw new Error(`Environment "${environment.name}" is global with a domain and ${environment.regions.length} regions, `
      + 'but Route 53 failover routing has exactly one PRIMARY and one SECONDARY record per name: '
      + 'use two regions, or set resilience: "independent"');
  }
  const path = role === 'independent' ? props.latencyHealthCheckPath : role === 'primary' ? WRITER_HEALTH_PATH : DEEP_HEALTH_PATH;
  const healthCheck = new route53.HealthCheck(scope, 'HealthCheck', {
    type: route53.HealthCheckType.HTTPS,
    fqdn: loadBalancer.loadBalancerDnsName,
    port: 443,
    resourcePath: path,
    requestInterval: Duration.seconds(30),
    failureThreshold: 3,
  });
  const common = {
    zone,
    recordName: props.recordName,
    setIdentifier: props.settings.stageId,
    healthCheck,
  };
  if (role === 'independent') {
    const target = route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(loadBalancer));
    return { healthCheck, routing: 'latency', record: new route53.ARecord(scope, 'LatencyRecord', { ...common, target, region }) };
  }
  const failover = role === 'primary' ? route53.Failover.PRIMARY : route53.Failover.SECONDARY;
  // Failover alias records must evaluate the target's health (CDK enforces it): the region is
  // then also unhealthy when its ALB has no healthy target, whatever the deep check says.
  const target = route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(loadBalancer, { evaluateTargetHealth: true }));
  return { healthCheck, routing: 'failover', record: new route53.ARecord(scope, 'FailoverRecord', { ...common, target, failover }) };
}
