import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { WorkloadProps } from './common';
import { EncryptedLogGroup, WorkloadKey } from '../constructs/encryption';

/** Port the service container listens on. */
export const SERVICE_PORT = 8080;
/** PostgreSQL port. */
export const DATABASE_PORT = 5432;

/**
 * What the service tasks reach over HTTPS that no interface endpoint of the stage serves, and
 * why: the reason the task security group keeps 443 to 0.0.0.0/0 (through the NAT gateway).
 * `what` goes into the rule's description, so it uses only the characters EC2 allows there.
 * Everything else the tasks call has an endpoint (the endpoints' security group) or is the
 * database (its security group). Remove an entry when its need goes; the rule goes with the last.
 */
export const SERVICE_INTERNET_NEEDS: readonly { readonly what: string; readonly why: string }[] = [
  {
    what: 'S3 image layers',
    why: 'ECR serves image layers from S3 (https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html), which the '
      + 'stage reaches through its gateway endpoint; a security group names that route only by the regional S3 prefix list '
      + '(https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html), whose id a template cannot name without '
      + 'a lookup in the account at synth time.',
  },
  {
    what: 'the token issuer JWKS',
    why: 'The service verifies access tokens against its Amazon Cognito issuer\'s JWKS (its token check, app/README.md), and a user '
      + 'pool with a domain (the client-credentials token endpoint needs one) cannot be reached through an interface endpoint '
      + '(https://docs.aws.amazon.com/cognito/latest/developerguide/vpc-interface-endpoints.html).',
  },
];

/** Props of the NetworkTier. */
export interface NetworkTierProps extends WorkloadProps {
  /**
   * CIDR of the stage VPC. Two stages in one account may reuse it: the VPCs are not peered.
   * @default '10.0.0.0/16'
   */
  readonly cidr?: string;
}

/**
 * The security groups of the stage, all in one place so every rule between tiers is visible
 * together and the other tiers only reference them (no cross-stack cycles). None allows all
 * outbound traffic; every rule below is the whole story.
 */
export class WorkloadSecurityGroups extends Construct {
  /** The internet-facing load balancer: 80/443 in from anywhere, 8080 out to the service only. */
  public readonly loadBalancer: ec2.SecurityGroup;
  /**
   * The Fargate tasks: 8080 in from the load balancer; out, 5432 to the database, 443 to the
   * interface endpoints, and 443 out of the VPC only for SERVICE_INTERNET_NEEDS.
   */
  public readonly service: ec2.SecurityGroup;
  /** The Aurora cluster: 5432 in from the service and the secret rotation function only. */
  public readonly database: ec2.SecurityGroup;
  /** The Secrets Manager rotation Lambda: 5432 out to the database, 443 out to the endpoints. */
  public readonly rotation: ec2.SecurityGroup;
  /** The interface VPC endpoints: 443 in from the VPC CIDR only. */
  public readonly endpoints: ec2.SecurityGroup;

