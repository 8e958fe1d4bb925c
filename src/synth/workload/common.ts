import { EnvironmentConfig } from '../../config/schema';
import { applicationSlug } from '../../shared/aws-names';

/**
 * What every workload tier needs of its stage (StageSettings carries it, with the rest of the
 * stage's settings). Tiers and stacks never read config files or environment variables:
 * everything arrives in their props, typed.
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

/** `<application>-<env>-<region>`, lowercased and reduced to characters every AWS name accepts. */
export function namePrefixFor(application: string, environment: string, region: string): string {
  return `${applicationSlug(application)}-${environment}-${region}`;
}
