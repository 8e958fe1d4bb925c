import { RemovalPolicy, StackProps } from 'aws-cdk-lib';
import { EnvironmentConfig } from '../config/schema';

/**
 * Props every workload stack receives from the ServiceStage. Stacks never read config files
 * or environment variables: everything arrives here, typed.
 */
export interface WorkloadStackProps extends StackProps {
  /** The environment (name, sizing, production data rules). */
  readonly environment: EnvironmentConfig;
  /**
   * Prefix for the few physical names AWS requires (KMS aliases, the WAF log group, the
   * dashboard): `<application>-<env>-<region>`, so two stages in one account and region
   * never collide. Everything else is named by CloudFormation.
   */
  readonly namePrefix: string;
}

/** `<application>-<env>-<region>`, lowercased and reduced to characters every AWS name accepts. */
export function namePrefixFor(application: string, environment: string, region: string): string {
  const app = application.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 32) || 'app';
  return `${app}-${environment}-${region}`;
}

/**
 * Removal policy of stateful resources (keys, buckets, log groups, secrets): retained in
 * production, destroyed with the stack elsewhere so dev/test can be torn down cleanly.
 */
export function statefulRemovalPolicy(environment: EnvironmentConfig): RemovalPolicy {
  return environment.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
}
