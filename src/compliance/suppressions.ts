import { CfnResource, Stack, Stage } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { NagPackSuppression, NagSuppressions } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { GUARD_METADATA_KEY, GuardSuppressionMetadata } from './guard-metadata';
import { isFullSentence, MIN_REASON_WORDS } from '../full-sentence';
import { LogDeliveryBucket } from '../log-delivery-bucket';
import { ImageRegionStack } from '../pipeline/image-region-stack';
import { ReportBucket } from '../pipeline/report-bucket';
import { DataTier } from '../workload/data-tier';
import { EdgeTier } from '../workload/edge-tier';
import { NetworkTier } from '../workload/network-tier';
import { PlatformStack } from '../workload/platform-stack';
import { ServiceStack } from '../workload/service-stack';

/*
 * Every cdk-nag suppression of the project, one small function per concern. Rules:
 * - fix the resource first; suppress only what is a conscious, explained trade-off;
 * - each suppression is scoped to ONE CloudFormation resource (never stack-wide, never
 *   applyToChildren), and IAM5 wildcard findings name the exact wildcard (`appliesTo`);
 * - the reason says why in a full sentence (>= 8 words, ending with a period): `rule()`
 *   refuses anything shorter, and the compliance tests check the synthesized metadata.
 * The report (cdk.out/compliance-report.md) lists every suppression with its reason.
 */

const AWS = 'AwsSolutions';
const NIST = 'NIST.800.53.R5';
const HIPAA = 'HIPAA.Security';
const PCI = 'PCI.DSS.321';
/** The three control-framework packs share rule names (e.g. S3BucketLoggingEnabled). */
const FRAMEWORKS = [NIST, HIPAA, PCI];

/* The reason rule is shared with the config's written opt-outs (src/full-sentence.ts). */
export { isFullSentence, MIN_REASON_WORDS } from '../full-sentence';

/** One suppression of `ruleName` for each of `packs`, with one reason (and optional wildcard findings). */
function rule(ruleName: string, packs: readonly string[], reason: string, appliesTo?: string[]): NagPackSuppression[] {
  if (!isFullSentence(reason)) {
    throw new Error(`Suppression of ${ruleName} needs a reason in a full sentence (>= ${MIN_REASON_WORDS} words, ending with a period): "${reason}"`);
  }
  return packs.map((pack) => ({ id: `${pack}-${ruleName}`, reason, ...(appliesTo ? { appliesTo } : {}) }));
}

/** Attach suppressions to the ONE CloudFormation resource behind `construct`. */
function suppress(construct: IConstruct, ...suppressions: NagPackSuppression[][]): void {
  const l1 = construct instanceof CfnResource ? construct : construct.node.defaultChild;
  if (!(l1 instanceof CfnResource)) {
    throw new Error(`Suppression target ${construct.node.path} is not (and has no default) CloudFormation resource`);
  }
  NagSuppressions.addResourceSuppressions(l1, suppressions.flat(), false);
}

/** Suppress Control Tower guard rules (by rule name) on the ONE CloudFormation resource behind `construct`. */
function guard(construct: IConstruct, ruleNames: readonly string[], reason: string): void {
  if (!isFullSentence(reason)) {
    throw new Error(`Guard suppression of ${ruleNames.join(', ')} needs a reason in a full sentence (>= ${MIN_REASON_WORDS} words, ending with a period): "${reason}"`);
  }
  const l1 = construct instanceof CfnResource ? construct : construct.node.defaultChild;
  if (!(l1 instanceof CfnResource)) {
    throw new Error(`Guard suppression target ${construct.node.path} is not (and has no default) CloudFormation resource`);
  }
  const existing = l1.getMetadata(GUARD_METADATA_KEY) as GuardSuppressionMetadata | undefined;
  const rules = [...new Set([...(existing?.SuppressedRules ?? []), ...ruleNames])];
  const reasons = { ...(existing?.Reasons ?? {}) };
  for (const r of ruleNames) reasons[r] = reason;
  l1.addMetadata(GUARD_METADATA_KEY, { SuppressedRules: rules, Reasons: reasons });
}

