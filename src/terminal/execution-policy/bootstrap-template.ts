import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'yaml';
import { PolicyStatement } from './iam-evaluator';
import { PIPELINE_ROLE_NAME_PREFIX } from '../../shared/aws-names';

/**
 * The project's bootstrap template: the AWS CDK CLI's own template (`cdk bootstrap
 * --show-template`, shipped in node_modules/aws-cdk/lib/api/bootstrap/bootstrap-template.yaml)
 * with exactly the changes below, written to bootstrap/bootstrap-template.yaml by
 * `npx projen bootstrap:template` and passed to `cdk bootstrap --template` by `npx projen
 * bootstrap`. A test regenerates it from the installed CLI and compares, so a CLI upgrade that
 * changes the stock template shows up as a diff to review, never as a silent drift.
 *
 * 1. Trust narrowed. `--trust <pipeline account>` (and `--trust-for-lookup`) make the stock
 *    file-publishing, image-publishing, deploy and lookup roles trust the pipeline account's
 *    root, i.e. every principal of that account that an identity policy allows sts:AssumeRole.
 *    Each trusted-account statement (sts:AssumeRole and sts:TagSession) gets the condition
 *    `ArnLike aws:PrincipalArn arn:<partition>:iam::*:role/DeliveryPipeline-*`: only the roles
 *    of the pipeline stack and its support stacks (CloudFormation names them `<stack>-<logicalId>-<suffix>`)
 *    can assume them. The account part of the pattern is `*` because `Principal` already limits
 *    the caller to the trusted accounts; the `sts:ExternalId` Null condition of the stock
 *    template stays. Own-account statements are unchanged (the person who deploys the pipeline
 *    stack once, and its self-mutation, deploy through the pipeline account's own roles).
 *    - `aws:PrincipalArn`: "The ARN of the principal that made the request ... For IAM roles,
 *      the request context returns the ARN of the role, not the ARN of the user that assumed
 *      the role" (IAM User Guide, AWS global condition context keys,
 *      https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn);
 *      it is a global key with type ARN, so `ArnLike` applies. CDK itself narrows its
 *      cross-account pipeline action roles the same way (AccountPrincipal + ArnEquals
 *      aws:PrincipalArn, aws-codepipeline/lib/pipeline.ts, feature flag
 *      `@aws-cdk/pipelines:reduceCrossAccountActionRoleTrustScope`).
 *    - A condition, not the role ARNs as `Principal`: IAM turns a role ARN in `Principal` into
 *      the role's unique id when the policy is saved, so a re-created role would silently lose
 *      the trust (IAM User Guide, "IAM JSON policy elements: Principal", IAM role principals).
 * 2. A permissions boundary per account and region, `cdk-<qualifier>-delivery-boundary-<account>-<region>`
 *    (DELIVERY_BOUNDARY_STATEMENTS): every role the project's stacks create carries it
 *    (src/synth/constructs/permissions-boundary.ts) and the execution policies require it
 *    (policy-rules.ts). It is NOT put on the bootstrap roles or the CloudFormation execution
 *    role, which must administer IAM.
 * 3. `BootstrapVariant` says so: the CLI will not overwrite a bootstrap stack of another
 *    variant without `--force` (RUNBOOKS.md: moving from the stock template).
 * 4. A parameter `PipelineRoleNamePrefix` (default `DeliveryPipeline-`) and an output
 *    `DeliveryPermissionsBoundaryArn` that `doctor --aws` reads.
 */

/** Where the installed CDK CLI keeps its template. */
export function stockTemplatePath(): string {
  return path.join(path.dirname(require.resolve('aws-cdk/package.json')), 'lib', 'api', 'bootstrap', 'bootstrap-template.yaml');
}

/** The committed, customised template (relative to the repository root). */
export const BOOTSTRAP_TEMPLATE_FILE = 'bootstrap/bootstrap-template.yaml';

/** The variant of the CLI's own template (a stack without the parameter is one too). */
export const DEFAULT_BOOTSTRAP_VARIANT = 'AWS CDK: Default Resources';

/** The variant the customised template declares (the CLI compares it before it updates a stack). */
export const DELIVERY_BOOTSTRAP_VARIANT = 'cdk-delivery-pipeline: trust narrowed to the pipeline roles, delivery permissions boundary';

/** The condition every trusted-account statement gets (YAML, at the indentation of a statement key). */
const PRINCIPAL_ARN_PATTERN = 'arn:${AWS::Partition}:iam::*:role/${PipelineRoleNamePrefix}*';

