import { PolicyStatement } from './iam-evaluator';

/**
 * The reviewed rules the execution policies are generated with (generate-policy.ts): which
 * resources each service's actions may touch, and why a service keeps `*`. Placeholders are
 * filled per account by `npx projen bootstrap` (src/terminal/execution-policy/bootstrap-plan.ts renderPolicy):
 * `{stage}` becomes each stage id deployed in the account, `{pipeline}` the gated image
 * repository prefix, `{app}` the application slug of fixed names (`<app>-<stage>-...`),
 * `{boundary}` the account's permissions boundaries (one per region).
 */

/** The two execution policies: stage accounts, and the pipeline account. */
export type PolicyKind = 'stage' | 'pipeline';

/** Where a service's actions may act, for one policy. */
export interface ServiceScope {
  /** Resource ARN patterns. */
  readonly resources: readonly string[];
  /** Why these and not narrower, in a sentence; required when `resources` is `*`. */
  readonly reason: string;
}

/** The stage and pipeline stack names CloudFormation prefixes every generated name with. */
const STAGE_ROLES = 'arn:*:iam::*:role/{stage}-*';
const PIPELINE_ROLES = 'arn:*:iam::*:role/DeliveryPipeline-*';

/** Scopes by service; a service without an entry gets `*` with the default reason below. */
export const SERVICE_SCOPES: Readonly<Record<PolicyKind, Readonly<Record<string, ServiceScope>>>> = {
  stage: {
    iam: {
      resources: [STAGE_ROLES],
      reason: 'CloudFormation names every role it creates <stack>-<logicalId>-<suffix>, and every stage stack is named <stage>-<Stack>, so the stage id scopes all role actions, PassRole included.',
    },
    s3: {
      resources: ['arn:*:s3:::{stage}-*', 'arn:*:s3:::{stage}-*/*'],
      reason: 'CloudFormation names buckets after the lower-case stack name, which starts with the stage id.',
    },
    cloudformation: {
      resources: ['arn:*:cloudformation:*:*:stack/{stage}-*/*'],
      reason: 'The only stacks CloudFormation creates for a stage are nested stacks (hosted rotation), named after their parent stack.',
    },
    lambda: {
      resources: ['arn:*:lambda:*:*:function:{stage}-*', 'arn:*:lambda:*:*:function:{app}-{stage}-*'],
      reason: 'CloudFormation names every function it creates <stack>-<logicalId>-<suffix>, and custom resources invoke functions of their own stack; the rotation functions have a name the failover command derives, <application>-<stage>-rotation: so the stage id scopes every Lambda action, invocation included.',
    },
  },
  pipeline: {
    iam: {
      resources: [PIPELINE_ROLES],
      reason: 'The pipeline stack and its cross-region support stacks are named DeliveryPipeline and DeliveryPipeline-support-<region>, which prefix every role CloudFormation names for them.',
    },
    s3: {
      resources: ['arn:*:s3:::deliverypipeline*', 'arn:*:s3:::deliverypipeline*/*'],
      reason: 'CloudFormation names the artifact, log and report buckets after the lower-case pipeline stack names.',
    },
    lambda: {
      resources: ['arn:*:lambda:*:*:function:DeliveryPipeline-*'],
      reason: 'CloudFormation names every function of the pipeline stacks <stack>-<logicalId>-<suffix>, and the stacks are DeliveryPipeline and DeliveryPipeline-<...>, so the prefix scopes every Lambda action, custom-resource invocations included.',
    },
    ecr: {
      resources: ['arn:*:ecr:*:*:repository/{pipeline}/*'],
      reason: 'The only repository the pipeline stack creates is the gated image repository under the pipeline name prefix.',
    },
  },
};

/**
 * Actions that act on a registry or account setting rather than on a named resource: they get
 * their own `*` statement, outside their service's scope, with the reason (keyed by a
 * pseudo-service whose Sid names the statement).
 */
