import { ClaimStore, CodePipelineEvent, handleDeliveryEvent, MetricDatum, MetricSink, NotYetVisibleError } from '../../../src/lambda/delivery-metrics/handle-event';
import { loadHistory } from '../../../src/shared/delivery-metrics/codepipeline-reader';
import { deliveryDatapoints } from '../../../src/shared/delivery-metrics/datapoints';
import { historyApi, HISTORIES, RecordedHistory, recordedHistory, SAMPLE_LAYOUT } from '../../support/delivery-history';

/** DynamoDB's conditional put, in memory. */
function memoryClaims(): ClaimStore & { keys: Set<string> } {
  const keys = new Set<string>();
  return {
    keys,
    claim: async (key) => {
      if (keys.has(key)) return false;
      keys.add(key);
      return true;
    },
    release: async (key) => { keys.delete(key); },
  };
}

/** CloudWatch: every datum published, as a line. */
function recordingSink(): MetricSink & { data: MetricDatum[] } {
  const data: MetricDatum[] = [];
  return { data, put: async (d) => { data.push(...d); } };
}

const line = (d: MetricDatum) => `${d.name} ${d.value} ${d.timestamp.toISOString()} ${JSON.stringify(d.dimensions)}`;
const MINUTE = 60_000;

/**
 * Delivers the recorded events in `order` (indexes into recorded.events, repeats allowed); each
 * is handled at the later of its own time + 1 minute and the previous handling, and the API
 * answers as the history stood then.
 */
async function deliver(recorded: RecordedHistory, order: readonly number[]) {
  let clock = 0;
  const { api, calls } = historyApi(recorded, () => new Date(clock));
  const claims = memoryClaims();
  const sink = recordingSink();
  const log: string[] = [];
  for (const i of order) {
    const event = recorded.events[i] as unknown as CodePipelineEvent;
    clock = Math.max(clock, Date.parse(event.time) + MINUTE);
    await handleDeliveryEvent(event, { api, claims, metrics: sink, layout: SAMPLE_LAYOUT, now: () => new Date(clock), log: (l) => log.push(l) });
  }
  return { counted: sink.data.filter((d) => d.name !== 'ApprovalsWaiting').map(line).sort(), gauges: sink.data.filter((d) => d.name === 'ApprovalsWaiting'), calls, log };
}

/** What the CLI computes from the whole history at `now`, as the data the function would publish. */
async function cliData(recorded: RecordedHistory): Promise<string[]> {
  const now = new Date(recorded.now);
  const { api } = historyApi(recorded, () => now);
  const history = await loadHistory(api, recorded.pipelineName, { since: new Date(now.getTime() - 30 * 86_400_000) });
  return deliveryDatapoints(history, SAMPLE_LAYOUT).map((p) => line({
    name: p.metric, value: p.value, unit: p.unit, timestamp: p.timestamp, dimensions: p.stage ? { Pipeline: 'cdk-delivery-pipeline', Stage: p.stage } : { Pipeline: 'cdk-delivery-pipeline' },
  })).sort();
}

/** Fixed reorderings (no randomness in tests): every event after the one that followed it, or all backwards; some twice. */
const ORDERS: Record<string, (n: number) => number[]> = {
  'pairs swapped': (n) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? Math.min(i + 1, n - 1) : i - 1)).concat(n % 2 ? [n - 1] : []),
  'all backwards, every fifth again': (n) => Array.from({ length: n }, (_, i) => n - 1 - i).concat(Array.from({ length: n }, (_, i) => i).filter((i) => i % 5 === 0)),
};

describe.each(HISTORIES)('the function on the recorded history %s', (name) => {
  const recorded = recordedHistory(name);
  const inOrder = recorded.events.map((_, i) => i);

  test('publishes exactly the datapoints the CLI computes from the same history', async () => {
    const { counted } = await deliver(recorded, inOrder);
    expect(counted).toEqual(await cliData(recorded));
    expect(counted.length).toBeGreaterThan(0);
  });

  test('every event delivered twice publishes nothing more', async () => {
    const once = await deliver(recorded, inOrder);
    const twice = await deliver(recorded, inOrder.flatMap((i) => [i, i]));
    expect(twice.counted).toEqual(once.counted);
  });

  test.each(Object.keys(ORDERS))('events delivered out of order (%s) publish the same datapoints', async (how) => {
    const order = ORDERS[how](recorded.events.length);
    expect(new Set(order).size).toBe(recorded.events.length);
    expect(order).not.toEqual(inOrder);
    const { counted } = await deliver(recorded, order);
    expect(counted).toEqual(await cliData(recorded));
  });
});

