import { Stack } from 'aws-cdk-lib';
import * as rds from 'aws-cdk-lib/aws-rds';
import { IConstruct } from 'constructs';
import { DataTier } from './data-tier';
import { EdgeTier } from './edge-tier';
import { NetworkTier } from './network-tier';
import { PipelineAccessRoles } from './pipeline-access';
import { PlatformStack } from './platform-stack';
import { ServiceStack } from './service-stack';
import { AWS, CDK_GRANT_INLINE, FRAMEWORKS, guard, HIPAA, NIST, PCI, child, resourcesOfType, rule, suppress, Suppressor } from '../compliance/suppressions';

// Network

/** Public subnets route to the internet gateway: that is what makes them public. */
function publicSubnetRoutes(network: NetworkTier): void {
  for (const subnet of network.vpc.publicSubnets) {
    suppress(child(subnet, 'DefaultRoute'), rule('VPCNoUnrestrictedRouteToIGW', FRAMEWORKS,
      'Public subnets hold only the internet-facing ALB and the NAT gateways, which need the default route to the internet gateway.'));
  }
}

/** The ALB is internet-facing by design; it is the only 0.0.0.0/0 ingress of the stage. */
function internetFacingLoadBalancer(network: NetworkTier): void {
  suppress(network.securityGroups.loadBalancer, rule('EC23', [AWS],
    'The internet-facing ALB must accept HTTP and HTTPS from anywhere, and WAF filters what reaches the service behind it.'));
}

/** The flow-log role gets its one write grant from CDK. */
function flowLogRole(network: NetworkTier): void {
  const role = child(network.vpc, 'FlowLog', 'IAMRole');
  suppress(child(role, 'DefaultPolicy'), rule('IAMNoInlinePolicy', FRAMEWORKS,
    `The flow-log role may only write to the stage flow-log group. ${CDK_GRANT_INLINE}`));
}

// Data

/** In production the post-deploy step turns deletion protection on after the first successful create (issue 26). */
const PROTECTED_AFTER_FIRST_CREATE = 'Production leaves deletion protection unset in the template, so a failed first create can roll back, '
  + 'and the prod stage\'s post-deploy step turns it on once the stage exists and checks it (src/synth/workload/deletion-protection.ts).';

/** Dev and test databases are disposable; prod's protection comes after the first create. */
function databaseDeletionProtection(data: DataTier, production: boolean): void {
  const reason = production ? PROTECTED_AFTER_FIRST_CREATE
    : 'Deletion protection follows environment.production, so dev and test databases can be torn down with their stage.';
  suppress(data.cluster, rule('RDS10', [AWS], reason), rule('RDSInstanceDeletionProtectionEnabled', [NIST, HIPAA], reason));
  guard(data.cluster, ['rds_cluster_deletion_protection_enabled_check'], reason);
}

/** Aurora's own continuous backups instead of an AWS Backup plan (a conscious trade-off). */
function auroraBackups(data: DataTier): void {
  for (const instance of data.cluster.node.findAll().filter((c): c is rds.CfnDBInstance => c instanceof rds.CfnDBInstance)) {
    suppress(instance, rule('RDSInBackupPlan', [NIST, HIPAA],
      'Aurora continuous backups with point-in-time restore for sizing.backupRetentionDays and a final snapshot on deletion protect the data without an AWS Backup plan.'));
  }
}

const LTS_MINOR = 'The cluster is pinned to the Aurora long-term-support minor, which AWS keeps only with automatic minor upgrades off; '
  + 'Aurora still applies its patch releases, and the version calendar warns before its end of support.';

/** The database stays on its long-term-support minor (src/synth/workload/database-engine.ts). */
function ltsEngineWithoutAutoMinorUpgrades(data: DataTier): void {
  for (const instance of data.cluster.node.findAll().filter((c): c is rds.CfnDBInstance => c instanceof rds.CfnDBInstance)) {
    suppress(instance, rule('RDSAutomaticMinorVersionUpgradeEnabled', [HIPAA, PCI], LTS_MINOR));
    guard(instance, ['rds_instance_automatic_minor_version_upgrade_enabled_check'], LTS_MINOR);
  }
}

