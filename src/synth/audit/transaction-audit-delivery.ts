import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../../config/schema';
import { EncryptedLogGroup } from '../constructs/encryption';

/**
 * The type every transaction audit record of the service carries (`"auditType"`, app/src/audit/):
 * the subscription filter selects exactly these lines of the service's log group.
 */
export const TRANSACTION_AUDIT_TYPE = 'transaction.accepted';

/** The CloudWatch Logs filter pattern that selects the audit records (and nothing else the service logs). */
export const TRANSACTION_AUDIT_FILTER_PATTERN = logs.FilterPattern.stringValue('$.auditType', '=', TRANSACTION_AUDIT_TYPE);

/** Where the records land in the audit bucket: `transactions/<yyyy>/<MM>/<dd>/<HH>/...gz` (the copy in another region keeps the same keys, in a bucket named after this region). */
export const TRANSACTION_AUDIT_PREFIX = 'transactions/';

/** Seconds Firehose buffers before it writes an object (its maximum, 900, would make evidence later; 300 keeps PUTs negligible). */
export const TRANSACTION_AUDIT_BUFFER_SECONDS = 300;

/** Props of TransactionAuditDelivery. */
export interface TransactionAuditDeliveryProps {
  /** The (production) environment: retention of the delivery's error log group. */
  readonly environment: EnvironmentConfig;
  /** The service's container log group, where the service writes one audit line per accepted transaction. */
  readonly serviceLogGroup: logs.ILogGroup;
  /** The region's audit bucket. */
  readonly bucket: s3.IBucket;
  /** Its key: encrypts the stream, the objects and the error log group (it admits CloudWatch Logs). */
  readonly key: kms.IKey;
}

/**
 * The delivery of the service's transaction audit records into the audit bucket:
 * service log line -> subscription filter (only lines whose `auditType` is
 * `transaction.accepted`) -> Amazon Data Firehose -> the audit bucket (KMS, Object Lock,
 * replicated to the other region).
 *
 * Why this path (README "Audit trail and audit records" has the cost per million
 * transactions): the service already ships every log line to CloudWatch Logs through the
 * awslogs driver, so the audit record costs one more line there (~300 bytes), the service needs
 * no AWS SDK call, no credentials and no retry logic in the request path, and a slow audit path
 * can never slow a payment. CloudWatch Logs hands Firehose gzip batches of events (one Firehose
 * record per batch, not per transaction), Firehose unpacks them (Decompression + CloudWatch Logs
 * message extraction: the S3 objects hold exactly the JSON lines the service wrote, one per line)
 * and writes a gzip object every `TRANSACTION_AUDIT_BUFFER_SECONDS` or 5 MiB.
 *
 * Written with the L1 resource and a role of our own: the L2 adds a second role and grants
 * `s3:DeleteObject*`, `kms:ReEncrypt*` and more than Firehose needs. The role has exactly what
 * the Firehose developer guide lists for an S3 destination ("Grant Firehose access to an Amazon
 * S3 destination", https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html):
 * the six S3 actions on this bucket, the key through S3 for this bucket only, and writing its
 * error log group; it trusts Firehose for this account only (`sts:ExternalId`, as that page
 * shows). The stream itself is encrypted with the audit key (server-side encryption of a Direct
 * PUT stream).
 */
export class TransactionAuditDelivery extends Construct {
  /** The Firehose stream. */
  public readonly stream: firehose.CfnDeliveryStream;
  /** The role Firehose writes to the bucket with. */
  public readonly role: iam.Role;
  /** The subscription filter on the service's log group. */
  public readonly subscription: logs.SubscriptionFilter;
  /** Firehose's error log group. */
  public readonly errorLogGroup: EncryptedLogGroup;

