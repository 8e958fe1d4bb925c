import * as fs from 'fs';
import * as path from 'path';
import { pipelineShapeFromTemplate, totalsOf } from '../../../src/synth/pipeline-shape/pipeline-shape';
import { embedDiagram, readmeDiagram, renderMermaid, renderReport, renderSummary } from '../../../src/synth/pipeline-shape/render-pipeline';
import { renderFailurePolicies } from '../../../src/terminal/pipeline-report/pipeline-report-cli';
import { synthPipeline } from '../../support/pipeline-fixture';
import { REPO_ROOT } from '../../support/repo-root';
import { sampleAssembly } from '../../support/sample-assembly';
import { DEV_AND_PROD, sampleConfigWith } from '../../support/test-app';

describe('pipeline report on a small synthesized pipeline', () => {
  const { template } = synthPipeline(sampleConfigWith(DEV_AND_PROD));
  const shape = pipelineShapeFromTemplate(template.toJSON(), 'us-east-1');

  test('stages and actions in order', () => {
    expect(shape.stages.map((s) => s.name)).toEqual(['Source', 'Build', 'UpdatePipeline', 'Assets', 'dev-us-east-1', 'Approve-prod', 'prod-us-east-2']);
    const approve = shape.stages[5].actions.map((a) => `${a.runOrder} ${a.name} ${a.provider}`);
    expect(approve).toEqual(['1 ChangeReport-prod Commands', '2 Approve-prod Manual']);
    expect(shape.stages[6].actions.filter((a) => a.provider === 'CloudFormation')).toHaveLength(shape.stages[6].actions.filter((a) => a.provider !== 'Commands').length);
    expect(shape.stages[6].actions.filter((a) => a.provider === 'CloudFormation').every((a) => a.account === '444444444444' && a.region === 'us-east-2')).toBe(true);
  });

  test('totals agree with an independent count of the raw template', () => {
    const [pipeline] = Object.values(template.findResources('AWS::CodePipeline::Pipeline')) as any[];
    const raw = pipeline.Properties.Stages.flatMap((s: any) => s.Actions);
    const slots = pipeline.Properties.Stages
      .map((s: any) => new Set(s.Actions.filter((a: any) => a.ActionTypeId.Category !== 'Approval').map((a: any) => a.RunOrder)).size)
      .reduce((a: number, b: number) => a + b, 0);
    expect(shape.totals).toEqual({
      sequentialSlots: slots,
      codeBuildActions: raw.filter((a: any) => a.ActionTypeId.Provider === 'CodeBuild').length,
      commandsActions: raw.filter((a: any) => a.ActionTypeId.Provider === 'Commands').length,
      cloudFormationActions: raw.filter((a: any) => a.ActionTypeId.Provider === 'CloudFormation').length,
      approvals: 1,
      actions: raw.length,
    });
    // CodeBuild projects: synth, self-mutation, one asset action, the image gate; Commands
    // actions: the change report and prod's termination protection.
    expect(shape.totals.codeBuildActions).toBe(4);
    expect(shape.totals.commandsActions).toBe(2);
  });

  test('an approval-only run order does not count as a slot', () => {
    const t = totalsOf([{
      name: 'x',
      actions: [
        { name: 'a', category: 'Approval', provider: 'Manual', runOrder: 1 },
        { name: 'b', category: 'Deploy', provider: 'CloudFormation', runOrder: 2 },
        { name: 'c', category: 'Deploy', provider: 'CloudFormation', runOrder: 2 },
      ],
    }]);
    expect(t).toMatchObject({ sequentialSlots: 1, cloudFormationActions: 2, approvals: 1 });
  });

  test('renderings name every stage', () => {
    const summary = renderSummary(shape);
    expect(summary).toMatch(/dev-us-east-1\s+222222222222 us-east-1: \d/);
    expect(summary).toMatch(/Approve-prod\s+Commands, Manual\s+prod change report, manual approval$/m);
    expect(summary).toMatch(/prod-us-east-2\s+444444444444 us-east-2: \d+\s+termination and deletion protection, post-deploy assertions, rollback on failure$/m);
    expect(summary).toMatch(/Assets .*image build \+ Trivy \+ ECR scan gate/);
    expect(renderReport(shape)).toMatch(/sequential action slots \(approvals excluded\): \d+/);
    const mermaid = renderMermaid(shape);
    expect(mermaid.split('\n')[0]).toBe('flowchart LR');
    for (const s of shape.stages) expect(mermaid).toContain(`["${s.name}"]`);
  });

  test('the stages that roll back on failure are the deploy stages, and the summary and report say so', () => {
    expect(shape.stages.filter((s) => s.rollsBackOnFailure).map((s) => s.name)).toEqual(['dev-us-east-1', 'prod-us-east-2']);
    const summary = renderSummary(shape).split('\n');
    expect(summary.find((l) => l.startsWith('dev-us-east-1'))).toMatch(/post-deploy assertions, rollback on failure$/);
    expect(summary.find((l) => l.startsWith('Assets'))).not.toMatch(/rollback/);
    expect(renderReport(shape)).toMatch(/^prod-us-east-2 \(rolls back to its last successful execution when an action fails\)$/m);
    expect(renderReport(shape)).toMatch(/^Assets \(retries its failed actions once\)$/m);
  });

  test('embedding the diagram in a README replaces only the block between the markers', () => {
    const readme = 'a\n<!-- pipeline-diagram:start -->\nold\n<!-- pipeline-diagram:end -->\nb\n';
    const out = embedDiagram(readme, 'flowchart LR\n  x');
    expect(out).toBe('a\n<!-- pipeline-diagram:start -->\n```mermaid\nflowchart LR\n  x\n```\n<!-- pipeline-diagram:end -->\nb\n');
    expect(readmeDiagram(out)).toBe('flowchart LR\n  x');
    expect(() => embedDiagram('no markers', 'x')).toThrow(/markers/);
  });
});

test('the report says what each stage does on failure and why, and agrees with the template', () => {
  const shape = pipelineShapeFromTemplate(sampleAssembly().pipeline.template, 'us-east-1');
  const text = renderFailurePolicies(shape);
  expect(text).toMatch(/^ {2}UpdatePipeline\s+RETRY\s+Self-mutation fails on CloudFormation throttling/m);
  expect(text).toMatch(/^ {2}Approve-prod\s+NONE\s+It holds a manual approval/m);
  expect(text).toMatch(/^ {2}prod-us-east-1\s+ROLLBACK\s+It deploys stacks/m);
  // Every decision is the one the template carries.
  expect(text).not.toContain('the template says');
});

test('the README embeds the diagram of the sample pipeline as it is now', () => {
  const mermaid = renderMermaid(pipelineShapeFromTemplate(sampleAssembly().pipeline.template, 'us-east-1'));
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  // Out of date? Run `npx projen synth && npx projen pipeline:report`.
  expect(readmeDiagram(readme)).toBe(mermaid);
});
