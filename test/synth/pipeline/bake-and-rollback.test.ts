import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MAX_BAKE_MINUTES } from '../../../src/config/schema';
import { BAKE_TIMEOUT_MARGIN_MINUTES, MAX_COMMANDS_BAKE_MINUTES } from '../../../src/synth/pipeline/steps/bake-step';
import { COMMANDS_ACTION_LIMITS } from '../../../src/synth/pipeline/steps/commands-step';
import { pipelineShapeFromTemplate } from '../../../src/synth/pipeline-shape/pipeline-shape';
import { BUDGETS } from '../../../src/terminal/bench/budgets';
import { bundleCli } from '../../support/bundle-cli';
import { runLikeCodeBuild } from '../../support/codebuild-shell';
import { commandsActions, NODE_SWITCH } from '../../support/commands-actions';
import { synthPipeline } from '../../support/pipeline-fixture';
import { REPO_ROOT } from '../../support/repo-root';
import { sampleAssembly, SampleAssembly } from '../../support/sample-assembly';
import { PROD_DOMAIN, sampleConfigWith } from '../../support/test-app';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'bake');
const BAKE_ROLE = 'arn:aws:iam::444444444444:role/prod-us-east-1-pipeline-bake';

/** Helpers over one pipeline template. */
function inspect(template: any) {
  const resources: Record<string, any> = template.Resources;
  const [pipeline] = Object.values(resources).filter((r: any) => r.Type === 'AWS::CodePipeline::Pipeline') as any[];
  const stages: any[] = pipeline.Properties.Stages;
  const bakes = stages.flatMap((s) => s.Actions.filter((a: any) => /(^|\.)Bake-/.test(a.Name)).map((a: any) => ({ stage: s, action: a })));
  const { commandsOf, environmentOf, roleOf, statementsOf } = commandsActions(resources);
  return { pipeline, stages, bakes, commandsOf, environmentOf, roleOf, statementsOf };
}

