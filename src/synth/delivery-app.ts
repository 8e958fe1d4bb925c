import { execFileSync } from 'child_process';
import { App } from 'aws-cdk-lib';
import { ComplianceChecks } from './compliance/compliance-checks';
import { FeatureFlagsDocument } from '../config/feature-flags';
import { plainHttpOptOuts } from '../config/plain-http';
import { DeliveryConfig } from '../config/schema';
import { pinNodeLambdaRuntimes } from './constructs/lambda-runtime';
import { applyPermissionsBoundary } from './constructs/permissions-boundary';
import { PipelineStack } from './pipeline/pipeline-stack';
import { PROJECT_SUPPRESSIONS } from './project-suppressions';

/** Props of addDeliveryPipeline. */
export interface DeliveryPipelineAppProps {
  /** The validated config. */
  readonly config: DeliveryConfig;
  /**
   * Path of the config file relative to the repository root, as the pipeline's synth step
   * passes it in DELIVERY_CONFIG.
   * @default 'config/delivery.sample.json'
   */
  readonly configFile?: string;
  /** The commit being delivered (the image tag and the assertions' expected `/version`). */
  readonly commit: string;
  /** The feature-flag document (config/feature-flags.json, loadFeatureFlags). */
  readonly featureFlags: FeatureFlagsDocument;
  /**
   * Run cdk-nag's packs (`false`: the same templates, nothing checked; see ComplianceChecksProps.runPacks).
   * @default true
   */
  readonly runCompliancePacks?: boolean;
}

/** What addDeliveryPipeline added to the app. */
export interface DeliveryPipelineApp {
  /** The pipeline stack (its stages and stacks inside). */
  readonly pipeline: PipelineStack;
  /** The cdk-nag packs over every stack: read their findings after `app.synth()`. */
  readonly compliance: ComplianceChecks;
}

/**
 * The whole delivery system in an App: the PipelineStack with its waves, stages and stacks,
 * and cdk-nag's four packs over every stack (each stage gets them before it joins its wave,
 * because App aspects do not reach into stages; then the pipeline and its cross-region
 * support stack). `src/main.ts` synthesizes this; the compliance tests synthesize the same.
 */
export function addDeliveryPipeline(app: App, props: DeliveryPipelineAppProps): DeliveryPipelineApp {
  const { runCompliancePacks, ...stackProps } = props;
  const compliance = new ComplianceChecks({
    plainHttpOptOuts: plainHttpOptOuts(props.config), suppressions: PROJECT_SUPPRESSIONS, runPacks: runCompliancePacks,
  });
  const pipeline = new PipelineStack(app, 'DeliveryPipeline', { ...stackProps, compliance });
  // The stacks directly in the App (pipeline, cross-region support); each stage pins its own.
  pinNodeLambdaRuntimes(app);
  applyPermissionsBoundary(app);
  compliance.applyTo(app);
  return { pipeline, compliance };
}

/**
 * The commit being delivered: $COMMIT_ID (the pipeline's synth step sets it), else
 * `git rev-parse HEAD`, else "local".
 */
export function commitBeingDelivered(): string {
  if (process.env.COMMIT_ID) return process.env.COMMIT_ID;
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'local';
  }
}
