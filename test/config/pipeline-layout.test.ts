import { pipelineLayoutOf, STAGE_STACK_IDS, stageStacksOf } from '../../src/config/pipeline-layout';
import { PROD_DOMAIN, sampleConfig, sampleConfigWith } from '../support/test-app';

/**
 * What the delivery metrics and the drift check read of the config (src/config/pipeline-layout.ts).
 * test/synth/pipeline/delivery-metrics.test.ts checks the same names against the synthesized
 * pipeline; these pin them per config.
 */
const flat = (targets: ReturnType<typeof stageStacksOf>) => targets.map((t) => `${t.environment} ${t.stageId} ${t.stackName} ${t.account} ${t.region}`);

describe('pipelineLayoutOf', () => {
  test('the sample: the prod regions one at a time, its approval, and the bake after the first prod region', () => {
    expect(pipelineLayoutOf(sampleConfig())).toEqual({
      pipelineName: 'cdk-delivery-pipeline',
      prodStages: ['prod-us-east-1', 'prod-us-east-2'],
      approvals: [{ stage: 'Approve-prod', action: 'Approve-prod' }],
      bakes: [{ stage: 'prod-us-east-1', action: 'Service.Bake-prod-us-east-1' }],
    });
  });

  test('prod in parallel: one prod stage named by the environment, no bake; every approval in pipeline order', () => {
    const config = sampleConfigWith([
      { name: 'dev', account: '222222222222', regions: ['us-east-1'] },
      { name: 'test', account: '333333333333', regions: ['us-east-1'], requireApproval: true },
      { name: 'prod', account: '444444444444', regions: ['us-east-1', 'us-east-2'], production: true, requireApproval: true, rollout: 'parallel', resilience: 'independent', domain: PROD_DOMAIN },
    ]);
    expect(pipelineLayoutOf({ ...config, pipeline: { ...config.pipeline, name: 'other-pipeline' } })).toEqual({
      pipelineName: 'other-pipeline',
      prodStages: ['prod'],
      approvals: [{ stage: 'Approve-test', action: 'Approve-test' }, { stage: 'Approve-prod', action: 'Approve-prod' }],
      bakes: [],
    });
  });

  test('a bake for every wave with bake minutes, none for a wave with 0', () => {
    const prod = { name: 'prod', account: '444444444444', regions: ['us-east-1', 'us-east-2', 'us-west-2'], production: true, requireApproval: true, rollout: 'sequential', resilience: 'independent', domain: PROD_DOMAIN };
    expect(pipelineLayoutOf(sampleConfigWith([{ ...prod, bakeMinutes: 25 }])).bakes.map((b) => `${b.stage} ${b.action}`)).toEqual([
      'prod-us-east-1 Service.Bake-prod-us-east-1',
      'prod-us-east-2 Service.Bake-prod-us-east-2',
    ]);
    expect(pipelineLayoutOf(sampleConfigWith([{ ...prod, bakeMinutes: 0 }])).bakes).toEqual([]);
  });
});

describe('stageStacksOf', () => {
  test('every stage stack of the sample in pipeline order, then the prod audit copies in their other region', () => {
    expect(STAGE_STACK_IDS).toEqual(['Platform', 'Service', 'Assertions']);
    const stage = (env: string, id: string, account: string, region: string) =>
      STAGE_STACK_IDS.map((stack) => `${env} ${id} ${id}-${stack} ${account} ${region}`);
    expect(flat(stageStacksOf(sampleConfig()))).toEqual([
      ...stage('dev', 'dev-us-east-1', '222222222222', 'us-east-1'),
      ...stage('test', 'test-us-east-1', '333333333333', 'us-east-1'),
      ...stage('test', 'test-us-east-2', '333333333333', 'us-east-2'),
      ...stage('prod', 'prod-us-east-1', '444444444444', 'us-east-1'),
      ...stage('prod', 'prod-us-east-2', '444444444444', 'us-east-2'),
      'prod prod-us-east-1 prod-us-east-1-AuditReplica-us-east-2 444444444444 us-east-2',
      'prod prod-us-east-2 prod-us-east-2-AuditReplica-us-east-1 444444444444 us-east-1',
    ]);
  });

  test('one environment: only its stages; an environment the config does not have: none', () => {
    expect(flat(stageStacksOf(sampleConfig(), 'test'))).toEqual([
      ...STAGE_STACK_IDS.map((stack) => `test test-us-east-1 test-us-east-1-${stack} 333333333333 us-east-1`),
      ...STAGE_STACK_IDS.map((stack) => `test test-us-east-2 test-us-east-2-${stack} 333333333333 us-east-2`),
    ]);
    expect(flat(stageStacksOf(sampleConfig(), 'prod')).filter((t) => t.includes('AuditReplica'))).toHaveLength(2);
    expect(stageStacksOf(sampleConfig(), 'staging')).toEqual([]);
  });
});
