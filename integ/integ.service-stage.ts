/**
 * integ-runner test: the stacks of one environment in one region (ServiceStacks, exactly what
 * a pipeline stage deploys) and the same post-deploy assertions the pipeline runs after every
 * wave (src/synth/assertions). `npx projen integ` verifies the committed snapshot offline;
 * `npx projen integ:deploy` deploys it for real in a sandbox account:
 *
 *   INTEG_ACCOUNT=123456789012 INTEG_REGION=us-east-1 \
 *   INTEG_IMAGE_REPOSITORY_ARN=arn:aws:ecr:us-east-1:111111111111:repository/cdk-delivery-pipeline/service \
 *   INTEG_IMAGE_TAG=<a commit tag that passed the gates> npx projen integ:deploy
 *
 * Without those variables it uses the sample dev account and a placeholder image, so the
 * committed snapshot never depends on who runs it.
 */
import { App } from 'aws-cdk-lib';
import { committedContext } from '../src/synth/committed-context';
import { addWorkloadAssertions } from '../src/synth/assertions/workload-assertions';
import { loadFeatureFlags } from '../src/config/feature-flags';
import { loadConfig, PROJECT_ROOT } from '../src/config/load-config';
import { integStageIdOf } from '../src/config/waves';
import { pinNodeLambdaRuntimes } from '../src/synth/constructs/lambda-runtime';
import { applyPermissionsBoundary } from '../src/synth/constructs/permissions-boundary';
import { ServiceStacks } from '../src/synth/workload/service-stage';

const config = loadConfig();
const dev = config.environments[0];
const environment = { ...dev, name: 'integ', account: process.env.INTEG_ACCOUNT ?? dev.account };
const region = process.env.INTEG_REGION ?? dev.regions[0];
const repositoryArn = process.env.INTEG_IMAGE_REPOSITORY_ARN
  ?? `arn:aws:ecr:${config.pipeline.region}:${config.pipeline.account}:repository/cdk-delivery-pipeline/service`;
const tag = process.env.INTEG_IMAGE_TAG ?? 'integ';

// The committed AZ lookups of the sample accounts: the snapshot needs no AWS. No stack traces in
// the metadata (creation traces, as `npx projen synth` leaves out, and warning traces): they put
// the paths of the machine that refreshed the snapshot into it.
const app = new App({ context: { ...committedContext(PROJECT_ROOT), 'aws:cdk:disable-creation-stack-traces': true, 'aws:cdk:disable-stack-trace': true } });
const stacks = new ServiceStacks(app, {
  environment,
  region,
  tags: config.tags,
  featureFlags: loadFeatureFlags(PROJECT_ROOT),
  image: { repositoryArn, repositoryName: repositoryArn.split(':repository/')[1], tag },
  stackIdPrefix: `${integStageIdOf(region)}-`,
});
addWorkloadAssertions(app, { stacks, commit: tag, label: integStageIdOf(region) });
// The same Lambda runtime as the pipeline's stages (src/synth/constructs/lambda-runtime.ts).
pinNodeLambdaRuntimes(app);
// The same permissions boundary as the pipeline's stages: the sandbox's execution policy requires it.
applyPermissionsBoundary(app);
app.synth();
