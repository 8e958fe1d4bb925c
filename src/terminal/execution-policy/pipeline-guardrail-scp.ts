import { PolicyDocument, PolicyStatement } from './iam-evaluator';
import { BOOTSTRAP_QUALIFIER, PIPELINE_ROLE_NAME_PREFIX } from '../../shared/aws-names';

/**
 * The service control policy the organization attaches to the pipeline account, so that only the
 * pipeline decides what its builds run (README "Pipeline account guardrails (SCP)"). IAM inside
 * the account cannot enforce this against its own administrators; an SCP can, and the
 * management account owns it. `npx projen bootstrap` renders it for the config
 * (bootstrap/rendered/<pipeline account>-scp-pipeline-guardrails.json) and `doctor --aws` checks
 * its effect with IAM's policy simulator (SCPs included).
 *
 * 1. No build overrides but the pipeline's. `codebuild:StartBuild` and `StartBuildBatch` accept
 *    overrides of the buildspec, source, image, privileged mode, service role and environment
 *    variables; each has a condition key ("Filters access by the API corresponding argument
 *    value", Service Authorization Reference for CodeBuild,
 *    https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodebuild.html),
 *    and AWS documents the pattern: "The codebuild:source.buildspec condition key supports only
 *    the Null operator to check the existence of the API field" (CodeBuild user guide, condition
 *    keys, https://docs.aws.amazon.com/codebuild/latest/userguide/action-context-keys.html). One
 *    statement per key, because the keys of one Null block must all hold. The pipeline's own
 *    CodeBuild action role is exempt: CodePipeline passes the action's environment variables
 *    (CodePipeline action reference, CodeBuild: `EnvironmentVariables`), and its configuration has
 *    no buildspec, image or role field at all.
 * 2. The projects and the pipeline change only through CloudFormation: creating, updating or
 *    deleting a CodeBuild project or the pipeline is denied to every principal but the bootstrap's
 *    CloudFormation execution role (which self-mutation and the first `cdk deploy` use), so a
 *    console edit cannot swap a buildspec or drop a stage that the reviewed templates define.
 * 3. Nobody overrides a stage condition (`codepipeline:OverrideStageCondition` skips the gate a
 *    condition enforces; it has no condition key, so the only control is who holds it).
 */

/** The overrides of StartBuild/StartBuildBatch that change what a build runs or as whom. */
export const BUILD_OVERRIDE_KEYS: readonly string[] = [
  'codebuild:source.buildspec',
  'codebuild:secondarySources.buildspec',
  'codebuild:source.location',
  'codebuild:secondarySources.location',
  'codebuild:environment.image',
  'codebuild:environment.privilegedMode',
  'codebuild:environment.environmentVariables',
  'codebuild:serviceRole',
  'codebuild:buildBatchConfig.serviceRole',
];

/** The role CodePipeline starts the pipeline's builds with (CDK Pipelines' shared CodeBuild action role). */
export function pipelineBuildActionRolePattern(partition: string, account: string): string {
  return `arn:${partition}:iam::${account}:role/${PIPELINE_ROLE_NAME_PREFIX}PipelineCodeBuildActionRole*`;
}

/** The CloudFormation execution role of the bootstrap stacks of an account (any region). */
export function cloudFormationExecutionRolePattern(partition: string, account: string): string {
  return `arn:${partition}:iam::${account}:role/cdk-${BOOTSTRAP_QUALIFIER}-cfn-exec-role-${account}-*`;
}

/** The SCP for a pipeline account. */
export function pipelineGuardrailScp(partition: string, account: string): PolicyDocument {
  const projects = `arn:${partition}:codebuild:*:${account}:project/*`;
  const overrides: PolicyStatement[] = BUILD_OVERRIDE_KEYS.map((key) => ({
    Sid: `DenyOverride${key.split(':')[1].split('.').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('')}`,
    Effect: 'Deny',
    Action: ['codebuild:StartBuild', 'codebuild:StartBuildBatch'],
    Resource: projects,
    Condition: {
      Null: { [key]: 'false' },
      ArnNotLike: { 'aws:PrincipalArn': pipelineBuildActionRolePattern(partition, account) },
    },
  }));
  return {
    Version: '2012-10-17',
    Statement: [
      ...overrides,
      {
        Sid: 'DenyPipelineChangesOutsideCloudFormation',
        Effect: 'Deny',
        Action: ['codebuild:CreateProject', 'codebuild:UpdateProject', 'codebuild:DeleteProject',
          'codepipeline:CreatePipeline', 'codepipeline:UpdatePipeline', 'codepipeline:DeletePipeline'],
        Resource: '*',
        Condition: { ArnNotLike: { 'aws:PrincipalArn': cloudFormationExecutionRolePattern(partition, account) } },
      },
      { Sid: 'DenyStageConditionOverrides', Effect: 'Deny', Action: 'codepipeline:OverrideStageCondition', Resource: '*' },
    ],
  };
}

/** Where `npx projen bootstrap` writes it (git-ignored, like the rendered execution policies). */
export function scpDocumentFile(account: string): string {
  return `bootstrap/rendered/${account}-scp-pipeline-guardrails.json`;
}