/**
 * What the boundary allows and denies. It grants nothing by itself (a boundary only caps what
 * the role's own policies allow), so its first statement allows everything; the Denies are what
 * no role of the project needs and what would turn a compromised template into an
 * administrator or a blind spot.
 */
export const DELIVERY_BOUNDARY_STATEMENTS: readonly PolicyStatement[] = [
  { Sid: 'AllowWithinBoundary', Effect: 'Allow', Action: '*', Resource: '*' },
  {
    // Every IAM action that changes an identity, a policy or a provider, and leaving the
    // boundary: all write verbs of the IAM service, except iam:PassRole (a role handing a role
    // to a service it is allowed to use) and iam:CreateServiceLinkedRole (AWS services create
    // their own predefined roles on first use). Checked against the Service Authorization
    // Reference (test/terminal/execution-policy/bootstrap-template.test.ts).
    Sid: 'DenyIdentityAdministration',
    Effect: 'Deny',
    Action: [
      'iam:Accept*', 'iam:Add*', 'iam:Associate*', 'iam:Attach*', 'iam:Change*',
      'iam:CreateAccessKey', 'iam:CreateAccountAlias', 'iam:CreateDelegationRequest', 'iam:CreateGroup', 'iam:CreateInstanceProfile',
      'iam:CreateLoginProfile', 'iam:CreateOpenIDConnectProvider', 'iam:CreatePolicy', 'iam:CreatePolicyVersion', 'iam:CreateRole',
      'iam:CreateSAMLProvider', 'iam:CreateServiceSpecificCredential', 'iam:CreateUser', 'iam:CreateVirtualMFADevice',
      'iam:Deactivate*', 'iam:Delete*', 'iam:Detach*', 'iam:Disable*', 'iam:Enable*', 'iam:Put*', 'iam:Reject*', 'iam:Remove*',
      'iam:Reset*', 'iam:Resync*', 'iam:Send*', 'iam:Set*', 'iam:Tag*', 'iam:Untag*', 'iam:Update*', 'iam:Upload*',
    ],
    Resource: '*',
  },
  {
    Sid: 'DenyOrganizationAndAccount',
    Effect: 'Deny',
    Action: ['organizations:*', 'account:*', 'sso:*', 'sso-directory:*', 'identitystore:*'],
    Resource: '*',
  },
  {
    Sid: 'DenyAuditTampering',
    Effect: 'Deny',
    Action: [
      'cloudtrail:DeleteTrail', 'cloudtrail:PutEventSelectors', 'cloudtrail:StopLogging', 'cloudtrail:UpdateTrail',
      'config:Delete*', 'config:Stop*', 'guardduty:Delete*', 'guardduty:Disassociate*', 'guardduty:UpdateDetector',
      'securityhub:Delete*', 'securityhub:Disable*',
    ],
    Resource: '*',
  },
];

/** A YAML block indented by `indent` spaces. */
function block(value: unknown, indent: number): string {
  return yaml.stringify(value, { lineWidth: 0 }).trimEnd().split('\n').map((l) => `${' '.repeat(indent)}${l}`).join('\n');
}

/** Replace `find` exactly `times` times, or explain which part of the stock template moved. */
function replaceExactly(text: string, find: string, replacement: string, times: number, what: string): string {
  const count = text.split(find).length - 1;
  if (count !== times) {
    throw new Error(`the stock bootstrap template changed: expected ${times} ${what}, found ${count}; `
      + `review ${stockTemplatePath()} against src/terminal/execution-policy/bootstrap-template.ts`);
  }
  return text.split(find).join(replacement);
}

const HEADER = `# cdk-delivery-pipeline bootstrap template. GENERATED by \`npx projen bootstrap:template\` from the
# AWS CDK CLI's own template (cdk bootstrap --show-template, aws-cdk in package-lock.json); do not
# edit by hand: change src/terminal/execution-policy/bootstrap-template.ts and regenerate. What
# differs from the stock template, and why (details and AWS sources in that file):
#  1. Trust narrowed: the trusted-account statements (sts:AssumeRole, sts:TagSession) of the
#     file-publishing, image-publishing, deploy and lookup roles also require
#     ArnLike aws:PrincipalArn arn:<partition>:iam::*:role/<PipelineRoleNamePrefix>*, so only the
#     pipeline's own roles (DeliveryPipeline-*) of the trusted account can assume them, not every
#     principal of that account.
#  2. Resource DeliveryPermissionsBoundary: the permissions boundary
#     cdk-<qualifier>-delivery-boundary-<account>-<region> that every role of the project carries
#     and the CloudFormation execution policies require (no IAM administration, no organization
#     or account changes, no audit tampering, no leaving the boundary).
#  3. BootstrapVariant names this template; parameter PipelineRoleNamePrefix and output
#     DeliveryPermissionsBoundaryArn are new.
`;

