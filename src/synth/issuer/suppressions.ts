import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { ChecksCredentials } from './checks-credentials';
import { ChecksTokenFunction } from './checks-token-function';
import { ClientSecretRotation } from './client-secret-rotation';
import { IssuerLookup } from './issuer-reference';
import { TokenIssuer } from './token-issuer';
import { AWS, CDK_GRANT_INLINE, child, FRAMEWORKS, guard, HIPAA, NIST, rule, suppress, Suppressor } from '../compliance/suppressions';

const VPC_ENI = 'Lambda manages the network interfaces of a VPC function with EC2 actions that take no resource-level permissions, so IAM requires the wildcard resource for them.';
const CROSS_REGION_KEY = 'Reading the checks\' credentials in another region needs kms:Decrypt on the issuer region\'s secret key, whose ARN is not derivable there; '
  + 'the statement allows only keys that carry that one alias, used through Secrets Manager of the issuer region.';

/** The IAM5 finding of a cross-region reader's key statement (ChecksCredentials.byName). */
export function crossRegionKeyFinding(credentials: ChecksCredentials, scope: IConstruct): string[] {
  return credentials.crossRegion ? [`Resource::arn:aws:kms:${credentials.region}:${Stack.of(scope).account}:key/*`] : [];
}

/** The function CDK shares among a stack's AwsCustomResources: it runs a few SDK calls during a deployment. */
function awsCustomResourceFunction(fn: lambda.CfnFunction, what: string): void {
  suppress(child(fn.node.scope!, 'ServiceRole'), rule('IAM4', [AWS],
    'AWSLambdaBasicExecutionRole is the AWS-maintained policy that lets the custom resource function write its own logs.',
    ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']));
  const reason = 'CloudFormation invokes this custom resource function synchronously a few times per deployment, '
    + 'so a dead-letter queue or reserved concurrency would only add resources that never receive anything.';
  const outside = `The function only ${what} during a deployment and needs nothing inside the VPC.`;
  suppress(fn, rule('LambdaConcurrency', [NIST, HIPAA], reason), rule('LambdaDLQ', [NIST, HIPAA], reason), rule('LambdaInsideVPC', FRAMEWORKS, outside));
  guard(fn, ['lambda_inside_vpc_check'], outside);
}

/** The user pool (M2M only), and CDK's custom resource that reads the checks' client secret once. */
function tokenIssuer(issuer: TokenIssuer): void {
  suppress(issuer.userPool, rule('COG8', [AWS],
    'The pool issues machine-to-machine tokens only, and the Plus plan\'s threat protection judges user sign-ins, which this pool never has.'));
  suppress(child(issuer.checksClient, 'DescribeCognitoUserPoolClient', 'CustomResourcePolicy'), rule('IAMNoInlinePolicy', FRAMEWORKS,
    `CDK's custom resource may only describe the app clients of this one user pool, to store the checks' client secret once. ${CDK_GRANT_INLINE}`));
  const fn = Stack.of(issuer).node.findChild('AWS679f53fac002430cb0da5b7982bd2287').node.defaultChild as lambda.CfnFunction;
  awsCustomResourceFunction(fn, 'reads the checks\' app client secret from Cognito');
}

/** The rotation function of the checks' client secret. */
function rotation(r: ClientSecretRotation): void {
  suppress(child(r.role, 'DefaultPolicy'),
    rule('IAMNoInlinePolicy', FRAMEWORKS, `The rotation role may rotate the secrets of this user pool's app clients and write this one secret. ${CDK_GRANT_INLINE}`),
    rule('IAM5', [AWS], VPC_ENI, ['Resource::*']));
  const reason = 'Secrets Manager invokes the rotation function synchronously for each rotation step and retries a failed rotation itself, '
    + 'so a dead-letter queue or reserved concurrency would only add resources that never receive anything.';
  suppress(r.function, rule('LambdaConcurrency', [NIST, HIPAA], reason), rule('LambdaDLQ', [NIST, HIPAA], reason));
  guard(r.function, ['lambda_inside_vpc_check'],
    'The rotation function runs in the stage VPC\'s private subnets, which this rule cannot see through the VPC construct\'s references.');
}

/** The assertions' token function. */
function checksToken(t: ChecksTokenFunction): void {
  suppress(child(t.role, 'DefaultPolicy'),
    rule('IAMNoInlinePolicy', FRAMEWORKS, `The token function may read and decrypt only the checks' credentials secret and write its logs. ${CDK_GRANT_INLINE}`),
    rule('IAM5', [AWS], VPC_ENI, ['Resource::*']),
    ...(t.credentials.crossRegion ? [rule('IAM5', [AWS], CROSS_REGION_KEY, crossRegionKeyFinding(t.credentials, t))] : []));
  const reason = 'The post-deploy assertions invoke the token function synchronously once per deployment and read its answer, '
    + 'so a dead-letter queue or reserved concurrency would only add resources that never receive anything.';
  suppress(t.function, rule('LambdaConcurrency', [NIST, HIPAA], reason), rule('LambdaDLQ', [NIST, HIPAA], reason));
  guard(t.function, ['lambda_inside_vpc_check'],
    'The token function runs in the stage VPC\'s private subnets, whose ids arrive from the Platform stack as imports that this rule cannot follow.');
}

/** The lookup of the issuer URL in the issuer region. */
function issuerLookup(l: IssuerLookup): void {
  suppress(child(l.resource, 'CustomResourcePolicy'),
    rule('IAM5', [AWS], 'The cognito-idp:DescribeUserPoolDomain action takes no resource-level permissions, so IAM requires the wildcard resource for it.',
      ['Resource::*']),
    rule('IAMNoInlinePolicy', FRAMEWORKS, `The lookup function may only describe user pool domains, which reveals the pool behind a domain. ${CDK_GRANT_INLINE}`));
  awsCustomResourceFunction(l.handler, `reads which user pool the issuer's domain in ${l.issuerRegion} belongs to`);
}

/** The exceptions of the token issuer and the checks' access to it. */
export const issuerSuppressions: Suppressor = (c) => {
  if (c instanceof TokenIssuer) tokenIssuer(c);
  else if (c instanceof ClientSecretRotation) rotation(c);
  else if (c instanceof ChecksTokenFunction) checksToken(c);
  else if (c instanceof IssuerLookup) issuerLookup(c);
};
