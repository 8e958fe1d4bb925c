import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pipelineShapeFromTemplate } from '../../../src/synth/pipeline-shape/pipeline-shape';
import { bundleCli } from '../../support/bundle-cli';
import { codeBuildActions } from '../../support/codebuild-actions';
import { runLikeCodeBuild } from '../../support/codebuild-shell';
import { synthPipeline } from '../../support/pipeline-fixture';
import { REPO_ROOT } from '../../support/repo-root';
import { sampleAssembly, SampleAssembly } from '../../support/sample-assembly';
import { PROD_DOMAIN, sampleConfigWith } from '../../support/test-app';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'bake');
const LOOKUP_ROLE = 'arn:aws:iam::444444444444:role/cdk-hnb659fds-lookup-role-444444444444-us-east-1';

/** Helpers over one pipeline template. */
function inspect(template: any) {
  const resources: Record<string, any> = template.Resources;
  const [pipeline] = Object.values(resources).filter((r: any) => r.Type === 'AWS::CodePipeline::Pipeline') as any[];
  const stages: any[] = pipeline.Properties.Stages;
  const bakes = stages.flatMap((s) => s.Actions.filter((a: any) => /^Bake-/.test(a.Name)).map((a: any) => ({ stage: s, action: a })));
  const { projectOf, commandsOf, statementsOf } = codeBuildActions(resources);
  return { pipeline, stages, bakes, projectOf, commandsOf, statementsOf };
}

