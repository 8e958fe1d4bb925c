import { z } from 'zod';
import { describeValue, expecting } from './messages';
import type { RelationProblem } from './relations';
import type { EnvironmentConfig } from './schema';
import { isObject, valid } from './valid-input';

/** How ECS replaces the tasks of a release (`deployment.strategy` in the config). */
export type DeploymentStrategyName = 'rolling' | 'blueGreen' | 'canary' | 'linear';

const STRATEGIES = ['rolling', 'blueGreen', 'canary', 'linear'] as const;

/** Fields that only mean something for one strategy (anything else is a mistake to report). */
const FIELD_OWNER: Readonly<Record<string, DeploymentStrategyName>> = {
  canaryPercent: 'canary',
  canaryBakeMinutes: 'canary',
  stepPercent: 'linear',
  stepBakeMinutes: 'linear',
};

/** ECS's limit on every bake time (DeploymentConfiguration: 0 to 1440 minutes). */
const MAX_BAKE_MINUTES = 1440;

const minutes = (what: string) => z.number(expecting(`a whole number of minutes from 0 to ${MAX_BAKE_MINUTES}, e.g. 10`)).int({
  error: (iss) => `must be a whole number of minutes (ECS counts ${what} in minutes); got ${describeValue(iss.input)}`,
})
  .min(0, { error: (iss) => `must be at least 0 minutes; got ${describeValue(iss.input)}` })
  .max(MAX_BAKE_MINUTES, { error: (iss) => `must be at most ${MAX_BAKE_MINUTES} minutes (24 hours, ECS's limit); got ${describeValue(iss.input)}` });

/** A traffic percentage in ECS's 0.1 steps between `min` and 100. */
const percent = (min: number, example: number) => z.number(expecting(`a percentage from ${min} to 100 in steps of 0.1, e.g. ${example}`))
  .min(min, { error: (iss) => `must be at least ${min} percent (ECS's minimum for this strategy); got ${describeValue(iss.input)}` })
  .max(100, { error: (iss) => `must be at most 100 percent; got ${describeValue(iss.input)}` })
  .refine((p) => Number.isInteger(Math.round(p * 1e6) / 1e5), {
    error: (iss) => `must be a multiple of 0.1 percent (ECS's step); got ${describeValue(iss.input)}`,
  });

/**
 * How releases of one environment reach users: `rolling` replaces tasks in place; `blueGreen`,
 * `canary` and `linear` are ECS's native progressive strategies (a second target group, a test
 * listener checked by the pre-traffic hook, then production traffic shifted all at once, in two
 * steps or in equal steps; after a bake the old tasks stop). Read it through `deploymentOf`.
 */
export const deploymentSchema = z.strictObject({
  /** The strategy. */
  strategy: z.enum(STRATEGIES, {
    error: (iss) => `must be one of ${STRATEGIES.map((s) => `"${s}"`).join(', ')}; got ${describeValue(iss.input)}`,
  }),
  /** canary: percent of production traffic the new tasks take first. @default 10 */
  canaryPercent: percent(0.1, 10).optional(),
  /** canary: minutes the canary serves before the rest of the traffic shifts. @default 10 */
  canaryBakeMinutes: minutes('the canary bake').optional(),
  /** linear: percent of production traffic shifted per step. @default 25 */
  stepPercent: percent(3, 25).optional(),
  /** linear: minutes between two steps. @default 5 */
  stepBakeMinutes: minutes('the step bake').optional(),
  /**
   * Progressive strategies: minutes the old tasks keep running after all production traffic
   * shifted, so a deployment alarm can still switch back instantly. @default 10
   */
  bakeMinutes: minutes('the bake time').optional(),
}, expecting('an object such as { "strategy": "canary", "canaryPercent": 10, "canaryBakeMinutes": 10 }'));

/**
 * Fields of `deployment` (at `environments[i].deployment`) that do not belong to its strategy.
 * Reported in the same run as any other mistake: it needs only a valid strategy and which fields
 * are present (a misplaced field with a bad value gets both lines; removing it fixes both).
 */
export function deploymentProblems(rawDeployment: unknown, at: string): RelationProblem[] {
  if (!isObject(rawDeployment)) return [];
  const strategy = valid(deploymentSchema.shape.strategy, rawDeployment.strategy);
  if (strategy === undefined) return [];
  const problems: RelationProblem[] = [];
  for (const [field, owner] of Object.entries(FIELD_OWNER)) {
    if (rawDeployment[field] !== undefined && strategy !== owner) {
      problems.push({ field: `${at}.${field}`, message: `applies to strategy "${owner}" only; remove it or set strategy to "${owner}"` });
    }
  }
  if (strategy === 'rolling' && rawDeployment.bakeMinutes !== undefined) {
    problems.push({ field: `${at}.bakeMinutes`, message: 'applies to "blueGreen", "canary" and "linear" only (a rolling deployment keeps no old tasks to switch back to); remove it or choose one of those strategies' });
  }
  return problems;
}

/** A resolved deployment: every number filled in. */
export interface ResolvedDeployment {
  /** The strategy. */
  readonly strategy: DeploymentStrategyName;
  /** Whether the strategy is progressive (second target group, test listener, pre-traffic hook). */
  readonly progressive: boolean;
  /** Minutes the old tasks stay after the full shift (0 for rolling). */
  readonly bakeMinutes: number;
  /** canary only: first share of production traffic and its bake. */
  readonly canary?: { readonly percent: number; readonly bakeMinutes: number };
  /** linear only: share per step and the bake between steps. */
  readonly linear?: { readonly stepPercent: number; readonly stepBakeMinutes: number };
}

/** The defaults a production environment gets without `deployment`: canary 10%, 10 minutes, bake 10. */
export const DEFAULT_PRODUCTION_DEPLOYMENT = { strategy: 'canary', canaryPercent: 10, canaryBakeMinutes: 10, bakeMinutes: 10 } as const;

/**
 * The environment's deployment with defaults: as configured, else `canary` (10% for 10 minutes,
 * then the rest, old tasks kept 10 more minutes) for production and `rolling` otherwise.
 */
export function deploymentOf(environment: Pick<EnvironmentConfig, 'production' | 'deployment'>): ResolvedDeployment {
  const d = environment.deployment ?? (environment.production ? DEFAULT_PRODUCTION_DEPLOYMENT : { strategy: 'rolling' as const });
  if (d.strategy === 'rolling') return { strategy: 'rolling', progressive: false, bakeMinutes: 0 };
  const bakeMinutes = d.bakeMinutes ?? 10;
  if (d.strategy === 'canary') {
    return { strategy: 'canary', progressive: true, bakeMinutes, canary: { percent: d.canaryPercent ?? 10, bakeMinutes: d.canaryBakeMinutes ?? 10 } };
  }
  if (d.strategy === 'linear') {
    return { strategy: 'linear', progressive: true, bakeMinutes, linear: { stepPercent: d.stepPercent ?? 25, stepBakeMinutes: d.stepBakeMinutes ?? 5 } };
  }
  return { strategy: 'blueGreen', progressive: true, bakeMinutes };
}