/** Every L1 resource of a CloudFormation type under `scope` (one Stage's or the App's own). */
function resourcesOfType(scope: IConstruct, type: string): CfnResource[] {
  return scope.node.findAll().filter((c): c is CfnResource => c instanceof CfnResource && c.cfnResourceType === type);
}

function child(scope: IConstruct, ...ids: string[]): IConstruct {
  let node = scope;
  for (const id of ids) {
    const next = node.node.tryFindChild(id);
    if (!next) throw new Error(`Suppression target ${node.node.path}/${id} not found (was it renamed? update src/compliance/suppressions.ts)`);
    node = next;
  }
  return node;
}

function logicalId(construct: IConstruct): string {
  const l1 = construct instanceof CfnResource ? construct : construct.node.defaultChild as CfnResource;
  return Stack.of(l1).getLogicalId(l1);
}

// ---------------------------------------------------------------------------------------
// Shared reasons
// ---------------------------------------------------------------------------------------

const CDK_GRANT_INLINE = 'CDK grants write least-privilege statements scoped to named resources into the role\'s own '
  + 'inline DefaultPolicy; a customer-managed policy would hold the same statements and add a separately versioned object.';

const LOG_BUCKET_IS_THE_LOG = 'This bucket is itself the access-log destination, and logging it into another bucket would '
  + 'only move the same exception one level down.';
const LOG_DELIVERY_SSE_S3 = 'AWS log delivery into this bucket supports SSE-S3 only and rejects SSE-KMS, so '
  + 'S3-managed keys are the only working choice here.';

// ---------------------------------------------------------------------------------------
// Network
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------

/** Dev and test databases are disposable (deletion protection is config-driven: production only). */
function nonProductionDatabaseDeletion(data: DataTier, production: boolean): void {
  if (production) return;
  const reason = 'Deletion protection follows environment.production, so dev and test databases can be torn down with their stage.';
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

/** The database stays on its long-term-support minor (src/workload/database-engine.ts). */
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

/** Enhanced monitoring needs the AWS-managed role policy RDS documents. */
function enhancedMonitoringRole(data: DataTier): void {
  suppress(child(data.cluster, 'MonitoringRole'), rule('IAM4', [AWS],
    'AmazonRDSEnhancedMonitoringRole is the AWS-maintained policy that lets RDS publish OS metrics to CloudWatch Logs.',
    ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole']));
}

// ---------------------------------------------------------------------------------------
// Edge
// ---------------------------------------------------------------------------------------

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

/** ALB deletion protection is config-driven: production only. */
function nonProductionLoadBalancerDeletion(edge: EdgeTier, production: boolean): void {
  if (production) return;
  const reason = 'Deletion protection follows environment.production, so dev and test load balancers can be torn down with their stage.';
  suppress(edge.loadBalancer, rule('ELBDeletionProtectionEnabled', [NIST, HIPAA], reason));
  guard(edge.loadBalancer, ['elbv2_deletion_protection_enabled_check'], reason);
}

// ---------------------------------------------------------------------------------------
// Service
// ---------------------------------------------------------------------------------------

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
    'PORT, DB_SSL and DB_SECRET_ARN (the ARN of the secret, not its value) are non-secret settings, and every database credential reaches the container as an ECS secret.'));
}

/**
 * Progressive deployment (deployment.strategy other than rolling): the test listener admits the
 * NAT gateways' Elastic IPs, which exist only at deploy time, so the packs cannot read those
 * CIDRs. Only that evaluation failure is suppressed (the rules still run on every literal rule);
 * test/workload/progressive.test.ts proves the test port admits /32 NAT addresses and no
 * 0.0.0.0/0.
 */
