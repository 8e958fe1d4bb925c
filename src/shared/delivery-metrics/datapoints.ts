import { ActionRecord, ExecutionRecord, FINAL_EXECUTION_STATUSES, History, PipelineLayout } from './history';
import { COUNTERS, DatapointMetric, DURATIONS } from './metric-names';

/**
 * THE DEFINITIONS of the delivery metrics for this pipeline, as code. The Lambda function
 * publishes exactly these datapoints; `npx projen pipeline:metrics` summarizes exactly these.
 *
 * - **Deployment**: a STANDARD execution whose last production stage succeeded (every action
 *   of that stage, in its latest attempt, Succeeded). Its time is the end of that stage.
 * - **Lead time**: from the commit to the deployment. The commit's time is the source action's
 *   output variable `AuthorDate` ("the date the currently last commit on the tracked branch was
 *   authored", CodeStarSourceConnection's variables) where the history has it; otherwise the
 *   execution's start. Each datapoint says which (`from`).
 * - **Production deployment attempt**: a STANDARD execution that ran any action of a production
 *   stage. The change failure rate is change failures / attempts.
 * - **Change failure**: an attempt in which an action of a production stage Failed (a failed
 *   deploy, an ECS rollback seen through its CloudFormation action, a failed assertion or bake:
 *   the stage then rolls back on its own) or was Abandoned (a person stopped the release), or
 *   which a person later rolled back by hand (a ROLLBACK execution triggered `ManualRollback`
 *   of a production stage the execution had deployed). A failed action that was retried
 *   (RetryStageExecution after a manual fix) still counts: the release needed a fix. One
 *   failure per execution; its time is the earliest of these.
 * - A **superseded** execution (a newer one overtook it while it waited; CodePipeline's SUPERSEDED
 *   mode) delivers its commit with the next deployment that started after it: one more lead time,
 *   from its commit to that deployment, and no deployment of its own.
 * - **Time to restore**: from the first change failure after a deployment to the next deployment.
 * - Reported separately, so that they are visible as such: **approval wait** (request to answer
 *   of every approved or rejected approval; rejections counted), **bake time** (every bake that
 *   ended), and **time per stage** of every deployment.
 *
 * Not counted: ROLLBACK executions (they restore an older release; a manual one marks the release
 * it undoes as failed), superseded, cancelled or stopped executions that never reached
 * production, and executions that have not ended.
 */

/** One value the function publishes (once) and the CLI counts (once). */
export interface Datapoint {
  /**
   * Unique and the same in every computation (`deployment#<execution>`): the function claims it
   * before publishing, so a repeated event publishes nothing twice.
   */
  readonly key: string;
  /** The execution whose end publishes it (the function publishes only its event's execution's datapoints). */
  readonly owner: string;
  readonly metric: DatapointMetric;
  readonly value: number;
  readonly unit: 'Count' | 'Seconds';
  /** When it happened (the CloudWatch timestamp). */
  readonly timestamp: Date;
  /** The CodePipeline stage (StageDuration), else none. */
  readonly stage?: string;
  /** Position of the stage within its execution (StageDuration): orders the CLI's table. */
  readonly stageOrder?: number;
  /** Lead time only: where it was measured from. */
  readonly from?: 'commit' | 'execution-start';
}

/** A change failure before datapoints: which execution failed, when, and whose end reports it. */
interface FailureCandidate {
  readonly execution: string;
  readonly time: Date;
  readonly owner: string;
}

const seconds = (from: Date, to: Date) => Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));
const latest = (dates: readonly Date[]) => new Date(Math.max(...dates.map((d) => d.getTime())));
const earliest = (dates: readonly Date[]) => new Date(Math.min(...dates.map((d) => d.getTime())));

/** The latest attempt of each action name among `actions`. */
function latestAttempts(actions: readonly ActionRecord[]): ActionRecord[] {
  const byName = new Map<string, ActionRecord>();
  for (const a of actions) {
    const seen = byName.get(a.action);
    if (!seen || a.startTime > seen.startTime) byName.set(a.action, a);
  }
  return [...byName.values()];
}

