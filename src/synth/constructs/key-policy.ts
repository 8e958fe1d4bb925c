import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';

/**
 * Control Tower CT.KMS.PR.3: only AWS services acting on AWS resources (RDS, Secrets Manager,
 * CloudWatch Logs, EBS...) may create grants on the key. Grants are how a key's use is
 * delegated outside its policy; nothing in this project creates one by hand.
 */
export function restrictGrantsToAwsResources(key: kms.IKey): void {
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'DenyGrantsNotForAwsResources',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: {
      BoolIfExists: {
        'kms:GrantIsForAWSResource': 'false',
        'aws:PrincipalIsAWSService': 'false',
      },
    },
  }));
}