function testListenerIngress(edge: EdgeTier): void {
  if (!edge.trafficSwitch) return;
  const rules = ['EC2RestrictedSSH', 'EC2RestrictedCommonPorts'].flatMap((r) => FRAMEWORKS.map((pack) => `${pack}-${r}`));
  const reason = 'The test listener admits only the NAT gateways\' Elastic IPs, which are resolved at deploy time, so the packs cannot read those CIDRs at synth.';
  if (!isFullSentence(reason)) throw new Error(`reason must be a full sentence: ${reason}`);
  suppress(edge.trafficSwitch.loadBalancerSecurityGroup, [{ id: 'CdkNagValidationFailure', reason, appliesTo: rules }]);
}

/** The pre-traffic hook function, its role, ECS's role to invoke it, and ECS's load balancer role. */
function progressiveDeployment(service: ServiceStack): void {
  const hook = service.preTrafficHook;
  if (hook) {
    suppress(child(hook.role, 'DefaultPolicy'),
      rule('IAMNoInlinePolicy', FRAMEWORKS, `The hook role may write its own log group and manage its VPC network interfaces. ${CDK_GRANT_INLINE}`),
      rule('IAM5', [AWS], 'Lambda creates and deletes the network interfaces of a VPC function with EC2 actions that take no resource-level permissions.',
        ['Resource::*']));
    suppress(child(hook.invokeRole, 'DefaultPolicy'),
      rule('IAMNoInlinePolicy', FRAMEWORKS, `ECS may invoke exactly this one hook function through this role. ${CDK_GRANT_INLINE}`));
    suppress(hook.function,
      rule('LambdaDLQ', [NIST, HIPAA], 'ECS invokes the hook synchronously and reads its answer, so there is no asynchronous event a dead-letter queue could keep.'),
      rule('LambdaConcurrency', [NIST, HIPAA],
        'ECS calls the hook once per deployment step, and reserving concurrency fails on accounts whose unreserved concurrency is at the minimum of ten.'));
    guard(hook.function, ['lambda_inside_vpc_check'],
      'The hook runs in the stage VPC\'s private subnets, whose ids arrive from the Platform stack as imports that this rule cannot follow.');
  }
  if (service.loadBalancerRole) {
    suppress(child(service.loadBalancerRole, 'DefaultPolicy'),
      rule('IAMNoInlinePolicy', FRAMEWORKS,
        `ECS may switch this stage's two listener rules and register tasks in its two target groups only. ${CDK_GRANT_INLINE}`),
      rule('IAM5', [AWS], 'The Elastic Load Balancing Describe actions ECS reads listeners, rules and target health with take no resource-level permissions.',
        ['Resource::*']));
  }
}

// ---------------------------------------------------------------------------------------
// Pipeline (resources CDK Pipelines creates; see the README for what would fix them)
// ---------------------------------------------------------------------------------------

const ARTIFACT_REPLICATION = 'Pipeline artifacts are transient build outputs expiring after 30 days and rebuilt from the Git commit, '
  + 'and CodePipeline copies what other regions need itself.';

/** The artifact buckets (main and cross-region support): KMS, TLS, versioned, access-logged; not replicated. */
function artifactBuckets(pipeline: pipelines.CodePipeline): void {
  suppress(pipeline.pipeline.artifactBucket, rule('S3BucketReplicationEnabled', FRAMEWORKS, ARTIFACT_REPLICATION));
  bucketWithoutEventsOrObjectLock(pipeline.pipeline.artifactBucket);
  for (const support of Object.values(pipeline.pipeline.crossRegionSupport)) {
    const transit = 'This replication bucket only holds 30-day copies of pipeline artifacts for the second region, so access logging there was consciously left out.';
    suppress(support.replicationBucket, rule('S3BucketReplicationEnabled', FRAMEWORKS, ARTIFACT_REPLICATION),
      rule('S1', [AWS], transit), rule('S3BucketLoggingEnabled', FRAMEWORKS, transit));
    guard(support.replicationBucket, ['s3_bucket_logging_enabled_check'], transit);
    bucketWithoutEventsOrObjectLock(support.replicationBucket);
  }
}

