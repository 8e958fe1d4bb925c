import { digest, gateFacts, PipelineTemplate, weakenedGates } from '../../../src/codebuild/gate-integrity/gate-facts';
import { sampleAssembly } from '../../support/sample-assembly';

/** A fresh copy of the sample pipeline template, and its CodePipeline's stages. */
function sample(): { template: any; stages: any[] } {
  const template = JSON.parse(JSON.stringify(sampleAssembly().pipeline.template));
  const [pipeline] = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::CodePipeline::Pipeline');
  return { template, stages: pipeline.Properties.Stages };
}
const keys = (t: PipelineTemplate) => gateFacts(t).map((f) => f.key);

describe('the gates of the sample pipeline, read from its template', () => {
  test('every gate the issue names holds: prod approval, image gate, change report, assertions, rollback, bake, and the two guards', () => {
    const { template } = sample();
    const facts = keys(template);
    expect(facts).toEqual(expect.arrayContaining([
      'approval:444444444444',
      'image-gate', 'image-gate:FAIL_ON:CRITICAL', 'image-gate:FAIL_ON_FIXABLE:HIGH',
      'change-report:Approve-prod', 'change-report-blocks:Approve-prod',
      'assertions:dev-us-east-1-Assertions', 'assertions:prod-us-east-1-Assertions', 'assertions:prod-us-east-2-Assertions',
      'rollback:dev-us-east-1', 'rollback:test', 'rollback:prod-us-east-1', 'rollback:prod-us-east-2',
      'bake:prod-us-east-1',
    ]));
    // dev and test deploy without an approval: no approval fact for their accounts.
    expect(facts.filter((f) => f.startsWith('approval:'))).toEqual(['approval:444444444444']);
    expect(facts.filter((f) => /^guard:gateCheck:[0-9a-f]{8}$/.test(f))).toHaveLength(1);
    expect(facts.filter((f) => /^guard:sourceCheck:[0-9a-f]{8}$/.test(f))).toHaveLength(1);
    expect(gateFacts(template).find((f) => f.key === 'bake:prod-us-east-1')?.strength).toBe(10);
    // The same pipeline weakens nothing.
    expect(weakenedGates(template, sample().template)).toEqual([]);
  });
});

describe('what counts as weakened', () => {
  const weakened = (change: (s: { template: any; stages: any[] }) => void) => {
    const proposed = sample();
    change(proposed);
    return weakenedGates(sample().template, proposed.template).map((f) => f.key).sort();
  };
  const stage = (stages: any[], name: string) => stages.find((s) => s.Name === name);

  test('removing the prod approval weakens it (and the report that preceded it)', () => {
    expect(weakened(({ stages }) => {
      const s = stage(stages, 'Approve-prod');
      s.Actions = s.Actions.filter((a: any) => a.ActionTypeId.Category !== 'Approval');
    })).toEqual(['approval:444444444444', 'change-report-blocks:Approve-prod', 'change-report:Approve-prod']);
  });

  test('moving a prod deploy before the approval weakens it', () => {
    expect(weakened(({ stages }) => {
      const prod = stage(stages, 'prod-us-east-2');
      stages.splice(stages.indexOf(prod), 1);
      stages.splice(4, 0, prod);
    })).toContain('approval:444444444444');
  });

  test('the image gate: removed, after a deploy, or failing on fewer severities', () => {
    expect(weakened(({ stages }) => { const s = stage(stages, 'Assets'); s.Actions = s.Actions.filter((a: any) => a.Name !== 'ImageGate'); }))
      .toEqual(['image-gate', 'image-gate:FAIL_ON:CRITICAL', 'image-gate:FAIL_ON_FIXABLE:HIGH']);
    expect(weakened(({ template, stages }) => {
      const ref = stage(stages, 'Assets').Actions.find((a: any) => a.Name === 'ImageGate').Configuration.ProjectName.Ref;
      const env = template.Resources[ref].Properties.Environment.EnvironmentVariables;
      env.find((v: any) => v.Name === 'FAIL_ON_FIXABLE').Value = '';
    })).toEqual(['image-gate:FAIL_ON_FIXABLE:HIGH']);
  });

  test('the change report no longer blocking stateful replacements, the assertions or a rollback removed, a shorter bake', () => {
    expect(weakened(({ stages }) => {
      const report = stage(stages, 'Approve-prod').Actions.find((a: any) => a.Name === 'ChangeReport-prod');
      report.Commands = report.Commands.map((c: string) => c.replace(' --block-stateful-replacement', ''));
    })).toEqual(['change-report-blocks:Approve-prod']);
    expect(weakened(({ stages }) => {
      const s = stage(stages, 'prod-us-east-2');
      s.Actions = s.Actions.filter((a: any) => a.Configuration?.StackName !== 'prod-us-east-2-Assertions');
    })).toEqual(['assertions:prod-us-east-2-Assertions']);
    expect(weakened(({ stages }) => { delete stage(stages, 'prod-us-east-1').OnFailure; })).toEqual(['rollback:prod-us-east-1']);
    expect(weakened(({ stages }) => {
      const bake = stage(stages, 'prod-us-east-1').Actions.find((a: any) => /Bake-/.test(a.Name));
      bake.Commands = bake.Commands.map((c: string) => c.replace('--minutes 10', '--minutes 1'));
    })).toEqual(['bake:prod-us-east-1']);
  });

  test('any change to a guard, or a command put before it, counts: the check cannot judge a new version of itself', () => {
    const selfMutation = (template: any) => Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::CodeBuild::Project' && r.Properties.Source.BuildSpec.includes('gate-check'));
    expect(weakened(({ template }) => {
      const project = selfMutation(template);
      const spec = JSON.parse(project.Properties.Source.BuildSpec);
      spec.phases.install.commands.unshift('exit 0');
      project.Properties.Source.BuildSpec = JSON.stringify(spec);
    })).toEqual([expect.stringMatching(/^guard:gateCheck:/)]);
    expect(weakened(({ template }) => {
      const project = selfMutation(template);
      const spec = JSON.parse(project.Properties.Source.BuildSpec);
      spec.phases.install.commands = spec.phases.install.commands.filter((c: string) => !c.includes('gate-check'));
      project.Properties.Source.BuildSpec = JSON.stringify(spec);
    })).toEqual([expect.stringMatching(/^guard:gateCheck:/)]);
    // A change after the guard (the pinned CDK CLI) is no gate change.
    expect(weakened(({ template }) => {
      const project = selfMutation(template);
      project.Properties.Source.BuildSpec = project.Properties.Source.BuildSpec.replace(/aws-cdk@[\d.]+/g, 'aws-cdk@2.9999.0');
    })).toEqual([]);
  });

  test('adding a gate weakens nothing', () => {
    expect(weakened(({ stages }) => { stage(stages, 'Assets').OnFailure = { Result: 'ROLLBACK' }; })).toEqual([]);
  });

  test('the digest tells texts apart', () => {
    expect(digest('a')).not.toBe(digest('b'));
    expect(digest('abc')).toMatch(/^[0-9a-f]{8}$/);
  });
});