describe('the function, one event at a time', () => {
  const recorded = recordedHistory('rollback-restored');
  const final = (id: string) => recorded.events.findIndex((e) => e.detail['execution-id'] === id && e['detail-type'] === 'CodePipeline Pipeline Execution State Change' && e.detail.state !== 'STARTED');

  test('the end of the failed execution publishes its attempt, its failure, its approval and its bake, stamped when they happened', async () => {
    const { counted } = await deliver(recorded, [final('0b0b0000-0002-4000-8000-000000000000')]);
    expect(counted.map((l) => l.split(' {')[0])).toEqual([
      'ApprovalWait 1800 2026-11-04T10:00:12.000Z',
      'BakeTime 642 2026-11-04T10:32:53.000Z',
      'ChangeFailures 1 2026-11-04T10:32:53.000Z',
      'ProdDeploymentAttempts 1 2026-11-04T10:32:53.000Z',
    ]);
  });

  test('the restoring deployment publishes its time to restore although the failure\'s own event never came', async () => {
    const { counted } = await deliver(recorded, [final('0b0b0000-0004-4000-8000-000000000000')]);
    expect(counted).toContain('TimeToRestore 19458 2026-11-04T15:57:11.000Z {"Pipeline":"cdk-delivery-pipeline"}');
    expect(counted.filter((l) => l.startsWith('StageDuration'))).toHaveLength(9);
    expect(counted).toContain('StageDuration 1958 2026-11-04T15:32:53.000Z {"Pipeline":"cdk-delivery-pipeline","Stage":"prod-us-east-1"}');
  });

  test('approval events publish the approvals waiting, read when handled', async () => {
    const waiting = recordedHistory('rejected-approval');
    const started = waiting.events.findIndex((e) => e['detail-type'] === 'CodePipeline Action Execution State Change'
      && e.detail['execution-id'] === '0e1e0000-0004-4000-8000-000000000000');
    const { gauges, counted } = await deliver(waiting, [started]);
    expect(gauges.map((g) => `${g.value} ${JSON.stringify(g.dimensions)}`)).toEqual(['1 {"Pipeline":"cdk-delivery-pipeline"}']);
    expect(counted).toEqual([]);
  });

  test('an event of another pipeline is ignored; an execution the history does not show as ended yet fails the invocation (Lambda retries it)', async () => {
    const { api, calls } = historyApi(recorded, () => new Date('2026-11-04T10:00:00Z'));
    const deps = { api, claims: memoryClaims(), metrics: recordingSink(), layout: SAMPLE_LAYOUT, log: () => undefined };
    const other = { 'detail-type': 'CodePipeline Pipeline Execution State Change', 'time': '2026-11-04T10:00:00Z', 'detail': { pipeline: 'other', state: 'FAILED' } };
    expect(await handleDeliveryEvent(other, deps)).toEqual({ published: [], duplicates: [], tooOld: [] });
    expect(calls).toEqual([]);
    const early = { ...recorded.events[final('0b0b0000-0002-4000-8000-000000000000')] } as unknown as CodePipelineEvent;
    await expect(handleDeliveryEvent(early, deps)).rejects.toThrow(new NotYetVisibleError('execution 0b0b0000-0002-4000-8000-000000000000 is still InProgress in the history'));
  });

  test('a failed publication releases its claims, so the retried event publishes them', async () => {
    const { api } = historyApi(recorded, () => new Date('2026-11-10T00:00:00Z'));
    const claims = memoryClaims();
    let fail = true;
    const data: MetricDatum[] = [];
    const metrics: MetricSink = {
      put: async (d) => {
        if (fail && d.some((x) => x.name !== 'ApprovalsWaiting')) throw new Error('Throttling: Rate exceeded');
        data.push(...d);
      },
    };
    const event = recorded.events[final('0b0b0000-0002-4000-8000-000000000000')] as unknown as CodePipelineEvent;
    const deps = { api, claims, metrics, layout: SAMPLE_LAYOUT, now: () => new Date('2026-11-10T00:00:00Z'), log: () => undefined };
    await expect(handleDeliveryEvent(event, deps)).rejects.toThrow('Throttling');
    expect(claims.keys.size).toBe(0);
    fail = false;
    const result = await handleDeliveryEvent(event, deps);
    expect(result.published).toHaveLength(4);
    expect((await handleDeliveryEvent(event, deps)).duplicates).toHaveLength(4);
  });

  test('datapoints more than two weeks old are left to the CLI (CloudWatch refuses them)', async () => {
    const { api } = historyApi(recorded, () => new Date('2026-12-01T00:00:00Z'));
    const event = recorded.events[final('0b0b0000-0002-4000-8000-000000000000')] as unknown as CodePipelineEvent;
    const result = await handleDeliveryEvent(event, {
      api, claims: memoryClaims(), metrics: recordingSink(), layout: SAMPLE_LAYOUT, now: () => new Date('2026-12-01T00:00:00Z'), log: () => undefined,
    });
    expect(result).toMatchObject({ published: [], tooOld: ['approval#ae0248-0000-4000-8000-000000000000', 'attempt#0b0b0000-0002-4000-8000-000000000000', 'bake#ae0251-0000-4000-8000-000000000000', 'failure#0b0b0000-0002-4000-8000-000000000000'] });
  });
});
