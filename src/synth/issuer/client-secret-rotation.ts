import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../../config/schema';
import { bundledHandlerCode } from '../constructs/bundled-handler';
import { EncryptedLogGroup, WorkloadKey } from '../constructs/encryption';
import { LAMBDA_NODE_RUNTIME } from '../constructs/lambda-runtime';
import { lambdaVpcAccessStatement } from '../constructs/lambda-vpc-access';

const HANDLER_SOURCE = path.join('src', 'lambda', 'client-secret-rotation', 'rotation.handler.ts');

/** The rotation function's handler bundled by esbuild, once per process. */
export function bundledRotationCode(): string {
  return bundledHandlerCode(HANDLER_SOURCE);
}

/** Props of ClientSecretRotation. */
export interface ClientSecretRotationProps {
  /** The environment (log retention and removal rules). */
  readonly environment: EnvironmentConfig;
  /** Stage name prefix (key alias). */
  readonly namePrefix: string;
  /** The stage VPC: the function runs in its private subnets (Secrets Manager through the VPC endpoint, Cognito through the NAT). */
  readonly vpc: ec2.IVpc;
  /** The user pool of the app client. */
  readonly userPool: cognito.IUserPool;
  /** The credentials secret (`user_pool_id`, `client_id`, `client_secret`, `client_secret_id`, `token_url`). */
  readonly secret: secretsmanager.Secret;
  /** Days between rotations. */
  readonly rotationDays: number;
}

/**
 * The rotation of the checks' app client secret without a redeploy: a Secrets Manager rotation
 * schedule (every `rotationDays` days, and on demand with `aws secretsmanager rotate-secret`)
 * with a function of our own (src/lambda/client-secret-rotation/), because CloudFormation and
 * CDK have no way to rotate a Cognito client secret: the function adds a second secret to the
 * app client with Cognito's AddUserPoolClientSecret, tests it at the token endpoint, makes it
 * AWSCURRENT, and deletes the one before at the next rotation. A deploy never rotates
 * (`rotateImmediatelyOnUpdate` off): the first value is the one CloudFormation stores.
 *
 * Least privilege: the function may list, add and delete the secrets of app clients of this one
 * user pool (Cognito authorizes these on the pool), read and write this one secret (CDK's
 * rotation grant), write its own logs and manage its VPC network interfaces.
 */
export class ClientSecretRotation extends Construct {
  /** The function. */
  public readonly function: lambda.Function;
  /** Its execution role. */
  public readonly role: iam.Role;
  /** Its security group: HTTPS out only. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** Its log group (KMS-encrypted). */
  public readonly logGroup: EncryptedLogGroup;
  /** The rotation schedule. */
  public readonly schedule: secretsmanager.RotationSchedule;

  constructor(scope: Construct, id: string, props: ClientSecretRotationProps) {
    super(scope, id);
    const logsKey = new WorkloadKey(this, 'LogsKey', {
      environment: props.environment, namePrefix: props.namePrefix, purpose: 'issuer-rotation-logs', allowCloudWatchLogs: true,
    });
    this.logGroup = new EncryptedLogGroup(this, 'LogGroup', { environment: props.environment, encryptionKey: logsKey });
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Client secret rotation: HTTPS out to Secrets Manager, Cognito and the token endpoint',
      allowAllOutbound: false,
    });
    // Secrets Manager answers through the VPC endpoint; the Cognito API and the token endpoint
    // (amazoncognito.com) are public and have no prefix list, so the egress names the port only.
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to Secrets Manager, Cognito and the token endpoint');

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Client secret rotation: rotate one app client secret of one user pool, write its logs, attach to the VPC',
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn],
    }));
    this.role.addToPrincipalPolicy(lambdaVpcAccessStatement());
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'RotateAppClientSecrets',
      actions: ['cognito-idp:ListUserPoolClientSecrets', 'cognito-idp:AddUserPoolClientSecret', 'cognito-idp:DeleteUserPoolClientSecret'],
      resources: [props.userPool.userPoolArn],
    }));

    this.function = new lambda.Function(this, 'Function', {
      description: 'Rotates the checks\' Cognito app client secret (Secrets Manager rotation function)',
      runtime: LAMBDA_NODE_RUNTIME,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(bundledRotationCode()),
      role: this.role,
      logGroup: this.logGroup,
      timeout: Duration.seconds(60),
      memorySize: 256,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
    });
    this.schedule = props.secret.addRotationSchedule('Rotation', {
      rotationLambda: this.function,
      automaticallyAfter: Duration.days(props.rotationDays),
      rotateImmediatelyOnUpdate: false,
    });
    // CDK lets Secrets Manager invoke the function (a resource-based permission without a
    // condition): only on behalf of this account (the confused-deputy guard Lambda documents for
    // service principals, https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-services.html).
    for (const permission of this.function.node.findAll().filter((c): c is lambda.CfnPermission => c instanceof lambda.CfnPermission)) {
      permission.sourceAccount = Stack.of(this).account;
    }
  }
}