/** The custom resource that asks the primary region to replicate the credentials secret here. */
function secretReplica(data: DataTier): void {
  const replica = data.secretReplica;
  if (!replica) return;
  suppress(child(replica.resource, 'CustomResourcePolicy'),
    rule('IAM5', [AWS],
      'Replicating a secret needs kms:Decrypt on the primary secret key, whose ARN is not derivable in another region; '
      + 'the statement allows keys of the primary region only when they carry that one alias and are used through Secrets Manager.',
      [`Resource::arn:<AWS::Partition>:kms:${replica.primaryRegion}:${Stack.of(data).account}:key/*`]),
    rule('IAMNoInlinePolicy', FRAMEWORKS, `The replication function may only replicate the one database secret with the two keys it needs. ${CDK_GRANT_INLINE}`));
  const fn = replica.handler;
  suppress(child(fn.node.scope!, 'ServiceRole'), rule('IAM4', [AWS],
    'AWSLambdaBasicExecutionRole is the AWS-maintained policy that lets the custom resource function write its own logs.',
    ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']));
  const reason = 'CloudFormation invokes this custom resource function synchronously a few times per deployment, '
    + 'so a dead-letter queue or reserved concurrency would only add resources that never receive anything.';
  suppress(fn, rule('LambdaConcurrency', [NIST, HIPAA], reason), rule('LambdaDLQ', [NIST, HIPAA], reason),
    rule('LambdaInsideVPC', FRAMEWORKS, 'The function calls only the Secrets Manager API of another region during deployment and needs nothing inside the VPC.'));
  guard(fn, ['lambda_inside_vpc_check'], 'The function calls only the Secrets Manager API of another region during deployment and needs nothing inside the VPC.');
}

/** The dormant rotation function of a secondary region (StandbyRotation), turned on by a failover. */
function standbyRotation(data: DataTier): void {
  const standby = data.standbyRotation;
  if (!standby) return;
  suppress(child(standby.role, 'DefaultPolicy'),
    rule('IAMNoInlinePolicy', FRAMEWORKS,
      `The role may rotate the one database secret of this region, use its key through Secrets Manager, write its logs and attach to the VPC. ${CDK_GRANT_INLINE}`),
    rule('IAM5', [AWS],
      'secretsmanager:GetRandomPassword and the EC2 network-interface actions Lambda uses for a VPC function take no resource-level permissions.',
      ['Resource::*']));
  suppress(standby.function,
    rule('LambdaDLQ', [NIST, HIPAA], 'Secrets Manager invokes rotation functions synchronously and retries a failed step itself, so no asynchronous event could reach a dead-letter queue.'),
    rule('LambdaConcurrency', [NIST, HIPAA],
      'Secrets Manager runs one rotation of the one secret at a time, and reserving concurrency fails on accounts whose unreserved concurrency is at the minimum of ten.'));
}

/** Enhanced monitoring needs the AWS-managed role policy RDS documents. */
function enhancedMonitoringRole(data: DataTier): void {
  suppress(child(data.cluster, 'MonitoringRole'), rule('IAM4', [AWS],
    'AmazonRDSEnhancedMonitoringRole is the AWS-maintained policy that lets RDS publish OS metrics to CloudWatch Logs.',
    ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole']));
}

// Edge

/** HTTP-only mode: no domain configured, so there is no certificate to terminate TLS with. */
function httpOnlyListener(edge: EdgeTier): void {
  // With a domain the listener is HTTPS and port 80 only redirects: the redirect rule must pass
  // on its own; the redirect-only listener needs no certificate (it serves no content).
  if (edge.certificate) {
    suppress(child(edge.loadBalancer, 'HttpRedirect'), rule('ELBv2ACMCertificateRequired', FRAMEWORKS,
      'The port-80 listener only answers with a permanent redirect to HTTPS, so it serves no content that needs a certificate.'));
    return;
  }
  // Production without a domain exists only by the config's written opt-out: its reason is the one.
  const reason = edge.plainHttpReason
    ? `Production serves plain HTTP by the config's written opt-out (allowPlainHttp): ${edge.plainHttpReason}`
    : 'HTTP-only mode is documented for environments without a domain, because ACM cannot issue a certificate for the ALB name.';
  suppress(edge.listener, rule('ALBHttpToHttpsRedirection', FRAMEWORKS, reason), rule('ELBv2ACMCertificateRequired', FRAMEWORKS, reason));
  guard(edge.listener, ['alb_http_to_https_redirection_check'], reason);
  // A progressive strategy's test listener serves the same plain HTTP (port 9080), reachable only
  // from the stage's NAT addresses: the same exception, for the same reason.
  const testListener = edge.trafficSwitch?.testListener;
  if (testListener) {
    suppress(testListener, rule('ALBHttpToHttpsRedirection', FRAMEWORKS, reason), rule('ELBv2ACMCertificateRequired', FRAMEWORKS, reason));
    guard(testListener, ['alb_http_to_https_redirection_check'], reason);
  }
}

/** Dev and test load balancers are disposable; prod's protection comes after the first create. */
function loadBalancerDeletionProtection(edge: EdgeTier, production: boolean): void {
  const reason = production ? PROTECTED_AFTER_FIRST_CREATE
    : 'Deletion protection follows environment.production, so dev and test load balancers can be torn down with their stage.';
  suppress(edge.loadBalancer, rule('ELBDeletionProtectionEnabled', [NIST, HIPAA], reason));
  guard(edge.loadBalancer, ['elbv2_deletion_protection_enabled_check'], reason);
}

/** The roles the pipeline's steps assume in the stage (src/synth/workload/pipeline-access.ts). */
function pipelineAccessRoles(access: PipelineAccessRoles): void {
  const inline = rule('IAMNoInlinePolicy', FRAMEWORKS, 'The policy is part of the role from its creation, so the role is never usable without it, '
    + 'and it allows only the calls of the one pipeline step the role trusts.');
  const wildcards = (purpose: keyof typeof access.roles) => access.wildcardResources[purpose]!.map((r) => `Resource::${r}`);
  const { report, protect, bake, drift } = access.roles;
  if (report) {
    suppress(report, inline, rule('IAM5', [AWS], 'CloudFormation names every stack of the stage <stage id>-<Stack> and the report reads the template of each, '
      + 'including a stack a commit adds; the pattern names this stage in this region only, and GetTemplate reads nothing else.', wildcards('report')));
  }
  if (protect) {
    suppress(protect, inline, rule('IAM5', [AWS], 'A stack ARN ends in the random id CloudFormation gives the stack, and Elastic Load Balancing authorizes '
      + 'DescribeLoadBalancerAttributes on no resource ARN; every write names its one stack, cluster, global cluster or load balancer.', wildcards('protect')));
  }
  if (bake) {
    suppress(bake, inline, rule('IAM5', [AWS], 'CloudFormation names every alarm of the stage <stack>-<logical id>-<suffix> and every stack <stage id>-<Stack>; '
      + 'the pattern names this stage\'s alarms in this region only, and DescribeAlarms only reads them.', wildcards('bake')));
  }
  if (drift) {
    suppress(drift, inline, rule('IAM4', [AWS], 'Drift detection reads every live resource of the stage\'s stacks with the caller\'s credentials, so the role needs '
      + 'read access to every resource type the stacks hold, which is the AWS managed ReadOnlyAccess the CDK lookup role carries; its inline policy '
      + 'denies the data reads (objects, log events, items, image layers, secret values, decryption) drift never makes.',
    ['Policy::arn:<AWS::Partition>:iam::aws:policy/ReadOnlyAccess']));
  }
}

// Service

/** The task execution role: CDK grants, and ecr:GetAuthorizationToken has no resource form. */
function executionRole(service: ServiceStack): void {
  suppress(child(service.executionRole, 'DefaultPolicy'),
    rule('IAMNoInlinePolicy', FRAMEWORKS,
      `The execution role may pull one repository, write one log group and read one secret. ${CDK_GRANT_INLINE}`),
    rule('IAM5', [AWS], 'The ecr:GetAuthorizationToken action has no resource-level form, so IAM requires the wildcard resource for it.',
      ['Resource::*']));
}

/** The task role: re-reading the one database secret after a rotation, granted inline by CDK. */
function taskRole(service: ServiceStack): void {
  suppress(child(service.taskRole, 'DefaultPolicy'),
    rule('IAMNoInlinePolicy', FRAMEWORKS,
      `The task role may only read and decrypt the one database secret it re-reads after a rotation. ${CDK_GRANT_INLINE}`));
}

/** Plain environment variables of the container are non-secret settings. */
function containerEnvironment(service: ServiceStack): void {
  suppress(service.taskDefinition, rule('ECS2', [AWS],
    'PORT, DB_SSL, DB_SECRET_ARN (the ARN of the secret, not its value), the regions, FEATURE_FLAGS_URL, the AppConfig agent\'s settings '
    + 'and AUTH_ISSUER (the public URL of the token issuer) are non-secret, and every database credential reaches the container as an ECS secret.'));
}

/** Container Insights ENHANCED is a superset of the "enabled" setting the rule looks for. */
function containerInsights(service: ServiceStack): void {
  guard(service.cluster, ['ecs_container_insights_enabled_check'],
    'Container Insights runs in the enhanced mode, a superset of the enabled mode this rule recognises by its exact value.');
}

// Both stacks

/** Dev and test keep logs for sizing.logRetentionDays (< 1 year) to limit cost; production keeps 365 days. */
function nonProductionLogRetention(scope: IConstruct, production: boolean): void {
  if (production) return;
  for (const group of resourcesOfType(scope, 'AWS::Logs::LogGroup')) {
    guard(group, ['cloudwatch_log_group_retention_period_check'],
      'Dev and test log groups keep sizing.logRetentionDays of logs to limit cost, while production keeps them for a full year.');
  }
}

/** Lambda functions that CDK itself provides (custom resource providers) run outside the VPC. */
function providerFunctionsOutsideVpc(stack: IConstruct): void {
  for (const fn of resourcesOfType(stack, 'AWS::Lambda::Function')) {
    const path = fn.node.path;
    if (/\/Custom::[A-Za-z0-9]+CustomResourceProvider\/Handler$/.test(path)) {
      guard(fn, ['lambda_inside_vpc_check'],
        'This CDK custom resource provider only calls AWS APIs during deployment and needs no access to anything inside the VPC.');
    }
  }
}

/** The exceptions of the workload stacks and tiers. */
export const workloadSuppressions: Suppressor = (c) => {
  if (c instanceof PlatformStack || c instanceof ServiceStack) {
    nonProductionLogRetention(c, c.production);
    providerFunctionsOutsideVpc(c);
  }
  if (c instanceof PipelineAccessRoles) {
    pipelineAccessRoles(c);
  } else if (c instanceof NetworkTier) {
    publicSubnetRoutes(c);
    internetFacingLoadBalancer(c);
    flowLogRole(c);
  } else if (c instanceof DataTier) {
    databaseDeletionProtection(c, c.production);
    auroraBackups(c);
    ltsEngineWithoutAutoMinorUpgrades(c);
    enhancedMonitoringRole(c);
    secretReplica(c);
    standbyRotation(c);
  } else if (c instanceof EdgeTier) {
    httpOnlyListener(c);
    loadBalancerDeletionProtection(c, c.production);
  } else if (c instanceof ServiceStack) {
    executionRole(c);
    taskRole(c);
    containerEnvironment(c);
    containerInsights(c);
  }
};
