import { PolicyStatement } from './iam-evaluator';

/**
 * The reviewed rules the execution policies are generated with (generate-policy.ts): which
 * resources each service's actions may touch, and why a service keeps `*`. Placeholders are
 * filled per account by `npx projen bootstrap` (src/terminal/execution-policy/bootstrap-plan.ts renderPolicy):
 * `{stage}` becomes each stage id deployed in the account, `{pipeline}` the gated image
 * repository prefix.
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
};

/** Why a service keeps `*`, per service; the fallback covers the rest. */
export const WILDCARD_REASONS: Readonly<Record<string, string>> = {
  ec2: 'VPC, subnet, route table, gateway, address, endpoint and security group ids are random, and several calls (Describe*, CreateTags on new ids) support no resource-level permissions at all.',
  kms: 'Key ids are random and key creation has no resource to scope; the key policies we write restrict who may use each key.',
  rds: 'Cluster, instance and parameter group names are generated with truncation and several RDS calls take no resource ARN.',
  elasticloadbalancing: 'Load balancer and target group names are capped at 32 characters, so CloudFormation truncates the stack name out of them.',
  lambda: 'Function names are generated with truncation, and the custom-resource provider functions are invoked by ARN that CDK generates.',
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
