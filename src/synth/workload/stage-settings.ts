import { namePrefixFor, WorkloadProps } from './common';
import { deploymentOf, ResolvedDeployment } from '../../config/deployment';
import { issuerRegionOf } from '../../config/issuer';
import { primaryRegionOf, RegionRole, regionRoleOf } from '../../config/resilience';
import { EnvironmentConfig } from '../../config/schema';
import { stageIdOf } from '../../config/waves';

/**
 * What one stage (one environment in one region) is, derived from the config once, by the
 * stage (ServiceStacks), and handed to every stack and tier in it. No stack or tier derives
 * these again, so none can come to a different answer (e.g. an edge tier with a TrafficSwitch
 * beside a service stack that deploys rolling).
 */
export interface StageSettings extends WorkloadProps {
  /** The application (`tags.Application`): the name prefix and global database names derive from it. */
  readonly application: string;
  /** The region of the stage (one of `environment.regions`). */
  readonly region: string;
  /** `<env>-<region>` (stageIdOf in src/config/waves.ts). */
  readonly stageId: string;
  /** Whether the environment is production (termination and deletion protection, retention). */
  readonly production: boolean;
  /** How ECS replaces the tasks of a release, defaults filled in (deploymentOf in src/config/deployment.ts). */
  readonly deployment: ResolvedDeployment;
  /** The role of the region (regionRoleOf in src/config/resilience.ts). */
  readonly role: RegionRole;
  /** The environment's primary region (its database takes writes in a `global` environment). */
  readonly primaryRegion: string;
  /** The region whose database takes writes: the primary for a secondary region, else this one. */
  readonly writerRegion: string;
  /**
   * The region of the environment's token issuer (`issuerRegionOf`, src/config/issuer.ts): its
   * stage creates the user pool; every other region's stage uses that one.
   */
  readonly issuerRegion: string;
}

/** The settings of the stage of `environment` in `region`, for `application`. */
export function stageSettingsOf(environment: EnvironmentConfig, application: string, region: string): StageSettings {
  const role = regionRoleOf(environment, region);
  const primaryRegion = primaryRegionOf(environment);
  return {
    environment,
    application,
    region,
    stageId: stageIdOf(environment, region),
    namePrefix: namePrefixFor(application, environment.name, region),
    production: environment.production === true,
    deployment: deploymentOf(environment),
    role,
    primaryRegion,
    writerRegion: role === 'secondary' ? primaryRegion : region,
    issuerRegion: issuerRegionOf(environment),
  };
}