/** The commit's time from the source action's `AuthorDate`, if the history has a valid one. */
export function commitTimeOf(actions: readonly ActionRecord[]): Date | undefined {
  const source = actions.find((a) => a.category === 'Source' && a.outputVariables.AuthorDate);
  if (!source) return undefined;
  const d = new Date(source.outputVariables.AuthorDate);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** When the execution deployed (end of its last production stage), or undefined when it did not. */
export function deployedAt(actions: readonly ActionRecord[], layout: PipelineLayout): Date | undefined {
  const lastStage = layout.prodStages[layout.prodStages.length - 1];
  const inStage = latestAttempts(actions.filter((a) => a.stage === lastStage));
  if (inStage.length === 0 || inStage.some((a) => a.status !== 'Succeeded')) return undefined;
  return latest(inStage.map((a) => a.lastUpdateTime));
}

/** Stage durations of one execution, in the order its stages started. */
function stageDurations(execution: ExecutionRecord, actions: readonly ActionRecord[]): Datapoint[] {
  const stages = new Map<string, ActionRecord[]>();
  for (const a of actions) stages.set(a.stage, [...(stages.get(a.stage) ?? []), a]);
  const firstStart = (list: readonly ActionRecord[]) => earliest(list.map((x) => x.startTime)).getTime();
  const ordered = [...stages.entries()].sort(([, a], [, b]) => firstStart(a) - firstStart(b));
  return ordered.map(([stage, list], index) => {
    const end = latest(list.map((a) => a.lastUpdateTime));
    return {
      key: `stage#${execution.id}#${stage}`,
      owner: execution.id,
      metric: DURATIONS.stageDuration,
      unit: 'Seconds',
      value: seconds(earliest(list.map((a) => a.startTime)), end),
      timestamp: end,
      stage,
      stageOrder: index,
    };
  });
}

/** Approval waits, rejections and bakes of one execution (every attempt that ended). */
function approvalsAndBakes(execution: ExecutionRecord, actions: readonly ActionRecord[], layout: PipelineLayout): Datapoint[] {
  const out: Datapoint[] = [];
  const is = (a: ActionRecord, list: PipelineLayout['approvals']) => list.some((x) => x.stage === a.stage && x.action === a.action);
  for (const a of actions) {
    const ended = a.status === 'Succeeded' || a.status === 'Failed';
    if (!ended) continue;
    if (is(a, layout.approvals)) {
      out.push({
        key: `approval#${a.actionExecutionId}`,
        owner: execution.id,
        metric: DURATIONS.approvalWait,
        unit: 'Seconds',
        value: seconds(a.startTime, a.lastUpdateTime),
        timestamp: a.lastUpdateTime,
      });
      if (a.status === 'Failed') {
        out.push({ key: `rejected#${a.actionExecutionId}`, owner: execution.id, metric: COUNTERS.approvalsRejected, unit: 'Count', value: 1, timestamp: a.lastUpdateTime });
      }
    } else if (is(a, layout.bakes)) {
      out.push({
        key: `bake#${a.actionExecutionId}`,
        owner: execution.id,
        metric: DURATIONS.bakeTime,
        unit: 'Seconds',
        value: seconds(a.startTime, a.lastUpdateTime),
        timestamp: a.lastUpdateTime,
      });
    }
  }
  return out;
}

/** The datapoints of one STANDARD execution that ended, and its own failure (if any). */
function standardExecution(execution: ExecutionRecord, actions: readonly ActionRecord[], layout: PipelineLayout): {
  datapoints: Datapoint[]; deployment?: Date; failure?: FailureCandidate;
} {
  const datapoints = approvalsAndBakes(execution, actions, layout);
  const prod = actions.filter((a) => layout.prodStages.includes(a.stage));
  if (prod.length === 0) return { datapoints };
  datapoints.push({
    key: `attempt#${execution.id}`,
    owner: execution.id,
    metric: COUNTERS.deploymentAttempts,
    unit: 'Count',
    value: 1,
    timestamp: latest(prod.map((a) => a.lastUpdateTime)),
  });
  const failed = prod.filter((a) => a.status === 'Failed' || a.status === 'Abandoned');
  const failure = failed.length ? { execution: execution.id, time: earliest(failed.map((a) => a.lastUpdateTime)), owner: execution.id } : undefined;
  const deployment = deployedAt(actions, layout);
  if (deployment) {
    const commit = commitTimeOf(actions);
    datapoints.push(
      { key: `deployment#${execution.id}`, owner: execution.id, metric: COUNTERS.deployments, unit: 'Count', value: 1, timestamp: deployment },
      {
        key: `leadtime#${execution.id}`,
        owner: execution.id,
        metric: DURATIONS.leadTime,
        unit: 'Seconds',
        timestamp: deployment,
        value: seconds(commit ?? execution.startTime, deployment),
        from: commit ? 'commit' : 'execution-start',
      },
      ...stageDurations(execution, actions),
    );
  }
  return { datapoints, deployment, failure };
}

/**
 * A rollback a person started (`ManualRollback`) of a production stage: the release it undoes is
 * the latest STANDARD execution, started before the rollback, that succeeded in that stage.
 */
function manualRollbackFailures(
  rollback: ExecutionRecord, actions: readonly ActionRecord[], history: History,
  byExecution: ReadonlyMap<string, ActionRecord[]>, layout: PipelineLayout,
): FailureCandidate[] {
  if (rollback.triggerType !== 'ManualRollback') return [];
  const stages = [...new Set(actions.map((a) => a.stage))].filter((s) => layout.prodStages.includes(s));
  const out: FailureCandidate[] = [];
  for (const stage of stages) {
    const undone = history.executions
      .filter((e) => e.type === 'STANDARD' && e.startTime < rollback.startTime)
      .filter((e) => (byExecution.get(e.id) ?? []).some((a) => a.stage === stage && a.status === 'Succeeded'))
      .sort((a, b) => b.startTime.getTime() - a.startTime.getTime())[0];
    if (undone) out.push({ execution: undone.id, time: rollback.startTime, owner: rollback.id });
  }
  return out;
}

/** One failure per execution, at the earliest time any candidate names, reported by that candidate's owner. */
function mergeFailures(candidates: readonly FailureCandidate[]): FailureCandidate[] {
  const byExecution = new Map<string, FailureCandidate>();
  for (const c of candidates) {
    const seen = byExecution.get(c.execution);
    if (!seen || c.time < seen.time || (c.time.getTime() === seen.time.getTime() && c.owner < seen.owner)) byExecution.set(c.execution, c);
  }
  return [...byExecution.values()];
}

/** Time to restore at each deployment that follows one or more change failures. */
function restores(deployments: ReadonlyArray<{ execution: string; time: Date }>, failures: readonly FailureCandidate[]): Datapoint[] {
  const ordered = [...deployments].sort((a, b) => a.time.getTime() - b.time.getTime());
  const out: Datapoint[] = [];
  ordered.forEach((d, i) => {
    const after = i > 0 ? ordered[i - 1].time.getTime() : -Infinity;
    const open = failures.filter((f) => f.time.getTime() > after && f.time.getTime() <= d.time.getTime());
    if (open.length === 0) return;
    out.push({
      key: `restore#${d.execution}`,
      owner: d.execution,
      metric: DURATIONS.timeToRestore,
      unit: 'Seconds',
      value: seconds(earliest(open.map((f) => f.time)), d.time),
      timestamp: d.time,
    });
  });
  return out;
}

/** The lead time of each superseded execution's commit, to the first deployment that started after it. */
function supersededLeadTimes(
  history: History, byExecution: ReadonlyMap<string, ActionRecord[]>, deployments: ReadonlyArray<{ execution: string; time: Date }>,
): Datapoint[] {
  const startOf = new Map(history.executions.map((e) => [e.id, e.startTime]));
  const out: Datapoint[] = [];
  for (const e of history.executions.filter((x) => x.type === 'STANDARD' && x.status === 'Superseded')) {
    const carrier = deployments
      .filter((d) => startOf.get(d.execution)! > e.startTime)
      .sort((a, b) => a.time.getTime() - b.time.getTime())[0];
    if (!carrier) continue;
    const commit = commitTimeOf(byExecution.get(e.id) ?? []);
    out.push({
      key: `leadtime#${e.id}`,
      owner: carrier.execution,
      metric: DURATIONS.leadTime,
      unit: 'Seconds',
      timestamp: carrier.time,
      value: seconds(commit ?? e.startTime, carrier.time),
      from: commit ? 'commit' : 'execution-start',
    });
  }
  return out;
}

/**
 * Every datapoint the history defines, for executions that have ended. A datapoint depends only
 * on executions that started before its owner ended, so computing it from a longer history
 * (the CLI's) gives the same value as computing it at its owner's end (the function's).
 */
export function deliveryDatapoints(history: History, layout: PipelineLayout): Datapoint[] {
  const byExecution = new Map<string, ActionRecord[]>();
  for (const a of history.actions) byExecution.set(a.executionId, [...(byExecution.get(a.executionId) ?? []), a]);
  const datapoints: Datapoint[] = [];
  const deployments: { execution: string; time: Date }[] = [];
  const candidates: FailureCandidate[] = [];
  for (const execution of history.executions) {
    if (!FINAL_EXECUTION_STATUSES.has(execution.status)) continue;
    const actions = byExecution.get(execution.id) ?? [];
    if (execution.type === 'ROLLBACK') {
      candidates.push(...manualRollbackFailures(execution, actions, history, byExecution, layout));
      continue;
    }
    const result = standardExecution(execution, actions, layout);
    datapoints.push(...result.datapoints);
    if (result.deployment) deployments.push({ execution: execution.id, time: result.deployment });
    if (result.failure) candidates.push(result.failure);
  }
  datapoints.push(...supersededLeadTimes(history, byExecution, deployments));
  const failures = mergeFailures(candidates);
  for (const f of failures) {
    datapoints.push({ key: `failure#${f.execution}`, owner: f.owner, metric: COUNTERS.changeFailures, unit: 'Count', value: 1, timestamp: f.time });
  }
  datapoints.push(...restores(deployments, failures));
  return datapoints.sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime() || a.key.localeCompare(b.key));
}
