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
