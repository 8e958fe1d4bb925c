import { Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { awsCustomResourceFunction } from '../constructs/aws-custom-resource-function';

/** Props of SecretReplica. */
export interface SecretReplicaProps {
  /** Name of the primary secret (`databaseSecretNameOf`): fixed, because this stage cannot know its generated ARN. */
  readonly secretName: string;
  /** The region holding the primary secret (the environment's primary region). */
  readonly primaryRegion: string;
  /**
   * Alias (without `alias/`) of the key encrypting the primary secret, e.g.
   * `transactions-prod-us-east-1/db-secret`: replicating needs kms:Decrypt on it, and its ARN
   * is not derivable (only its alias is).
   */
  readonly primaryKeyAlias: string;
  /** A key of THIS region: the replica is encrypted with it. */
  readonly replicaKey: kms.IKey;
}

/**
 * A replica, in this stage's region, of the environment's credentials secret that lives in the
 * primary region.
 *
 * Why this stage asks for its own replica (a custom resource calling
 * secretsmanager:ReplicateSecretToRegions against the primary region) instead of the primary
 * secret listing its replicas (`ReplicaRegions` on the primary's `AWS::SecretsManager::Secret`):
 * each replica must be encrypted with a customer-managed key of its own region, and that key
 * lives in this (secondary) stage, which deploys AFTER the primary stage (the waves put the
 * primary first). At the primary's deploy time the key does not exist yet, and its ARN contains
 * a random id no other stage can derive. Asking from here runs in the right order on every
 * deploy, with a key that exists; removing the stage removes its replica
 * (RemoveRegionsFromReplication), and the primary secret (and its rotation) stay untouched.
 *
 * The replica's ARN is the primary's ARN with this region in it (Secrets Manager keeps the name
 * and the random suffix), read from the API's answer: the service and its roles use it.
 *
 * The primary's template never lists the replica (`ReplicaRegions` stays unset there): the
 * Secrets Manager resource handler updates replicas only when that property changes between
 * two templates, so a later update of the primary secret leaves this replica alone (drift
 * detection on the primary will show it, by design).
 *
 * Retries and rollbacks: a failed create is deleted by CloudFormation, and deleting a replica
 * that was never made is ignored (ResourceNotFoundException / InvalidParameterException), so a
 * retried deploy starts clean. An update only describes the secret again (ReplicateSecretToRegions
 * refuses a region that already holds the replica).
 */
export class SecretReplica extends Construct {
  /** The replica secret in this region (fields host, port, dbname, username, password). */
  public readonly secret: secretsmanager.ISecret;
  /** ARN of the replica secret. */
  public readonly secretArn: string;
  /** The custom resource. */
  public readonly resource: cr.AwsCustomResource;
  /** The region holding the primary secret. */
  public readonly primaryRegion: string;
  /** The Lambda function behind it (shared by every AwsCustomResource of the stack). */
  public readonly handler: lambda.CfnFunction;

  constructor(scope: Construct, id: string, props: SecretReplicaProps) {
    super(scope, id);
    const { region, account, partition } = Stack.of(this);
    this.primaryRegion = props.primaryRegion;
    const primarySecretArn = `arn:${partition}:secretsmanager:${props.primaryRegion}:${account}:secret:${props.secretName}-??????`;
    const physicalResourceId = cr.PhysicalResourceId.of(`${props.secretName}@${region}`);
    const describe: cr.AwsSdkCall = {
      service: 'SecretsManager',
      action: 'describeSecret',
      region: props.primaryRegion,
      parameters: { SecretId: props.secretName },
      physicalResourceId,
      outputPaths: ['ARN'],
    };
    this.resource = new cr.AwsCustomResource(this, 'Resource', {
      resourceType: 'Custom::SecretReplica',
      onCreate: {
        service: 'SecretsManager',
        action: 'replicateSecretToRegions',
        region: props.primaryRegion,
        parameters: {
          SecretId: props.secretName,
          AddReplicaRegions: [{ Region: region, KmsKeyId: props.replicaKey.keyArn }],
          // Never overwrite a same-named secret that is not a replica: fail instead.
          ForceOverwriteReplicaSecret: false,
        },
        physicalResourceId,
        outputPaths: ['ARN'],
      },
      onUpdate: describe,
      onDelete: {
        service: 'SecretsManager',
        action: 'removeRegionsFromReplication',
        region: props.primaryRegion,
        parameters: { SecretId: props.secretName, RemoveReplicaRegions: [region] },
        ignoreErrorCodesMatching: 'ResourceNotFoundException|InvalidParameterException',
      },
      installLatestAwsSdk: false,
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          sid: 'ReplicateTheDatabaseSecret',
          actions: ['secretsmanager:ReplicateSecretToRegions', 'secretsmanager:RemoveRegionsFromReplication', 'secretsmanager:DescribeSecret'],
          resources: [primarySecretArn],
        }),
        // Reading the primary value to copy it: the primary key, named by its alias (its ARN
        // is not derivable), used through Secrets Manager in the primary region only.
        new iam.PolicyStatement({
          sid: 'DecryptThePrimarySecret',
          actions: ['kms:Decrypt'],
          resources: [`arn:${partition}:kms:${props.primaryRegion}:${account}:key/*`],
          conditions: {
            'ForAnyValue:StringEquals': { 'kms:ResourceAliases': `alias/${props.primaryKeyAlias}` },
            'StringEquals': { 'kms:ViaService': `secretsmanager.${props.primaryRegion}.amazonaws.com` },
          },
        }),
        new iam.PolicyStatement({
          sid: 'EncryptTheReplica',
          actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
          resources: [props.replicaKey.keyArn],
        }),
      ]),
    });

    this.handler = awsCustomResourceFunction(Stack.of(this), this.node.path);

    const primaryArn = this.resource.getResponseField('ARN');
    // arn:<partition>:secretsmanager:<primary region>:<account>:secret:<name>-<suffix>: the
    // secret name holds no colon (databaseSecretNameOf), so the 7th field is `<name>-<suffix>`.
    this.secretArn = Fn.join(':', ['arn', partition, 'secretsmanager', region, account, 'secret', Fn.select(6, Fn.split(':', primaryArn))]);
    this.secret = secretsmanager.Secret.fromSecretCompleteArn(this, 'Replica', this.secretArn);
  }
}
