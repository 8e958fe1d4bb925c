import { DefaultStackSynthesizer, Fn, Stack } from 'aws-cdk-lib';

/**
 * ARN of the role CloudFormation deploys `stack` with: the bootstrap's CloudFormation execution
 * role (`cdk-<qualifier>-cfn-exec-role-<account>-<region>`), exactly as the stack's synthesizer
 * writes it into the cloud assembly, where `cdk deploy` and CDK Pipelines read it and pass it to
 * CloudFormation as the stack's RoleARN. As a template value (`Fn::Sub` fills in the partition).
 *
 * A resource policy that reserves its management to CloudFormation names this role: it is the
 * principal of every handler call CloudFormation makes for the stack's resources.
 */
export function cloudFormationExecutionRoleArnOf(stack: Stack): string {
  const synthesizer = stack.synthesizer;
  if (!(synthesizer instanceof DefaultStackSynthesizer)) {
    throw new Error(`${stack.stackName}: cannot name the CloudFormation execution role of a stack synthesized by ${synthesizer.constructor.name}; `
      + 'use the DefaultStackSynthesizer (the bootstrap roles) or pass the role explicitly');
  }
  return Fn.sub(synthesizer.cloudFormationExecutionRoleArn);
}
