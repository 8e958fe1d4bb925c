import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * What the AWS managed policy AWSLambdaVPCAccessExecutionRole grants, written out for the
 * project's functions in a VPC (Lambda manages their network interfaces with these EC2
 * actions, which take no resource-level permissions for this use, so the resource is `*`; each
 * folder's suppressions.ts explains the wildcard).
 */
export function lambdaVpcAccessStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ManageVpcNetworkInterfaces',
    actions: [
      'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
    ],
    resources: ['*'],
  });
}
