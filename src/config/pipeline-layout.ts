import { auditReplicaRegionsOf, auditReplicaStackIdOf } from './audit';
import { DeliveryConfig } from './schema';
import { plannedWaves, stageIdOf } from './waves';
import { PipelineLayout } from '../shared/delivery-metrics/history';
import { DriftTarget } from '../shared/drift/drift-check';

/**
 * What the delivery metrics and the drift check need to know about what the config builds:
 * the CodePipeline stages and actions they read (named as PipelineStack names them: a wave's
 * CodePipeline stage is the wave id, an approval's stage and action are `Approve-<env>`, a bake is
 * the action `Service.Bake-<wave>` in its wave's stage (a step after the Service stack's deploy,
 * which CDK Pipelines names `<stack>.<step>`); test/synth/pipeline/delivery-metrics.test.ts
 * checks them against the rendered pipeline), and the stacks every stage deploys.
 */

/**
 * The layout of the pipeline for the metrics. The production stages are the waves of the
 * environments marked `production` (which come last: a valid config has at least one).
 */
export function pipelineLayoutOf(config: DeliveryConfig): PipelineLayout {
  const waves = plannedWaves(config);
  const prod = waves.filter((w) => w.environment.production);
  return {
    pipelineName: config.pipeline.name,
    prodStages: prod.map((w) => w.id),
    approvals: waves.filter((w) => w.approval).map((w) => ({ stage: w.approval!, action: w.approval! })),
    bakes: waves.filter((w) => w.bakeMinutes > 0).map((w) => ({ stage: w.id, action: `Service.Bake-${w.id}` })),
  };
}

/** The stacks of one stage, by their id within the stage (CloudFormation names them `<stage id>-<id>`). */
export const STAGE_STACK_IDS = ['Platform', 'Service', 'Assertions'] as const;

/**
 * Every stage stack of the config (or of one environment), in pipeline order; then the copies of
 * the production stages' audit buckets, each in the other region it lives in.
 */
export function stageStacksOf(config: DeliveryConfig, environment?: string): DriftTarget[] {
  const waves = plannedWaves(config).filter((w) => environment === undefined || w.environment.name === environment);
  const target = (w: typeof waves[number], s: typeof waves[number]['stages'][number], id: string, region: string): DriftTarget => ({
    environment: w.environment.name,
    stageId: s.id,
    stackName: `${stageIdOf(w.environment, s.region)}-${id}`,
    account: s.account,
    region,
  });
  return [
    ...waves.flatMap((w) => w.stages.flatMap((s) => STAGE_STACK_IDS.map((id) => target(w, s, id, s.region)))),
    ...waves.flatMap((w) => w.stages.flatMap((s) => auditReplicaRegionsOf(w.environment, s.region)
      .map((region) => target(w, s, auditReplicaStackIdOf(region), region)))),
  ];
}
