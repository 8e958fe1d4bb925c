import { Template } from 'aws-cdk-lib/assertions';
import { REPO_ROOT } from './repo-root';
import { sampleConfig, testApp } from './test-app';
import { loadFeatureFlags } from '../../src/config/feature-flags';
import { DeliveryConfig } from '../../src/config/schema';
import { PipelineStack } from '../../src/synth/pipeline/pipeline-stack';

/** A pipeline synthesized from a config, with its template and CodePipeline stages. */
export interface SynthesizedPipeline {
  readonly stack: PipelineStack;
  readonly template: Template;
  readonly stages: any[];
}

/** Synthesize the PipelineStack (and its stages) for a config; default the sample config. */
export function synthPipeline(config: DeliveryConfig = sampleConfig(), commit = 'abc1234'): SynthesizedPipeline {
  const app = testApp();
  const stack = new PipelineStack(app, 'DeliveryPipeline', { config, commit, featureFlags: loadFeatureFlags(REPO_ROOT) });
  const template = Template.fromStack(stack);
  const [pipeline] = Object.values(template.findResources('AWS::CodePipeline::Pipeline'));
  return { stack, template, stages: pipeline.Properties.Stages };
}
