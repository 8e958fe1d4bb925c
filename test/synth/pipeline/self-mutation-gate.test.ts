import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runLikeCodeBuild } from '../../support/codebuild-shell';
import { sampleAssembly } from '../../support/sample-assembly';

/**
 * Issue 33, point 3, on a fixture: a commit that removes the prod approval. The self-mutation
 * action's own commands (as the synthesized pipeline has them) run like CodeBuild against a
 * stub AWS CLI that answers GetTemplate with the deployed pipeline and GetParameterHistory with
 * the approval record, if any; the "new" pipeline is the same template without the approval.
 */
describe('self-mutation refuses a commit that weakens a gate', () => {
  const COMMIT = '0123456789abcdef0123456789abcdef01234567';
  let deployed: any;
  let selfMutation: { commands: string[]; install: string[] };
  beforeAll(() => {
    const sample = sampleAssembly();
    deployed = sample.pipeline.template;
    const [project] = Object.values<any>(deployed.Resources).filter((r) => r.Type === 'AWS::CodeBuild::Project' && r.Properties.Source.BuildSpec.includes('gate-check'));
    const spec = JSON.parse(project.Properties.Source.BuildSpec);
    selfMutation = { install: spec.phases.install.commands, commands: spec.phases.build.commands };
  });

  /** The pipeline with its manual approval removed (what such a commit's synth writes). */
  const withoutApproval = () => {
    const t = JSON.parse(JSON.stringify(deployed));
    const [pipeline] = Object.values<any>(t.Resources).filter((r) => r.Type === 'AWS::CodePipeline::Pipeline');
    for (const stage of pipeline.Properties.Stages) stage.Actions = stage.Actions.filter((a: any) => a.ActionTypeId.Category !== 'Approval');
    return t;
  };

  function run(proposed: any, approval?: { writer: string; value: unknown }) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'self-mutation-'));
    const bin = path.join(work, 'bin');
    fs.mkdirSync(bin);
    // The synth output the action gets: a cloud assembly with the proposed pipeline stack.
    fs.writeFileSync(path.join(work, 'manifest.json'), JSON.stringify({
      version: '53.0.0',
      artifacts: { DeliveryPipeline: { type: 'aws:cloudformation:stack', environment: 'aws://111111111111/us-east-1', properties: { templateFile: 'DeliveryPipeline.template.json' } } },
    }));
    fs.writeFileSync(path.join(work, 'DeliveryPipeline.template.json'), JSON.stringify(proposed));
    fs.writeFileSync(path.join(work, 'deployed.json'), JSON.stringify({ TemplateBody: deployed, StagesAvailable: ['Original', 'Processed'] }));
    if (approval) {
      fs.writeFileSync(path.join(work, 'history.json'), JSON.stringify({ Parameters: [{ Name: `/DeliveryPipeline/gate-change-approvals/${COMMIT}`, Version: 1, LastModifiedUser: approval.writer, Value: JSON.stringify(approval.value) }] }));
    }
    const log = path.join(work, 'calls.log');
    fs.writeFileSync(path.join(bin, 'aws'), `#!/usr/bin/env bash
echo "aws $*" >> "${log}"
case "$*" in
  *"cloudformation get-template --stack-name DeliveryPipeline --template-stage Original"*) cat "${work}/deployed.json" ;;
  *"ssm get-parameter-history --name /DeliveryPipeline/gate-change-approvals/${COMMIT}"*)
    if [ -f "${work}/history.json" ]; then cat "${work}/history.json"; else echo "An error occurred (ParameterNotFound) when calling the GetParameterHistory operation:" >&2; exit 254; fi ;;
  *) echo "unexpected call" >&2; exit 2 ;;
esac
`, { mode: 0o755 });
    // Only the gate check's commands (the rest installs the CDK CLI and deploys).
    const commands = selfMutation.install.filter((c) => c.includes('gate-check'));
    const r = runLikeCodeBuild(commands, { cwd: work, env: { PATH: `${bin}:${process.env.PATH}`, TMPDIR: work, COMMIT_ID: COMMIT } });
    return { ...r, calls: fs.readFileSync(log, 'utf8').trim().split('\n') };
  }

  test('its commands run first, before the CDK CLI is installed and the pipeline deployed', () => {
    const first = selfMutation.install.findIndex((c) => !c.includes('gate-check'));
    expect(first).toBe(4);
    expect(selfMutation.install.slice(first).join('\n')).toMatch(/npm install -g aws-cdk@/);
    expect(selfMutation.commands.some((c) => c.startsWith('cdk -a . deploy'))).toBe(true);
  });

  test('the same pipeline passes, reading the deployed template and the commit\'s approval record', () => {
    const r = run(deployed);
    expect(r.status).toBe(0);
    expect(r.output).toMatch(/keeps every gate of the deployed one/);
    expect(r.calls[0]).toBe('aws cloudformation get-template --stack-name DeliveryPipeline --template-stage Original --output json');
  });

  test('a commit that removes the prod approval is refused (self-mutation stops), naming the gates and the record that would allow it', () => {
    const r = run(withoutApproval());
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/weakens 3 gate\(s\) of DeliveryPipeline:\n {2}- approval:444444444444: a manual approval before every deploy into account 444444444444/);
    expect(r.output).toMatch(/REFUSED: no approval record exists for this commit/);
    expect(r.output).toContain(`/DeliveryPipeline/gate-change-approvals/${COMMIT}`);
  });

  test('...and allowed with a named approval for that exact commit by someone outside the pipeline', () => {
    const gates = ['approval:444444444444', 'change-report:Approve-prod', 'change-report-blocks:Approve-prod'];
    const writer = 'arn:aws:sts::111111111111:assumed-role/GateChangeApprover/jane.doe@example.com';
    const r = run(withoutApproval(), { writer, value: { commit: COMMIT, gates, reason: 'test' } });
    expect(r.status).toBe(0);
    expect(r.output).toContain(`Approved for commit ${COMMIT} by ${writer}`);
  });

  test('...but not with a record the pipeline wrote itself, nor one for another commit', () => {
    const gates = ['approval:444444444444', 'change-report:Approve-prod', 'change-report-blocks:Approve-prod'];
    expect(run(withoutApproval(), { writer: 'arn:aws:sts::111111111111:assumed-role/DeliveryPipeline-PipelineBuildSynthCdkBuildProjectRole-X/1', value: { commit: COMMIT, gates } }).status).toBe(1);
    expect(run(withoutApproval(), { writer: 'arn:aws:iam::111111111111:user/jane', value: { commit: 'f'.repeat(40), gates } }).status).toBe(1);
  });

  test('the embedded check is small enough for an inline buildspec', () => {
    const [project] = Object.values<any>(deployed.Resources).filter((r) => r.Type === 'AWS::CodeBuild::Project' && r.Properties.Source.BuildSpec.includes('gate-check'));
    expect(project.Properties.Source.BuildSpec.length).toBeLessThan(20_000);
  });
});
