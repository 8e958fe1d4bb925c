import { RemovalPolicy } from 'aws-cdk-lib';
import { EnvironmentConfig } from '../../config/schema';

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
