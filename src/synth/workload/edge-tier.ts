import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { WorkloadProps } from './common';
import { SERVICE_PORT, WorkloadSecurityGroups } from './network-tier';
import { addServiceRecord, ServiceRecord } from './service-dns';
import { RegionalWebAcl } from './web-acl';
import { deploymentOf } from '../../config/deployment';
import { stageIdOf } from '../../config/waves';
import { WorkloadKey } from '../constructs/encryption';
import { LogDeliveryBucket } from '../constructs/log-delivery-bucket';
import { statefulRemovalPolicy } from '../constructs/removal-policies';
import { TrafficSwitch } from '../progressive-deployment/traffic-switch';

/** Props of the EdgeTier. */
export interface EdgeTierProps extends WorkloadProps {
  /** The stage VPC (the ALB goes into its public subnets). */
  readonly vpc: ec2.IVpc;
  /** The stage security groups (the load balancer group is used). */
  readonly securityGroups: WorkloadSecurityGroups;
  /**
   * Path of the liveness check the target group probes (and Route 53, for the latency records of
   * an `independent` environment; a `global` one's failover records probe the deep check).
   * @default '/health'
   */
  readonly healthCheckPath?: string;
  /** Requests per 5 minutes per client IP before WAF blocks it. @default 2000 */
  readonly rateLimitPer5Minutes?: number;
}

/**
 * The edge of one stage: an internet-facing ALB with WAF, access logs and, when the
 * environment has a `domain`, an ACM certificate, HTTPS (TLS 1.2+, HTTP redirects to HTTPS) and
 * Route 53 records. Without a domain the ALB serves plain HTTP on port 80 ("HTTP-only mode"):
 * ACM cannot issue a certificate for the ALB's amazonaws.com name, so there is nothing to
 * terminate TLS with. Production requires a domain unless the config opts out in writing
 * (`allowPlainHttp`, src/config/plain-http.ts).
 *
 * The target group lives here, the ECS service (ServiceStack) registers into it.
 */
export class EdgeTier extends Construct {
  /** The load balancer. */
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The target group the service registers into (IP targets on the service port). */
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** The listener that forwards to the service (HTTPS with a domain, else HTTP). */
  public readonly listener: elbv2.ApplicationListener;
  /**
   * Alternate target group, production and test listener rules for ECS's native progressive
   * deployments (`deployment.strategy` other than rolling).
   * @default - none: rolling deployments use the target group alone
   */
  public readonly trafficSwitch?: TrafficSwitch;
  /** Access-log bucket of the ALB. */
  public readonly accessLogsBucket: LogDeliveryBucket;
  /** The WAF web ACL and its logging. */
  public readonly webAcl: RegionalWebAcl;
  /** Key of the WAF log group. */
  public readonly logsKey: WorkloadKey;
  /**
   * This region's record under the service name and its Route 53 health check, when a domain
   * is configured (latency or failover routing: src/synth/workload/service-dns.ts).
   */
  public readonly serviceRecord?: ServiceRecord;
  /** The certificate, when a domain is configured. */
  public readonly certificate?: acm.Certificate;
  /**
   * The config's written reason for serving a production environment over plain HTTP
   * (`allowPlainHttp.reason`); the compliance report shows it.
   * @default - none: production has a domain, or the stage is not production
   */
  public readonly plainHttpReason?: string;
  /**
   * URL of this stage's load balancer: `https://<recordName>-<region>.<zoneName>` with a
   * domain (a regional name on the same certificate, so assertions hit this region), else
   * `http://<alb dns name>`.
   */
  public readonly url: string;
  /**
   * URL users call: `https://<recordName>.<zoneName>` (latency-routed across the regions of an
   * `independent` environment, failover-routed to the writer of a `global` one) with a domain,
   * else the same as `url`.
   */
  public readonly serviceUrl: string;
  /** Whether this is a production stage (deletion protection, retention). */
  public readonly production: boolean;
  /** Output of `url`, for pipeline steps (`envFromCfnOutputs`). */
  public readonly urlOutput: CfnOutput;
  /** Output of `serviceUrl`. */
  public readonly serviceUrlOutput: CfnOutput;