  /**
   * @param vpcCidr the VPC's CIDR as a literal (not `vpc.vpcCidrBlock`, a token): the endpoint
   * ingress rule then carries the CIDR itself, which reviewers and cdk-nag can read.
   */
  constructor(scope: Construct, id: string, vpc: ec2.IVpc, vpcCidr: string) {
    super(scope, id);
    const sg = (name: string, description: string) =>
      new ec2.SecurityGroup(this, name, { vpc, description, allowAllOutbound: false });

    this.loadBalancer = sg('LoadBalancer', 'Internet-facing ALB: HTTP/HTTPS in, service port out');
    this.service = sg('Service', 'Fargate service tasks');
    this.database = sg('Database', 'Aurora PostgreSQL cluster');
    this.rotation = sg('Rotation', 'Secrets Manager rotation function of the database secret');
    this.endpoints = sg('Endpoints', 'Interface VPC endpoints: HTTPS from inside the VPC');

    // The only ingress from 0.0.0.0/0 in the whole stage. 443 stays open in HTTP-only mode
    // (no domain configured): nothing listens there, so a connection is simply refused.
    this.loadBalancer.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP from the internet (redirects to HTTPS when a domain is set)');
    this.loadBalancer.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS from the internet');
    this.loadBalancer.addEgressRule(this.service, ec2.Port.tcp(SERVICE_PORT), 'To the service tasks');

    this.service.addIngressRule(this.loadBalancer, ec2.Port.tcp(SERVICE_PORT), 'From the load balancer');
    this.service.addEgressRule(this.database, ec2.Port.tcp(DATABASE_PORT), 'To the database');
    // AWS APIs stay in the VPC: ECR (the image's replica is in the stage's own region, and an
    // interface endpoint serves any account's registry of its region), CloudWatch Logs and
    // Secrets Manager resolve to the interface endpoints (private DNS).
    this.service.addEgressRule(this.endpoints, ec2.Port.tcp(443), 'To the interface VPC endpoints: ECR, CloudWatch Logs, Secrets Manager');
    // The one rule out of the VPC, for what no interface endpoint serves (SERVICE_INTERNET_NEEDS).
    this.service.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), `HTTPS out of the VPC, only for: ${SERVICE_INTERNET_NEEDS.map((n) => n.what).join('; ')}`);

    this.database.addIngressRule(this.service, ec2.Port.tcp(DATABASE_PORT), 'From the service tasks');
    // Single-user rotation logs in as the user it rotates, so it needs the database port too.
    this.database.addIngressRule(this.rotation, ec2.Port.tcp(DATABASE_PORT), 'From the secret rotation function');

    this.rotation.addEgressRule(this.database, ec2.Port.tcp(DATABASE_PORT), 'To the database');
    this.rotation.addEgressRule(this.endpoints, ec2.Port.tcp(443), 'To the Secrets Manager endpoint');

    this.endpoints.addIngressRule(ec2.Peer.ipv4(vpcCidr), ec2.Port.tcp(443), 'HTTPS from inside the VPC');
  }
}

/**
 * The network of one stage: a VPC over `sizing.maxAzs` AZs with three tiers (public for the
 * ALB and NAT, private-with-egress for the tasks, isolated for the database), flow logs to a
 * KMS-encrypted log group, VPC endpoints so AWS API traffic stays inside the VPC, and every
 * security group of the stage.
 */
export class NetworkTier extends Construct {
  /** The stage VPC. */
  public readonly vpc: ec2.Vpc;
  /** Every security group of the stage. */
  public readonly securityGroups: WorkloadSecurityGroups;
  /** The key encrypting the flow-log group. */
  public readonly logsKey: WorkloadKey;
  /** The flow-log group (ALL traffic). */
  public readonly flowLogGroup: EncryptedLogGroup;
  /** Interface endpoints by service: ECR API, ECR DKR, CloudWatch Logs, Secrets Manager. */
  public readonly interfaceEndpoints: Readonly<Record<string, ec2.InterfaceVpcEndpoint>>;

  constructor(scope: Construct, id: string, props: NetworkTierProps) {
    super(scope, id);
    const { environment } = props;

    const cidr = props.cidr ?? '10.0.0.0/16';
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(cidr),
      maxAzs: environment.sizing.maxAzs,
      natGateways: environment.sizing.natGateways,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        // Nothing launches instances here (the ALB and NAT gateways get their addresses
        // explicitly), so no public IP is ever assigned automatically.
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      gatewayEndpoints: {
        // ECR image layers come from S3; isolated subnets get it too (no NAT there).
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
      },
    });

    this.logsKey = new WorkloadKey(this, 'LogsKey', {
      environment, namePrefix: props.namePrefix, purpose: 'network-logs', allowCloudWatchLogs: true,
    });
    this.flowLogGroup = new EncryptedLogGroup(this, 'FlowLogGroup', { environment, encryptionKey: this.logsKey });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    this.securityGroups = new WorkloadSecurityGroups(this, 'SecurityGroups', this.vpc, cidr);

    // Interface endpoints in the isolated subnets: private DNS answers VPC-wide, so the tasks
    // (private subnets) and the rotation function (isolated subnets, no NAT) both reach them.
    // KMS and STS are left out: nothing in the stage calls them directly (Secrets Manager
    // decrypts server-side), and each endpoint costs per AZ-hour.
    const services: Record<string, ec2.InterfaceVpcEndpointAwsService> = {
      EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
      EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
      Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
      SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    };
    const endpoints: Record<string, ec2.InterfaceVpcEndpoint> = {};
    for (const [name, service] of Object.entries(services)) {
      endpoints[name] = this.vpc.addInterfaceEndpoint(`${name}Endpoint`, {
        service,
        privateDnsEnabled: true,
        subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        securityGroups: [this.securityGroups.endpoints],
        open: false,
      });
    }
    this.interfaceEndpoints = endpoints;
  }
}