export const REGISTRY_LEVEL_ACTIONS: Readonly<Record<string, { readonly actions: readonly string[]; readonly reason: string }>> = {
  'ecr-registry': {
    actions: [
      'ecr:CreateRepositoryCreationTemplate', 'ecr:DeleteRepositoryCreationTemplate', 'ecr:DescribeRegistry',
      'ecr:DescribeRepositoryCreationTemplates', 'ecr:PutReplicationConfiguration', 'ecr:UpdateRepositoryCreationTemplate',
    ],
    reason: 'The registry replication configuration and the repository creation templates are settings of the whole registry (one account and region), which IAM authorizes on no repository ARN.',
  },
  // Issue 26, verified as far as AWS documents it: ECR requires the caller that creates or
  // updates a repository creation template to hold ecr:CreateRepository, and
  // ecr:PutLifecyclePolicy / ecr:SetRepositoryPolicy when the template carries a lifecycle or
  // repository policy (ECR user guide, "Creating a repository creation template",
  // docs.aws.amazon.com/AmazonECR/latest/userguide/repository-creation-templates-create.html).
  // The template names a prefix, no repository exists yet, and no AWS page says which ARN
  // those checks use (the ECR guide's own policies for templates grant them on "*"; the service
  // authorization reference only says the actions take a repository ARN). A scope of
  // repository/<pipeline>/* would fail the first deploy of every DeliveryPipeline-Images stack
  // if ECR checks anything else, so these three are granted on `*`. The pipeline's own gated
  // repository needs the same actions, so the repository statement loses nothing it used.
  'ecr-template-checks': {
    actions: ['ecr:CreateRepository', 'ecr:PutLifecyclePolicy', 'ecr:SetRepositoryPolicy'],
    reason: 'ECR checks these against the caller that writes a repository creation template carrying a lifecycle and a repository policy, before any repository exists, and AWS documents no resource ARN for that check: only `*` cannot miss it.',
  },
  // The Lambda statements are scoped to the stacks' functions; these reads act on other resource
  // types (Service Authorization Reference for Lambda: GetCodeSigningConfig on "code signing
  // config", GetLayerVersion on "layerVersion"), so they stay outside that scope.
  'lambda-function-settings': {
    actions: ['lambda:GetCodeSigningConfig', 'lambda:GetLayerVersion'],
    reason: 'Code signing configurations and layer versions are resource types of their own (code-signing-config:csc-<random id>, layer:<name>:<version>, often another account\'s), not functions, and the function handler reads the ones a function names.',
  },
};

/** Why a service keeps `*`, per service; the fallback covers the rest. */
export const WILDCARD_REASONS: Readonly<Record<string, string>> = {
  'ec2': 'VPC, subnet, route table, gateway, address, endpoint and security group ids are random, and several calls (Describe*, CreateTags on new ids) support no resource-level permissions at all.',
  'kms': 'Key ids are random and key creation has no resource to scope; the key policies we write restrict who may use each key.',
  'rds': 'Cluster, instance and parameter group names are generated with truncation and several RDS calls take no resource ARN.',
  'elasticloadbalancing': 'Load balancer and target group names are capped at 32 characters, so CloudFormation truncates the stack name out of them.',
  'cognito-idp': 'User pool ids are random (<region>_<suffix>) and carry no stack name, and CreateUserPool is authorized on no resource at all.',
};

/** The reason for a `*` service without its own entry. */
export const DEFAULT_WILDCARD_REASON = 'CloudFormation generates these names (truncating long stack names) or the calls support no resource-level permissions, so a name pattern would either miss resources or scope nothing.';

/** Services whose actions never appear in a generated Allow (denied outright below). */
export const NEVER_ALLOWED: readonly string[] = ['organizations', 'account', 'sso'];

/** Statements every execution policy carries: what even a compromised template must never do. */
export const GUARDRAIL_STATEMENTS: readonly PolicyStatement[] = [
  {
    Sid: 'DenyIdentityAndAccountTakeover',
    Effect: 'Deny',
    Action: [
      'iam:CreateUser', 'iam:CreateAccessKey', 'iam:CreateLoginProfile', 'iam:UpdateLoginProfile',
      'iam:AttachUserPolicy', 'iam:PutUserPolicy', 'iam:CreateGroup', 'iam:AddUserToGroup',
      'iam:CreateSAMLProvider', 'iam:CreateOpenIDConnectProvider', 'iam:UpdateAccountPasswordPolicy',
      'iam:DeleteRolePermissionsBoundary', 'organizations:*', 'account:*', 'sso:*',
      'config:Stop*', 'config:Delete*', 'guardduty:Delete*',
    ],
    Resource: '*',
  },
  {
    // A template may never stop or delete a trail it does not own (an organization trail, the
    // account's own). The project's trail (audit.trail "project") is named by CloudFormation
    // after its stack (`<stage>-Service-...`), and CloudFormation must be able to delete it when
    // a failed first create rolls back, or the stack ends in ROLLBACK_FAILED. In an account
    // without stages (the pipeline's), the statement denies every trail (renderPolicy).
    Sid: 'DenyStoppingTrailsOfOthers',
    Effect: 'Deny',
    Action: ['cloudtrail:StopLogging', 'cloudtrail:DeleteTrail'],
    NotResource: 'arn:*:cloudtrail:*:*:trail/{stage}-*',
  },
  {
    Sid: 'DenyBootstrapRoleChanges',
    Effect: 'Deny',
    NotAction: ['iam:Get*', 'iam:List*'],
    Resource: 'arn:*:iam::*:role/cdk-*',
  },
  {
    Sid: 'DenyAdministratorAccess',
    Effect: 'Deny',
    Action: ['iam:AttachRolePolicy', 'iam:PutRolePermissionsBoundary'],
    Resource: '*',
    Condition: { ArnLike: { 'iam:PolicyARN': ['arn:*:iam::aws:policy/AdministratorAccess', 'arn:*:iam::aws:policy/IAMFullAccess', 'arn:*:iam::aws:policy/PowerUserAccess'] } },
  },
];

