import { RemovalPolicy, StackProps } from 'aws-cdk-lib';
import { applicationSlug } from '../aws-names';
import { EnvironmentConfig } from '../config/schema';

/**
 * Props every workload tier receives from the ServiceStage. Tiers and stacks never read config
 * files or environment variables: everything arrives here, typed.
 */
export interface WorkloadProps {
  /** The environment (name, sizing, production data rules). */
  readonly environment: EnvironmentConfig;
  /**
   * Prefix for the few physical names AWS requires (KMS aliases, the WAF log group, the
   * dashboard): `<application>-<env>-<region>`, so two stages in one account and region
   * never collide. Everything else is named by CloudFormation.
   */
  readonly namePrefix: string;
}

/** Props of a workload stack: the workload props plus the usual stack props. */
export interface WorkloadStackProps extends StackProps, WorkloadProps {}

/** `<application>-<env>-<region>`, lowercased and reduced to characters every AWS name accepts. */
export function namePrefixFor(application: string, environment: string, region: string): string {
  return `${applicationSlug(application)}-${environment}-${region}`;
}

/**
 * Removal policy of stateful resources (keys, buckets, log groups, secrets): retained in
 * production, destroyed with the stack elsewhere so dev/test can be torn down cleanly.
 */
export function statefulRemovalPolicy(environment: EnvironmentConfig): RemovalPolicy {
  return environment.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
}

/**
 * Removal policy of a stateful resource with a FIXED physical name (one AWS demands, such as
 * the WAF log group `aws-waf-logs-...`): as statefulRemovalPolicy, except that in production a
 * failed first create deletes it (CloudFormation's `RetainExceptOnCreate`). A plain RETAIN
 * would leave it behind, and the retried create would fail on the name already taken.
 */
export function fixedNameRemovalPolicy(environment: EnvironmentConfig): RemovalPolicy {
  return environment.production ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.DESTROY;
}
