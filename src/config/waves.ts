import { primaryRegionOf } from './resilience';
import { DeliveryConfig, EnvironmentConfig } from './schema';

/** One stage: an environment in one region, in its account. */
export interface PlannedStage {
  /** `<env>-<region>` (stageIdOf). */
  readonly id: string;
  readonly account: string;
  readonly region: string;
}

/** One pipeline wave after the supply-chain gates. */
export interface PlannedWave {
  /** The environment name, or `<env>-<region>` when the environment rolls out one region at a time. */
  readonly id: string;
  readonly environment: EnvironmentConfig;
  /** The stages the wave deploys, side by side. */
  readonly stages: readonly PlannedStage[];
  /** A manual approval (`Approve-<env>`, after the change report) runs before this wave. */
  readonly approval?: string;
  /**
   * Minutes the pipeline watches this wave's stage's alarms after it deployed, before the next
   * wave (the next region of the same environment) starts: `bakeMinutes` for every region of a
   * sequential rollout but the last, else 0 (no bake).
   */
  readonly bakeMinutes: number;
}

/** The id of an environment's stage in a region, `<env>-<region>`: every stack name starts with it. */
/**
 * The stack-name prefix of the integ sandbox in a region (\`integ/integ.service-stage.ts\`): it
 * deploys the stacks of one stage into an environment account, beside that account's real
 * stages, so the account's execution policy must cover this prefix as it covers a stage id.
 */
export function integStageIdOf(region: string): string {
  return `integ-${region}`;
}

export function stageIdOf(environment: Pick<EnvironmentConfig, 'name'>, region: string): string {
  return `${environment.name}-${region}`;
}

/**
 * The waves the config asks for, in order: one wave per environment with its regions in
 * parallel, or one wave per region when `rollout` is `sequential`; an approval before the first
 * wave of an environment that requires one; a bake after every region of a sequential rollout
 * but the last. A sequential rollout deploys `primaryRegion` first, then the other regions in
 * list order. PipelineStack builds exactly these, and `doctor` prints them.
 */
export function plannedWaves(config: DeliveryConfig): PlannedWave[] {
  return config.environments.flatMap((environment) => {
    // The primary region first: a global environment's secondaries attach to the global cluster
    // its primary creates (and an independent one simply starts where it writes).
    const primary = primaryRegionOf(environment);
    const ordered = [primary, ...environment.regions.filter((r) => r !== primary)];
    const groups = environment.rollout === 'sequential' ? ordered.map((r) => [r]) : [environment.regions];
    return groups.map((regions, index): PlannedWave => ({
      id: groups.length === 1 ? environment.name : `${environment.name}-${regions[0]}`,
      environment,
      stages: regions.map((region) => ({ id: stageIdOf(environment, region), account: environment.account, region })),
      approval: index === 0 && environment.requireApproval ? `Approve-${environment.name}` : undefined,
      bakeMinutes: index < groups.length - 1 ? environment.bakeMinutes : 0,
    }));
  });
}
