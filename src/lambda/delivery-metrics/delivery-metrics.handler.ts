import { cloudWatchSink, dynamoClaims } from './aws-metrics-clients';
import { CodePipelineEvent, handleDeliveryEvent, HandleResult } from './handle-event';
import { layoutFromEnvironment } from './layout-env';
import { awsCodePipeline } from '../../shared/delivery-metrics/aws-codepipeline-clients';

/**
 * The Lambda entry point the EventBridge rule on CodePipeline's state-change events invokes
 * (bundled by esbuild at synth: src/synth/pipeline/delivery-metrics.ts). Only I/O lives here;
 * the logic is in ./handle-event.ts and the definitions in src/shared/delivery-metrics/.
 */
export async function handler(event: CodePipelineEvent): Promise<HandleResult> {
  const layout = layoutFromEnvironment(process.env);
  return handleDeliveryEvent(event, {
    api: awsCodePipeline(process.env.AWS_REGION!),
    claims: dynamoClaims(process.env.CLAIMS_TABLE!),
    metrics: cloudWatchSink(),
    layout,
  });
}
