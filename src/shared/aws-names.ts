/**
 * Names of AWS things the pipeline, the ops tools and the CodeBuild scripts all refer to.
 * Dependency-free on purpose: the change-report CLI bundles it into CodeBuild.
 */

/** The default bootstrap qualifier (roles `cdk-hnb659fds-*`). */
export const BOOTSTRAP_QUALIFIER = 'hnb659fds';

/** The partition of a region: `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, ... */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-isof-')) return 'aws-iso-f';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  return 'aws';
}

/** The read-only lookup role `cdk bootstrap --trust-for-lookup` creates in an account and region. */
export function lookupRoleArn(account: string, region: string): string {
  return `arn:${partitionOf(region)}:iam::${account}:role/cdk-${BOOTSTRAP_QUALIFIER}-lookup-role-${account}-${region}`;
}

/**
 * The deploy role `cdk bootstrap --trust <pipeline account>` creates in an account and region:
 * CDK Pipelines' CloudFormation actions deploy through it, and its policy also allows
 * `cloudformation:UpdateTerminationProtection` (used by TerminationProtectionStep).
 */
export function deployRoleArn(account: string, region: string): string {
  return `arn:${partitionOf(region)}:iam::${account}:role/cdk-${BOOTSTRAP_QUALIFIER}-deploy-role-${account}-${region}`;
}

/**
 * The `Application` tag reduced to what every AWS name accepts (lowercase letters, digits,
 * hyphens; at most 32 characters; `app` if nothing is left): the first part of stage name
 * prefixes (namePrefixFor) and of the global database's derived names.
 */
export function applicationSlug(application: string): string {
  return application.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 32) || 'app';
}

/**
 * What a pipeline step does in a stage account, each through a role of its own (issue 33): read
 * the deployed templates for the change report, turn on termination and deletion protection
 * after a production deploy, read the stage's alarms during the bake, and (the scheduled drift
 * check, src/synth/pipeline/drift-detection.ts) detect drift of the stage's stacks.
 */
export type PipelineStepPurpose = 'report' | 'protect' | 'bake' | 'drift';

/** The target part of the drift check's role name: one function checks every stage. */
export const DRIFT_CHECK_TARGET = 'stages';

/** IAM's limit on a role name. */
export const MAX_ROLE_NAME_LENGTH = 64;

function checkedRoleName(name: string): string {
  if (name.length > MAX_ROLE_NAME_LENGTH) throw new Error(`role name ${name} is ${name.length} characters; IAM allows ${MAX_ROLE_NAME_LENGTH}: shorten the stack, environment or pipeline name`);
  if (!/^[\w+=,.@-]+$/.test(name)) throw new Error(`role name ${name} has characters IAM does not allow (letters, digits and +=,.@_- only)`);
  return name;
}

/**
 * The role a pipeline step runs as, in the pipeline account: `<pipeline stack>-<purpose>-<target>`
 * (target: the environment of a change report, the stage id of a protect or bake step). A fixed
 * name, because the stage account's role names it in its trust policy and a cross-account
 * reference cannot carry a generated one; the pipeline stack's name prefixes it, as the pipeline
 * execution policy requires of every role that stack creates.
 */
export function pipelineStepRoleName(pipelineStackName: string, purpose: PipelineStepPurpose, target: string): string {
  return checkedRoleName(`${pipelineStackName}-${purpose}-${target}`);
}

/**
 * The role in a stage's account that exactly one pipeline step assumes: `<stage id>-pipeline-<purpose>`.
 * Prefixed by the stage id, as the stage execution policy requires of every role a stage creates.
 */
export function stageStepRoleName(stageId: string, purpose: PipelineStepPurpose): string {
  return checkedRoleName(`${stageId}-pipeline-${purpose}`);
}

/** The ARN of a role by name (IAM is global: the region only says which partition). */
export function roleArnOf(account: string, region: string, roleName: string): string {
  return `arn:${partitionOf(region)}:iam::${account}:role/${roleName}`;
}

/**
 * The permissions boundary every role of the project carries (`iam:PermissionsBoundary`): a
 * managed policy the project's bootstrap template (bootstrap/bootstrap-template.yaml, resource
 * `DeliveryPermissionsBoundary`) creates in each account and region it bootstraps, named per
 * qualifier, account and region like CDK's own example boundary. The execution policies let
 * CloudFormation create or change a role only with it (src/terminal/execution-policy/policy-rules.ts).
 */
export function permissionsBoundaryName(account: string, region: string): string {
  return `cdk-${BOOTSTRAP_QUALIFIER}-delivery-boundary-${account}-${region}`;
}

/** The ARN of permissionsBoundaryName in its account (IAM is global: the partition comes from the region). */
export function permissionsBoundaryArn(account: string, region: string): string {
  return `arn:${partitionOf(region)}:iam::${account}:policy/${permissionsBoundaryName(account, region)}`;
}

/**
 * Name prefix of every role the pipeline stack and its support stacks create: CloudFormation
 * names a role it generates `<stack>-<logicalId>-<suffix>`, and those stacks are
 * `DeliveryPipeline` and `DeliveryPipeline-<...>`. The bootstrap template trusts only these
 * roles of the pipeline account (its `PipelineRoleNamePrefix` parameter defaults to it).
 */
export const PIPELINE_ROLE_NAME_PREFIX = 'DeliveryPipeline-';
