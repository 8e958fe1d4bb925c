/**
 * Reading CodePipeline's GetPipelineState for the bake: the execution type of its stage (a
 * ROLLBACK execution does not bake) and whether an action of its stage already failed in
 * this run (then the stage fails whatever the bake finds, and the bake stops so the stage's
 * rollback does not wait out the bake). Shapes as `aws codepipeline get-pipeline-state` prints
 * them (CodePipeline API Reference, GetPipelineState: StageState `latestExecution.type`,
 * ActionState `latestExecution.status` "InProgress | Abandoned | Succeeded | Failed" and
 * `lastStatusChange`).
 */

/** The part of a GetPipelineState response the bake reads. */
export interface PipelineState {
  readonly stageStates?: readonly {
    readonly stageName?: string;
    readonly latestExecution?: { readonly type?: string; readonly status?: string };
    readonly actionStates?: readonly {
      readonly actionName?: string;
      readonly latestExecution?: { readonly status?: string; readonly lastStatusChange?: string | number };
    }[];
  }[];
}

/** `latestExecution.type` of a stage (`STANDARD`, `ROLLBACK`), or undefined. */
export function stageExecutionTypeOf(state: PipelineState, stageName: string): string | undefined {
  return state.stageStates?.find((s) => s.stageName === stageName)?.latestExecution?.type;
}

/**
 * The name of an action of the stage whose latest execution failed at or after `since` (in this
 * run: the bake started after the stage did; the bake itself is in progress), or undefined.
 */
export function failedActionOf(state: PipelineState, stageName: string, since: Date): string | undefined {
  const stage = state.stageStates?.find((s) => s.stageName === stageName);
  for (const action of stage?.actionStates ?? []) {
    if (action.latestExecution?.status !== 'Failed') continue;
    const changed = action.latestExecution.lastStatusChange;
    const at = typeof changed === 'number' ? changed * (changed < 1e12 ? 1000 : 1) : Date.parse(changed ?? '');
    if (Number.isFinite(at) && at >= since.getTime()) return action.actionName;
  }
  return undefined;
}
