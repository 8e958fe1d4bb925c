import { App, Stack } from 'aws-cdk-lib';
import * as cp from 'aws-cdk-lib/aws-codepipeline';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { loadFeatureFlags } from '../../config/feature-flags';
import { loadConfig, SAMPLE_CONFIG_PATH } from '../../config/load-config';
import { plannedWaves } from '../../config/waves';
import { imageRepositoryArnIn, imageRepositoryName } from '../../synth/pipeline/image-replication';
import { ServiceStage } from '../../synth/workload/service-stage';

/**
 * BENCH-ONLY: the naive baseline `npx projen bench` compares `npx projen synth` with (never
 * deployed, never part of the test command's checks). docs/performance.md ("The naive synth")
 * says exactly what it is: the same CDK Pipelines CodePipeline (V2, cross-account keys) with the
 * same source, synth step, waves and stages (dev; test in two regions side by side; prod one
 * region at a time, after a plain manual approval), each stage the project's own ServiceStage
 * (its Platform and Service stacks), but WITHOUT the gates (image gate, change report, bake,
 * termination protection, assertion stacks), without the pipeline's own extras (notifications,
 * image repository and replication, report bucket, delivery metrics, drift detection) and
 * WITHOUT any cdk-nag pack. It is synthesized the way `cdk init` sets an app up: `npx cdk synth`
 * with the app run by `ts-node --transpile-only` (NAIVE_SYNTH_COMMAND in bench-cli.ts).
 */
const app = new App();
const config = loadConfig(SAMPLE_CONFIG_PATH);
const stack = new Stack(app, 'NaivePipeline', { env: { account: config.pipeline.account, region: config.pipeline.region } });
const pipeline = new pipelines.CodePipeline(stack, 'Pipeline', {
  pipelineName: `${config.pipeline.name}-naive`,
  pipelineType: cp.PipelineType.V2,
  crossAccountKeys: true,
  synth: new pipelines.ShellStep('Synth', {
    input: pipelines.CodePipelineSource.connection(`${config.source.owner}/${config.source.repo}`, config.source.branch, {
      connectionArn: config.source.connectionArn,
    }),
    installCommands: ['npm ci'],
    commands: ['npx projen build'],
    primaryOutputDirectory: 'cdk.out',
  }),
});
const commit = 'naive';
const featureFlags = loadFeatureFlags(process.cwd());
for (const planned of plannedWaves(config)) {
  const wave = pipeline.addWave(planned.id, planned.approval ? { pre: [new pipelines.ManualApprovalStep(planned.approval)] } : undefined);
  for (const { id, region } of planned.stages) {
    wave.addStage(new ServiceStage(stack, id, {
      environment: planned.environment,
      region,
      tags: config.tags,
      commit,
      alarmEmails: config.notifications.emails,
      audit: config.audit,
      featureFlags,
      image: { repositoryArn: imageRepositoryArnIn(config, region), repositoryName: imageRepositoryName(config), tag: commit },
    }));
  }
}
app.synth();
