import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LAMBDA_NODE_RUNTIME } from './lambda-runtime';

/** Construct id of the singleton function of every AwsCustomResource in a stack (aws-cdk-lib's fixed uuid). */
export const AWS_CUSTOM_RESOURCE_FUNCTION_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

/**
 * The function CDK shares among a stack's AwsCustomResources (call after adding one), with the
 * project's Node.js runtime written into the function itself: cdk-nag reads the runtime there,
 * and the stage aspect (PinNodeLambdaRuntime) only overrides the template.
 */
export function awsCustomResourceFunction(stack: Stack, user: string): lambda.CfnFunction {
  const handler = stack.node.tryFindChild(AWS_CUSTOM_RESOURCE_FUNCTION_ID)?.node.defaultChild;
  if (!(handler instanceof lambda.CfnFunction)) throw new Error(`${user}: the AwsCustomResource function ${AWS_CUSTOM_RESOURCE_FUNCTION_ID} was not found (aws-cdk-lib changed?)`);
  handler.runtime = LAMBDA_NODE_RUNTIME.name;
  return handler;
}
