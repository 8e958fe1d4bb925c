import { execFileSync } from 'child_process';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { ComplianceChecks } from './compliance/compliance-checks';
import { ConfigError, loadConfig, SAMPLE_CONFIG_PATH } from './config/load-config';
import { PipelineStack } from './pipeline/pipeline-stack';

/**
 * The CDK app: config -> PipelineStack (-> waves -> stages -> stacks).
 *
 * Inputs, read here and nowhere else:
 * - the config file: `-c config=path/to/delivery.json`, else $DELIVERY_CONFIG (set by the
 *   pipeline's synth step), else the sample config;
 * - the commit being delivered: $COMMIT_ID (set by the pipeline), else `git rev-parse HEAD`,
 *   else "local".
 */
function commitBeingDelivered(): string {
  if (process.env.COMMIT_ID) return process.env.COMMIT_ID;
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'local';
  }
}

function main(): void {
  const app = new App({
    // A failing policy-validation plugin can otherwise exit 0 with no output.
    postCliContext: { '@aws-cdk/core:failSynthOnValidationErrors': true },
  });
  const configArg: string | undefined = app.node.tryGetContext('config') ?? process.env.DELIVERY_CONFIG;
  const configPath = configArg ? path.resolve(configArg) : SAMPLE_CONFIG_PATH;
  const config = loadConfig(configPath);

  // cdk-nag's four packs over every stage (applied by the pipeline before each stage is
  // added), then over the pipeline and its cross-region support stack.
  const compliance = new ComplianceChecks();
  new PipelineStack(app, 'DeliveryPipeline', {
    config,
    configFile: path.relative(process.cwd(), configPath),
    commit: commitBeingDelivered(),
    compliance,
  });
  compliance.applyTo(app);
  const assembly = app.synth();
  compliance.writeReport(assembly.directory);
  const errors = compliance.errorReport();
  if (errors) {
    process.stderr.write(`${errors}\n`);
    process.exit(1);
  }
}

try {
  main();
} catch (e) {
  if (e instanceof ConfigError) {
    // One readable list, no stack trace, non-zero exit, nothing written to cdk.out.
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
  throw e;
}
