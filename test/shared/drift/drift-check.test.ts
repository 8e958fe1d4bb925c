import { loadConfig, SAMPLE_CONFIG_PATH } from '../../../src/config/load-config';
import { stageStacksOf } from '../../../src/config/pipeline-layout';
import { checkDrift, DriftTarget } from '../../../src/shared/drift/drift-check';
import { driftCounts, driftPassed, formatDriftReport } from '../../../src/shared/drift/drift-report';
import { EXPECTED_DIFFERENCES } from '../../../src/shared/drift/expected-differences';
import { isFullSentence } from '../../../src/shared/full-sentence';
import { recordedDriftApi } from '../../support/drift-responses';
import { fakeClock } from '../../support/fake-clock';

const config = loadConfig(SAMPLE_CONFIG_PATH);
const prod = stageStacksOf(config, 'prod');

describe('drift detection on recorded responses', () => {
  test('a drifted stack: the hand-made changes are drift, the weights ECS switched are expected', async () => {
    const { clients, calls } = recordedDriftApi({ 'prod-us-east-1-Platform': 'drifted-platform' });
    const clock = fakeClock();
    const [result] = await checkDrift([prod[0]], { cloudFormation: clients, pollMs: 5000, timeoutMs: 60_000, ...clock.options });
    expect(result.status).toBe('drifted');
    expect(result.drifted.map((d) => `${d.status} ${d.logicalId} ${d.differences.map((x) => x.path).join(',')}`)).toEqual([
      'MODIFIED EdgeLoadBalancerSecurityGroup9C3A1E2F /SecurityGroupIngress/2',
      'DELETED DataLogsBucketPolicy4D2E8B11 ',
    ]);
    expect(result.expected.map((d) => d.logicalId)).toEqual(['EdgeTrafficSwitchProductionRule5A1F3C2B']);
    // One poll while in progress (5 s), then complete; both pages of drifts, MODIFIED and DELETED only.
    expect(clock.sleeps).toEqual([5000]);
    expect(calls.map((c) => c.op)).toEqual(['DetectStackDrift', 'DescribeStackDriftDetectionStatus', 'DescribeStackDriftDetectionStatus', 'DescribeStackResourceDrifts', 'DescribeStackResourceDrifts']);
    expect(calls[3].input).toEqual({ StackName: 'prod-us-east-1-Platform', StackResourceDriftStatusFilters: ['MODIFIED', 'DELETED'], NextToken: undefined });
    expect(calls.every((c) => c.where === '444444444444/us-east-1')).toBe(true);
    const report = formatDriftReport([result]);
    expect(report).toContain('DRIFTED      prod-us-east-1-Platform (444444444444/us-east-1)');
    expect(report).toContain('      /SecurityGroupIngress/2: ADD template (none) -> deployed {"CidrIp":"0.0.0.0/0","FromPort":22,"IpProtocol":"tcp","ToPort":22}');
    expect(report).toContain('    expected: EdgeTrafficSwitchProductionRule5A1F3C2B /Actions/0/ForwardConfig/TargetGroups/0/Weight (ECS native blue/green');
  });

  test('a clean stack: only the desired count autoscaling moved, so it is in sync for the project', async () => {
    const { clients } = recordedDriftApi({ 'prod-us-east-1-Service': 'clean-service', 'prod-us-east-1-Assertions': 'in-sync-assertions' });
    const results = await checkDrift([prod[1], prod[2]], { cloudFormation: clients, pollMs: 1, timeoutMs: 1000, ...fakeClock().options });
    expect(results.map((r) => r.status)).toEqual(['in-sync', 'in-sync']);
    expect(results[0].expected[0].differences[0]).toMatchObject({ path: '/DesiredCount', expected: '2', actual: '4' });
    expect(driftPassed(results)).toBe(true);
  });

  test('fails closed: a failed detection, a detection that never ends and an API error leave the stack unchecked; a missing stack is not deployed', async () => {
    const { clients } = recordedDriftApi({ 'prod-us-east-2-Service': 'detection-failed', 'prod-us-east-1-Platform': 'drifted-platform' });
    const never = recordedDriftApi({});
    const results = await checkDrift([prod[4], prod[5]], { cloudFormation: clients, pollMs: 1000, timeoutMs: 10_000, ...fakeClock().options });
    expect(results.map((r) => [r.status, r.reason])).toEqual([
      ['unchecked', expect.stringMatching(/^the detection failed: Failed to detect drift on resource \[PreTrafficHookFunction\].*kms:Decrypt/)],
      ['not-deployed', undefined],
    ]);
    const stuck = {
      detectStackDrift: async () => ({ StackDriftDetectionId: 'x' }),
      describeStackDriftDetectionStatus: async () => ({ DetectionStatus: 'DETECTION_IN_PROGRESS' }),
      describeStackResourceDrifts: async () => ({}),
    };
    const clock = fakeClock();
    const [timedOut] = await checkDrift([prod[0]], { cloudFormation: () => stuck, pollMs: 5000, timeoutMs: 20_000, ...clock.options });
    expect(timedOut).toMatchObject({ status: 'unchecked', reason: 'the detection was still running after 20 s' });
    const denied = { ...stuck, detectStackDrift: async () => { throw Object.assign(new Error('not authorized to perform: cloudformation:DetectStackDrift'), { name: 'AccessDenied' }); } };
    const [refused] = await checkDrift([prod[0]], { cloudFormation: () => denied, pollMs: 1, timeoutMs: 1, ...clock.options });
    expect(refused).toMatchObject({ status: 'unchecked', reason: 'DetectStackDrift failed: AccessDenied: not authorized to perform: cloudformation:DetectStackDrift' });
    expect(driftPassed([refused])).toBe(false);
    expect(never.calls).toEqual([]);
  });

  test('a stage role STS refuses: not deployed only when the pipeline never deployed the stage, otherwise unchecked', async () => {
    const role = 'arn:aws:iam::444444444444:role/prod-us-east-1-pipeline-drift';
    const refused = {
      detectStackDrift: async () => {
        throw Object.assign(new Error(`User: arn:aws:sts::111111111111:assumed-role/DeliveryPipeline-drift-stages/x is not authorized to perform: sts:AssumeRole on resource: ${role}`), { name: 'AccessDenied' });
      },
      describeStackDriftDetectionStatus: async () => ({}),
      describeStackResourceDrifts: async () => ({}),
    };
    const target = { ...prod[0], roleArn: role };
    const asked: string[] = [];
    const options = (never: boolean) => ({
      cloudFormation: () => refused,
      pollMs: 1,
      timeoutMs: 1,
      ...fakeClock().options,
      neverDeployed: async (t: DriftTarget) => { asked.push(t.stageId); return never; },
    });
    const [first] = await checkDrift([target], options(true));
    expect(first).toMatchObject({ status: 'not-deployed', reason: `${role} cannot be assumed and the pipeline never deployed stage prod-us-east-1` });
    const [broken] = await checkDrift([target], options(false));
    expect(broken).toMatchObject({ status: 'unchecked', reason: expect.stringMatching(/^DetectStackDrift failed: AccessDenied: .*sts:AssumeRole/) });
    expect(driftPassed([broken])).toBe(false);
    // A history that cannot be read counts as deployed (fail closed).
    const [unknown] = await checkDrift([target], { ...options(true), neverDeployed: async () => { throw new Error('throttled'); } });
    expect(unknown.status).toBe('unchecked');
    expect(asked).toEqual(['prod-us-east-1', 'prod-us-east-1']);
  });

  test('the stage stacks of the sample: 5 stages x Platform, Service, Assertions, each in its account and region, then the prod audit copies', () => {
    expect(stageStacksOf(config)).toHaveLength(17);
    expect(stageStacksOf(config).slice(15).map((s) => `${s.stackName} ${s.account}/${s.region}`)).toEqual([
      'prod-us-east-1-AuditReplica-us-east-2 444444444444/us-east-2', 'prod-us-east-2-AuditReplica-us-east-1 444444444444/us-east-1',
    ]);
    expect(prod.slice(0, 6).map((s) => `${s.stackName} ${s.account}/${s.region}`)).toEqual([
      'prod-us-east-1-Platform 444444444444/us-east-1', 'prod-us-east-1-Service 444444444444/us-east-1', 'prod-us-east-1-Assertions 444444444444/us-east-1',
      'prod-us-east-2-Platform 444444444444/us-east-2', 'prod-us-east-2-Service 444444444444/us-east-2', 'prod-us-east-2-Assertions 444444444444/us-east-2',
    ]);
    expect(driftCounts([])).toEqual({ checked: 0, drifted: 0, unchecked: 0, notDeployed: 0 });
  });

  test('every expected difference says why in a full sentence', () => {
    expect(EXPECTED_DIFFERENCES.length).toBeGreaterThan(0);
    for (const d of EXPECTED_DIFFERENCES) expect({ type: d.resourceType, ok: isFullSentence(d.reason) }).toEqual({ type: d.resourceType, ok: true });
  });
});