/** The change-report bucket is versioned evidence in the pipeline account. */
function changeReportBucket(reports: ReportBucket): void {
  suppress(reports.bucket, rule('S3BucketReplicationEnabled', FRAMEWORKS,
    'Change reports are regenerated for every promotion and kept versioned for a year, so a replica adds cost without protecting a deployment.'));
  bucketWithoutEventsOrObjectLock(reports.bucket);
}

/**
 * A bucket AWS log delivery writes into (the ALB's access logs, S3 server access logs): the
 * documented log-bucket exception, one rule for every instance.
 */
function logDeliveryBucket(bucket: LogDeliveryBucket): void {
  suppress(bucket,
    rule('S1', [AWS], LOG_BUCKET_IS_THE_LOG),
    rule('S3BucketLoggingEnabled', FRAMEWORKS, LOG_BUCKET_IS_THE_LOG),
    rule('S3DefaultEncryptionKMS', FRAMEWORKS, LOG_DELIVERY_SSE_S3),
    rule('S3BucketReplicationEnabled', FRAMEWORKS,
      'Access logs are telemetry that expires by lifecycle rule in the account that produced it, so a second regional copy is not worth its cost.'));
  guard(bucket, ['s3_bucket_logging_enabled_check'], LOG_BUCKET_IS_THE_LOG);
  guard(bucket, ['s3_bucket_default_encryption_kms_check'], LOG_DELIVERY_SSE_S3);
  bucketWithoutEventsOrObjectLock(bucket);
}

/** CodeBuild projects of the pipeline take their source from CodePipeline, not from a repository URL. */
function codePipelineSourcedProjects(pipeline: pipelines.CodePipeline): void {
  const stack = Stack.of(pipeline);
  for (const project of pipeline.node.findAll().filter((c): c is codebuild.CfnProject => c instanceof codebuild.CfnProject)) {
    const source = stack.resolve(project.source) as { type?: string };
    if (source.type !== 'CODEPIPELINE') continue;
    suppress(project, rule('CodeBuildProjectSourceRepoUrl', [HIPAA, PCI],
      'The project reads its source from the CodePipeline artifact, and the GitHub connection authenticates through CodeConnections without OAuth.'));
  }
}

/** Wildcards CDK's artifact-bucket grants (grantRead/grantReadWrite on a KMS-encrypted bucket) write. */
function artifactGrantWildcards(pipeline: pipelines.CodePipeline): string[] {
  return [
    'Action::s3:GetObject*', 'Action::s3:GetBucket*', 'Action::s3:List*', 'Action::s3:DeleteObject*', 'Action::s3:Abort*',
    `Resource::<${logicalId(pipeline.pipeline.artifactBucket)}.Arn>/*`,
    'Action::kms:ReEncrypt*', 'Action::kms:GenerateDataKey*',
  ];
}

/** The log-group and report-group wildcards CDK grants a CodeBuild project's own role. */
function codeBuildOwnWildcards(project: IConstruct): string[] {
  const { region, account } = Stack.of(project);
  const id = logicalId(project);
  return [
    `Resource::arn:<AWS::Partition>:logs:${region}:${account}:log-group:/aws/codebuild/<${id}>:*`,
    `Resource::arn:<AWS::Partition>:codebuild:${region}:${account}:report-group/<${id}>-*`,
  ];
}

const ARTIFACT_WILDCARDS = 'CDK grants on the KMS-encrypted artifact bucket use object wildcards and KMS action groups, '
  + 'scoped to that one bucket and its key.';
const CODEBUILD_OWN = 'CodeBuild names its log streams and report groups at run time, so CDK scopes them to the project name prefix.';

/**
 * Every role CDK Pipelines creates, named: its inline DefaultPolicy and the exact wildcards it
 * needs. A new role (a new step) gets no suppression until it is added here consciously.
 */
