import { Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { IConstruct } from 'constructs';
import { DeliveryMetrics } from './delivery-metrics';
import { DriftDetection } from './drift-detection';
import { ImageRegionStack } from './image-region-stack';
import { ImageRepository } from './image-repository';
import { PipelineFunction } from './pipeline-function';
import { ReportBucket } from './report-bucket';
import { CommandsActionWithEnvironment } from './steps/commands-step';
import { provenancePrefixOf } from '../../shared/image-provenance';
import {
  AWS, bucketWithoutEventsOrObjectLock, CDK_GRANT_INLINE, child, FRAMEWORKS, guard, HIPAA, logicalId, NIST, PCI, rule, suppress, Suppressor,
} from '../compliance/suppressions';

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
  const { account } = Stack.of(pipeline);
  const supportKeys = Object.keys(cp.crossRegionSupport).map((region) => `Resource::arn:aws:kms:${region}:${account}:key/*`);
  defaultPolicy(child(cp, 'Role'), 'The CodePipeline role is generated by CDK Pipelines for the artifact buckets and action roles.', [
    { reason: ARTIFACT_WILDCARDS, appliesTo: [...artifact, ...supportBuckets] },
    {
      reason: 'The cross-region replication keys live in the support stacks of other regions, so their ARNs are unknown here; the grant names each '
        + 'region\'s keys of this account and a kms:ResourceAliases condition on the replication bucket\'s alias (pipeline-grants.ts).',
      appliesTo: supportKeys,
    },
    {
      reason: 'cdk-nag reads the statement as CDK built it, on every key; the template carries it rewritten to the support regions\' keys of this account '
        + 'with the alias condition (pipeline-grants.ts scopePipelineRoleKeys, checked on the synthesized template by least-privilege.test.ts).',
      appliesTo: ['Resource::*'],
    },
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
    const reportBucket = findChangeReportBucket(pipeline);
    if (path.endsWith('/ImageGate/ImageGate')) {
      extra.push({ reason: 'The ecr:GetAuthorizationToken action has no resource-level form, so IAM requires the wildcard resource for it.', appliesTo: ['Resource::*'] });
      if (reportBucket) {
        const records = Stack.of(pipeline).node.findAll().find((c): c is ImageRepository => c instanceof ImageRepository);
        extra.push({
          reason: 'The image gate writes and reads one provenance record per commit of its own repository, named by the commit at run time.',
          appliesTo: [`Resource::<${reportBucket}.Arn>/${provenancePrefixOf(records?.repositoryName ?? '')}*`],
        });
      }
    }
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
    defaultPolicy(projectRoles(selfMutation), 'The self-mutation CodeBuild role is generated by CDK Pipelines.', [
      { reason: ARTIFACT_WILDCARDS, appliesTo: artifact },
      { reason: CODEBUILD_OWN, appliesTo: codeBuildOwnWildcards(selfMutation) },
      { reason: 'Self-mutation assumes the CDK bootstrap roles of every target account, whose names are only known by their prefix.', appliesTo: [`Resource::arn:*:iam::${account}:role/*`] },
      { reason: 'Self-mutation reads any stack and bucket listing through the bootstrap roles, which carry the real resource limits.', appliesTo: ['Resource::*'] },
      {
        reason: 'The gate check reads the deployed template of the pipeline stack, whose ARN ends in a random stack id, '
          + 'and the approval records of any commit under the pipeline\'s own parameter path.',
        appliesTo: [
          `Resource::arn:aws:cloudformation:${Stack.of(pipeline).region}:${account}:stack/${Stack.of(pipeline).stackName}/*`,
          `Resource::arn:aws:ssm:${Stack.of(pipeline).region}:${account}:parameter/${Stack.of(pipeline).stackName}/gate-change-approvals/*`,
        ],
      },
    ]);
  }

  // The shared file-asset publishing role (one CodeBuild action publishes every file asset).
  const fileRole = pipeline.node.tryFindChild('Assets')?.node.tryFindChild('FileRole');
  if (fileRole) {
    const { region } = Stack.of(pipeline);
    defaultPolicy(fileRole, 'The file-asset publishing role is generated by CDK Pipelines for the asset projects.', [
      { reason: ARTIFACT_WILDCARDS, appliesTo: artifact },
      {
        reason: 'Asset projects are generated per asset, so CDK Pipelines scopes their logs and reports to the account and region.',
        appliesTo: [
          `Resource::arn:<AWS::Partition>:logs:${region}:${account}:log-group:/aws/codebuild/*`,
          `Resource::arn:<AWS::Partition>:codebuild:${region}:${account}:report-group/*`,
        ],
      },
      {
        reason: 'cdk-nag reads CDK\'s codebuild:StartBuild on every project as an Allow; the template carries it as a Deny, so the role can start no build '
          + '(pipeline-grants.ts denyAssetRoleBuilds, checked on the synthesized template by least-privilege.test.ts).',
        appliesTo: ['Resource::*'],
      },
    ]);
  }

  commandsStepRoles(pipeline, artifact);
}

/**
 * The roles of the pipeline's Commands actions (CommandsStep): CDK's CommandsAction grants each
 * the action's log streams and the read of its input artifacts.
 */
function commandsStepRoles(pipeline: pipelines.CodePipeline, artifact: readonly string[]): void {
  const { region, account } = Stack.of(pipeline);
  const cp = pipeline.pipeline;
  const reportBucket = findChangeReportBucket(pipeline);
  for (const action of cp.stages.flatMap((s) => s.actions)) {
    if (!(action instanceof CommandsActionWithEnvironment) || !action.actionProperties.role) continue;
    const name = action.actionProperties.actionName;
    const report = /ChangeReport-/.test(name) && reportBucket ? [`Resource::<${reportBucket}.Arn>/change-reports/*`] : [];
    suppress(child(action.actionProperties.role, 'DefaultPolicy'),
      rule('IAMNoInlinePolicy', FRAMEWORKS, `The ${name} step's role may only read its input artifacts, write its own log streams and do what its step does. ${CDK_GRANT_INLINE}`),
      rule('IAM5', [AWS], `${ARTIFACT_WILDCARDS} CodePipeline names the Commands action's log streams at run time, under the pipeline's own log group; `
        + 'the change report writes one object per run under the change-reports prefix of the report bucket only.', [
        ...artifact,
        `Resource::arn:<AWS::Partition>:logs:${region}:${account}:log-group:/aws/codepipeline/<${logicalId(cp)}>:*`,
        ...report,
      ]));
  }
}

function findChangeReportBucket(pipeline: pipelines.CodePipeline): string | undefined {
  const reports = Stack.of(pipeline).node.findAll().find((c): c is ReportBucket => c instanceof ReportBucket);
  return reports ? logicalId(reports.bucket) : undefined;
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

/** The pipeline's CodeBuild and Commands log groups keep one month of logs (set in pipeline-stack.ts). */
function buildLogRetention(pipeline: pipelines.CodePipeline): void {
  for (const id of ['BuildLogs', 'CommandsLogs']) {
    const logs = Stack.of(pipeline).node.tryFindChild(id);
    if (logs) {
      guard(logs, ['cloudwatch_log_group_retention_period_check'],
        'Build logs are kept for one month because every build is reproducible from its commit and the pipeline history.');
    }
  }
}

/** The role ECR assumes to create the image replica: one repository, one key. */
function replicaCreationRole(stack: ImageRegionStack): void {
  suppress(child(stack.creationRole, 'DefaultPolicy'), rule('IAMNoInlinePolicy', FRAMEWORKS,
    `The replica creation role may only create the one replicated repository and use the one regional key. ${CDK_GRANT_INLINE}`));
}

/**
 * A function of the pipeline account (delivery metrics, drift check): its role's inline policy
 * and the one wildcard PutMetricData needs, and the Lambda rules that do not fit a function
 * that only calls AWS APIs. `role` says what the role may do; `lostInvocation` why a dead-letter
 * queue would keep nothing.
 */
function pipelineFunction(fn: PipelineFunction, role: string, lostInvocation: string): void {
  suppress(child(fn.role, 'DefaultPolicy'),
    rule('IAMNoInlinePolicy', FRAMEWORKS, `${role} ${CDK_GRANT_INLINE}`),
    rule('IAM5', [AWS], 'The cloudwatch:PutMetricData action takes no resource-level permission, so its statement names every resource '
      + 'and the cloudwatch:namespace condition limits it to the DeliveryPipeline namespace.', ['Resource::*']));
  suppress(fn.function,
    rule('LambdaDLQ', [NIST, HIPAA], lostInvocation),
    rule('LambdaConcurrency', [NIST, HIPAA],
      'The function runs a few times a day on the pipeline\'s own events, and reserving concurrency fails on accounts whose unreserved concurrency is at the minimum of ten.'),
    rule('LambdaInsideVPC', FRAMEWORKS,
      'The function calls only AWS APIs over TLS and the pipeline account has no VPC, so attaching one would add NAT gateways without narrowing what it reaches.'));
  guard(fn.function, ['lambda_inside_vpc_check'],
    'The function calls only AWS APIs over TLS and the pipeline account has no VPC, so attaching one would add NAT gateways without narrowing what it reaches.');
}

/** The delivery metrics: the function, and its claim table that the history can always rebuild. */
function deliveryMetrics(metrics: DeliveryMetrics): void {
  pipelineFunction(metrics.function, 'The delivery metrics role may read this pipeline\'s history, claim datapoints in its one table and publish to its namespace.',
    'EventBridge retries each event for hours and the error alarm tells the pipeline topic, and every number is recomputed from CodePipeline\'s history by npx projen pipeline:metrics.');
  suppress(metrics.claims, rule('DynamoDBInBackupPlan', [NIST, HIPAA],
    'The table only holds 35-day claims that stop a repeated event from publishing twice, and point-in-time recovery already covers it, so a backup plan would keep nothing of value.'));
}

/** The drift check: the function only. */
function driftDetection(drift: DriftDetection): void {
  pipelineFunction(drift.function, 'The drift check role may assume the stage accounts\' lookup roles and publish to its namespace and the pipeline topic.',
    'The schedule runs the whole check again at its next interval and the error alarm tells the pipeline topic, so a dead-letter queue would keep nothing that is lost.');
}

/** The exceptions of the pipeline stack, its image region stacks and report bucket. */
export const pipelineSuppressions: Suppressor = (c) => {
  if (c instanceof pipelines.CodePipeline) {
    artifactBuckets(c);
    codePipelineSourcedProjects(c);
    pipelineRoles(c);
    imageGateBuild(c);
    buildLogRetention(c);
  } else if (c instanceof ImageRegionStack) {
    replicaCreationRole(c);
  } else if (c instanceof ReportBucket) {
    changeReportBucket(c);
  } else if (c instanceof DeliveryMetrics) {
    deliveryMetrics(c);
  } else if (c instanceof DriftDetection) {
    driftDetection(c);
  }
};