  constructor(scope: Construct, id: string, props: TransactionAuditDeliveryProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { region, account, partition } = stack;
    const { bucket, key } = props;
    this.errorLogGroup = new EncryptedLogGroup(this, 'ErrorLogGroup', { environment: props.environment, encryptionKey: key });
    const errorLogStream = new logs.LogStream(this, 'ErrorLogStream', { logGroup: this.errorLogGroup });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', { conditions: { StringEquals: { 'sts:ExternalId': account } } }),
      description: 'Firehose: write the transaction audit records into the audit bucket, nothing else',
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'WriteAuditBucket',
      actions: ['s3:AbortMultipartUpload', 's3:GetBucketLocation', 's3:GetObject', 's3:ListBucket', 's3:ListBucketMultipartUploads', 's3:PutObject'],
      resources: [bucket.bucketArn, bucket.arnForObjects('*')],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'UseAuditKeyThroughS3',
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [key.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucket.bucketArn, bucket.arnForObjects('*')] },
      },
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'WriteDeliveryErrors',
      actions: ['logs:PutLogEvents'],
      resources: [stack.formatArn({
        service: 'logs',
        resource: 'log-group',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        resourceName: `${this.errorLogGroup.logGroupName}:log-stream:${errorLogStream.logStreamName}`,
      })],
    }));
    const parameter = (parameterName: string, parameterValue: string) => ({ parameterName, parameterValue });
    this.stream = new firehose.CfnDeliveryStream(this, 'Stream', {
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'CUSTOMER_MANAGED_CMK', keyArn: key.keyArn },
      extendedS3DestinationConfiguration: {
        bucketArn: bucket.bucketArn,
        roleArn: this.role.roleArn,
        prefix: `${TRANSACTION_AUDIT_PREFIX}!{timestamp:yyyy/MM/dd/HH}/`,
        errorOutputPrefix: 'transactions-delivery-errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/',
        bufferingHints: { intervalInSeconds: TRANSACTION_AUDIT_BUFFER_SECONDS, sizeInMBs: 5 },
        compressionFormat: 'GZIP',
        encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: key.keyArn } },
        processingConfiguration: {
          enabled: true,
          processors: [
            { type: 'Decompression', parameters: [parameter('CompressionFormat', 'GZIP')] },
            { type: 'CloudWatchLogProcessing', parameters: [parameter('DataMessageExtraction', 'true')] },
            { type: 'AppendDelimiterToRecord', parameters: [] },
          ],
        },
        cloudWatchLoggingOptions: { enabled: true, logGroupName: this.errorLogGroup.logGroupName, logStreamName: errorLogStream.logStreamName },
      },
    });
    // Firehose checks its role when the stream is created: the policy must be there first.
    this.stream.node.addDependency(this.role);
    // CloudWatch Logs puts the matching events into the stream with a role of this account and
    // region only (the confused-deputy condition of the CloudWatch Logs subscription docs).
    const subscriptionRole = new iam.Role(this, 'SubscriptionRole', {
      assumedBy: new iam.ServicePrincipal('logs.amazonaws.com', {
        conditions: { StringLike: { 'aws:SourceArn': `arn:${partition}:logs:${region}:${account}:*` } },
      }),
      description: 'CloudWatch Logs: put the service\'s transaction audit records into their Firehose stream, nothing else',
    });
    subscriptionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'PutAuditRecords',
      actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
      resources: [this.stream.attrArn],
    }));
    this.subscription = new logs.SubscriptionFilter(this, 'Subscription', {
      logGroup: props.serviceLogGroup,
      destination: { bind: () => ({ arn: this.stream.attrArn, role: subscriptionRole }) },
      filterPattern: TRANSACTION_AUDIT_FILTER_PATTERN,
    });
    // CloudWatch Logs tests the destination with the role when the filter is created.
    this.subscription.node.addDependency(subscriptionRole);
  }

  /** A Firehose metric of the stream (AWS/Firehose, DeliveryStreamName). */
  public metric(metricName: string, options: { statistic: string; period: Duration }): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace: 'AWS/Firehose', metricName, dimensionsMap: { DeliveryStreamName: this.stream.ref }, ...options });
  }
}
