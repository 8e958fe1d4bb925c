import * as fs from 'fs';
import * as path from 'path';
import { renderPolicy } from '../../../src/terminal/execution-policy/bootstrap-plan';
import { evaluate, PolicyDocument } from '../../../src/terminal/execution-policy/iam-evaluator';
import { REPO_ROOT } from '../../support/repo-root';

/**
 * The execution policies never let a template stop or delete a trail it does not own (an
 * organization trail, the account's own trail), but do let CloudFormation delete the trail the
 * project deploys (audit.trail "project"): a rolled-back first create must be able to delete it.
 */
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'bootstrap', file), 'utf8'));
const prod = renderPolicy(read('cfn-execution-policy.json'), { stages: ['prod-us-east-1', 'prod-us-east-2'], pipeline: 'cdk-delivery-pipeline' }) as PolicyDocument;
const pipelineAccount = renderPolicy(read('pipeline-cfn-execution-policy.json'), { stages: [], pipeline: 'cdk-delivery-pipeline' }) as PolicyDocument;
const trail = (name: string) => `arn:aws:cloudtrail:us-east-1:444444444444:trail/${name}`;

test.each(['cloudtrail:DeleteTrail', 'cloudtrail:StopLogging'])('%s: the project\'s trail yes, anyone else\'s never', (action) => {
  expect(evaluate([prod], { action, resource: trail('prod-us-east-1-Service-AuditTrail662E12C8-ABCDEFGHIJKL') }).decision).toBe('allow');
  for (const other of ['aws-controltower-BaselineCloudTrail', 'management-events', 'dev-us-east-1-Service-Trail']) {
    expect({ other, decision: evaluate([prod], { action, resource: trail(other) }).decision }).toEqual({ other, decision: 'explicit-deny' });
  }
  // The organization trail seen from a member account is the management account's.
  expect(evaluate([prod], { action, resource: 'arn:aws:cloudtrail:us-east-1:999999999999:trail/aws-controltower-BaselineCloudTrail' }).decision).toBe('explicit-deny');
});

test('an account without stages (the pipeline\'s) denies stopping and deleting every trail', () => {
  const statement = [pipelineAccount.Statement].flat().find((s) => s.Sid === 'DenyStoppingTrailsOfOthers')!;
  expect(statement).toEqual({ Sid: 'DenyStoppingTrailsOfOthers', Effect: 'Deny', Action: ['cloudtrail:StopLogging', 'cloudtrail:DeleteTrail'], Resource: '*' });
  expect(evaluate([pipelineAccount], { action: 'cloudtrail:DeleteTrail', resource: trail('DeliveryPipeline-Trail') }).decision).toBe('explicit-deny');
});