function pipelineRoles(pipeline: pipelines.CodePipeline): void {
  const artifact = artifactGrantWildcards(pipeline);
  const defaultPolicy = (role: IConstruct, what: string, wildcards: { reason: string; appliesTo: string[] }[]) => {
    suppress(child(role, 'DefaultPolicy'),
      rule('IAMNoInlinePolicy', FRAMEWORKS, `${what} ${CDK_GRANT_INLINE}`),
      ...wildcards.map((w) => rule('IAM5', [AWS], w.reason, w.appliesTo)));
  };
  const cp = pipeline.pipeline;
  const projectRoles = (project: IConstruct) => child(project, 'Role');

  // CodePipeline's service role: artifacts, and the support stack's replication bucket and key.
  const supportBuckets = Object.values(cp.crossRegionSupport).map((s) => {
    const name = Stack.of(pipeline).resolve(s.replicationBucket.bucketName);
    return `Resource::arn:<AWS::Partition>:s3:::${name}/*`;
  });
  defaultPolicy(child(cp, 'Role'), 'The CodePipeline role is generated by CDK Pipelines for the artifact buckets and action roles.', [
    { reason: ARTIFACT_WILDCARDS, appliesTo: [...artifact, ...supportBuckets] },
    { reason: 'The cross-region replication key is addressed by alias in the support stack, so its key ARN is unknown to this stack.', appliesTo: ['Resource::*'] },
  ]);

  // Per-action roles CDK Pipelines creates: source, approvals, the shared CodeBuild action role.
  for (const stage of cp.stages) {
    for (const action of stage.actions) {
      const actionRole = cp.node.tryFindChild(stage.stageName)?.node.tryFindChild(action.actionProperties.actionName)?.node.tryFindChild('CodePipelineActionRole');
      if (actionRole) {
        defaultPolicy(actionRole, `The ${stage.stageName}/${action.actionProperties.actionName} action role is generated by CDK Pipelines.`,
          [{ reason: ARTIFACT_WILDCARDS, appliesTo: artifact }]);
      }
    }
  }
  const codeBuildActionRole = pipeline.node.tryFindChild('CodeBuildActionRole');
  if (codeBuildActionRole) {
    defaultPolicy(codeBuildActionRole, 'The role CodePipeline assumes to start the CodeBuild actions is generated by CDK Pipelines.', []);
  }

  // CodeBuild projects: synth, image gate, change reports (their own project roles).
  for (const project of pipeline.node.findAll().filter((c): c is codebuild.Project => c instanceof codebuild.Project)) {
    const path = project.node.path.slice(pipeline.node.path.length + 1);
    if (path === 'UpdatePipeline/SelfMutation' || path.startsWith('Assets/')) continue;
    const extra: { reason: string; appliesTo: string[] }[] = [];
    if (path.endsWith('/ImageGate/ImageGate')) {
      extra.push({ reason: 'The ecr:GetAuthorizationToken action has no resource-level form, so IAM requires the wildcard resource for it.', appliesTo: ['Resource::*'] });
    }
    const reportBucket = findChangeReportBucket(pipeline);
    if (/\/ChangeReport-[^/]+\/ChangeReport-[^/]+$/.test(path) && reportBucket) {
      extra.push({ reason: 'The change report writes one object per run under the change-reports prefix of the report bucket only.', appliesTo: [`Resource::<${reportBucket}.Arn>/change-reports/*`] });
    }
    defaultPolicy(projectRoles(project), `The ${path} CodeBuild role is generated by CDK Pipelines for its project.`, [
      { reason: ARTIFACT_WILDCARDS, appliesTo: artifact },
      { reason: CODEBUILD_OWN, appliesTo: codeBuildOwnWildcards(project) },
      ...extra,
    ]);
  }

  // Self-mutation: reads stacks and assets, assumes the bootstrap roles to deploy itself.
  const selfMutation = pipeline.node.tryFindChild('UpdatePipeline')?.node.tryFindChild('SelfMutation');
  if (selfMutation) {
    const { account } = Stack.of(pipeline);
    defaultPolicy(projectRoles(selfMutation), 'The self-mutation CodeBuild role is generated by CDK Pipelines.', [
      { reason: ARTIFACT_WILDCARDS, appliesTo: artifact },
      { reason: CODEBUILD_OWN, appliesTo: codeBuildOwnWildcards(selfMutation) },
      { reason: 'Self-mutation assumes the CDK bootstrap roles of every target account, whose names are only known by their prefix.', appliesTo: [`Resource::arn:*:iam::${account}:role/*`] },
      { reason: 'Self-mutation reads any stack and bucket listing through the bootstrap roles, which carry the real resource limits.', appliesTo: ['Resource::*'] },
    ]);
  }

  // The shared file-asset publishing role (one CodeBuild action publishes every file asset).
  const fileRole = pipeline.node.tryFindChild('Assets')?.node.tryFindChild('FileRole');
  if (fileRole) {
    const { region, account } = Stack.of(pipeline);
    defaultPolicy(fileRole, 'The file-asset publishing role is generated by CDK Pipelines for the asset projects.', [
      { reason: ARTIFACT_WILDCARDS, appliesTo: artifact },
      {
        reason: 'Asset projects are generated per asset, so CDK Pipelines scopes their logs, reports and builds to the account and region.',
        appliesTo: [
          `Resource::arn:<AWS::Partition>:logs:${region}:${account}:log-group:/aws/codebuild/*`,
          `Resource::arn:<AWS::Partition>:codebuild:${region}:${account}:report-group/*`,
          'Resource::*',
        ],
      },
    ]);
  }
}

