import { PipelineLayout } from '../../shared/delivery-metrics/history';

/** The environment variable carrying the pipeline layout (JSON), set by the construct. */
export const LAYOUT_VARIABLE = 'PIPELINE_LAYOUT';

/** The layout from the function's environment; a missing or malformed one is one clear error. */
export function layoutFromEnvironment(env: NodeJS.ProcessEnv): PipelineLayout {
  const raw = env[LAYOUT_VARIABLE];
  if (!raw) throw new Error(`${LAYOUT_VARIABLE} is not set: the function is deployed by DeliveryMetrics (src/synth/pipeline/delivery-metrics.ts), which sets it`);
  let layout: PipelineLayout;
  try {
    layout = JSON.parse(raw);
  } catch (e) {
    throw new Error(`${LAYOUT_VARIABLE} is not JSON: ${(e as Error).message}`);
  }
  const list = (v: unknown) => Array.isArray(v);
  if (typeof layout?.pipelineName !== 'string' || !list(layout.prodStages) || layout.prodStages.length === 0 || !list(layout.approvals) || !list(layout.bakes)) {
    throw new Error(`${LAYOUT_VARIABLE} must be {"pipelineName", "prodStages": [at least one], "approvals": [], "bakes": []}; got ${raw}`);
  }
  return layout;
}
