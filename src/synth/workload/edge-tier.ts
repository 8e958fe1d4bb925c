import { CfnOutput, Duration } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { SERVICE_PORT, WorkloadSecurityGroups } from './network-tier';
import { addServiceRecord, ServiceRecord } from './service-dns';
import { StageSettings } from './stage-settings';
import { RegionalWebAcl } from './web-acl';
import { EnvironmentConfig } from '../../config/schema';
import { WorkloadKey } from '../constructs/encryption';
import { LogDeliveryBucket } from '../constructs/log-delivery-bucket';
import { statefulRemovalPolicy } from '../constructs/removal-policies';
import { TrafficSwitch } from '../progressive-deployment/traffic-switch';

/** Props of the EdgeTier. */
export interface EdgeTierProps {
  /** The settings of the stage (its deployment strategy decides whether a TrafficSwitch is built). */
  readonly settings: StageSettings;
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
    const { settings } = props;
    const { environment } = settings;
    this.production = settings.production;
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

    const newTargetGroup = serviceTargetGroups(props.vpc, healthCheckPath);
    this.targetGroup = newTargetGroup(this, 'ServiceTargets');

    this.plainHttpReason = plainHttpReasonOf(settings);
    ({
      listener: this.listener, url: this.url, serviceUrl: this.serviceUrl, certificate: this.certificate, serviceRecord: this.serviceRecord,
    } = environment.domain ? this.serveHttps(environment.domain, settings, healthCheckPath) : this.serveHttp());

    if (settings.deployment.progressive) {
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
      environment, namePrefix: settings.namePrefix, purpose: 'edge-logs', allowCloudWatchLogs: true,
    });
    this.webAcl = new RegionalWebAcl(this, 'Waf', {
      environment,
      namePrefix: settings.namePrefix,
      resourceArn: this.loadBalancer.loadBalancerArn,
      logsKey: this.logsKey,
      rateLimitPer5Minutes: props.rateLimitPer5Minutes,
    });

    this.urlOutput = new CfnOutput(this, 'LoadBalancerUrl', { value: this.url, description: 'URL of this stage\'s load balancer' });
    this.serviceUrlOutput = new CfnOutput(this, 'ServiceUrl', { value: this.serviceUrl, description: 'URL users call' });
  }

  /**
   * With a domain: the certificate (the service name plus this region's name), HTTPS on 443
   * (HTTP redirects to it), the routed service record and this region's own record.
   */
  private serveHttps(domain: Domain, settings: StageSettings, healthCheckPath: string): Serving {
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: domain.hostedZoneId,
      zoneName: domain.zoneName,
    });
    const globalName = `${domain.recordName}.${domain.zoneName}`;
    const regionalName = `${domain.recordName}-${settings.region}.${domain.zoneName}`;
    const certificate = new acm.Certificate(this, 'Certificate', {
      domainName: globalName,
      subjectAlternativeNames: [regionalName],
      validation: acm.CertificateValidation.fromDns(zone),
    });
    const listener = this.loadBalancer.addListener('Https', {
      protocol: elbv2.ApplicationProtocol.HTTPS,
      port: 443,
      open: false, // the ingress rules are explicit in WorkloadSecurityGroups
      certificates: [certificate],
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
    const serviceRecord = addServiceRecord(this, {
      settings, zone, recordName: globalName, loadBalancer: this.loadBalancer, latencyHealthCheckPath: healthCheckPath,
    });
    new route53.ARecord(this, 'RegionalRecord', {
      zone,
      recordName: regionalName,
      target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(this.loadBalancer)),
    });
    return { listener, certificate, serviceRecord, url: `https://${regionalName}`, serviceUrl: `https://${globalName}` };
  }

  /** HTTP-only mode (no domain configured): see the class comment and README. */
  private serveHttp(): Serving {
    const listener = this.loadBalancer.addListener('Http', {
      protocol: elbv2.ApplicationProtocol.HTTP,
      port: 80,
      open: false,
      defaultTargetGroups: [this.targetGroup],
    });
    const url = `http://${this.loadBalancer.loadBalancerDnsName}`;
    return { listener, url, serviceUrl: url };
  }
}

/** The environment's domain (`environment.domain`). */
type Domain = NonNullable<EnvironmentConfig['domain']>;

/** How the edge serves: the production listener and the URLs, with a domain also the certificate and DNS records. */
interface Serving {
  /** The listener that forwards to the service. */
  readonly listener: elbv2.ApplicationListener;
  /** URL of this stage's load balancer. */
  readonly url: string;
  /** URL users call. */
  readonly serviceUrl: string;
  /** The certificate. @default - none: HTTP only */
  readonly certificate?: acm.Certificate;
  /** The routed service record and its health check. @default - none: no domain */
  readonly serviceRecord?: ServiceRecord;
}

/**
 * One shape for the service's target groups: the primary, and with a progressive deployment
 * strategy the alternate one ECS switches to (TrafficSwitch builds it with this function).
 */
function serviceTargetGroups(vpc: ec2.IVpc, healthCheckPath: string): (owner: Construct, id: string) => elbv2.ApplicationTargetGroup {
  return (owner, targetGroupId) => new elbv2.ApplicationTargetGroup(owner, targetGroupId, {
    vpc,
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
}

/**
 * The config's written reason for serving a production stage over plain HTTP, when it has no
 * domain; a production stage without a domain and without that opt-out is refused (the config
 * refuses it too, src/config/plain-http.ts: stacks built without the config must as well).
 */
function plainHttpReasonOf({ environment, production }: StageSettings): string | undefined {
  if (!production || environment.domain) return undefined;
  if (!environment.allowPlainHttp) {
    throw new Error(`Production environment "${environment.name}" has no domain: set environment.domain (HTTPS), or allowPlainHttp with a reason`);
  }
  return environment.allowPlainHttp.reason;
}
