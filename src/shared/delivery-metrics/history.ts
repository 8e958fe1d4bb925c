/**
 * The execution history of one pipeline, as the delivery metrics read it: the executions
 * (ListPipelineExecutions' `pipelineExecutionSummaries`) and their action executions
 * (ListActionExecutions' `actionExecutionDetails`), reduced to the fields the definitions use.
 * The Lambda function and `npx projen pipeline:metrics` both build it from the same API answers
 * (./codepipeline-reader.ts), so both compute from the same facts.
 *
 * Field meanings follow the CodePipeline API reference (botocore model codepipeline/2015-07-09):
 * PipelineExecutionSummary `status` (Cancelled | InProgress | Stopped | Stopping | Succeeded |
 * Superseded | Failed), `executionType` (STANDARD | ROLLBACK), `rollbackMetadata`
 * `rollbackTargetPipelineExecutionId` ("the pipeline execution ID to which the stage will be
 * rolled back"), `trigger.triggerType` (... | ManualRollback | AutomatedRollback);
 * ActionExecutionDetail `status` (InProgress | Abandoned | Succeeded | Failed) and
 * `output.outputVariables`.
 */

/** One CodePipeline stage and one of its actions. */
export interface StageAction {
  readonly stage: string;
  readonly action: string;
}

/**
 * What the metrics need to know about the pipeline the config builds (src/config/pipeline-layout.ts
 * derives it; the function receives it as JSON in its environment).
 */
export interface PipelineLayout {
  /** The CodePipeline name. */
  readonly pipelineName: string;
  /**
   * The CodePipeline stages that deploy production, in pipeline order. An execution whose
   * last one succeeded is a deployment.
   */
  readonly prodStages: readonly string[];
  /** The manual approvals (stage and action). */
  readonly approvals: readonly StageAction[];
  /** The bakes between production regions (stage and action). */
  readonly bakes: readonly StageAction[];
}

/** An execution's status as ListPipelineExecutions reports it. */
export type ExecutionStatus = 'Cancelled' | 'InProgress' | 'Stopped' | 'Stopping' | 'Succeeded' | 'Superseded' | 'Failed';

/** Statuses after which an execution changes no more. */
export const FINAL_EXECUTION_STATUSES: ReadonlySet<string> = new Set(['Cancelled', 'Stopped', 'Succeeded', 'Superseded', 'Failed']);

/** One pipeline execution. */
export interface ExecutionRecord {
  readonly id: string;
  readonly status: string;
  /** STANDARD, or ROLLBACK for a stage rollback CodePipeline ran (automatically or by hand). */
  readonly type: 'STANDARD' | 'ROLLBACK';
  /** For a rollback: the execution it rolled the stage back to. */
  readonly rollbackTarget?: string;
  /** e.g. `WebhookV2`, `StartPipelineExecution`, `ManualRollback`, `AutomatedRollback`. */
  readonly triggerType?: string;
  readonly startTime: Date;
  readonly lastUpdateTime: Date;
}

/** One action execution (each retry of an action is one more). */
export interface ActionRecord {
  readonly executionId: string;
  readonly actionExecutionId: string;
  readonly stage: string;
  readonly action: string;
  /** Source, Build, Deploy, Approval, ... (`input.actionTypeId.category`). */
  readonly category?: string;
  readonly status: string;
  readonly startTime: Date;
  readonly lastUpdateTime: Date;
  /** The action's output variables (the source action's `AuthorDate`, `CommitId`, ...). */
  readonly outputVariables: Readonly<Record<string, string>>;
}

/** Executions and their actions. */
export interface History {
  readonly executions: readonly ExecutionRecord[];
  readonly actions: readonly ActionRecord[];
}

/** The subset of an SDK v3 PipelineExecutionSummary the history reads. */
export interface ExecutionSummaryShape {
  readonly pipelineExecutionId?: string;
  readonly status?: string;
  readonly startTime?: Date | string;
  readonly lastUpdateTime?: Date | string;
  readonly trigger?: { readonly triggerType?: string };
  readonly executionType?: string;
  readonly rollbackMetadata?: { readonly rollbackTargetPipelineExecutionId?: string };
}

/** The subset of an SDK v3 ActionExecutionDetail the history reads. */
export interface ActionExecutionShape {
  readonly pipelineExecutionId?: string;
  readonly actionExecutionId?: string;
  readonly stageName?: string;
  readonly actionName?: string;
  readonly startTime?: Date | string;
  readonly lastUpdateTime?: Date | string;
  readonly status?: string;
  readonly input?: { readonly actionTypeId?: { readonly category?: string } };
  readonly output?: { readonly outputVariables?: Readonly<Record<string, string>> };
}

/** A recorded answer has a field missing that CodePipeline always returns. */
export class HistoryShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HistoryShapeError';
  }
}

function date(value: Date | string | undefined, what: string): Date {
  const d = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  if (!d || Number.isNaN(d.getTime())) throw new HistoryShapeError(`${what} has no valid time (${JSON.stringify(value)})`);
  return d;
}

function required(value: string | undefined, what: string): string {
  if (!value) throw new HistoryShapeError(`${what} is missing`);
  return value;
}

/** One execution from a ListPipelineExecutions summary. */
export function executionFromSummary(s: ExecutionSummaryShape): ExecutionRecord {
  const id = required(s.pipelineExecutionId, 'pipelineExecutionId of an execution summary');
  return {
    id,
    status: required(s.status, `status of execution ${id}`),
    type: s.executionType === 'ROLLBACK' ? 'ROLLBACK' : 'STANDARD',
    rollbackTarget: s.rollbackMetadata?.rollbackTargetPipelineExecutionId,
    triggerType: s.trigger?.triggerType,
    startTime: date(s.startTime, `startTime of execution ${id}`),
    lastUpdateTime: date(s.lastUpdateTime ?? s.startTime, `lastUpdateTime of execution ${id}`),
  };
}

/** One action execution from a ListActionExecutions detail. */
export function actionFromDetail(d: ActionExecutionShape): ActionRecord {
  const id = required(d.actionExecutionId, 'actionExecutionId of an action execution');
  return {
    executionId: required(d.pipelineExecutionId, `pipelineExecutionId of action execution ${id}`),
    actionExecutionId: id,
    stage: required(d.stageName, `stageName of action execution ${id}`),
    action: required(d.actionName, `actionName of action execution ${id}`),
    category: d.input?.actionTypeId?.category,
    status: required(d.status, `status of action execution ${id}`),
    startTime: date(d.startTime, `startTime of action execution ${id}`),
    lastUpdateTime: date(d.lastUpdateTime ?? d.startTime, `lastUpdateTime of action execution ${id}`),
    outputVariables: d.output?.outputVariables ?? {},
  };
}
