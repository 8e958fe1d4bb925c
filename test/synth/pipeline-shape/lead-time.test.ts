import * as fs from 'fs';
import * as path from 'path';
import { actionTime, defaultPipelineShape, leadTimeOf, MODEL, OVERHEAD, renderLeadTime } from '../../../src/synth/pipeline-shape/lead-time';
import { ecsWaitMinutesOf, pipelineShapeFromTemplate, readAssemblyFacts } from '../../../src/synth/pipeline-shape/pipeline-shape';
import { LEAD_TIME_BLOCK, readBlock } from '../../../src/synth/pipeline-shape/render-pipeline';
import { REPO_ROOT } from '../../support/repo-root';
import { sampleAssembly } from '../../support/sample-assembly';

describe('the lead-time model on the sample pipeline', () => {
  const sample = sampleAssembly();
  const shape = pipelineShapeFromTemplate(sample.pipeline.template, 'us-east-1');
  const facts = readAssemblyFacts(sample.directory);
  const ours = leadTimeOf(shape, facts);
  const defaults = defaultPipelineShape(shape, facts);
  const theirs = leadTimeOf(defaults, facts);

  test('the deliberate waits are read from the pipeline: the prod canary and its bake from the Service templates, the bake between regions from its action', () => {
    // Canary 10 minutes + bake 10 minutes, in each prod region; dev and test roll.
    expect(facts.ecsWaitMinutes).toMatchObject({ 'prod-us-east-1-Service': 20, 'prod-us-east-2-Service': 20, 'dev-us-east-1-Service': 0 });
    expect(ours.waits).toEqual({ canary: 40 * 60, bake: 10 * 60 });
    // The approval is on the path, counted, never estimated.
    expect(ours.approvals).toBe(1);
    expect(ours.totalSeconds).toBe(ours.overheadSeconds + ours.waitSeconds);
  });

  test('every second of overhead is in a bucket, and the buckets add up', () => {
    expect(Object.keys(ours.overhead)).toEqual([...OVERHEAD]);
    expect(OVERHEAD.reduce((a, o) => a + ours.overhead[o], 0)).toBe(ours.overheadSeconds);
    // Five compute actions on the critical path: synth, self-mutation, the image gate, the report, the bake.
    expect(ours.overhead.provisioning).toBe(5 * MODEL.provisioning.seconds);
  });

  test('the default CDK Pipeline of the same waves: change sets, one action per asset, the approval in the prod stage, none of the gates', () => {
    expect(defaults.totals).toMatchObject({
      sequentialSlots: 28, codeBuildActions: 2 + facts.fileAssets + 1, commandsActions: 0, cloudFormationActions: 34, approvals: 1,
    });
    const prod = defaults.stages.find((s) => s.name === 'prod-us-east-1')!;
    expect(prod.actions.map((a) => `${a.runOrder} ${a.name}`)).toEqual([
      // The audit copy in the other region deploys beside the Platform stack (no dependency between them).
      '1 PromoteToProd', '2 AuditReplica-us-east-2.Prepare', '3 AuditReplica-us-east-2.Deploy', '2 Platform.Prepare', '3 Platform.Deploy', '4 Service.Prepare', '5 Service.Deploy', '6 Assertions.Prepare', '7 Assertions.Deploy',
    ]);
    expect(defaults.stages.map((s) => s.name)).not.toContain('Approve-prod');
    expect(theirs.waits).toEqual({ canary: 40 * 60, bake: 0 });
  });

  test('this pipeline spends less overhead than the default; its only time above it is the deliberate bake', () => {
    expect(ours.overheadSeconds).toBeLessThan(theirs.overheadSeconds);
    expect(ours.totalSeconds - ours.waits.bake).toBeLessThan(theirs.totalSeconds);
    expect({ ours: ours.totalSeconds, theirs: theirs.totalSeconds, overhead: ours.overheadSeconds })
      .toEqual({ ours: 5100, theirs: 4766, overhead: 2100 });
  });

  test('docs/performance.md holds the model as pipeline:report prints it now', () => {
    const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'performance.md'), 'utf8');
    // Out of date? Run `npx projen synth && npx projen pipeline:report`.
    expect(readBlock(doc, LEAD_TIME_BLOCK)).toBe(renderLeadTime(ours, theirs, { ours: shape, defaults }));
    expect(renderLeadTime(ours, theirs, { ours: shape, defaults })).toMatch(/^Deliberate waits$[\s\S]*^Overhead$/m);
  });
});

describe('the model of single actions', () => {
  const facts = { ecsWaitMinutes: { 'p-Service': 20 }, fileAssets: 2 };
  test('a Service deploy: the rollout is overhead, the canary a deliberate wait; a manual approval is a person', () => {
    expect(actionTime({ name: 'Service.Deploy', category: 'Deploy', provider: 'CloudFormation', runOrder: 2, stackName: 'p-Service' }, facts))
      .toEqual({ overhead: { deploys: MODEL.serviceDeploy.seconds }, waits: { canary: 1200 } });
    expect(actionTime({ name: 'Approve-prod', category: 'Approval', provider: 'Manual', runOrder: 2 }, facts)).toEqual({ overhead: {}, waits: {}, approval: true });
    expect(actionTime({ name: 'Service.Bake-x', category: 'Compute', provider: 'Commands', runOrder: 3, commands: ['node bake-cli.js --minutes 7'] }, facts).waits).toEqual({ bake: 420 });
  });

  test('the ECS waits of each deployment strategy', () => {
    expect(ecsWaitMinutesOf({ Strategy: 'ROLLING' })).toBe(0);
    expect(ecsWaitMinutesOf({ Strategy: 'CANARY', CanaryConfiguration: { CanaryBakeTimeInMinutes: 10 }, BakeTimeInMinutes: 5 })).toBe(15);
    expect(ecsWaitMinutesOf({ Strategy: 'LINEAR', LinearConfiguration: { StepPercent: 25, StepBakeTimeInMinutes: 5 }, BakeTimeInMinutes: 10 })).toBe(3 * 5 + 10);
    expect(ecsWaitMinutesOf({ Strategy: 'BLUE_GREEN', BakeTimeInMinutes: 15 })).toBe(15);
    expect(ecsWaitMinutesOf(undefined)).toBe(0);
  });
});