function findChangeReportBucket(pipeline: pipelines.CodePipeline): string | undefined {
  const reports = Stack.of(pipeline).node.findAll().find((c): c is ReportBucket => c instanceof ReportBucket);
  return reports ? logicalId(reports.bucket) : undefined;
}

// ---------------------------------------------------------------------------------------
// Control Tower guard rules only (cdk-nag has no equivalent finding)
// ---------------------------------------------------------------------------------------

/** No bucket of the project feeds an event consumer, and none holds records under legal hold. */
function bucketWithoutEventsOrObjectLock(bucket: IConstruct): void {
  guard(bucket, ['s3_event_notifications_enabled_check'],
    'No process consumes events of this bucket, and its access is already audited by CloudTrail and access logs.');
  guard(bucket, ['s3_bucket_object_lock_enabled_check'],
    'Objects expire by lifecycle rule and stay recoverable through versioning, so Object Lock retention would block that expiry.');
}

/** Dev and test keep logs for sizing.logRetentionDays (< 1 year) to limit cost; production keeps 365 days. */
function nonProductionLogRetention(scope: IConstruct, production: boolean): void {
  if (production) return;
  for (const group of resourcesOfType(scope, 'AWS::Logs::LogGroup')) {
    guard(group, ['cloudwatch_log_group_retention_period_check'],
      'Dev and test log groups keep sizing.logRetentionDays of logs to limit cost, while production keeps them for a full year.');
  }
}

