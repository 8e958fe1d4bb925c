import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../../config/schema';
import { HOOK_FUNCTION_TIMEOUT_SECONDS, RegionRole } from '../../lambda/pre-traffic-hook/pre-traffic-checks';
import { bundledHandlerCode } from '../constructs/bundled-handler';
import { EncryptedLogGroup, WorkloadKey } from '../constructs/encryption';
import { LAMBDA_NODE_RUNTIME } from '../constructs/lambda-runtime';
import { lambdaVpcAccessStatement } from '../constructs/lambda-vpc-access';
import { ChecksCredentials } from '../issuer/checks-credentials';

/** Invocations before a failing check rolls the deployment back (x RETRY_DELAY_SECONDS: ~5 minutes). */
export const PRE_TRAFFIC_MAX_ATTEMPTS = 10;
/** Seconds ECS waits between two invocations after IN_PROGRESS. */
export const PRE_TRAFFIC_RETRY_DELAY_SECONDS = 30;
/**
 * Minutes after the ECS service deployment started from which a failing check rolls back,
 * whether or not ECS passes the attempt counter back (src/lambda/pre-traffic-hook/deployment-start.ts):
 * up to 15 minutes for ECS to start the new tasks, pass their health checks and route the test
 * listener to them, then the retry window (PRE_TRAFFIC_MAX_ATTEMPTS x PRE_TRAFFIC_RETRY_DELAY_SECONDS).
 * The hook answers FAILED on its first invocation after this: at the latest two invocations and
 * one callback delay later (with 53-second worst-case invocations, 22.3 minutes after the start;
 * test/lambda/pre-traffic-hook/hook-bound.test.ts).
 */
export const PRE_TRAFFIC_DEADLINE_MINUTES = 15 + (PRE_TRAFFIC_MAX_ATTEMPTS * PRE_TRAFFIC_RETRY_DELAY_SECONDS) / 60;

const HANDLER_SOURCE = path.join('src', 'lambda', 'pre-traffic-hook', 'pre-traffic-hook.handler.ts');

/** The hook's handler bundled by esbuild at synth (once per process: every stage shares the asset). */
export function bundledHookCode(): string {
  return bundledHandlerCode(HANDLER_SOURCE);
}

/** Props of the PreTrafficHook. */
export interface PreTrafficHookProps {
  /** The environment (log retention and removal rules). */
  readonly environment: EnvironmentConfig;
  /** Stage name prefix (key alias). */
  readonly namePrefix: string;
  /** The stage VPC: the function runs in its private subnets and leaves through the NAT. */
  readonly vpc: ec2.IVpc;
  /** Base URL of the test listener. */
  readonly testUrl: string;
  /** The test listener's port (the function's only egress). */
  readonly testPort: number;
  /** The commit `/version` must report. */
  readonly commit: string;
  /** `<env>-<region>`: part of the round trip's idempotency key. */
  readonly stageId: string;
  /** The region's role (a secondary is read-only: reads, no write). */
  readonly role: RegionRole;
  /**
   * The cluster of the service the hook checks (it holds that one service): the hook asks ECS
   * when the deployment in progress there started, which bounds its retries.
   */
  readonly cluster: ecs.ICluster;
  /** Where the checks' credentials are (the hook's transaction calls carry the checks' token). */
  readonly credentials: ChecksCredentials;
  /** The scopes the hook's token carries (a read-only region asks for `transactions/read` only). */
  readonly scopes: readonly string[];
}

/**
 * The Lambda function ECS calls at POST_TEST_TRAFFIC_SHIFT of every progressive deployment: the
 * new tasks serve the test listener only, and the function runs the post-deploy checks against
 * them (pre-traffic-checks.ts). FAILED, a thrown error or no answer make ECS roll back to the
 * previous tasks, which never stopped serving production.
 *
 * Least privilege: the function may write its own log stream, manage its VPC network
 * interfaces (Lambda's requirement for VPC functions), list the services and service
 * deployments of its own cluster (the bound on its retries) and read the checks' credentials
 * (ChecksCredentials: the token its transaction calls carry); ECS calls it through `invokeRole`,
 * which may invoke this one function and nothing else.
 */
export class PreTrafficHook extends Construct {
  /** The function. */
  public readonly function: lambda.Function;
  /** Its security group: egress to the test port only. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** Its execution role. */
  public readonly role: iam.Role;
  /** The role ECS assumes to invoke it (lambda:InvokeFunction on this function only). */
  public readonly invokeRole: iam.Role;
  /** Its log group (KMS-encrypted). */
  public readonly logGroup: EncryptedLogGroup;
  /** The lifecycle hook to add to the service. */
  public readonly target: ecs.DeploymentLifecycleLambdaTarget;
  /** The cluster whose services and service deployments the function may list. */
  public readonly cluster: ecs.ICluster;
  /** Where the function reads the checks' credentials. */
  public readonly credentials: ChecksCredentials;