/** The customised template, from the stock template's text. */
export function customiseBootstrapTemplate(stock: string): string {
  let text = stock;
  const condition = (indent: number) => block({ ArnLike: { 'aws:PrincipalArn': { 'Fn::Sub': PRINCIPAL_ARN_PATTERN } } }, indent);
  for (const accounts of ['TrustedAccounts', 'TrustedAccountsForLookup']) {
    const assume = [
      '                Principal:',
      '                  AWS:',
      `                    Ref: ${accounts}`,
      '                Condition:',
      '                  Fn::If:',
      '                    - ShouldDenyExternalId',
      '                    - "Null":',
      '                        "sts:ExternalId": "true"',
      '                    - Ref: AWS::NoValue',
    ].join('\n');
    // The ArnLike joins the Null check of the then-branch, and is the whole else-branch.
    const narrowedAssume = [
      ...assume.split('\n').slice(0, 8),
      condition(22),
      `                    - ${condition(22).slice(22)}`,
    ].join('\n');
    text = replaceExactly(text, assume, narrowedAssume, accounts === 'TrustedAccounts' ? 4 : 1, `sts:AssumeRole statements trusting ${accounts}`);
    const tag = [
      '                  - sts:TagSession',
      '                Effect: Allow',
      '                Principal:',
      '                  AWS:',
      `                    Ref: ${accounts}`,
      '              - Ref: AWS::NoValue',
    ].join('\n');
    const narrowedTag = [...tag.split('\n').slice(0, 5), '                Condition:', condition(18), '              - Ref: AWS::NoValue'].join('\n');
    text = replaceExactly(text, tag, narrowedTag, accounts === 'TrustedAccounts' ? 4 : 1, `sts:TagSession statements trusting ${accounts}`);
  }
  text = replaceExactly(text, "    Default: 'AWS CDK: Default Resources'\n", `    Default: '${DELIVERY_BOOTSTRAP_VARIANT}'\n`, 1, 'BootstrapVariant default');
  const parameter = block({
    PipelineRoleNamePrefix: {
      Description: 'Name prefix of the pipeline account roles that may assume the publishing, deploy and lookup roles of a trusted account (the pipeline stack name and a hyphen)',
      Type: 'String',
      Default: PIPELINE_ROLE_NAME_PREFIX,
      AllowedPattern: '[A-Za-z0-9+=,.@_-]{1,50}',
    },
  }, 2);
  text = replaceExactly(text, '\nConditions:\n', `\n${parameter}\nConditions:\n`, 1, 'Conditions section');
  const boundary = block({
    DeliveryPermissionsBoundary: {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        ManagedPolicyName: { 'Fn::Sub': 'cdk-${Qualifier}-delivery-boundary-${AWS::AccountId}-${AWS::Region}' },
        Description: 'Permissions boundary of every role the delivery pipeline stacks create (cdk-delivery-pipeline)',
        Path: '/',
        PolicyDocument: { Version: '2012-10-17', Statement: DELIVERY_BOUNDARY_STATEMENTS },
      },
    },
  }, 2).replace('Version: 2012-10-17', "Version: '2012-10-17'"); // a string, as in the stock template, never a YAML 1.1 date
  text = replaceExactly(text, '  # The SSM parameter is used in pipeline-deployed templates', `${boundary}\n  # The SSM parameter is used in pipeline-deployed templates`, 1, 'CdkBootstrapVersion comment');
  const output = block({
    DeliveryPermissionsBoundaryArn: {
      Description: 'The permissions boundary every role of the delivery pipeline stacks carries',
      Value: { Ref: 'DeliveryPermissionsBoundary' },
    },
  }, 2);
  text = replaceExactly(text, '\nOutputs:\n', `\nOutputs:\n${output}\n`, 1, 'Outputs section');
  return `${HEADER}${text}`;
}

/** Write the customised template from the installed CLI's (`npx projen bootstrap:template`). */
export function writeBootstrapTemplate(rootDir: string): string {
  const file = path.join(rootDir, BOOTSTRAP_TEMPLATE_FILE);
  fs.writeFileSync(file, customiseBootstrapTemplate(fs.readFileSync(stockTemplatePath(), 'utf8')));
  return file;
}

if (require.main === module) {
  process.stdout.write(`${path.relative(process.cwd(), writeBootstrapTemplate(process.cwd()))} written from ${stockTemplatePath()}\n`);
}
