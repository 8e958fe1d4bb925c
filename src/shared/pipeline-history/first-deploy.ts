/**
 * The first deploy of a stage (issue 33, point 1), for the change report and the scheduled drift
 * check (src/shared/drift/drift-check.ts), the same way. The report reads each stage's
 * deployed templates through the stage's own report role (the drift check: its drift role), which the stage's Platform stack
 * creates (src/synth/workload/pipeline-access.ts). Before the first deploy of a stage that role
 * does not exist, and STS refuses the report, exactly as it would for a deployed stage whose role
 * was removed or whose trust broke. The two cases differ in what the pipeline itself has done:
 * a stage the pipeline never deployed has no successful CloudFormation deploy of any of its
 * stacks in the pipeline's action history. So, only when the role cannot be assumed, the report
 * asks CodePipeline (ListActionExecutions, with the step's own role in the pipeline account) and
 * reports the stage's stacks as NEW when it finds none; any successful deploy of one of them
 * makes the refusal an error, and the report fails closed.
 *
 * The history is CodePipeline's own record (nobody can write it but the pipeline running), kept
 * for 12 months ("Maximum number of months that pipeline execution history information is
 * retained: 12", CodePipeline User Guide, "Quotas in AWS CodePipeline", awsdocs/aws-codepipeline-user-guide
 * doc_source/limits.md): a stage deployed only longer ago than that, whose role is now missing,
 * would read as a first deploy; RUNBOOKS.md says how to tell.
 */

/** One entry of ListActionExecutions, as far as the check reads it. */
export interface ActionExecutionDetail {
  readonly stageName?: string;
  readonly actionName?: string;
  readonly status?: string;
  readonly input?: {
    readonly actionTypeId?: { readonly provider?: string };
    readonly configuration?: Readonly<Record<string, string>>;
  };
}

/** CodePipeline ListActionExecutions (one page). */
export interface PipelineHistoryClient {
  listActionExecutions(input: { readonly pipelineName: string; readonly nextToken?: string; readonly maxResults?: number }): Promise<{
    readonly actionExecutionDetails?: readonly ActionExecutionDetail[];
    readonly nextToken?: string;
  }>;
}

/** At most this many pages are read (100 entries each): past that the answer is "deployed" (fail closed). */
export const MAX_HISTORY_PAGES = 200;

/**
 * Whether the pipeline ever deployed one of `stackNames` successfully. Reads the whole history
 * (newest first) until it finds one; too long a history counts as deployed.
 */
export async function everDeployed(client: PipelineHistoryClient, pipelineName: string, stackNames: readonly string[]): Promise<boolean> {
  const wanted = new Set(stackNames);
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
    const res = await client.listActionExecutions({ pipelineName, nextToken, maxResults: 100 });
    for (const detail of res.actionExecutionDetails ?? []) {
      const stack = detail.input?.configuration?.StackName;
      if (detail.status === 'Succeeded' && detail.input?.actionTypeId?.provider === 'CloudFormation' && stack !== undefined && wanted.has(stack)) return true;
    }
    nextToken = res.nextToken;
    if (!nextToken) return false;
  }
  return true;
}
