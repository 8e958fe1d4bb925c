import * as fs from 'fs';
import * as path from 'path';
import * as iam from 'aws-cdk-lib/aws-iam';
// esbuild bundles the gate check at synth, which always runs with devDependencies installed
// (here and in the pipeline's synth step, after `npm ci`); the deployed templates never load it.
// eslint-disable-next-line import/no-extraneous-dependencies
import { buildSync } from 'esbuild';
import { partitionOf } from '../../shared/aws-names';
import { NODE_MAJOR } from '../../shared/versions/toolchain';

/**
 * The two guards the pipeline keeps over itself, as commands of its own CodeBuild projects
 * (issue 33). Both live in the deployed pipeline's definition: the project's inline buildspec
 * comes from the pipeline stack as CloudFormation last deployed it, so a commit changes what
 * they run only through a self-mutation that the first guard has let through.
 *
 * 1. The self-mutation gate check (src/codebuild/gate-integrity): before `cdk deploy` of the
 *    pipeline stack, compare the gates of the deployed pipeline with those of the one in the
 *    synth output, and refuse a weakened gate unless an approval record for that exact commit,
 *    written by a principal outside the pipeline, names it. One commit cannot both remove the
 *    prod approval (or a scan gate, the change report, assertions, rollback, the bake) and
 *    ship through the pipeline it changed.
 * 2. The source-revision check: before the synth installs or runs anything of the commit, the
 *    commit must be reachable from the configured branch, so a run started with a source
 *    revision override (StartPipelineExecution `sourceRevisions`, which IAM cannot restrict:
 *    the action has no condition keys, Service Authorization Reference for CodePipeline) deploys
 *    only a commit that is on `main`.
 */

const GATE_CHECK_SOURCE = path.join('src', 'codebuild', 'gate-integrity', 'gate-check-cli.ts');
let bundled: string | undefined;

/**
 * The gate check bundled by esbuild into one minified script, ONCE per process. The source is
 * found by walking up from this file, which runs from src/ (tests, ts-node) or from the synth
 * bundle in .cache/synth/. Its bytes are part of the self-mutation buildspec, so a change of the
 * check (its code, or the esbuild that bundles it) is itself a gate change the check reports.
 */
export function bundledGateCheck(): string {
  if (bundled) return bundled;
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, GATE_CHECK_SOURCE))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find ${GATE_CHECK_SOURCE} above ${__dirname}`);
    dir = parent;
  }
  const result = buildSync({
    entryPoints: [path.join(dir, GATE_CHECK_SOURCE)],
    write: false,
    bundle: true,
    minify: true,
    legalComments: 'none',
    platform: 'node',
    format: 'cjs',
    target: `node${NODE_MAJOR}`,
    logLevel: 'warning',
  });
  bundled = result.outputFiles[0].text;
  return bundled;
}

/** Where the gate check reads and writes in the self-mutation build (CodeBuild sets no TMPDIR: /tmp). */
const TMP = '"${TMPDIR:-/tmp}"';
const FILES = { script: `${TMP}/gate-check.js`, deployed: `${TMP}/gate-check-deployed.json`, approval: `${TMP}/gate-check-approval.json` };

/** Props of the self-mutation gate check. */
export interface GateCheckProps {
  /** The pipeline stack's name (the stack self-mutation deploys; the approval parameters' prefix). */
  readonly pipelineStackName: string;
  /** Account of the pipeline. */
  readonly account: string;
  /** Region of the pipeline. */
  readonly region: string;
}

/**
 * The commands the self-mutation action runs first, in its install phase, before CDK's own
 * `npm install -g aws-cdk@...` and `cdk deploy` (merged in front through
 * `selfMutationCodeBuildDefaults.partialBuildSpec`: aws-cdk-lib's mergeBuildSpecs puts the
 * partial buildspec's commands first). `$COMMIT_ID` is the source action's commit variable, which
 * PipelineStack passes to the action. Every command names `gate-check`, which is how the check
 * recognises its own deployed version (src/codebuild/gate-integrity/gate-facts.ts).
 */
export function gateCheckCommands(props: GateCheckProps): string[] {
  const script = Buffer.from(bundledGateCheck(), 'utf8').toString('base64');
  const approval = `/${props.pipelineStackName}/gate-change-approvals/$COMMIT_ID`;
  return [
    `echo ${script} | base64 -d > ${FILES.script}`,
    `aws cloudformation get-template --stack-name ${props.pipelineStackName} --template-stage Original --output json > ${FILES.deployed}`,
    // No record (ParameterNotFound) or no answer: no approval; the check then refuses a weakening.
    `aws ssm get-parameter-history --name "${approval}" --output json > ${FILES.approval} 2> /dev/null || : > ${FILES.approval} # gate-check`,
    `node ${FILES.script} --deployed ${FILES.deployed} --assembly . --stack ${props.pipelineStackName} --commit "$COMMIT_ID" --approval ${FILES.approval}`,
  ];
}

/** What the gate check reads with the self-mutation role: the deployed template and the approval records. */
export function gateCheckStatements(props: GateCheckProps): iam.PolicyStatement[] {
  const partition = partitionOf(props.region);
  return [
    new iam.PolicyStatement({
      sid: 'GateCheckReadDeployedPipeline',
      actions: ['cloudformation:GetTemplate'],
      resources: [`arn:${partition}:cloudformation:${props.region}:${props.account}:stack/${props.pipelineStackName}/*`],
    }),
    new iam.PolicyStatement({
      sid: 'GateCheckReadApprovals',
      actions: ['ssm:GetParameterHistory'],
      resources: [`arn:${partition}:ssm:${props.region}:${props.account}:parameter/${props.pipelineStackName}/gate-change-approvals/*`],
    }),
  ];
}

/**
 * The install commands the synth action runs first, before `npm ci`: the commit it builds must be
 * the source action's commit and reachable from `branch`. The source action hands the synth a
 * full clone (`codeBuildCloneOutput`: "the next CodeBuild job clones the repository ... This
 * provides access to repository history", aws-cdk-lib pipelines ConnectionSourceOptions;
 * CodeStarSourceConnection `OutputArtifactFormat: CODEBUILD_CLONE_REF`, "Full clone"). Whether
 * that clone has the branch's remote-tracking ref is not documented, so the check fetches the
 * branch when the ref is missing, and fails when it still cannot prove the commit is on it.
 */
export function sourceRevisionCheckCommands(branch: string): string[] {
  const ref = `refs/remotes/origin/${branch}`;
  const marker = ' # source-revision-check';
  return [
    `test "$(git rev-parse HEAD)" = "$COMMIT_ID" || { echo "the checkout is $(git rev-parse HEAD), not the source commit $COMMIT_ID"; exit 1; }${marker}`,
    `git rev-parse --verify --quiet ${ref} > /dev/null || git fetch --no-tags --quiet origin "+refs/heads/${branch}:${ref}"${marker}`,
    `git merge-base --is-ancestor "$COMMIT_ID" ${ref} || { echo "commit $COMMIT_ID is not reachable from ${branch}: a run may deploy only a commit on ${branch}"; exit 1; }${marker}`,
  ];
}
