import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ChecksCredentials } from './checks-credentials';
import { EnvironmentConfig } from '../../config/schema';
import { bundledHandlerCode } from '../constructs/bundled-handler';
import { EncryptedLogGroup } from '../constructs/encryption';
import { LAMBDA_NODE_RUNTIME } from '../constructs/lambda-runtime';
import { lambdaVpcAccessStatement } from '../constructs/lambda-vpc-access';

const HANDLER_SOURCE = path.join('src', 'lambda', 'checks-token', 'checks-token.handler.ts');

/** The token function's handler bundled by esbuild, once per process. */
export function bundledChecksTokenCode(): string {
  return bundledHandlerCode(HANDLER_SOURCE);
}

/** Props of the ChecksTokenFunction. */
export interface ChecksTokenFunctionProps {
  /** The environment (log retention and removal rules). */
  readonly environment: EnvironmentConfig;
  /** `<env>-<region>`, for the description. */
  readonly stageId: string;
  /** The stage VPC: the function runs in its private subnets and leaves through the NAT. */
  readonly vpc: ec2.IVpc;
  /** A key whose policy admits CloudWatch Logs (the Service stack's logs key). */
  readonly logsKey: kms.IKey;
  /** Where the checks' credentials are. */
  readonly credentials: ChecksCredentials;
  /** The scopes the token carries (a read-only region asks for `transactions/read` only). */
  readonly scopes: readonly string[];
  /** Its name (`checksTokenFunctionNameOf`): the assertions invoke it by name. */
  readonly functionName: string;
}

/**
 * The function the post-deploy assertions invoke for their access token
 * (src/lambda/checks-token/checks-token.handler.ts): it reads the checks' credentials and asks
 * the issuer's token endpoint, so the client secret stays inside it; integ-tests-alpha's HTTP
 * calls then carry the token it returns. It lives in the Service stack (one per stage, the same
 * across commits) rather than in the assertion stack, whose resources are new with every commit.
 *
 * Least privilege: it may read the checks' credentials (ChecksCredentials), write its own logs
 * and manage its VPC network interfaces; only the assertion provider it names may invoke it
 * (integ-tests-alpha adds that permission).
 */
export class ChecksTokenFunction extends Construct {
  /** The function. */
  public readonly function: lambda.Function;
  /** Its execution role. */
  public readonly role: iam.Role;
  /** Its security group: HTTPS out only. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** Its log group (KMS-encrypted). */
  public readonly logGroup: EncryptedLogGroup;
  /** Where it reads the credentials. */
  public readonly credentials: ChecksCredentials;
  /**
   * Its name as a literal (not the function's token): another stack of the stage names it
   * without a CloudFormation export, so the Service stack stays free to replace it.
   */
  public readonly functionName: string;

  constructor(scope: Construct, id: string, props: ChecksTokenFunctionProps) {
    super(scope, id);
    this.credentials = props.credentials;
    this.functionName = props.functionName;
    this.logGroup = new EncryptedLogGroup(this, 'LogGroup', { environment: props.environment, encryptionKey: props.logsKey });
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Checks token function: HTTPS out to Secrets Manager and the token endpoint',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to Secrets Manager and the token endpoint');
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Checks token function: read the checks\' credentials, write its logs, attach to the VPC',
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn],
    }));
    this.role.addToPrincipalPolicy(lambdaVpcAccessStatement());
    props.credentials.grantRead(this.role);
    this.function = new lambda.Function(this, 'Function', {
      functionName: props.functionName,
      description: `Access token of the post-deploy checks of ${props.stageId} (client credentials)`,
      runtime: LAMBDA_NODE_RUNTIME,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(bundledChecksTokenCode()),
      role: this.role,
      logGroup: this.logGroup,
      // A credentials read (2 x 3 s) and one token request (5 s), with headroom.
      timeout: Duration.seconds(30),
      memorySize: 256,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      environment: props.credentials.environment(props.scopes),
    });
  }
}
