import { StackProps } from 'aws-cdk-lib';
import { EnvironmentConfig } from '../../config/schema';
import { applicationSlug } from '../../shared/aws-names';

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