/** Container Insights ENHANCED is a superset of the "enabled" setting the rule looks for. */
function containerInsights(service: ServiceStack): void {
  guard(service.cluster, ['ecs_container_insights_enabled_check'],
    'Container Insights runs in the enhanced mode, a superset of the enabled mode this rule recognises by its exact value.');
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

/** The post-deploy assertion stack (integ-tests-alpha): handlers and waiter state machines. */
function assertionStack(stack: IConstruct): void {
  for (const fn of resourcesOfType(stack, 'AWS::Lambda::Function')) {
    guard(fn, ['lambda_inside_vpc_check'],
      'Assertion handlers call the public service URL and AWS APIs during deployment, exactly as a user outside the VPC would.');
  }
  for (const sm of resourcesOfType(stack, 'AWS::StepFunctions::StateMachine')) {
    guard(sm, ['step_functions_state_machine_logging_enabled_check', 'step_functions_state_machine_tracing_enabled_check'],
      'Assertion waiters run for minutes during a deployment, and their outcome is recorded as the assertion stack deployment result.');
  }
}

/** The image gate builds the container image, which needs Docker, which needs privileged mode. */
function imageGateBuild(pipeline: pipelines.CodePipeline): void {
  for (const project of pipeline.node.findAll().filter((c): c is codebuild.CfnProject => c instanceof codebuild.CfnProject)) {
    const environment = Stack.of(project).resolve(project.environment) as { privilegedMode?: boolean };
    if (environment.privilegedMode && /\/ImageGate\/ImageGate\/Resource$/.test(project.node.path)) {
      guard(project, ['codebuild_project_environment_privileged_check'],
        'The image gate builds the service image with Docker inside CodeBuild, which requires privileged mode on that one project.');
    }
  }
}

/** The pipeline's CodeBuild log group keeps one month of logs (set in pipeline-stack.ts). */
function buildLogRetention(pipeline: pipelines.CodePipeline): void {
  const logs = Stack.of(pipeline).node.tryFindChild('BuildLogs');
  if (logs) {
    guard(logs, ['cloudwatch_log_group_retention_period_check'],
      'Build logs are kept for one month because every build is reproducible from its commit and the pipeline history.');
  }
}

/** The role ECR assumes to create the image replica: one repository, one key. */
function replicaCreationRole(stack: ImageRegionStack): void {
  suppress(child(stack.creationRole, 'DefaultPolicy'), rule('IAMNoInlinePolicy', FRAMEWORKS,
    `The replica creation role may only create the one replicated repository and use the one regional key. ${CDK_GRANT_INLINE}`));
}

// ---------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------

/**
 * Apply the project's suppressions to what exists in `scope` (an App or a Stage). Nested
 * Stages are skipped: each Stage is passed here on its own before it synthesizes.
 */
export function applySuppressions(scope: IConstruct): void {
  for (const c of constructsOf(scope)) {
    if (c instanceof PlatformStack || c instanceof ServiceStack) {
      nonProductionLogRetention(c, c.production);
      providerFunctionsOutsideVpc(c);
    }
    if (isDeployAssert(c)) {
      assertionStack(c.scope);
    } else if (c instanceof NetworkTier) {
      publicSubnetRoutes(c);
      internetFacingLoadBalancer(c);
      flowLogRole(c);
    } else if (c instanceof DataTier) {
      nonProductionDatabaseDeletion(c, c.production);
      auroraBackups(c);
      ltsEngineWithoutAutoMinorUpgrades(c);
      enhancedMonitoringRole(c);
      secretReplica(c);
    } else if (c instanceof EdgeTier) {
      httpOnlyListener(c);
      nonProductionLoadBalancerDeletion(c, c.production);
      testListenerIngress(c);
    } else if (c instanceof ServiceStack) {
      executionRole(c);
      taskRole(c);
      containerEnvironment(c);
      containerInsights(c);
      progressiveDeployment(c);
    } else if (c instanceof pipelines.CodePipeline) {
      artifactBuckets(c);
      codePipelineSourcedProjects(c);
      pipelineRoles(c);
      imageGateBuild(c);
      buildLogRetention(c);
    } else if (c instanceof ImageRegionStack) {
      replicaCreationRole(c);
    } else if (c instanceof ReportBucket) {
      changeReportBucket(c);
    } else if (c instanceof LogDeliveryBucket) {
      logDeliveryBucket(c);
    }
  }
}

/** integ-tests-alpha's DeployAssert (its `scope` is the assertion stack); it marks itself with this symbol. */
function isDeployAssert(c: IConstruct): c is IConstruct & { scope: Stack } {
  return Symbol.for('@aws-cdk/integ-tests.DeployAssert') in c && Stack.isStack((c as unknown as { scope?: unknown }).scope);
}

function constructsOf(scope: IConstruct): IConstruct[] {
  const out: IConstruct[] = [];
  const visit = (c: IConstruct) => {
    if (c !== scope && Stage.isStage(c)) return;
    out.push(c);
    c.node.children.forEach(visit);
  };
  visit(scope);
  return out;
}
