import { Fn } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';

/** Port of the test listener with a domain (HTTPS, same certificate). */
export const TEST_LISTENER_HTTPS_PORT = 9443;
/** Port of the test listener in HTTP-only mode (no domain). */
export const TEST_LISTENER_HTTP_PORT = 9080;

/** Props of the TrafficSwitch. */
export interface TrafficSwitchProps {
  /** The stage VPC: the NAT gateways' addresses are the only sources the test listener admits. */
  readonly vpc: ec2.IVpc;
  /** The internet-facing load balancer. */
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** Its security group (the test port's ingress rules are added to it). */
  readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
  /** The production listener (HTTPS with a domain, else HTTP). */
  readonly productionListener: elbv2.ApplicationListener;
  /** The target group the service starts in ("blue" at the first deployment). */
  readonly primaryTargetGroup: elbv2.ApplicationTargetGroup;
  /** Builds a target group configured like the primary one. */
  readonly newTargetGroup: (scope: Construct, id: string) => elbv2.ApplicationTargetGroup;
  /** Base URL of the production listener of this stage (`https://<regional name>` or `http://<alb dns>`). */
  readonly url: string;
  /** The certificate of the production listener; the test listener then serves HTTPS too. @default - HTTP-only */
  readonly certificate?: acm.ICertificate;
}

/**
 * What ECS's native blue/green, canary and linear deployments switch between, in the edge tier
 * (Platform stack, which a release does not change):
 * - a second ("alternate") target group configured like the primary one;
 * - a production listener RULE (priority 1, every path) that forwards to both groups with
 *   weights 100/0. ECS moves these weights during a deployment (ModifyRule); it cannot use the
 *   listener's default action, so the rule is what it switches;
 * - a test listener on its own port with a rule of the same shape, which ECS points at the new
 *   tasks before production traffic moves; the pre-traffic hook checks them through it.
 *
 * Not reachable from the internet: the ALB is internet-facing, so a Lambda in the VPC reaches the
 * test port through the NAT gateway and arrives from the NAT's Elastic IP. The only ingress rules
 * on the test port are those addresses (/32), never 0.0.0.0/0.
 *
 * CloudFormation must never rewrite the two rules after ECS switched their weights: a rule
 * update would send production to the target group ECS just emptied. Nothing that changes per
 * release (image, commit) reaches them; test/synth/workload/progressive.test.ts proves that two
 * synths with different commits leave them byte-identical.
 */
export class TrafficSwitch extends Construct {
  /** The alternate ("green" at the first deployment) target group. */
  public readonly alternateTargetGroup: elbv2.ApplicationTargetGroup;
  /** The production listener rule whose weights ECS manages. */
  public readonly productionRule: elbv2.ApplicationListenerRule;
  /** The load balancer's security group, which holds the test port's ingress rules. */
  public readonly loadBalancerSecurityGroup: ec2.ISecurityGroup;
  /** ARN of the production listener (ECS's role may modify it). */
  public readonly productionListenerArn: string;
  /** The test listener (NAT addresses only). */
  public readonly testListener: elbv2.ApplicationListener;
  /** The test listener rule whose weights ECS manages. */
  public readonly testRule: elbv2.ApplicationListenerRule;
  /** The test listener's port. */
  public readonly testPort: number;
  /** Base URL of the test listener (same host as the stage URL, the test port). */
  public readonly testUrl: string;

  constructor(scope: Construct, id: string, props: TrafficSwitchProps) {
    super(scope, id);
    const primary = props.primaryTargetGroup;
    this.alternateTargetGroup = props.newTargetGroup(this, 'AlternateTargets');
    const forwardToBoth = () => elbv2.ListenerAction.weightedForward([
      { targetGroup: primary, weight: 100 },
      { targetGroup: this.alternateTargetGroup, weight: 0 },
    ]);
    const everyPath = [elbv2.ListenerCondition.pathPatterns(['/*'])];

    this.productionListenerArn = props.productionListener.listenerArn;
    this.loadBalancerSecurityGroup = props.loadBalancerSecurityGroup;
    this.productionRule = new elbv2.ApplicationListenerRule(this, 'ProductionRule', {
      listener: props.productionListener,
      priority: 1,
      conditions: everyPath,
      action: forwardToBoth(),
    });

    const https = props.certificate !== undefined;
    this.testPort = https ? TEST_LISTENER_HTTPS_PORT : TEST_LISTENER_HTTP_PORT;
    this.testListener = props.loadBalancer.addListener('TestListener', {
      port: this.testPort,
      protocol: https ? elbv2.ApplicationProtocol.HTTPS : elbv2.ApplicationProtocol.HTTP,
      ...(https ? { certificates: [props.certificate!], sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS } : {}),
      open: false, // ingress: the NAT addresses below, nothing else
      // Every action on the listener forwards (ECS refuses listeners mixing forward with other
      // action types); the rule below catches every path anyway.
      defaultAction: elbv2.ListenerAction.forward([primary]),
    });
    this.testRule = new elbv2.ApplicationListenerRule(this, 'TestRule', {
      listener: this.testListener,
      priority: 1,
      conditions: everyPath,
      action: forwardToBoth(),
    });

    const natAddresses = props.vpc.publicSubnets
      .map((subnet) => subnet.node.tryFindChild('EIP'))
      .filter((eip): eip is ec2.CfnEIP => eip instanceof ec2.CfnEIP);
    if (natAddresses.length === 0) {
      throw new Error('The test listener admits the NAT gateways\' addresses only, and this VPC has no NAT gateway: set sizing.natGateways to at least 1');
    }
    natAddresses.forEach((eip, i) => props.loadBalancerSecurityGroup.addIngressRule(
      ec2.Peer.ipv4(Fn.join('', [eip.attrPublicIp, '/32'])),
      ec2.Port.tcp(this.testPort),
      `Test listener: from NAT gateway ${i + 1} only (the pre-traffic hook in the VPC)`,
    ));
    this.testUrl = `${props.url}:${this.testPort}`;
  }
}