  constructor(scope: Construct, id: string, props: PreTrafficHookProps) {
    super(scope, id);
    this.cluster = props.cluster;
    this.credentials = props.credentials;
    const logsKey = new WorkloadKey(this, 'LogsKey', {
      environment: props.environment, namePrefix: props.namePrefix, purpose: 'pre-traffic-logs', allowCloudWatchLogs: true,
    });
    this.logGroup = new EncryptedLogGroup(this, 'LogGroup', { environment: props.environment, encryptionKey: logsKey });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      // The description is immutable (a change replaces the group): it predates the ECS API rule.
      description: 'Pre-traffic hook: out to the test listener only (through the NAT gateway)',
      allowAllOutbound: false,
    });
    // The ALB is internet-facing: its addresses are public and not known at synth, so the egress
    // names the port, not the peer. The test listener's own ingress admits the NAT addresses only.
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(props.testPort), 'To the test listener of the load balancer');
    // The ECS API and the token endpoint (public endpoints, through the NAT like the service
    // tasks' AWS calls; Secrets Manager through its VPC endpoint in the stage's region): the stage
    // has no ECS interface endpoint, and AWS publishes no prefix list for either. The rule's
    // description is kept: a changed description replaces the rule.
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to the ECS API');

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Pre-traffic hook: write its logs, attach to the VPC, read when its deployment started',
    });
    props.credentials.grantRead(this.role);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [this.logGroup.logGroupArn],
    }));
    this.role.addToPrincipalPolicy(lambdaVpcAccessStatement());
    // When the deployment in progress started (deployment-start.ts). ListServices has no
    // resource type, only the ecs:cluster condition key; ListServiceDeployments is authorized on
    // the service, whose generated name the function cannot know without a dependency cycle,
    // so it is every service of this cluster, which holds only this one (Service Authorization
    // Reference, https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html).
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ListServicesOfOwnCluster',
      actions: ['ecs:ListServices'],
      resources: ['*'],
      conditions: { ArnEquals: { 'ecs:cluster': props.cluster.clusterArn } },
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ListDeploymentsOfOwnService',
      actions: ['ecs:ListServiceDeployments'],
      resources: [Stack.of(this).formatArn({ service: 'ecs', resource: 'service', resourceName: `${props.cluster.clusterName}/*` })],
    }));

    this.function = new lambda.Function(this, 'Function', {
      description: `Pre-traffic checks of ${props.stageId} (ECS lifecycle hook at POST_TEST_TRAFFIC_SHIFT)`,
      runtime: LAMBDA_NODE_RUNTIME,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(bundledHookCode()),
      role: this.role,
      logGroup: this.logGroup,
      // Sequential requests of at most REQUEST_TIMEOUT_MS each, with headroom (tested).
      timeout: Duration.seconds(HOOK_FUNCTION_TIMEOUT_SECONDS),
      memorySize: 256,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      environment: {
        TEST_URL: props.testUrl,
        COMMIT: props.commit,
        IDEMPOTENCY_KEY: `pretraffic-${props.stageId}-${props.commit}`,
        REGION_ROLE: props.role,
        MAX_ATTEMPTS: String(PRE_TRAFFIC_MAX_ATTEMPTS),
        RETRY_DELAY_SECONDS: String(PRE_TRAFFIC_RETRY_DELAY_SECONDS),
        DEADLINE_MINUTES: String(PRE_TRAFFIC_DEADLINE_MINUTES),
        CLUSTER_NAME: props.cluster.clusterName,
        ...props.credentials.environment(props.scopes),
      },
    });

    // ECS's documented trust for hook roles is the bare service principal; the role is only
    // usable by whoever may pass it (iam:PassRole), i.e. this stack's CloudFormation role.
    this.invokeRole = new iam.Role(this, 'InvokeRole', {
      assumedBy: new iam.ServicePrincipal('ecs.amazonaws.com'),
      description: 'ECS: invoke the pre-traffic hook function of this service, nothing else',
    });
    this.invokeRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'InvokePreTrafficHook',
      actions: ['lambda:InvokeFunction'],
      resources: [this.function.functionArn],
    }));
    this.target = new ecs.DeploymentLifecycleLambdaTarget(this.function, 'PreTrafficHook', {
      role: this.invokeRole,
      lifecycleStages: [ecs.DeploymentLifecycleStage.POST_TEST_TRAFFIC_SHIFT],
    });
  }
}