/**
 * The IAM actions that give a role permissions or a trust. The execution role may call them only
 * for a role that carries the project's permissions boundary (src/synth/constructs/permissions-boundary.ts):
 * each of them supports the `iam:PermissionsBoundary` condition key ("Filters access if the
 * specified policy is set as the permissions boundary on the IAM entity (user or role)", Service
 * Authorization Reference for IAM, https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html;
 * proven per action by test/terminal/execution-policy/policy-rules.test.ts). For CreateRole and
 * PutRolePermissionsBoundary the key is the boundary in the request; for the others, the role's
 * current boundary. Removing a boundary (iam:DeleteRolePermissionsBoundary) is denied outright
 * (DenyIdentityAndAccountTakeover). Detaching or deleting a policy only takes permissions away.
 */
export const BOUNDARY_REQUIRED_ACTIONS: readonly string[] = [
  'iam:AttachRolePolicy', 'iam:CreateRole', 'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy',
];

/** Filled per account by `npx projen bootstrap`: the ARN of the boundary in each region the account is bootstrapped in. */
export const BOUNDARY_PLACEHOLDER = '{boundary}';

/**
 * Roles CloudFormation creates that no CDK code can give the boundary, per policy: the
 * rotation function's role of the hosted rotation (AWS::SecretsManager transform), which the
 * transform creates in a nested stack of the stage's Platform stack (named after it:
 * `<stage>-Platform-<...>`); `HostedRotationLambda` has no property for a boundary (CloudFormation
 * template reference, AWS::SecretsManager::RotationSchedule HostedRotationLambda). The exemption
 * is the narrowest name pattern that is sure to cover it; every role the project itself
 * synthesizes still carries the boundary (test/synth/constructs/permissions-boundary.test.ts), and
 * the prod change report flags a role without one (danger rule permissions-boundary). It goes
 * away when the rotation runs without a transform-created role.
 */
export const BOUNDARY_EXEMPT_ROLES: Readonly<Record<PolicyKind, readonly string[]>> = {
  stage: ['arn:*:iam::*:role/{stage}-Platform-*'],
  pipeline: [],
};

/** The Deny that makes role creation and change require the boundary, for one policy. */
export function boundaryStatement(kind: PolicyKind): PolicyStatement {
  const exempt = BOUNDARY_EXEMPT_ROLES[kind];
  return {
    Sid: 'DenyRolesWithoutBoundary',
    Effect: 'Deny',
    Action: [...BOUNDARY_REQUIRED_ACTIONS],
    ...(exempt.length ? { NotResource: exempt.length === 1 ? exempt[0] : [...exempt] } : { Resource: '*' }),
    Condition: { ArnNotEquals: { 'iam:PermissionsBoundary': BOUNDARY_PLACEHOLDER } },
  };
}

/** What expanding a template transform needs from the execution role, beside the resources it adds. */
export interface TransformNeeds {
  /** Macros the transform's output uses in turn (each expanded through its own change set). */
  readonly alsoExpands: readonly string[];
  /** The calls made while expanding, with a representative target per call. */
  readonly requests: readonly { readonly action: string; readonly resource: (partition: string, region: string) => string }[];
  /** The statement that allows them. */
  readonly statement: PolicyStatement;
  /** Why, in a sentence. */
  readonly evidence: string;
}

/** Per transform (as written in `Transform`). */
export const TRANSFORM_NEEDS: Readonly<Record<string, TransformNeeds>> = {
  'AWS::SecretsManager-2024-09-16': {
    alsoExpands: ['AWS::Serverless-2016-10-31'],
    requests: [
      ...['serverlessrepo:GetApplication', 'serverlessrepo:CreateCloudFormationTemplate', 'serverlessrepo:GetCloudFormationTemplate'].map((action) => ({
        action, resource: (p: string, r: string) => `arn:${p}:serverlessrepo:${r}:297356227824:applications/SecretsManagerRDSPostgreSQLRotationSingleUser`,
      })),
      { action: 's3:GetObject', resource: (p: string) => `arn:${p}:s3:::awsserverlessrepo-changesets-example/template.yaml` },
    ],
    statement: {
      Sid: 'HostedRotationTemplate',
      Effect: 'Allow',
      Action: ['s3:GetObject', 'serverlessrepo:CreateCloudFormationTemplate', 'serverlessrepo:GetApplication', 'serverlessrepo:GetCloudFormationTemplate'],
      Resource: ['arn:*:serverlessrepo:*:*:applications/SecretsManager*', 'arn:*:s3:::awsserverlessrepo-changesets*/*'],
    },
    evidence: 'The Secrets Manager transform builds the rotation function\'s nested stack from the rotation templates published in the Serverless Application Repository, which the caller reads from its change-set bucket.',
  },
};

/** Reads CloudFormation itself needs beside the resource handlers (bootstrap version, assets). */
export const TEMPLATE_READS: readonly PolicyStatement[] = [
  {
    Sid: 'ReadAssetsAndBootstrapVersion',
    Effect: 'Allow',
    Action: ['s3:GetObject', 'ssm:GetParameters'],
    Resource: ['arn:*:s3:::cdk-*-assets-*/*', 'arn:*:ssm:*:*:parameter/cdk-bootstrap/*'],
  },
];
