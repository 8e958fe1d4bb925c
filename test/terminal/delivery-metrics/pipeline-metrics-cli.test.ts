import * as path from 'path';
import { CodePipelineEvent, handleDeliveryEvent, MetricDatum } from '../../../src/lambda/delivery-metrics/handle-event';
import { median } from '../../../src/shared/delivery-metrics/summary';
import { pipelineMetricsCli, PipelineMetricsIo } from '../../../src/terminal/delivery-metrics/pipeline-metrics-cli';
import { historyApi, recordedHistory } from '../../support/delivery-history';
import { REPO_ROOT } from '../../support/repo-root';

function run(name: string, argv: string[], overrides: Partial<PipelineMetricsIo> = {}) {
  const recorded = recordedHistory(name);
  const now = new Date(recorded.now);
  const { api, calls } = historyApi(recorded, () => now);
  let out = '';
  let err = '';
  const io: PipelineMetricsIo = {
    env: {}, out: (t) => { out += t; }, err: (t) => { err += t; }, codePipeline: () => api, now: () => now, ...overrides,
  };
  return pipelineMetricsCli(argv, io).then((code) => ({ code, out, err, calls }));
}

describe('npx projen pipeline:metrics on recorded histories', () => {
  test('prints the four keys with their DORA band, then approval wait, bake and time per stage', async () => {
    const { code, out, calls } = await run('rollback-restored', ['--', '--days', '30']);
    expect(code).toBe(0);
    expect(out.split('\n').slice(0, 12)).toEqual([
      'Delivery metrics of cdk-delivery-pipeline, 30 days (2026-10-11T12:00:00.000Z to 2026-11-10T12:00:00.000Z)',
      '',
      'Deployment frequency    4 deployment(s), 0.13 per day  -> MEDIUM (2024: between once per week and once per month)',
      'Lead time for changes   median 1h 57m over 4 changes; from the commit\'s author date 4, from the execution\'s start 0  -> ELITE (2024: less than one day)',
      'Change failure rate     40.0% (2 of 5 attempts)  -> LOW (2024: 40%, unconfirmed)',
      'Time to restore         median 4h 40m over 2 restores  -> HIGH (2024: less than one day, unconfirmed)',
      '',
      'Reported separately:',
      'Approval wait           median 30m 00s over 5 answered approvals, 0 rejected; 0 waiting now',
      'Bake                    median 10m 42s over 5 bakes',
      '',
      'Time per stage (median over the deployments):',
    ]);
    expect(out).toContain('  prod-us-east-1         32m 38s  (4)');
    // One page walk of the executions (7, in pages of 3), one listing per execution, one state read.
    expect(calls.filter((c) => c.op === 'ListPipelineExecutions')).toHaveLength(3);
    expect(calls.filter((c) => c.op === 'GetPipelineState')).toHaveLength(1);
  });

  test('--json: the same summary for tools; an approval waiting now is counted', async () => {
    const { code, out } = await run('rejected-approval', ['--json', '--days=8']);
    expect(code).toBe(0);
    const summary = JSON.parse(out);
    expect(summary).toMatchObject({
      pipeline: 'cdk-delivery-pipeline',
      days: 8,
      deploymentFrequency: { deployments: 2, band: 'high' },
      changeFailureRate: { failures: 0, attempts: 2, rate: 0, band: 'elite' },
      approvalWait: { count: 3, rejected: 1, waitingNow: 1, medianSeconds: 1800 },
    });
  });

  test('the function and the CLI agree on the same history: the four keys from what the function published', async () => {
    const recorded = recordedHistory('rollback-restored');
    let clock = 0;
    const { api } = historyApi(recorded, () => new Date(clock));
    const published: MetricDatum[] = [];
    const claims = new Set<string>();
    for (const event of recorded.events) {
      clock = Date.parse(event.time) + 60_000;
      await handleDeliveryEvent(event as unknown as CodePipelineEvent, {
        api,
        layout: JSON.parse(JSON.stringify({ pipelineName: 'cdk-delivery-pipeline', prodStages: ['prod-us-east-1', 'prod-us-east-2'], approvals: [{ stage: 'Approve-prod', action: 'Approve-prod' }], bakes: [{ stage: 'prod-us-east-1', action: 'Service.Bake-prod-us-east-1' }] })),
        claims: { claim: async (k) => !claims.has(k) && Boolean(claims.add(k)), release: async (k) => { claims.delete(k); } },
        metrics: { put: async (d) => { published.push(...d); } },
        now: () => new Date(clock),
        log: () => undefined,
      });
    }
    const values = (name: string) => published.filter((d) => d.name === name).map((d) => d.value);
    const { out } = await run('rollback-restored', ['--json']);
    const cli = JSON.parse(out);
    expect({
      deployments: values('Deployments').length,
      leadTime: median(values('LeadTime')),
      failures: values('ChangeFailures').length,
      attempts: values('ProdDeploymentAttempts').length,
      restore: median(values('TimeToRestore')),
      approvals: values('ApprovalWait').length,
    }).toEqual({
      deployments: cli.deploymentFrequency.deployments,
      leadTime: cli.leadTime.medianSeconds,
      failures: cli.changeFailureRate.failures,
      attempts: cli.changeFailureRate.attempts,
      restore: cli.timeToRestore.medianSeconds,
      approvals: cli.approvalWait.count,
    });
  });

  test('bad input: one clear error and the usage (exit 2); a broken config or a failed read exit 1', async () => {
    for (const days of ['0', '366', '7.5', 'week']) {
      const { code, err } = await run('clean-week', ['--days', days]);
      expect({ code, err: err.split('\n')[0] }).toEqual({ code: 2, err: `pipeline:metrics: --days must be a whole number of days from 1 to 365 (CodePipeline keeps 12 months of history); got ${JSON.stringify(days)}` });
    }
    expect((await run('clean-week', ['--weeks', '2'])).code).toBe(2);
    const missing = await run('clean-week', ['--config', path.join(REPO_ROOT, 'no-such-config.json')]);
    expect(missing.code).toBe(1);
    const denied = await run('clean-week', [], {
      codePipeline: () => ({
        listPipelineExecutions: async () => { throw Object.assign(new Error('User is not authorized to perform: codepipeline:ListPipelineExecutions'), { name: 'AccessDeniedException' }); },
        listActionExecutions: async () => ({}),
        getPipelineState: async () => ({}),
      }),
    });
    expect(denied).toMatchObject({ code: 1, err: 'pipeline:metrics: reading the history of cdk-delivery-pipeline failed: AccessDeniedException: User is not authorized to perform: codepipeline:ListPipelineExecutions\n' });
  });
});
