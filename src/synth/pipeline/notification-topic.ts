import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as notifications from 'aws-cdk-lib/aws-codestarnotifications';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { restrictGrantsToAwsResources } from '../constructs/key-policy';

/** The service that publishes pipeline events (failures, successes, approval requests). */
const CODESTAR_NOTIFICATIONS = 'codestar-notifications.amazonaws.com';

/**
 * The confused-deputy conditions on what CodeStar Notifications may do with the topic and its
 * key: only on behalf of this account, and (when the service names it) one of this account's
 * notification rules in this region.
 * - `aws:SourceAccount` (StringEquals) is AWS's documented condition for this service's topic
 *   policy (Developer Tools console user guide, "Configure Amazon SNS topics for
 *   notifications": `"Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}`,
 *   https://docs.aws.amazon.com/dtconsole/latest/userguide/set-up-sns.html).
 * - `aws:SourceArn` is not documented for CodeStar Notifications, so it is checked only when the
 *   service sends it (`ArnLikeIfExists`): a strict condition on a key the service might not send
 *   would silently stop every approval request from arriving.
 */
function sourceConditions(stack: Stack, ifExists: boolean): Record<string, Record<string, string>> {
  return {
    [ifExists ? 'StringEqualsIfExists' : 'StringEquals']: { 'aws:SourceAccount': stack.account },
    ArnLikeIfExists: { 'aws:SourceArn': stack.formatArn({ service: 'codestar-notifications', resource: 'notificationrule', resourceName: '*' }) },
  };
}

/**
 * An SNS topic that admits CodeStar Notifications only with the confused-deputy conditions.
 * aws-cdk-lib 2.257's `Topic.bindAsNotificationRuleTarget` grants the service `sns:Publish`
 * (and the key) with no condition at all (aws-sns/lib/topic-base.ts): this override grants the
 * same actions with the conditions instead.
 */
class ConditionedNotificationsTopic extends sns.Topic {
  public bindAsNotificationRuleTarget(_scope: Construct): notifications.NotificationRuleTargetConfig {
    this.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCodeStarNotificationsOfThisAccount',
      principals: [new iam.ServicePrincipal(CODESTAR_NOTIFICATIONS)],
      actions: ['sns:Publish'],
      resources: [this.topicArn],
      conditions: sourceConditions(this.stack, false),
    }));
    return { targetType: 'SNS', targetAddress: this.topicArn };
  }
}

/** Props of the NotificationTopic. */
export interface NotificationTopicProps {
  /** Addresses subscribed by e-mail (each must confirm once). */
  readonly emails: readonly string[];
}

/**
 * The pipeline's KMS-encrypted SNS topic: pipeline failures, successes and approval requests.
 * AWS CodeStar Notifications publishes to it, so its key and topic policy admit that service,
 * for this account's notification rules only.
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
    // CodeStar Notifications publishes pipeline events; it must be able to use the key, through
    // SNS in this region and (where the request names them) for this account's rules. SNS makes
    // the KMS call, so the source keys are checked only if present.
    this.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCodeStarNotifications',
      principals: [new iam.ServicePrincipal(CODESTAR_NOTIFICATIONS)],
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:ViaService': `sns.${this.key.stack.region}.amazonaws.com` }, ...sourceConditions(this.key.stack, true) },
    }));
    this.topic = new ConditionedNotificationsTopic(this, 'Topic', {
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
