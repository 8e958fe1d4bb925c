import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { DATABASE_PORT } from './network-tier';
import { EnvironmentConfig } from '../../config/schema';
import { bundledHandlerCode } from '../constructs/bundled-handler';
import { EncryptedLogGroup } from '../constructs/encryption';
import { LAMBDA_NODE_RUNTIME } from '../constructs/lambda-runtime';

/**
 * Characters a generated database password never contains: the ones rds.DatabaseSecret leaves
 * out (they break connection strings and shells), so a standby rotation generates passwords of
 * the same kind as the primary's hosted rotation (test/synth/workload/standby-rotation.test.ts
 * compares them with the primary's template).
 */
export const PASSWORD_EXCLUDE_CHARACTERS = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\';
/** Length of a generated password (the primary's secret: 30). */
export const PASSWORD_LENGTH = 30;

const HANDLER_SOURCE = path.join('src', 'lambda', 'secret-rotation', 'secret-rotation.handler.ts');

/** Props of StandbyRotation. */
export interface StandbyRotationProps {
  /** The environment (log retention, removal rules). */
  readonly environment: EnvironmentConfig;
  /** The stage VPC: the function runs in its isolated subnets, like the primary's hosted rotation. */
  readonly vpc: ec2.IVpc;
  /** The stage's rotation security group: 5432 to the database, 443 to the endpoints. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** Its name, derived so `npx projen failover` can name it (`rotationFunctionNameOf`). */
  readonly functionName: string;
  /** The cluster endpoint of this region's cluster: inactive while it is a secondary, the writer once promoted. */
  readonly databaseHost: string;
  /** Name of the environment's credentials secret (`databaseSecretNameOf`); here a replica until promoted. */
  readonly secretName: string;
  /** This region's key of the secret (the replica, and the promoted secret, are encrypted with it). */
  readonly secretKey: kms.IKey;
  /** A key whose policy admits CloudWatch Logs, for the function's log group. */
  readonly logsKey: kms.IKey;
}

/**
 * The rotation function of a secondary region of a global database, deployed dormant: nothing
 * invokes it while the secret here is a replica (Secrets Manager rotates only a primary secret,
 * "A replica secret can't be updated independently from its primary secret"). After
 * `npx projen failover` moves the writer here, it promotes this region's replica
 * (StopReplicationToReplica) and turns rotation on with this function, so the password keeps
 * rotating in the region that writes. Why a function of our own and not the hosted rotation:
 * the hosted one connects to the secret's `host` (the primary region's cluster, unreachable
 * from here: the VPCs are not connected) and refuses a host change; this one connects to its
 * own region's cluster endpoint (src/lambda/secret-rotation/rotation-steps.ts).
 *
 * Least privilege: the four rotation calls on this environment's secret in this region, the
 * secret key through Secrets Manager only, its own log group, and the VPC network interfaces
 * Lambda manages; Secrets Manager of this account may invoke it.
 */
export class StandbyRotation extends Construct {
  /** The function. */
  public readonly function: lambda.Function;
  /** Its execution role. */
  public readonly role: iam.Role;
  /** Its log group (KMS-encrypted). */
  public readonly logGroup: EncryptedLogGroup;

  constructor(scope: Construct, id: string, props: StandbyRotationProps) {
    super(scope, id);
    const { region, account, partition } = Stack.of(this);
    this.logGroup = new EncryptedLogGroup(this, 'LogGroup', { environment: props.environment, encryptionKey: props.logsKey });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Standby rotation of the database secret: its four rotation calls on the secret, write its logs, attach to the VPC',
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'RotateTheDatabaseSecret',
      actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
      resources: [`arn:${partition}:secretsmanager:${region}:${account}:secret:${props.secretName}-??????`],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'GeneratePasswords',
      actions: ['secretsmanager:GetRandomPassword'],
      resources: ['*'],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'UseTheSecretKeyThroughSecretsManager',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [props.secretKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } },
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [this.logGroup.logGroupArn],
    }));
    // What AWSLambdaVPCAccessExecutionRole grants, written out: no resource-level permissions.
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ManageVpcNetworkInterfaces',
      actions: [
        'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
      ],
      resources: ['*'],
    }));

    this.function = new lambda.Function(this, 'Function', {
      functionName: props.functionName,
      description: `Standby single-user rotation of ${props.secretName} against this region's cluster (turned on by npx projen failover)`,
      runtime: LAMBDA_NODE_RUNTIME,
      handler: 'index.handler',
      // pg tries the optional native driver only when asked for it: left out of the bundle.
      code: lambda.Code.fromAsset(bundledHandlerCode(HANDLER_SOURCE, ['pg-native'])),
      role: this.role,
      logGroup: this.logGroup,
      timeout: Duration.seconds(30),
      memorySize: 256,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [props.securityGroup],
      environment: {
        DB_HOST: props.databaseHost,
        DB_PORT: String(DATABASE_PORT),
        EXCLUDE_CHARACTERS: PASSWORD_EXCLUDE_CHARACTERS,
        GENERATED_LENGTH: String(PASSWORD_LENGTH),
        // The Node.js 20+ runtimes no longer load the Amazon CA certificates (RDS included) by
        // default; they ship them in this file (AWS Compute Blog, "Node.js 20.x runtime now
        // available in AWS Lambda"), so TLS to the cluster verifies its certificate.
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
      },
    });
    // Secrets Manager calls rotation functions as its service principal; only this account's.
    this.function.addPermission('SecretsManagerInvoke', {
      principal: new iam.ServicePrincipal('secretsmanager.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      sourceAccount: account,
    });
  }
}
