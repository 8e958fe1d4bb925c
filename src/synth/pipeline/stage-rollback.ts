import * as cp from 'aws-cdk-lib/aws-codepipeline';

/**
 * Stage rollback on failure (CodePipeline V2): a failed action in a stage that deploys stacks
 * makes CodePipeline roll that stage back to its last successful execution, i.e. run the
 * stage's actions again with that execution's artifacts and variables (the previous commit's
 * templates, which name the previous image tag, and its assertions).
 *
 * What AWS enforces (CodePipeline user guide, "Configuring stage rollback" and "Set or change
 * the pipeline execution mode"):
 * - V2 pipelines only; not in PARALLEL execution mode (ours runs in the default, SUPERSEDED);
 * - not on a source stage;
 * - only to an execution started in the CURRENT pipeline structure version, and only once the
 *   stage has succeeded at least once: a first run, or the first run after a self-mutation that
 *   changed the pipeline's structure, just fails;
 * - never to a rollback execution (a failed rollback does not roll back again).
 *
 * Why an escape hatch: aws-cdk-lib 2.257's `cp.StageProps.onFailure` exists, but CDK Pipelines
 * creates the stages itself (`addStage({ stageName })`) and offers no way to pass it; the stage
 * objects keep it private. So the rendered `Stages[i].OnFailure` of the CfnPipeline is set.
 */

/** True for a stage with a CloudFormation deploy action (the stages a rollback can undo). */
export function deploysStacks(stage: cp.IStage): boolean {
  return stage.actions.some((a) => a.actionProperties.category === cp.ActionCategory.DEPLOY && a.actionProperties.provider === 'CloudFormation');
}

/**
 * Sets `OnFailure: { Result: ROLLBACK }` on every stage of the (built) pipeline that deploys
 * stacks, and returns their names. Source, Build, UpdatePipeline (self-mutation through
 * CodeBuild), Assets and the supply-chain gate deploy nothing a rollback could undo.
 */
export function rollBackDeployStagesOnFailure(pipeline: cp.Pipeline): string[] {
  const cfn = pipeline.node.defaultChild as cp.CfnPipeline;
  const names: string[] = [];
  pipeline.stages.forEach((stage, index) => {
    if (!deploysStacks(stage)) return;
    cfn.addPropertyOverride(`Stages.${index}.OnFailure`, { Result: cp.Result.ROLLBACK });
    names.push(stage.stageName);
  });
  return names;
}
