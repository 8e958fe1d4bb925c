import { Stack } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../../config/schema';
import { EncryptedLogGroup } from '../constructs/encryption';

/** The key prefix of the trail's log files in the audit bucket (`cloudtrail/AWSLogs/<account>/CloudTrail/...`). */
export const TRAIL_KEY_PREFIX = 'cloudtrail';

/** Props of an AuditTrail. */
export interface AuditTrailProps {
  /** The (production) environment: retention of the trail's log group. */
  readonly environment: EnvironmentConfig;
  /** The audit bucket of this region. */
  readonly bucket: s3.IBucket;
  /** Its key (also encrypts the log files, and admits CloudWatch Logs for the log group). */
  readonly key: kms.Key;
}

/**
 * The account's audit trail when the config says `audit.trail: "project"`: one trail per
 * production account, in its primary region, logging management events of **every region**
 * (and global services), with **log-file validation** (CloudTrail writes signed digest files,
 * so a changed or deleted log file is detectable: `aws cloudtrail validate-logs`), into the
 * region's audit bucket (KMS, Object Lock, replicated), and into an encrypted log group for
 * queries and metric filters.
 *
 * Its name is left to CloudFormation (a failed first create leaves nothing named behind). The
 * key admits CloudTrail as CloudTrail's documented key policy does ("Configure AWS KMS key
 * policies for CloudTrail", https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html):
 * GenerateDataKey* for trails of this account only (encryption context `aws:cloudtrail:arn`),
 * from a trail of this account and region (`aws:SourceArn`), and DescribeKey. CDK's Trail adds
 * the bucket policy CloudTrail needs (GetBucketAcl, PutObject under `AWSLogs/<account>/`).
 */
export class AuditTrail extends Construct {
  /** The trail. */
  public readonly trail: cloudtrail.Trail;
  /** Its CloudWatch Logs copy. */
  public readonly logGroup: EncryptedLogGroup;

  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    super(scope, id);
    const { region, account, partition } = Stack.of(this);
    const cloudTrail = new iam.ServicePrincipal('cloudtrail.amazonaws.com');
    props.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudTrailOfThisAccountToEncryptLogs',
      principals: [cloudTrail],
      actions: ['kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: {
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${partition}:cloudtrail:*:${account}:trail/*` },
        ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudtrail:${region}:${account}:trail/*` },
      },
    }));
    props.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudTrailToDescribeKey',
      principals: [cloudTrail],
      actions: ['kms:DescribeKey'],
      resources: ['*'],
      conditions: { ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudtrail:${region}:${account}:trail/*` } },
    }));
    this.logGroup = new EncryptedLogGroup(this, 'LogGroup', { environment: props.environment, encryptionKey: props.key });
    this.trail = new cloudtrail.Trail(this, 'Trail', {
      bucket: props.bucket,
      s3KeyPrefix: TRAIL_KEY_PREFIX,
      encryptionKey: props.key,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableFileValidation: true,
      managementEvents: cloudtrail.ReadWriteType.ALL,
      sendToCloudWatchLogs: true,
      cloudWatchLogGroup: this.logGroup,
    });
  }
}
