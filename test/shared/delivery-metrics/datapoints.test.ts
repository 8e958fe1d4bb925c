import { loadHistory } from '../../../src/shared/delivery-metrics/codepipeline-reader';
import { Datapoint, deliveryDatapoints } from '../../../src/shared/delivery-metrics/datapoints';
import { doraBand } from '../../../src/shared/delivery-metrics/dora-bands';
import { formatDuration } from '../../../src/shared/delivery-metrics/format';
import { actionFromDetail, executionFromSummary, History, HistoryShapeError } from '../../../src/shared/delivery-metrics/history';
import { summarize } from '../../../src/shared/delivery-metrics/summary';
import { historyApi, recordedHistory, SAMPLE_LAYOUT } from '../../support/delivery-history';

async function pointsOf(name: string): Promise<{ points: Datapoint[]; now: Date }> {
  const recorded = recordedHistory(name);
  const now = new Date(recorded.now);
  const { api } = historyApi(recorded, () => now);
  const history = await loadHistory(api, recorded.pipelineName, { since: new Date(now.getTime() - 30 * 86_400_000) });
  return { points: deliveryDatapoints(history, SAMPLE_LAYOUT), now };
}

const keysOf = (points: readonly Datapoint[], metric: string) => points.filter((p) => p.metric === metric).map((p) => `${p.key} ${p.value} ${p.timestamp.toISOString()}`);

describe('the definitions on recorded histories', () => {
  test('a clean week: 7 deployments, no failure, lead time from the author date except where the source gave none', async () => {
    const { points } = await pointsOf('clean-week');
    // The 7 days that end 18 minutes after the last deployment.
    const s = summarize(points, { pipeline: 'cdk-delivery-pipeline', to: new Date('2026-11-09T13:00:00Z'), days: 7 });
    expect(s.deploymentFrequency).toEqual({ deployments: 7, perDay: 1, band: 'elite' });
    expect(s.changeFailureRate).toEqual({ failures: 0, attempts: 7, rate: 0, band: 'elite' });
    expect(s.timeToRestore).toEqual({ count: 0, medianSeconds: undefined, failingSince: undefined, band: undefined });
    // The 4th run's lead time is the median: commit at 09:40, deployed 11:51:11.
    expect(s.leadTime).toEqual({ count: 7, medianSeconds: 7871, fromCommit: 6, fromExecutionStart: 1, band: 'elite' });
    const fifth = points.find((p) => p.key === 'leadtime#c1ea0000-0005-4000-8000-000000000000')!;
    expect(fifth.from).toBe('execution-start');
    // Approvals took 26, 32, ..., 62 minutes; each bake 10 min 42 s.
    expect(s.approvalWait).toEqual({ count: 7, medianSeconds: 44 * 60, rejected: 0, waitingNow: undefined });
    expect(s.bakeTime).toEqual({ count: 7, medianSeconds: 642 });
    expect(s.stages.map((x) => x.stage)).toEqual([
      'Source', 'Build', 'UpdatePipeline', 'Assets', 'dev-us-east-1', 'test', 'Approve-prod', 'prod-us-east-1', 'prod-us-east-2',
    ]);
    // The bake runs beside the assertions: 52 + 1260 + 642 s and two 2-second gaps.
    expect(s.stages.find((x) => x.stage === 'prod-us-east-1')).toEqual({ stage: 'prod-us-east-1', count: 7, medianSeconds: 32 * 60 + 38 });
  });

  test('a failed prod deploy rolled back and restored, then a manual rollback: 2 failures of 5 attempts, 2 restores', async () => {
    const { points, now } = await pointsOf('rollback-restored');
    expect(keysOf(points, 'ChangeFailures')).toEqual([
      // B: the bake failed at 10:32:53; the automatic rollback R1 is not a failure of its own.
      'failure#0b0b0000-0002-4000-8000-000000000000 1 2026-11-04T10:32:53.000Z',
      // D: deployed fine, rolled back by hand at 08:00:12 the next day (reported by R2's end).
      'failure#0b0b0000-0005-4000-8000-000000000000 1 2026-11-06T08:00:12.000Z',
    ]);
    expect(points.find((p) => p.key === 'failure#0b0b0000-0005-4000-8000-000000000000')!.owner).toBe('0b0b0000-0006-4000-8000-000000000000');
    expect(keysOf(points, 'TimeToRestore')).toEqual([
      // C deployed at 15:57:11: 5 h 24 min 18 s after B failed.
      'restore#0b0b0000-0004-4000-8000-000000000000 19458 2026-11-04T15:57:11.000Z',
      // E deployed at 11:57:11: 3 h 56 min 59 s after the manual rollback.
      'restore#0b0b0000-0007-4000-8000-000000000000 14219 2026-11-06T11:57:11.000Z',
    ]);
    const s = summarize(points, { pipeline: 'p', to: now, days: 30 });
    expect(s.changeFailureRate).toEqual({ failures: 2, attempts: 5, rate: 0.4, band: 'low' });
    expect(s.deploymentFrequency.deployments).toBe(4);
    expect(s.timeToRestore).toEqual({ count: 2, medianSeconds: (19458 + 14219) / 2, failingSince: undefined, band: 'high' });
    // Rollback executions deploy nothing new and have no stage times of their own.
    expect(points.filter((p) => p.owner === '0b0b0000-0003-4000-8000-000000000000')).toEqual([]);
  });

  test('a rejected approval: its wait and the rejection are reported, it is no deployment attempt; the waiting one is not counted yet', async () => {
    const { points, now } = await pointsOf('rejected-approval');
    expect(keysOf(points, 'ApprovalsRejected')).toHaveLength(1);
    expect(points.filter((p) => p.owner === '0e1e0000-0002-4000-8000-000000000000').map((p) => `${p.metric} ${p.value}`))
      .toEqual(['ApprovalWait 2700', 'ApprovalsRejected 1']);
    expect(points.filter((p) => p.owner === '0e1e0000-0004-4000-8000-000000000000')).toEqual([]);
    const s = summarize(points, { pipeline: 'p', to: now, days: 30, approvalsWaiting: 1 });
    expect(s.changeFailureRate).toEqual({ failures: 0, attempts: 2, rate: 0, band: 'elite' });
    expect(s.approvalWait).toEqual({ count: 3, medianSeconds: 1800, rejected: 1, waitingNow: 1 });
  });

  test('a superseded execution: no deployment of its own; its commit\'s lead time runs to the deployment that carried it', async () => {
    const { points } = await pointsOf('superseded');
    expect(keysOf(points, 'Deployments').map((k) => k.split(' ')[0])).toEqual(['deployment#05e00000-0001-4000-8000-000000000000', 'deployment#05e00000-0003-4000-8000-000000000000']);
    const b = points.find((p) => p.key === 'leadtime#05e00000-0002-4000-8000-000000000000')!;
    expect({ owner: b.owner, value: b.value, from: b.from }).toEqual({ owner: '05e00000-0003-4000-8000-000000000000', value: 8231, from: 'commit' });
    expect(points.filter((p) => p.metric === 'ProdDeploymentAttempts')).toHaveLength(2);
  });

  test('a retried prod action still counts as a change failure, and the retry\'s success as the deployment that restores it', () => {
    const t = (m: number) => new Date(Date.UTC(2026, 10, 1, 10, m)).toISOString();
    const action = (id: string, stage: string, name: string, status: string, from: number, to: number, category = 'Deploy') => actionFromDetail({
      pipelineExecutionId: 'x', actionExecutionId: id, stageName: stage, actionName: name, status, startTime: t(from), lastUpdateTime: t(to), input: { actionTypeId: { category } },
    });
    const history: History = {
      executions: [executionFromSummary({ pipelineExecutionId: 'x', status: 'Succeeded', startTime: t(0), lastUpdateTime: t(50), executionType: 'STANDARD' })],
      actions: [
        action('1', 'prod-us-east-1', 'Service.Deploy', 'Succeeded', 1, 5),
        action('2', 'prod-us-east-2', 'Service.Deploy', 'Failed', 6, 10),
        action('3', 'prod-us-east-2', 'Service.Deploy', 'Succeeded', 30, 40),
      ],
    };
    const points = deliveryDatapoints(history, SAMPLE_LAYOUT);
    expect(points.filter((p) => p.metric !== 'StageDuration').map((p) => `${p.key} ${p.value}`)).toEqual([
      'failure#x 1', 'attempt#x 1', 'deployment#x 1', 'leadtime#x 2400', 'restore#x 1800',
    ]);
  });

  test('a recorded answer without a required field is one clear error', () => {
    expect(() => executionFromSummary({ pipelineExecutionId: 'e', status: 'Succeeded' })).toThrow(new HistoryShapeError('startTime of execution e has no valid time (undefined)'));
    expect(() => actionFromDetail({ actionExecutionId: 'a' })).toThrow('pipelineExecutionId of action execution a is missing');
  });
});

