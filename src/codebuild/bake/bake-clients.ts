/**
 * The two AWS calls the bake makes, as the smallest interface that fits them.
 * ./aws-bake-clients.ts answers them with the AWS CLI of the CodeBuild image,
 * ./recorded-bake-clients.ts with a recording (`--from-file`), tests with recorded
 * DescribeAlarms responses (test/fixtures/bake/).
 */

/**
 * Something that answers DescribeAlarms for at most 100 alarm names (CloudWatch's limit per
 * call), every page collected. It resolves with the raw response (validated by
 * parseDescribeAlarms) and rejects with an error whose `name` is the AWS error code (e.g.
 * `Throttling`, `AccessDenied`), as the AWS SDK v3 does.
 */
export interface AlarmClient {
  describeAlarms(alarmNames: readonly string[]): Promise<unknown>;
  /**
   * GetPipelineState's `latestExecution.type` of one stage (`STANDARD` or `ROLLBACK`), or
   * undefined when CodePipeline does not say.
   */
  stageExecutionType?(pipelineName: string, stageName: string): Promise<string | undefined>;
  /**
   * The name of an action of the stage that failed at or after `since` (another action: the
   * bake itself is in progress while it asks), or undefined (GetPipelineState,
   * src/codebuild/bake/stage-state.ts).
   */
  failedAction?(pipelineName: string, stageName: string, since: Date): Promise<string | undefined>;
}
