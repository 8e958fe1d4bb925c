import { PolicyStatement } from './iam-evaluator';

/**
 * The reviewed rules the execution policies are generated with (generate-policy.ts): which
 * resources each service's actions may touch, and why a service keeps `*`. Placeholders are
 * filled per account by `npx projen bootstrap` (src/ops/bootstrap-plan.ts renderPolicy):
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
      'cloudtrail:StopLogging', 'cloudtrail:DeleteTrail', 'config:Stop*', 'config:Delete*', 'guardduty:Delete*',
    ],
    Resource: '*',
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

/** Reads CloudFormation itself needs beside the resource handlers (bootstrap version, assets). */
export const TEMPLATE_READS: readonly PolicyStatement[] = [
  {
    Sid: 'ReadAssetsAndBootstrapVersion',
    Effect: 'Allow',
    Action: ['s3:GetObject', 'ssm:GetParameters'],
    Resource: ['arn:*:s3:::cdk-*-assets-*/*', 'arn:*:ssm:*:*:parameter/cdk-bootstrap/*'],
  },
];
