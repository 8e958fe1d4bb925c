import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { partitionOf } from '../../shared/aws-names';

/**
 * Where a check (the pre-traffic hook, the assertions' token function) reads the checks' app
 * client credentials, and the grant that lets it. The secret lives only in the environment's
 * issuer region:
 * - in a stage of that region, by ARN: GetSecretValue on that secret, kms:Decrypt on its key
 *   through Secrets Manager;
 * - in the environment's other regions, by its derivable name (stages cannot reference each
 *   other across regions): GetSecretValue on `<name>-??????` (Secrets Manager appends six
 *   random characters to a secret's name in its ARN), kms:Decrypt on keys of the issuer region
 *   that carry the key's alias, through Secrets Manager of that region (the SecretReplica
 *   pattern of src/synth/workload/secret-replica.ts).
 * The checks read the secret on every new token, so a rotation reaches them without a deploy.
 */
export class ChecksCredentials {
  /** In the issuer region's stage: the secret and its key. */
  public static ofSecret(secret: secretsmanager.ISecret, key: kms.IKey, region: string): ChecksCredentials {
    return new ChecksCredentials(secret.secretArn, region, false, [
      new iam.PolicyStatement({ sid: 'ReadChecksCredentials', actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
      new iam.PolicyStatement({
        sid: 'DecryptChecksCredentials',
        actions: ['kms:Decrypt'],
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } },
      }),
    ]);
  }

  /** In another region of the environment: by name and key alias, in the issuer region. */
  public static byName(props: { secretName: string; keyAlias: string; region: string; account: string }): ChecksCredentials {
    const { region, account } = props;
    const partition = partitionOf(region);
    return new ChecksCredentials(props.secretName, region, true, [
      new iam.PolicyStatement({
        sid: 'ReadChecksCredentials',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [`arn:${partition}:secretsmanager:${region}:${account}:secret:${props.secretName}-??????`],
      }),
      new iam.PolicyStatement({
        sid: 'DecryptChecksCredentials',
        actions: ['kms:Decrypt'],
        resources: [`arn:${partition}:kms:${region}:${account}:key/*`],
        conditions: {
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': `alias/${props.keyAlias}` },
          'StringEquals': { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` },
        },
      }),
    ]);
  }

  private constructor(
    /** The secret's ARN (issuer region) or name (other regions): `CHECKS_SECRET_ID`. */
    public readonly secretId: string,
    /** The issuer region, where the secret lives: `CHECKS_SECRET_REGION`. */
    public readonly region: string,
    /** Whether the secret is read from another region (by name). */
    public readonly crossRegion: boolean,
    private readonly statements: readonly iam.PolicyStatement[],
  ) {}

  /** Let `role` read the credentials (and nothing else of the secret or key). */
  public grantRead(role: iam.IRole): void {
    for (const s of this.statements) role.addToPrincipalPolicy(s.copy());
  }

  /** The function environment of a reader (checks-credentials.ts in src/lambda/checks-token/). */
  public environment(scopes: readonly string[]): Record<string, string> {
    return { CHECKS_SECRET_ID: this.secretId, CHECKS_SECRET_REGION: this.region, CHECKS_SCOPES: scopes.join(' ') };
  }
}
