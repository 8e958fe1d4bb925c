import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { restrictGrantsToAwsResources } from '../constructs/key-policy';

/** Props of the NotificationTopic. */
export interface NotificationTopicProps {
  /** Addresses subscribed by e-mail (each must confirm once). */
  readonly emails: readonly string[];
}

/**
 * The pipeline's KMS-encrypted SNS topic: pipeline failures, successes and approval requests.
 * AWS CodeStar Notifications publishes to it, so its key and topic policy admit that service.
 */
export class NotificationTopic extends Construct {
  /** The topic. */
  public readonly topic: sns.Topic;
  /** The customer-managed key encrypting the topic (rotation on). */
  public readonly key: kms.Key;
  private alarmsAllowed = false;

  constructor(scope: Construct, id: string, props: NotificationTopicProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the delivery pipeline notification topic',
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    restrictGrantsToAwsResources(this.key);
    // CodeStar Notifications publishes pipeline events; it must be able to use the key.
    this.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCodeStarNotifications',
      principals: [new iam.ServicePrincipal('codestar-notifications.amazonaws.com')],
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:ViaService': `sns.${this.key.stack.region}.amazonaws.com` } },
    }));
    this.topic = new sns.Topic(this, 'Topic', {
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of props.emails) {
      this.topic.addSubscription(new subs.EmailSubscription(email));
    }
  }

  /**
   * Let CloudWatch alarms of this account publish to the topic (the delivery metrics' and the
   * drift check's error alarms): CloudWatch encrypts what it publishes with the topic key, and
   * enforceSSL replaced the default topic policy, so both grants are explicit. Once per topic.
   */
  public allowAlarmsOfThisAccount(): void {
    if (this.alarmsAllowed) return;
    this.alarmsAllowed = true;
    const { account, region, partition } = Stack.of(this);
    this.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
    }));
    this.topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsOfThisAccount',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [this.topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': account },
        ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
      },
    }));
  }
}
