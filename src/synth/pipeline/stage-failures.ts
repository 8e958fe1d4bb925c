import * as cp from 'aws-cdk-lib/aws-codepipeline';

/**
 * What CodePipeline does when a stage fails, decided per stage (issue 30, point 4): roll the
 * stage back, retry it once, or stop and tell (the pipeline's failure notification).
 *
 * What AWS enforces:
 * - `OnFailure` holds one result, `ROLLBACK` or `RETRY` ("Allowed values: ROLLBACK | RETRY",
 *   AWS::CodePipeline::Pipeline FailureConditions, CloudFormation Template Reference), so a stage
 *   either rolls back or retries, never both;
 * - a retry is one attempt ("One attempt is allowed for automatic stage retry on failure",
 *   CodePipeline API Reference, RetryStageMetadata), of the failed actions only with
 *   `RetryMode: FAILED_ACTIONS` ("retry only failed action in the stage", RetryConfiguration);
 * - stage rollback (CodePipeline User Guide, "Configuring stage rollback"): V2 pipelines only, not
 *   in PARALLEL execution mode (ours runs in the default, SUPERSEDED), not on a source stage,
 *   only to an execution started in the current pipeline structure version and only once the
 *   stage has succeeded at least once (a first run, or the first run after a self-mutation that
 *   changed the structure, just fails), never to a rollback execution.
 *
 * Why an escape hatch: aws-cdk-lib 2.257's `cp.StageProps.onFailure` exists, but CDK Pipelines
 * creates the stages itself (`addStage({ stageName })`) and offers no way to pass it; the stage
 * objects keep it private. So the rendered `Stages[i].OnFailure` of the CfnPipeline is set.
 */

/** What a stage does on failure, and why. */
export interface StageFailurePolicy {
  /** `ROLLBACK`, `RETRY` (failed actions, once), or `NONE` (the run stops; the team is notified). */
  readonly onFailure: 'ROLLBACK' | 'RETRY' | 'NONE';
  /** Why, in a sentence (printed by `npx projen pipeline:report`). */
  readonly reason: string;
}

/** True for a stage with a CloudFormation deploy action (the stages a rollback can undo). */
export function deploysStacks(stage: cp.IStage): boolean {
  return stage.actions.some((a) => a.actionProperties.category === cp.ActionCategory.DEPLOY && a.actionProperties.provider === 'CloudFormation');
}

/** What the decision reads about a stage (from the built pipeline, or from its template: pipeline:report). */
export interface StageTraits {
  readonly name: string;
  /** It has a CloudFormation deploy action. */
  readonly deploysStacks: boolean;
  /** It has a manual approval. */
  readonly hasApproval: boolean;
  /** It has a source action. */
  readonly isSource: boolean;
}

/** The traits of a stage of the built pipeline. */
export function traitsOf(stage: cp.IStage): StageTraits {
  const category = (c: cp.ActionCategory) => stage.actions.some((a) => a.actionProperties.category === c);
  return {
    name: stage.stageName,
    deploysStacks: deploysStacks(stage),
    hasApproval: category(cp.ActionCategory.APPROVAL),
    isSource: category(cp.ActionCategory.SOURCE),
  };
}

/** The decision for one stage. */
export function failurePolicyOf(stage: StageTraits): StageFailurePolicy {
  if (stage.deploysStacks) {
    return {
      onFailure: 'ROLLBACK',
      reason: 'It deploys stacks: a failure (a deploy, an assertion, the bake, the protection) rolls the stage back to its last successful release, '
        + 'which a retry would not; RETRY and ROLLBACK exclude each other, and rollback keeps the stage in a state a later run can build on.',
    };
  }
  if (stage.hasApproval) {
    return {
      onFailure: 'NONE',
      reason: 'It holds a manual approval: a retry would ask again after a rejection or an expired approval, and re-run a change report that refused the change.',
    };
  }
  if (stage.isSource) {
    return { onFailure: 'NONE', reason: 'A failed source action (connection, permissions, branch) is not transient, and the next push starts a new run.' };
  }
  switch (stage.name) {
    case 'Build':
      return {
        onFailure: 'NONE',
        reason: 'Its failures are the commit\'s (compile, tests, cdk-nag, guard, integ snapshots) and fail again: a retry would only double the time to a red result.',
      };
    case 'UpdatePipeline':
      return {
        onFailure: 'RETRY',
        reason: 'Self-mutation fails on CloudFormation throttling or a stack update still in progress, which pass a minute later; a refused gate change '
          + '(RUNBOOKS "Self-mutation refused a gate change") is refused again within seconds.',
      };
    case 'Assets':
      return {
        onFailure: 'RETRY',
        reason: 'Publishing to S3, pulling base images, downloading the Trivy database and waiting for the ECR scan and replication are network calls '
          + 'that fail transiently (throttling, rate limits, CodeBuild capacity); a gate that found a vulnerability fails again, at the cost of one more gate run.',
      };
    default:
      return { onFailure: 'NONE', reason: 'No decision was recorded for this stage, so a failure stops the run.' };
  }
}

/**
 * Writes every stage's decision into the built pipeline's template (`Stages.<i>.OnFailure`) and
 * returns the decisions by stage name, in order.
 */
export function configureStageFailures(pipeline: cp.Pipeline): ReadonlyMap<string, StageFailurePolicy> {
  const cfn = pipeline.node.defaultChild as cp.CfnPipeline;
  const out = new Map<string, StageFailurePolicy>();
  pipeline.stages.forEach((stage, index) => {
    const policy = failurePolicyOf(traitsOf(stage));
    out.set(stage.stageName, policy);
    if (policy.onFailure === 'ROLLBACK') cfn.addPropertyOverride(`Stages.${index}.OnFailure`, { Result: cp.Result.ROLLBACK });
    if (policy.onFailure === 'RETRY') {
      cfn.addPropertyOverride(`Stages.${index}.OnFailure`, { Result: cp.Result.RETRY, RetryConfiguration: { RetryMode: cp.RetryMode.FAILED_ACTIONS } });
    }
  });
  return out;
}
