import { loadConfig, SAMPLE_CONFIG_PATH } from '../../../src/config/load-config';
import { stageStacksOf } from '../../../src/config/pipeline-layout';
import { MetricDatum } from '../../../src/lambda/delivery-metrics/handle-event';
import { neverDeployedFrom, targetsFromEnvironment } from '../../../src/lambda/drift-detection/drift-detection.handler';
import { runScheduledDrift } from '../../../src/lambda/drift-detection/scheduled-drift';
import { PROD_WORLD, recordedDriftApi } from '../../support/drift-responses';
import { fakeClock } from '../../support/fake-clock';

const targets = stageStacksOf(loadConfig(SAMPLE_CONFIG_PATH), 'prod');

async function scheduled(world: Record<string, string>) {
  const { clients } = recordedDriftApi(world);
  const data: MetricDatum[] = [];
  const notes: Array<{ subject: string; message: string }> = [];
  const clock = fakeClock();
  await runScheduledDrift({
    pipelineName: 'cdk-delivery-pipeline',
    targets,
    cloudFormation: clients,
    pollMs: 10_000,
    timeoutMs: 600_000,
    metrics: { put: async (d) => { data.push(...d); } },
    notifier: { publish: async (subject, message) => { notes.push({ subject, message }); } },
    ...clock.options,
  });
  return { data, notes };
}

describe('the scheduled drift check', () => {
  test('a drifted stack: the drifted-stacks gauge, and one notification with the resources and properties', async () => {
    const { data, notes } = await scheduled(PROD_WORLD);
    expect(data.map((d) => `${d.name} ${d.value} ${JSON.stringify(d.dimensions)}`)).toEqual([
      'DriftedStacks 1 {"Pipeline":"cdk-delivery-pipeline"}', 'DriftUncheckedStacks 0 {"Pipeline":"cdk-delivery-pipeline"}',
    ]);
    expect(notes).toHaveLength(1);
    expect(notes[0].subject).toBe('Drift in cdk-delivery-pipeline: 1 stack(s) drifted, 0 not checked');
    expect(notes[0].message).toContain('    MODIFIED EdgeLoadBalancerSecurityGroup9C3A1E2F (AWS::EC2::SecurityGroup, sg-0123456789abcdef0)');
    expect(notes[0].message).toContain('What to do: RUNBOOKS.md, "Drift detected".');
  });

  test('clean stacks: the gauges say 0 and nobody is notified', async () => {
    const { data, notes } = await scheduled({ ...PROD_WORLD, 'prod-us-east-1-Platform': 'in-sync-assertions' });
    expect(data.map((d) => d.value)).toEqual([0, 0]);
    expect(notes).toEqual([]);
  });

  test('a stack that could not be checked notifies too (fail closed)', async () => {
    const { data, notes } = await scheduled({ ...PROD_WORLD, 'prod-us-east-1-Platform': 'in-sync-assertions', 'prod-us-east-2-Service': 'detection-failed' });
    expect(data.map((d) => d.value)).toEqual([0, 1]);
    expect(notes[0].subject).toBe('Drift in cdk-delivery-pipeline: 0 stack(s) drifted, 1 not checked');
  });

  test('the targets in the environment: a malformed list is one clear error', () => {
    expect(targetsFromEnvironment({ DRIFT_TARGETS: JSON.stringify(targets) })).toEqual(targets);
    expect(() => targetsFromEnvironment({})).toThrow('DRIFT_TARGETS is not set');
    expect(() => targetsFromEnvironment({ DRIFT_TARGETS: '[{"stackName":"x","account":"1","region":"us-east-1"}]' })).toThrow('DRIFT_TARGETS must be a list of');
  });

  test('first deploys from the pipeline\'s history: a stage with a successful deploy of one of its stacks was deployed; one read per stage', async () => {
    const requests: unknown[] = [];
    const history = {
      listActionExecutions: async (input: { pipelineName: string; nextToken?: string }) => {
        requests.push(input);
        return {
          actionExecutionDetails: [
            { status: 'Succeeded', input: { actionTypeId: { provider: 'CloudFormation' }, configuration: { StackName: 'prod-us-east-1-Platform' } } },
            { status: 'Failed', input: { actionTypeId: { provider: 'CloudFormation' }, configuration: { StackName: 'prod-us-east-2-Platform' } } },
          ],
        };
      },
    };
    const neverDeployed = neverDeployedFrom(history, 'cdk-delivery-pipeline', targets);
    const east1 = targets.filter((t) => t.stageId === 'prod-us-east-1');
    const east2 = targets.filter((t) => t.stageId === 'prod-us-east-2');
    // Each prod stage: Platform, Service, Assertions and its AuditReplica stack in the other region.
    expect([east1.length, east2.length]).toEqual([4, 4]);
    expect(await Promise.all([...east1, ...east2].map(neverDeployed))).toEqual([false, false, false, false, true, true, true, true]);
    expect(requests).toEqual([
      { pipelineName: 'cdk-delivery-pipeline', nextToken: undefined, maxResults: 100 },
      { pipelineName: 'cdk-delivery-pipeline', nextToken: undefined, maxResults: 100 },
    ]);
  });
});