describe('the bake between prod regions, on the synthesized sample pipeline', () => {
  let sample: SampleAssembly;
  let p: ReturnType<typeof inspect>;
  beforeAll(() => {
    sample = sampleAssembly();
    p = inspect(sample.pipelineTemplate.toJSON());
  });

  test('exactly one bake: last in the first prod region\'s stage, after its assertions, before the second region\'s stage', () => {
    expect(p.bakes.map((b) => `${b.stage.Name}/${b.action.Name}`)).toEqual(['prod-us-east-1/Bake-prod-us-east-1']);
    const [{ stage, action }] = p.bakes;
    const others = stage.Actions.filter((a: any) => a !== action);
    const assertions = others.find((a: any) => a.Configuration?.StackName === 'prod-us-east-1-Assertions');
    expect(assertions).toBeDefined();
    // After every other action of the stage (deploys, assertions, termination protection)...
    for (const a of others) expect(action.RunOrder).toBeGreaterThan(a.RunOrder);
    // ...and the next stage is the second region's.
    const names = p.stages.map((s) => s.Name);
    expect(names.indexOf('prod-us-east-2')).toBe(names.indexOf('prod-us-east-1') + 1);
  });

  test('it costs exactly one sequential slot: 19 for the sample (budget 20)', () => {
    const [{ stage, action }] = p.bakes;
    expect(stage.Actions.filter((a: any) => a.RunOrder === action.RunOrder)).toEqual([action]);
    expect(pipelineShapeFromTemplate(sample.pipelineTemplate.toJSON(), 'us-east-1').totals.sequentialSlots).toBe(19);
  });

  test('it reads the alarms through the prod account\'s read-only lookup role of that region, and may assume nothing else', () => {
    const [{ action }] = p.bakes;
    const commands = p.commandsOf(action);
    expect(commands.slice(0, 3)).toEqual([
      `aws configure set profile.bake-target.role_arn ${LOOKUP_ROLE}`,
      'aws configure set profile.bake-target.credential_source EcsContainer',
      'aws configure set profile.bake-target.role_session_name bake-prod-us-east-1',
    ]);
    const statements = p.statementsOf(action);
    const assume = statements.filter((s: any) => [s.Action].flat().includes('sts:AssumeRole'));
    expect(assume).toEqual([expect.objectContaining({ Effect: 'Allow', Resource: LOOKUP_ROLE })]);
    const state = statements.filter((s: any) => [s.Action].flat().includes('codepipeline:GetPipelineState'));
    expect(state).toEqual([expect.objectContaining({ Effect: 'Allow', Resource: 'arn:aws:codepipeline:us-east-1:111111111111:cdk-delivery-pipeline' })]);
    // Nothing that writes in another account, no CloudFormation, no wildcard role.
    const actions = statements.flatMap((s: any) => [s.Action].flat());
    expect(actions.filter((a: string) => /^(cloudformation|iam|cloudwatch):/.test(a))).toEqual([]);
  });

  test('it watches the stage\'s AlarmNames output for bakeMinutes (10), with a CodeBuild timeout longer than the bake', () => {
    const [{ stage, action }] = p.bakes;
    const service = stage.Actions.find((a: any) => a.Configuration?.StackName === 'prod-us-east-1-Service');
    expect(service.Namespace).toBeDefined();
    expect(JSON.parse(action.Configuration.EnvironmentVariables)).toEqual([
      { name: 'ALARM_NAMES', type: 'PLAINTEXT', value: `#{${service.Namespace}.AlarmNames}` },
    ]);
    const manifestStage = sample.stages.find((s) => s.name === 'prod-us-east-1')!;
    expect(Object.keys(manifestStage.stacks.Service.template.Outputs)).toContain('AlarmNames');
    const [, , , bake] = p.commandsOf(action);
    expect(bake).toBe('node .delivery-tools/bake/bake-cli.js --alarm-names "$ALARM_NAMES" --region us-east-1 --minutes 10 --poll-seconds 30 '
      + '--profile bake-target --pipeline cdk-delivery-pipeline --stage prod-us-east-1 --pipeline-region us-east-1');
    expect(p.projectOf(action).Properties.TimeoutInMinutes).toBe(25);
    expect(p.projectOf(action).Properties.TimeoutInMinutes).toBeGreaterThan(10);
  });

  test('it runs on the synth output (the bundled bake CLI travels in cdk.out/.delivery-tools)', () => {
    const [{ action }] = p.bakes;
    const build = p.stages.find((s) => s.Name === 'Build').Actions[0];
    expect(action.InputArtifacts).toEqual(build.OutputArtifacts);
  });

  describe('its commands, run like CodeBuild against a stub AWS CLI', () => {
    let work: string;
    let commands: string[];
    beforeAll(() => {
      commands = p.commandsOf(p.bakes[0].action);
      work = fs.mkdtempSync(path.join(os.tmpdir(), 'bake-step-'));
      fs.mkdirSync(path.join(work, '.delivery-tools', 'bake'), { recursive: true });
      fs.copyFileSync(bundleCli(path.join(REPO_ROOT, 'src', 'codebuild', 'bake', 'bake-cli.ts')), path.join(work, '.delivery-tools', 'bake', 'bake-cli.js'));
    });

    function run(recording: string, stageType = 'STANDARD', alarmNames?: string) {
      const rec = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${recording}.json`), 'utf8'));
      const bin = fs.mkdtempSync(path.join(work, 'bin-'));
      const log = path.join(bin, 'calls.log');
      // The rendered command bakes 10 real minutes: serve the recording's first read with an
      // alarm in ALARM (else its first read), so every case here ends at the first read.
      const reads = rec.calls.filter((c: any) => c.response).map((c: any) => c.response);
      const served = reads.find((r: any) => r.MetricAlarms.some((a: any) => a.StateValue === 'ALARM')) ?? reads[0];
      fs.writeFileSync(path.join(bin, 'alarms.json'), JSON.stringify(served));
      fs.writeFileSync(path.join(bin, 'state.json'), JSON.stringify({ stageStates: [{ stageName: 'prod-us-east-1', latestExecution: { status: 'InProgress', type: stageType } }] }));
      fs.writeFileSync(path.join(bin, 'aws'), `#!/usr/bin/env bash
echo "aws $*" >> "${log}"
case "$*" in
  configure*) ;;
  *describe-alarms*) cat "${bin}/alarms.json" ;;
  *get-pipeline-state*) cat "${bin}/state.json" ;;
  *) exit 2 ;;
esac
`, { mode: 0o755 });
      // Only failing cases and the rollback skip run through the rendered commands (a passing
      // bake would take its 10 minutes); src/codebuild/bake's tests cover the passing ones on a fake clock.
      const result = runLikeCodeBuild(commands, { cwd: work, env: { PATH: `${bin}:${process.env.PATH}`, ALARM_NAMES: alarmNames ?? rec.alarmNames.join(',') } });
      return { ...result, calls: fs.readFileSync(log, 'utf8').trim().split('\n') };
    }

    test('an alarm in ALARM fails the action, through the lookup-role profile in the stage region', () => {
      const r = run('alarm-midway');
      expect(r.status).not.toBe(0);
      expect(r.output).toMatch(/Bake FAILED in us-east-1: .*MonitoringErrors5xx/);
      expect(r.calls.find((c) => c.includes('describe-alarms'))).toMatch(/^aws --profile bake-target --region us-east-1 cloudwatch describe-alarms /);
    });

    test('a missing alarm fails the action', () => {
      expect(run('missing-alarm').status).not.toBe(0);
    });

    test('an empty AlarmNames value fails the action instead of watching nothing', () => {
      expect(run('all-ok', 'STANDARD', '').status).not.toBe(0);
    });

    test('in a ROLLBACK execution of the stage it passes without reading the alarms', () => {
      const r = run('alarm-midway', 'ROLLBACK');
      expect(r.status).toBe(0);
      expect(r.calls.some((c) => c.includes('describe-alarms'))).toBe(false);
    });
  });
});

describe('stage rollback on failure, on the synthesized sample pipeline', () => {
  let p: ReturnType<typeof inspect>;
  beforeAll(() => {
    p = inspect(sampleAssembly().pipelineTemplate.toJSON());
  });

  test('every stage that deploys stacks rolls back on failure; Source, Build, UpdatePipeline, Assets, SupplyChain and the approval do not', () => {
    const deploys = (s: any) => s.Actions.some((a: any) => a.ActionTypeId.Category === 'Deploy' && a.ActionTypeId.Provider === 'CloudFormation');
    const rollback = p.stages.filter((s) => s.OnFailure).map((s) => s.Name);
    expect(rollback).toEqual(p.stages.filter(deploys).map((s) => s.Name));
    expect(rollback).toEqual(['dev-us-east-1', 'test', 'prod-us-east-1', 'prod-us-east-2']);
    for (const s of p.stages.filter((x) => x.OnFailure)) expect(s.OnFailure).toEqual({ Result: 'ROLLBACK' });
    expect(p.stages.filter((s) => !s.OnFailure).map((s) => s.Name)).toEqual(['Source', 'Build', 'UpdatePipeline', 'Assets', 'SupplyChain', 'Approve-prod']);
  });

  test('no stage that rolls back holds a manual approval or the change report (a rollback runs its stage\'s actions again)', () => {
    for (const s of p.stages.filter((x) => x.OnFailure)) {
      expect(s.Actions.filter((a: any) => a.ActionTypeId.Category === 'Approval' || /^ChangeReport-/.test(a.Name))).toEqual([]);
    }
  });

  test('the pipeline is V2 and not in PARALLEL mode (CodePipeline refuses rollback conditions there)', () => {
    expect(p.pipeline.Properties.PipelineType).toBe('V2');
    expect([undefined, 'SUPERSEDED', 'QUEUED']).toContain(p.pipeline.Properties.ExecutionMode);
  });
});

describe('bake and rollback for other configs', () => {
  const prod = (over: Record<string, unknown>) => ({
    name: 'prod',
    account: '444444444444',
    regions: ['us-east-1', 'us-east-2'],
    production: true,
    requireApproval: true,
    rollout: 'sequential',
    domain: PROD_DOMAIN,
    ...over,
  });
  const synth = (environments: unknown[]) => inspect(synthPipeline(sampleConfigWith(environments)).template.toJSON());

  test('bakeMinutes 0: no bake, and the stages still roll back', () => {
    const p = synth([prod({ bakeMinutes: 0 })]);
    expect(p.bakes).toEqual([]);
    expect(p.stages.filter((s) => s.OnFailure).map((s) => s.Name)).toEqual(['prod-us-east-1', 'prod-us-east-2']);
  });

  test('three regions rolled out one at a time: a bake after each region but the last, with the configured minutes', () => {
    const p = synth([prod({ regions: ['us-east-1', 'us-east-2', 'us-west-2'], bakeMinutes: 25, resilience: 'independent' })]);
    expect(p.bakes.map((b) => `${b.stage.Name}/${b.action.Name}`)).toEqual(['prod-us-east-1/Bake-prod-us-east-1', 'prod-us-east-2/Bake-prod-us-east-2']);
    const second = p.bakes[1].action;
    expect(p.commandsOf(second)[3]).toMatch(/--region us-east-2 --minutes 25 .* --stage prod-us-east-2 /);
    expect(p.projectOf(second).Properties.TimeoutInMinutes).toBe(40);
    expect(p.commandsOf(second)[0]).toBe('aws configure set profile.bake-target.role_arn arn:aws:iam::444444444444:role/cdk-hnb659fds-lookup-role-444444444444-us-east-2');
  });

  test('regions rolled out in parallel, or a single region: nothing to bake between', () => {
    expect(synth([prod({ rollout: 'parallel', resilience: 'independent' })]).bakes).toEqual([]);
    expect(synth([prod({ regions: ['us-east-1'] })]).bakes).toEqual([]);
  });

  test('no bake across environments: dev then prod, each one region, does not bake dev', () => {
    const p = synth([{ name: 'dev', account: '222222222222', regions: ['us-east-1'], bakeMinutes: 30 }, prod({ regions: ['us-east-2'] })]);
    expect(p.bakes).toEqual([]);
  });
});
