import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from './repo-root';
import { CodePipelineApi } from '../../src/shared/delivery-metrics/codepipeline-reader';
import { ActionExecutionShape, ExecutionSummaryShape, PipelineLayout } from '../../src/shared/delivery-metrics/history';

/** A recorded history of test/fixtures/delivery-metrics/ (see its README). */
export interface RecordedHistory {
  readonly description: string;
  /** When the CLI runs. */
  readonly now: string;
  readonly pipelineName: string;
  readonly listPipelineExecutions: {
    pipelineExecutionSummaries: Array<ExecutionSummaryShape & { startTime: string; lastUpdateTime: string }>;
  };
  readonly listActionExecutions: Record<string, {
    actionExecutionDetails: Array<ActionExecutionShape & { startTime: string; lastUpdateTime: string }>;
  }>;
  readonly events: Array<{ 'time': string; 'detail-type': string; 'detail': Record<string, any> }>;
}

export const HISTORIES = ['clean-week', 'rollback-restored', 'rejected-approval', 'superseded'] as const;

/** The sample pipeline's layout (what pipelineLayoutOf gives for config/delivery.sample.json). */
export const SAMPLE_LAYOUT: PipelineLayout = {
  pipelineName: 'cdk-delivery-pipeline',
  prodStages: ['prod-us-east-1', 'prod-us-east-2'],
  approvals: [{ stage: 'Approve-prod', action: 'Approve-prod' }],
  bakes: [{ stage: 'prod-us-east-1', action: 'Service.Bake-prod-us-east-1' }],
};

export function recordedHistory(name: string): RecordedHistory {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'delivery-metrics', `${name}.json`), 'utf8'));
}

/** A call the fake API answered. */
export interface ApiCall { readonly op: string; readonly input: unknown }

/**
 * CodePipeline answering from a recorded history as it stood at `clock()`: executions and actions
 * that had started, those still running shown InProgress (paged like the real API: `pageSize`
 * per page), approvals waiting from the actions then in progress.
 */
export function historyApi(recorded: RecordedHistory, clock: () => Date, pageSize = 3): { api: CodePipelineApi; calls: ApiCall[] } {
  const calls: ApiCall[] = [];
  const asOf = <T extends { startTime: string; lastUpdateTime: string; status?: string }>(items: readonly T[]): T[] => {
    const t = clock().getTime();
    return items.filter((i) => Date.parse(i.startTime) <= t)
      .map((i) => (Date.parse(i.lastUpdateTime) > t ? { ...i, status: 'InProgress', lastUpdateTime: new Date(t).toISOString() } : i));
  };
  const page = <T>(items: readonly T[], token?: string) => {
    const from = token ? Number(token) : 0;
    const next = from + pageSize < items.length ? String(from + pageSize) : undefined;
    return { items: items.slice(from, from + pageSize), nextToken: next };
  };
  const api: CodePipelineApi = {
    listPipelineExecutions: async (input) => {
      calls.push({ op: 'ListPipelineExecutions', input });
      expect(input.pipelineName).toBe(recorded.pipelineName);
      const p = page(asOf(recorded.listPipelineExecutions.pipelineExecutionSummaries), input.nextToken);
      return { pipelineExecutionSummaries: p.items, nextToken: p.nextToken };
    },
    listActionExecutions: async (input) => {
      calls.push({ op: 'ListActionExecutions', input });
      const all = recorded.listActionExecutions[input.filter.pipelineExecutionId]?.actionExecutionDetails ?? [];
      const p = page(asOf(all), input.nextToken);
      return { actionExecutionDetails: p.items, nextToken: p.nextToken };
    },
    getPipelineState: async (input) => {
      calls.push({ op: 'GetPipelineState', input });
      const actions = asOf(Object.values(recorded.listActionExecutions).flatMap((x) => x.actionExecutionDetails));
      const latestByName = new Map<string, typeof actions[number]>();
      for (const a of actions) {
        const key = `${a.stageName}/${a.actionName}`;
        const seen = latestByName.get(key);
        if (!seen || Date.parse(a.startTime) > Date.parse(seen.startTime)) latestByName.set(key, a);
      }
      const stages = new Map<string, Array<{ actionName?: string; latestExecution: { status?: string } }>>();
      for (const a of latestByName.values()) {
        stages.set(a.stageName!, [...(stages.get(a.stageName!) ?? []), { actionName: a.actionName, latestExecution: { status: a.status } }]);
      }
      return { stageStates: [...stages.entries()].map(([stageName, actionStates]) => ({ stageName, actionStates })) };
    },
  };
  return { api, calls };
}