describe('DORA bands (2024 report)', () => {
  test.each([
    ['deploymentFrequency', 2, 'elite'], ['deploymentFrequency', 1, 'elite'], ['deploymentFrequency', 0.5, 'high'], ['deploymentFrequency', 1 / 7, 'high'],
    ['deploymentFrequency', 0.1, 'medium'], ['deploymentFrequency', 0.01, 'low'], ['deploymentFrequency', 0, 'low'],
    ['leadTime', 3600, 'elite'], ['leadTime', 86_400, 'high'], ['leadTime', 8 * 86_400, 'medium'], ['leadTime', 40 * 86_400, 'low'], ['leadTime', 400 * 86_400, 'low'],
    ['changeFailureRate', 0, 'elite'], ['changeFailureRate', 0.05, 'elite'], ['changeFailureRate', 0.12, 'high'], ['changeFailureRate', 0.2, 'high'],
    ['changeFailureRate', 0.3, 'low'], ['changeFailureRate', 0.9, 'low'],
    ['timeToRestore', 1800, 'elite'], ['timeToRestore', 7200, 'high'], ['timeToRestore', 3 * 86_400, 'low'],
  ] as const)('%s %p is %s', (key, value, band) => {
    expect(doraBand(key, value)).toBe(band);
  });

  test('no measurement, no band', () => {
    expect(doraBand('leadTime', undefined)).toBeUndefined();
  });

  test('durations read as a person says them', () => {
    expect([12, 245, 3 * 3600 + 12 * 60, 2 * 86_400 + 3 * 3600, undefined].map(formatDuration)).toEqual(['12s', '4m 05s', '3h 12m', '2d 3h', '-']);
  });
});
