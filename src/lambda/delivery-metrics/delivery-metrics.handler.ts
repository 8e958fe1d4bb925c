import { cloudWatchSink, dynamoClaims } from './aws-adapters';
import { CodePipelineEvent, handleDeliveryEvent, HandleResult } from './handle-event';
import { layoutFromEnvironment } from './layout-env';
import { sdkCodePipeline } from '../../shared/delivery-metrics/codepipeline-aws';

/**
 * The Lambda entry point the EventBridge rule on CodePipeline's state-change events invokes
 * (bundled by esbuild at synth: src/synth/pipeline/delivery-metrics.ts). Only I/O lives here;
 * the logic is in ./handle-event.ts and the definitions in src/shared/delivery-metrics/.
 */
export async function handler(event: CodePipelineEvent): Promise<HandleResult> {
  const layout = layoutFromEnvironment(process.env);
  return handleDeliveryEvent(event, {
    api: sdkCodePipeline(process.env.AWS_REGION!),
    claims: dynamoClaims(process.env.CLAIMS_TABLE!),
    metrics: cloudWatchSink(),
    layout,
  });
}
