import type { EnvironmentConfig } from './schema';
import { applicationSlug } from '../shared/aws-names';

/** How an environment's regions relate (see `resilience` in schema.ts). */
export type Resilience = 'global' | 'independent';

/** The region whose database takes writes: `primaryRegion`, else the first region. */
export function primaryRegionOf(environment: Pick<EnvironmentConfig, 'regions' | 'primaryRegion'>): string {
  return environment.primaryRegion ?? environment.regions[0];
}

/** What decides an environment's resilience (the fields of EnvironmentConfig, before or after its defaults). */
export interface ResilienceInput {
  readonly regions: readonly string[];
  readonly production: boolean;
  readonly resilience?: Resilience;
}

/**
 * The environment's resilience mode: as configured, else `global` for a production environment
 * with two or more regions and `independent` for everything else.
 */
export function resilienceOf(environment: ResilienceInput): Resilience {
  return environment.resilience ?? (environment.production && environment.regions.length >= 2 ? 'global' : 'independent');
}

/**
 * The rollout an environment gets without `rollout`: what its resilience needs. A `global`
 * environment rolls out `sequential`ly (its secondary regions attach to the global cluster the
 * primary region creates, so the primary deploys first); every other one in `parallel`.
 */
export function defaultRolloutOf(environment: ResilienceInput): 'sequential' | 'parallel' {
  return resilienceOf(environment) === 'global' ? 'sequential' : 'parallel';
}

/** The regions that hold read-only secondaries (empty unless the environment is `global`). */
export function secondaryRegionsOf(environment: Pick<EnvironmentConfig, 'regions' | 'production' | 'resilience' | 'primaryRegion'>): string[] {
  if (resilienceOf(environment) !== 'global') return [];
  const primary = primaryRegionOf(environment);
  return environment.regions.filter((r) => r !== primary);
}

/** The role of a region: `primary` or `secondary` of a global database, or `independent`. */
export type RegionRole = 'primary' | 'secondary' | 'independent';

/** The role of one region of an environment. */
export function regionRoleOf(
  environment: Pick<EnvironmentConfig, 'regions' | 'production' | 'resilience' | 'primaryRegion'>,
  region: string,
): RegionRole {
  if (resilienceOf(environment) !== 'global') return 'independent';
  return region === primaryRegionOf(environment) ? 'primary' : 'secondary';
}


/**
 * Identifier of an environment's Aurora global cluster: `<application>-<env>-global`. Derived,
 * not referenced: stages in different regions cannot share CloudFormation references, so every
 * stage (and the failover command) computes the same name from the config.
 */
export function globalClusterIdentifierOf(application: string, environmentName: string): string {
  return `${applicationSlug(application)}-${environmentName}-global`;
}

/**
 * Identifier of the Aurora cluster of one region of a `global` environment:
 * `<application>-<env>-<region>` (fixed, so the secondaries and `npx projen failover` can name it).
 */
export function regionalClusterIdentifierOf(application: string, environmentName: string, region: string): string {
  return `${applicationSlug(application)}-${environmentName}-${region}`;
}

/** Longest Lambda function name AWS accepts (FunctionName, Lambda API reference). */
const FUNCTION_NAME_MAX = 64;

/**
 * Name of the database secret's rotation function in one region of a `global` environment:
 * `<application>-<env>-<region>-rotation` (the primary's hosted rotation and each secondary's
 * standby one). Derived, so `npx projen failover` can turn rotation on with it in the region
 * that writes. The application part is shortened when the name would pass 64 characters.
 */
export function rotationFunctionNameOf(application: string, environmentName: string, region: string): string {
  const rest = `-${environmentName}-${region}-rotation`;
  return `${applicationSlug(application).slice(0, FUNCTION_NAME_MAX - rest.length).replace(/-+$/, '')}${rest}`;
}

/**
 * Name of the credentials secret of a `global` environment:
 * `<globalClusterIdentifierOf(application, env)>/credentials`, e.g. `transactions-prod-global/credentials`.
 * Fixed, because a secondary region asks Secrets Manager to replicate it by name (it cannot
 * know the primary's generated ARN); replicas keep the primary's name, so it must not name a
 * region. Unique per application and environment, so two environments in one account and
 * region never collide.
 */
export function databaseSecretNameOf(application: string, environmentName: string): string {
  return `${globalClusterIdentifierOf(application, environmentName)}/credentials`;
}

/** Days between two rotations of the database password, in every region (and where `npx projen failover` moves rotation). */
export const DATABASE_ROTATION_DAYS = 30;
