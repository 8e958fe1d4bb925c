import type { EnvironmentConfig } from './schema';

/** How an environment's regions relate (see `resilience` in schema.ts). */
export type Resilience = 'global' | 'independent';

/** The region whose database takes writes: `primaryRegion`, else the first region. */
export function primaryRegionOf(environment: Pick<EnvironmentConfig, 'regions' | 'primaryRegion'>): string {
  return environment.primaryRegion ?? environment.regions[0];
}

/**
 * The environment's resilience mode: as configured, else `global` for a production environment
 * with two or more regions and `independent` for everything else.
 */
export function resilienceOf(environment: Pick<EnvironmentConfig, 'regions' | 'production' | 'resilience'>): Resilience {
  return environment.resilience ?? (environment.production && environment.regions.length >= 2 ? 'global' : 'independent');
}

/** The regions that hold read-only secondaries (empty unless the environment is `global`). */
export function secondaryRegionsOf(environment: Pick<EnvironmentConfig, 'regions' | 'production' | 'resilience' | 'primaryRegion'>): string[] {
  if (resilienceOf(environment) !== 'global') return [];
  const primary = primaryRegionOf(environment);
  return environment.regions.filter((r) => r !== primary);
}

/** The role of one region of an environment. */
export function regionRoleOf(
  environment: Pick<EnvironmentConfig, 'regions' | 'production' | 'resilience' | 'primaryRegion'>,
  region: string,
): 'primary' | 'secondary' | 'independent' {
  if (resilienceOf(environment) !== 'global') return 'independent';
  return region === primaryRegionOf(environment) ? 'primary' : 'secondary';
}