  constructor(scope: Construct, id: string, props: EdgeTierProps) {
    super(scope, id);
    const { environment } = props;
    const { region } = Stack.of(this);
    this.production = environment.production === true;
    const healthCheckPath = props.healthCheckPath ?? '/health';

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: props.securityGroups.loadBalancer,
      dropInvalidHeaderFields: true,
      deletionProtection: false,
      idleTimeout: Duration.seconds(60),
    });
    // Production: the attribute is left out (the L2 writes "false" when it is not asked for
    // protection), so the stage's first create is unprotected and a failed one rolls back (ELB
    // refuses to delete a protected load balancer); the prod stage's post-deploy step turns it
    // on once the stage exists (src/synth/workload/deletion-protection.ts says why).
    if (environment.production) this.loadBalancer.removeAttribute('deletion_protection.enabled');

    this.accessLogsBucket = new LogDeliveryBucket(this, 'AccessLogsBucket', {
      retentionDays: environment.sizing.logRetentionDays,
      removalPolicy: statefulRemovalPolicy(environment),
      // Non-production buckets are emptied on stack deletion so dev/test destroy cleanly.
      autoDeleteObjects: !environment.production,
    });
    this.loadBalancer.logAccessLogs(this.accessLogsBucket, 'alb');

    // One shape for the service's target groups: the primary, and with a progressive deployment
    // strategy the alternate one ECS switches to (TrafficSwitch).
    const newTargetGroup = (owner: Construct, targetGroupId: string) => new elbv2.ApplicationTargetGroup(owner, targetGroupId, {
      vpc: props.vpc,
      targetType: elbv2.TargetType.IP,
      protocol: elbv2.ApplicationProtocol.HTTP,
      port: SERVICE_PORT,
      deregistrationDelay: Duration.seconds(30),
      // Liveness, not readiness: ECS replaces tasks the ALB calls unhealthy, and a database
      // failover must not make it kill every task. /ready is checked by the post-deploy assertions.
      healthCheck: {
        path: healthCheckPath,
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });
    this.targetGroup = newTargetGroup(this, 'ServiceTargets');

    const domain = environment.domain;
    if (this.production && !domain) {
      // The config refuses this (src/config/plain-http.ts); stacks built without it must too.
      if (!environment.allowPlainHttp) {
        throw new Error(`Production environment "${environment.name}" has no domain: set environment.domain (HTTPS), or allowPlainHttp with a reason`);
      }
      this.plainHttpReason = environment.allowPlainHttp.reason;
    }
    if (domain) {
      const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
        hostedZoneId: domain.hostedZoneId,
        zoneName: domain.zoneName,
      });
      const globalName = `${domain.recordName}.${domain.zoneName}`;
      const regionalName = `${domain.recordName}-${region}.${domain.zoneName}`;
      this.certificate = new acm.Certificate(this, 'Certificate', {
        domainName: globalName,
        subjectAlternativeNames: [regionalName],
        validation: acm.CertificateValidation.fromDns(zone),
      });
      this.listener = this.loadBalancer.addListener('Https', {
        protocol: elbv2.ApplicationProtocol.HTTPS,
        port: 443,
        open: false, // the ingress rules are explicit in WorkloadSecurityGroups
        certificates: [this.certificate],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultTargetGroups: [this.targetGroup],
      });
      this.loadBalancer.addListener('HttpRedirect', {
        protocol: elbv2.ApplicationProtocol.HTTP,
        port: 80,
        open: false,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      });

      // Latency routing for independent regions, failover routing on the deep health check
      // when the environment has one writer (src/synth/workload/service-dns.ts).
      this.serviceRecord = addServiceRecord(this, {
        environment, region, zone, recordName: globalName, loadBalancer: this.loadBalancer, latencyHealthCheckPath: healthCheckPath,
      });
      new route53.ARecord(this, 'RegionalRecord', {
        zone,
        recordName: regionalName,
        target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(this.loadBalancer)),
      });
      this.url = `https://${regionalName}`;
      this.serviceUrl = `https://${globalName}`;
    } else {
      // HTTP-only mode (no domain configured): see the class comment and README.
      this.listener = this.loadBalancer.addListener('Http', {
        protocol: elbv2.ApplicationProtocol.HTTP,
        port: 80,
        open: false,
        defaultTargetGroups: [this.targetGroup],
      });
      this.url = `http://${this.loadBalancer.loadBalancerDnsName}`;
      this.serviceUrl = this.url;
    }

    if (deploymentOf(environment).progressive) {
      this.trafficSwitch = new TrafficSwitch(this, 'TrafficSwitch', {
        vpc: props.vpc,
        loadBalancer: this.loadBalancer,
        loadBalancerSecurityGroup: props.securityGroups.loadBalancer,
        productionListener: this.listener,
        primaryTargetGroup: this.targetGroup,
        newTargetGroup,
        url: this.url,
        certificate: this.certificate,
      });
    }

    this.logsKey = new WorkloadKey(this, 'LogsKey', {
      environment, namePrefix: props.namePrefix, purpose: 'edge-logs', allowCloudWatchLogs: true,
    });
    this.webAcl = new RegionalWebAcl(this, 'Waf', {
      environment,
      namePrefix: props.namePrefix,
      resourceArn: this.loadBalancer.loadBalancerArn,
      logsKey: this.logsKey,
      rateLimitPer5Minutes: props.rateLimitPer5Minutes,
    });

    this.urlOutput = new CfnOutput(this, 'LoadBalancerUrl', { value: this.url, description: 'URL of this stage\'s load balancer' });
    this.serviceUrlOutput = new CfnOutput(this, 'ServiceUrl', { value: this.serviceUrl, description: 'URL users call' });
  }
}
