import { lookupRoleArn, partitionOf, pipelineStepRoleName, roleArnOf, stageStepRoleName } from '../../src/shared/aws-names';

test.each([
  ['us-east-1', 'aws'], ['eu-west-1', 'aws'], ['cn-north-1', 'aws-cn'], ['us-gov-west-1', 'aws-us-gov'],
  ['us-iso-east-1', 'aws-iso'], ['us-isob-east-1', 'aws-iso-b'], ['us-isof-south-1', 'aws-iso-f'], ['eu-isoe-west-1', 'aws-iso-e'],
])('%s is in partition %s', (region, partition) => {
  expect(partitionOf(region)).toBe(partition);
});

test('the lookup role ARN carries the partition of its region (the change report and doctor assume it)', () => {
  expect(lookupRoleArn('444444444444', 'us-east-2')).toBe('arn:aws:iam::444444444444:role/cdk-hnb659fds-lookup-role-444444444444-us-east-2');
  expect(lookupRoleArn('444444444444', 'us-gov-west-1')).toBe('arn:aws-us-gov:iam::444444444444:role/cdk-hnb659fds-lookup-role-444444444444-us-gov-west-1');
});

test('pipeline step roles and the stage roles they assume have fixed names under their stack\'s prefix, within IAM\'s 64 characters', () => {
  expect(pipelineStepRoleName('DeliveryPipeline', 'protect', 'prod-us-east-1')).toBe('DeliveryPipeline-protect-prod-us-east-1');
  expect(stageStepRoleName('prod-us-east-1', 'report')).toBe('prod-us-east-1-pipeline-report');
  expect(roleArnOf('444444444444', 'cn-north-1', 'x')).toBe('arn:aws-cn:iam::444444444444:role/x');
  expect(() => pipelineStepRoleName('DeliveryPipeline', 'bake', `prod-${'x'.repeat(40)}`)).toThrow(/is 67 characters; IAM allows 64/);
  expect(() => stageStepRoleName('prod us', 'bake')).toThrow(/characters IAM does not allow/);
});
