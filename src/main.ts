import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { FeatureFlagsError, loadFeatureFlags } from './config/feature-flags';
import { ConfigError, loadConfig, SAMPLE_CONFIG_PATH } from './config/load-config';
import { renderPlainHttpOptOuts } from './config/plain-http';
import { renderReplicationLagAlarms } from './config/replication-lag';
import { configWarnings, formatWarnings } from './config/warnings';
import { assemblyProblems } from './synth/assembly-problems';
import { committedContext } from './synth/committed-context';
import { addDeliveryPipeline, commitBeingDelivered } from './synth/delivery-app';
import { writeDeliveryTools } from './synth/pipeline/delivery-tools';
import { pipelineShapeFromTemplate } from './synth/pipeline-shape/pipeline-shape';
import { renderSummary } from './synth/pipeline-shape/render-pipeline';

/**
 * The CDK app: config -> PipelineStack (-> waves -> stages -> stacks).
 *
 * Inputs, read here and nowhere else:
 * - the config file: `-c config=path/to/delivery.json`, else $DELIVERY_CONFIG (set by the
 *   pipeline's synth step), else the sample config;
 * - the commit being delivered: see commitBeingDelivered().
 */
function main(): void {
  // Under the CDK CLI the context (cdk.context.json lookups) comes through CDK_CONTEXT_JSON;
  // `npx projen synth` runs this file directly (no CLI start-up), so it reads the same file.
  const underCli = process.env.CDK_CONTEXT_JSON !== undefined;
  const app = new App({
    // tree.json (the construct tree, for tools that browse it) costs ~3% of the synth: nothing
    // that reads this assembly uses it. Under the CLI it is written as usual.
    treeMetadata: underCli,
    // A failing policy-validation plugin can otherwise exit 0 with no output.
    postCliContext: { '@aws-cdk/core:failSynthOnValidationErrors': true },
    context: underCli ? undefined : {
      ...committedContext(process.cwd()),
      // Every CloudFormation element would record the JavaScript stack that created it
      // (aws:cdk:creationStack in *.metadata.json), ~5% of the synth with source maps on. Only
      // the CDK CLI reads it, to point at the code of a resource that failed its deploy; the
      // pipeline deploys with CloudFormation actions and never does. Under the CLI (cdk.json,
      // `cdk deploy`) it stays on.
      'aws:cdk:disable-creation-stack-traces': true,
    },
  });
  const configArg: string | undefined = app.node.tryGetContext('config') ?? process.env.DELIVERY_CONFIG;
  const configPath = configArg ? path.resolve(configArg) : SAMPLE_CONFIG_PATH;
  const config = loadConfig(configPath);
  process.stderr.write(formatWarnings(configWarnings(config)));

  const { pipeline: pipelineStack, compliance } = addDeliveryPipeline(app, {
    config,
    configFile: path.relative(process.cwd(), configPath),
    commit: commitBeingDelivered(),
    // The repository's flags (config/feature-flags.json), deployed into every stage's AppConfig.
    featureFlags: loadFeatureFlags(process.cwd()),
  });
  const assembly = app.synth();
  compliance.writeReport(assembly.directory);
  const errors = compliance.errorReport();
  if (errors) {
    process.stderr.write(`${errors}\n`);
    process.exit(1);
  }
  // Offline by default: a missing lookup is an error, not a silent dummy value. With
  // `-c lookups=true` under the CLI (and credentials) the CLI performs the lookups instead.
  const lookups = app.node.tryGetContext('lookups') === 'true' || app.node.tryGetContext('lookups') === true;
  const problems = assemblyProblems(assembly)
    .filter((p) => !(lookups && underCli && p.startsWith('context ')));
  if (problems.length > 0) {
    process.stderr.write(`Synth problems:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exit(1);
  }
  // The CLIs the CodeBuild actions run travel in the assembly (cdk.out/.delivery-tools).
  writeDeliveryTools(assembly.directory);
  if (!underCli) {
    // `npx projen synth`: the short summary (waves, stages, accounts, regions, gates).
    const template = assembly.getStackArtifact(pipelineStack.artifactId).template;
    const optOuts = renderPlainHttpOptOuts(compliance.plainHttpOptOuts);
    const lagAlarms = renderReplicationLagAlarms(config);
    process.stdout.write(`${[renderSummary(pipelineShapeFromTemplate(template, config.pipeline.region)), ...lagAlarms, ...optOuts].join('\n')}\n`);
  }
}

try {
  main();
} catch (e) {
  if (e instanceof ConfigError || e instanceof FeatureFlagsError) {
    // One readable list, no stack trace, non-zero exit, nothing written to cdk.out.
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
  throw e;
}
