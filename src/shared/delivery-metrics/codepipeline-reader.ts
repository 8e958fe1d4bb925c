import {
  ActionExecutionShape, actionFromDetail, ActionRecord, executionFromSummary, ExecutionRecord, ExecutionSummaryShape, History, PipelineLayout,
} from './history';

/**
 * The CodePipeline reads the delivery metrics make, as the smallest interfaces that fit them
 * (SDK v3 command shapes, so ./aws-codepipeline-clients.ts stays one-liners and tests answer with
 * recorded responses). The function and the CLI both read through `loadHistory`.
 */
export interface CodePipelineApi {
  /** ListPipelineExecutions: newest first, at most 100 per page. */
  listPipelineExecutions(input: { pipelineName: string; maxResults?: number; nextToken?: string }): Promise<{
    pipelineExecutionSummaries?: readonly ExecutionSummaryShape[]; nextToken?: string;
  }>;
  /** ListActionExecutions filtered to one execution (every attempt of every action). */
  listActionExecutions(input: { pipelineName: string; filter: { pipelineExecutionId: string }; maxResults?: number; nextToken?: string }): Promise<{
    actionExecutionDetails?: readonly ActionExecutionShape[]; nextToken?: string;
  }>;
  /** GetPipelineState: the latest execution of every action (approvals waiting now). */
  getPipelineState(input: { name: string }): Promise<{ stageStates?: readonly StageStateShape[] }>;
}

/** The subset of GetPipelineState's StageState read here. */
export interface StageStateShape {
  readonly stageName?: string;
  readonly actionStates?: ReadonlyArray<{ readonly actionName?: string; readonly latestExecution?: { readonly status?: string } }>;
}

/** Options of {@link loadHistory}. */
export interface LoadHistoryOptions {
  /**
   * Read every execution that started at or after this time, and the older ones back to (and
   * with) the last STANDARD execution that Succeeded before it: the deployment a time to restore
   * or a manual rollback right after `since` is measured against.
   */
  readonly since: Date;
  /**
   * Stop after this many executions (CodePipeline keeps 12 months of history).
   * @default 1000
   */
  readonly maxExecutions?: number;
}

/** The executions `loadHistory` reads, newest first. */
async function listExecutions(api: CodePipelineApi, pipelineName: string, options: LoadHistoryOptions): Promise<ExecutionRecord[]> {
  const max = options.maxExecutions ?? 1000;
  const out: ExecutionRecord[] = [];
  let nextToken: string | undefined;
  do {
    const page = await api.listPipelineExecutions({ pipelineName, maxResults: 100, nextToken });
    for (const summary of page.pipelineExecutionSummaries ?? []) {
      const execution = executionFromSummary(summary);
      out.push(execution);
      const anchor = execution.startTime < options.since && execution.type === 'STANDARD' && execution.status === 'Succeeded';
      if (anchor || out.length >= max) return out;
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

/** Every action execution of one pipeline execution. */
export async function listActions(api: CodePipelineApi, pipelineName: string, executionId: string): Promise<ActionRecord[]> {
  const out: ActionRecord[] = [];
  let nextToken: string | undefined;
  do {
    const page = await api.listActionExecutions({ pipelineName, filter: { pipelineExecutionId: executionId }, maxResults: 100, nextToken });
    out.push(...(page.actionExecutionDetails ?? []).map(actionFromDetail));
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

/** The history the metrics need from `since` on (see LoadHistoryOptions). */
export async function loadHistory(api: CodePipelineApi, pipelineName: string, options: LoadHistoryOptions): Promise<History> {
  const executions = await listExecutions(api, pipelineName, options);
  const actions: ActionRecord[] = [];
  for (const e of executions) actions.push(...await listActions(api, pipelineName, e.id));
  return { executions, actions };
}

/** Manual approvals of the layout waiting for an answer now. */
export async function approvalsWaiting(api: CodePipelineApi, layout: PipelineLayout): Promise<number> {
  const state = await api.getPipelineState({ name: layout.pipelineName });
  let waiting = 0;
  for (const stage of state.stageStates ?? []) {
    for (const action of stage.actionStates ?? []) {
      const isApproval = layout.approvals.some((a) => a.stage === stage.stageName && a.action === action.actionName);
      if (isApproval && action.latestExecution?.status === 'InProgress') waiting++;
    }
  }
  return waiting;
}