describe('the bake between prod regions, on the synthesized sample pipeline', () => {
  let sample: SampleAssembly;
  let p: ReturnType<typeof inspect>;
  beforeAll(() => {
    sample = sampleAssembly();
    p = inspect(sample.pipelineTemplate.toJSON());
  });

  test('exactly one bake: in the first prod region\'s stage, once its Service stack is deployed, beside its assertions, before the second region\'s stage', () => {
    expect(p.bakes.map((b) => `${b.stage.Name}/${b.action.Name}`)).toEqual(['prod-us-east-1/Service.Bake-prod-us-east-1']);
    const [{ stage, action }] = p.bakes;
    const byStack = (name: string) => stage.Actions.find((a: any) => a.Configuration?.StackName === `prod-us-east-1-${name}`);
    expect(action.ActionTypeId).toEqual({ Category: 'Compute', Owner: 'AWS', Provider: 'Commands', Version: '1' });
    // After the Platform and Service deploys, in the Assertions deploy's slot: the stage passes
    // only when the bake, the assertions and the protection all passed.
    expect(action.RunOrder).toBeGreaterThan(byStack('Service').RunOrder);
    expect(action.RunOrder).toBe(byStack('Assertions').RunOrder);
    expect(Math.max(...stage.Actions.map((a: any) => a.RunOrder))).toBe(action.RunOrder);
    // ...and the next stage is the second region's.
    const names = p.stages.map((s) => s.Name);
    expect(names.indexOf('prod-us-east-2')).toBe(names.indexOf('prod-us-east-1') + 1);
  });

  test('it costs no sequential slot: 17 for the sample (budget 17)', () => {
    expect(pipelineShapeFromTemplate(sample.pipelineTemplate.toJSON(), 'us-east-1').totals.sequentialSlots).toBe(17);
    expect(BUDGETS.sequentialSlots).toBe(17);
  });

  test('it reads the alarms through the stage\'s bake role, which only its own role may assume and which may only read the stage\'s alarms', () => {
    const [{ action }] = p.bakes;
    const commands = p.commandsOf(action);
    expect(commands[0]).toMatch(NODE_SWITCH);
    expect(commands.slice(1, 4)).toEqual([
      `aws configure set profile.bake-target.role_arn ${BAKE_ROLE}`,
      'aws configure set profile.bake-target.credential_source EcsContainer',
      'aws configure set profile.bake-target.role_session_name bake-prod-us-east-1',
    ]);
    expect(p.roleOf(action).Properties.RoleName).toBe('DeliveryPipeline-bake-prod-us-east-1');
    const statements = p.statementsOf(action);
    const assume = statements.filter((s: any) => [s.Action].flat().includes('sts:AssumeRole'));
    expect(assume).toEqual([expect.objectContaining({ Effect: 'Allow', Resource: BAKE_ROLE })]);
    const state = statements.filter((s: any) => [s.Action].flat().includes('codepipeline:GetPipelineState'));
    expect(state).toEqual([expect.objectContaining({ Effect: 'Allow', Resource: 'arn:aws:codepipeline:us-east-1:111111111111:cdk-delivery-pipeline' })]);
    // Nothing that writes in another account, no CloudFormation, no wildcard role.
    const actions = statements.flatMap((s: any) => [s.Action].flat());
    expect(actions.filter((a: string) => /^(cloudformation|iam|cloudwatch|codebuild):/.test(a))).toEqual([]);
    // The prod side: trusts exactly that role, reads exactly that stage's alarms.
    const platform = sample.stages.find((s) => s.name === 'prod-us-east-1')!.stacks.Platform.template;
    const [role] = Object.values(platform.Resources as Record<string, any>).filter((r) => r.Properties?.RoleName === 'prod-us-east-1-pipeline-bake');
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({ ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/DeliveryPipeline-bake-prod-us-east-1' } });
    expect(role.Properties.Policies.flatMap((x: any) => x.PolicyDocument.Statement)).toEqual([
      { Sid: 'ReadStageAlarms', Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms', Resource: 'arn:aws:cloudwatch:us-east-1:444444444444:alarm:prod-us-east-1-*' },
    ]);
    // Only the baked region has a bake role.
    const second = sample.stages.find((s) => s.name === 'prod-us-east-2')!.stacks.Platform.template;
    expect(Object.values(second.Resources as Record<string, any>).filter((r) => r.Properties?.RoleName === 'prod-us-east-2-pipeline-bake')).toEqual([]);
  });

  test('it watches the stage\'s AlarmNames output for bakeMinutes (10), within the Commands action\'s 55 minutes', () => {
    const [{ stage, action }] = p.bakes;
    const service = stage.Actions.find((a: any) => a.Configuration?.StackName === 'prod-us-east-1-Service');
    expect(service.Namespace).toBeDefined();
    expect(action.EnvironmentVariables).toEqual([
      { Name: 'ALARM_NAMES', Type: 'PLAINTEXT', Value: `#{${service.Namespace}.AlarmNames}` },
    ]);
    const manifestStage = sample.stages.find((s) => s.name === 'prod-us-east-1')!;
    expect(Object.keys(manifestStage.stacks.Service.template.Outputs)).toContain('AlarmNames');
    const bake = p.commandsOf(action)[4];
    expect(bake).toBe('node .delivery-tools/bake/bake-cli.js --alarm-names "$ALARM_NAMES" --region us-east-1 --minutes 10 --poll-seconds 30 '
      + '--profile bake-target --pipeline cdk-delivery-pipeline --stage prod-us-east-1 --pipeline-region us-east-1');
    expect(10 + BAKE_TIMEOUT_MARGIN_MINUTES).toBeLessThanOrEqual(COMMANDS_ACTION_LIMITS.timeoutMinutes);
    // The config's ceiling is exactly what one Commands action holds.
    expect(MAX_BAKE_MINUTES).toBe(MAX_COMMANDS_BAKE_MINUTES);
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
      // The image's \`n\` (switching to the installed Node.js 24): here Node.js 24 already runs the tests.
      fs.writeFileSync(path.join(bin, 'n'), `#!/usr/bin/env bash
[ "$1" = --offline ] && [ "$2" = 24.14.0 ] || exit 3
`, { mode: 0o755 });
      // Only failing cases and the rollback skip run through the rendered commands (a passing
      // bake would take its 10 minutes); src/codebuild/bake's tests cover the passing ones on a fake clock.
      const result = runLikeCodeBuild(commands, { cwd: work, env: { PATH: `${bin}:${process.env.PATH}`, NODE_24_VERSION: '24.14.0', ALARM_NAMES: alarmNames ?? rec.alarmNames.join(',') } });
      return { ...result, calls: fs.readFileSync(log, 'utf8').trim().split('\n') };
    }

    test('an alarm in ALARM fails the action, through the bake-role profile in the stage region', () => {
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

  test('every stage that deploys stacks rolls back on failure; Source, Build and the approval do not', () => {
    const deploys = (s: any) => s.Actions.some((a: any) => a.ActionTypeId.Category === 'Deploy' && a.ActionTypeId.Provider === 'CloudFormation');
    const rollback = p.stages.filter((s) => s.OnFailure?.Result === 'ROLLBACK').map((s) => s.Name);
    expect(rollback).toEqual(p.stages.filter(deploys).map((s) => s.Name));
    expect(rollback).toEqual(['dev-us-east-1', 'test', 'prod-us-east-1', 'prod-us-east-2']);
    for (const s of p.stages.filter((x) => x.OnFailure?.Result === 'ROLLBACK')) expect(s.OnFailure).toEqual({ Result: 'ROLLBACK' });
    expect(p.stages.filter((s) => !s.OnFailure).map((s) => s.Name)).toEqual(['Source', 'Build', 'Approve-prod']);
  });

  test('only self-mutation and the asset stage retry, once and only their failed actions; no stage that rolls back or holds an approval retries', () => {
    const retry = p.stages.filter((s) => s.OnFailure?.Result === 'RETRY');
    expect(retry.map((s) => s.Name)).toEqual(['UpdatePipeline', 'Assets']);
    for (const s of retry) {
      expect(s.OnFailure).toEqual({ Result: 'RETRY', RetryConfiguration: { RetryMode: 'FAILED_ACTIONS' } });
      expect(s.Actions.filter((a: any) => a.ActionTypeId.Category === 'Approval' || a.ActionTypeId.Provider === 'CloudFormation')).toEqual([]);
    }
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
    expect(p.stages.filter((s) => s.OnFailure?.Result === 'ROLLBACK').map((s) => s.Name)).toEqual(['prod-us-east-1', 'prod-us-east-2']);
  });

  test('three regions rolled out one at a time: a bake after each region but the last, with the configured minutes', () => {
    const p = synth([prod({ regions: ['us-east-1', 'us-east-2', 'us-west-2'], bakeMinutes: 25, resilience: 'independent' })]);
    expect(p.bakes.map((b) => `${b.stage.Name}/${b.action.Name}`)).toEqual(['prod-us-east-1/Service.Bake-prod-us-east-1', 'prod-us-east-2/Service.Bake-prod-us-east-2']);
    const second = p.bakes[1].action;
    expect(p.commandsOf(second)[4]).toMatch(/--region us-east-2 --minutes 25 .* --stage prod-us-east-2 /);
    expect(p.commandsOf(second)[1]).toBe('aws configure set profile.bake-target.role_arn arn:aws:iam::444444444444:role/prod-us-east-2-pipeline-bake');
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
