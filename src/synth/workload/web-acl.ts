import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../../config/schema';
import { EncryptedLogGroup, WorkloadKey } from '../constructs/encryption';

/** Props of a RegionalWebAcl. */
export interface RegionalWebAclProps {
  /** The environment (log retention and removal rules). */
  readonly environment: EnvironmentConfig;
  /** Stage name prefix (`<app>-<env>-<region>`): metric names and the log group name carry it. */
  readonly namePrefix: string;
  /** ARN of the load balancer to protect. */
  readonly resourceArn: string;
  /** Key encrypting the WAF log group (its policy must admit CloudWatch Logs). */
  readonly logsKey: WorkloadKey;
  /**
   * Requests one client IP may send in 5 minutes before it is blocked.
   * @default 2000
   */
  readonly rateLimitPer5Minutes?: number;
  /**
   * Requests one `Authorization` header value (one access token) may send per minute, across
   * every task and from any number of addresses, before it is blocked.
   * @default TOKEN_RATE_LIMIT_PER_MINUTE
   */
  readonly tokenRateLimitPerMinute?: number;
}

/**
 * Requests per minute one access token may send before WAF answers 429: 1200, i.e. 20 per
 * second across the whole fleet, the service's own per-task default (CLIENT_RATE_LIMIT_PER_SECOND,
 * app/README.md "Rate limits"). The service limits each client per task; this is the coarse,
 * fleet-wide ceiling in front of it, which the per-task buckets cannot give.
 */
export const TOKEN_RATE_LIMIT_PER_MINUTE = 1200;

/** The body of every WAF rate-limit answer: the service's own error shape and code. */
export const RATE_LIMITED_BODY = JSON.stringify({
  error: 'rate_limited',
  message: 'Too many requests: slow down and retry after the number of seconds in Retry-After.',
});

/**
 * A rate-based rule's block as 429 Too Many Requests with a fixed `Retry-After` (WAF's default
 * is 403; a custom response may set any status from 200 to 599 and any header but content-type,
 * https://docs.aws.amazon.com/waf/latest/developerguide/customizing-the-response-status-codes.html).
 * `Retry-After` is the rule's evaluation window: WAF keeps blocking until the rate over the
 * window falls below the limit.
 */
function tooManyRequests(windowSeconds: number): wafv2.CfnWebACL.RuleActionProperty {
  return {
    block: {
      customResponse: {
        responseCode: 429,
        customResponseBodyKey: 'rate-limited',
        responseHeaders: [{ name: 'Retry-After', value: String(windowSeconds) }],
      },
    },
  };
}

const MANAGED_RULE_GROUPS = [
  // Cheapest first: known-bad IPs are dropped before anything inspects the request.
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesSQLiRuleSet',
];

/**
 * A REGIONAL WAFv2 web ACL on the load balancer: AWS managed rule groups (IP reputation,
 * common, known bad inputs, SQL injection) and two rate limits, both answered with 429 and
 * `Retry-After`:
 * - per client address (every request, with or without a token): 2000 per 5 minutes;
 * - per access token: a rate-based rule keyed on the `Authorization` header alone
 *   (`CUSTOM_KEYS`), TOKEN_RATE_LIMIT_PER_MINUTE per minute. WAF cannot read a JWT's
 *   `client_id`, so this counts per token value; a token is valid 5 minutes to a day and every
 *   token request is billed, so a client's token is its key in practice. A request without the
 *   header is left out of that rule ("requests that are missing any of the components specified
 *   in the aggregation keys are omitted", https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-aggregation-options.html),
 *   which is why the per-address rule stays for everything.
 * WAF applies a limit "near" its value, not exactly (same guide); the service's own per-client
 * buckets (429 too) are exact per task. Blocked and counted
 * requests are logged (allowed ones are dropped by a logging filter to keep it cheap) to a
 * KMS-encrypted log group, whose name AWS requires to start with `aws-waf-logs-`.
 */
export class RegionalWebAcl extends Construct {
  /** The web ACL. */
  public readonly webAcl: wafv2.CfnWebACL;
  /** The WAF log group (`aws-waf-logs-<app>-<env>-<region>`). */
  public readonly logGroup: EncryptedLogGroup;

  constructor(scope: Construct, id: string, props: RegionalWebAclProps) {
    super(scope, id);
    const metric = (name: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `${props.namePrefix}-${name}`,
    });

    const rules: wafv2.CfnWebACL.RuleProperty[] = [
      {
        name: 'RateLimitPerIp',
        priority: 0,
        action: tooManyRequests(300),
        statement: { rateBasedStatement: { limit: props.rateLimitPer5Minutes ?? 2000, evaluationWindowSec: 300, aggregateKeyType: 'IP' } },
        visibilityConfig: metric('rate-limit'),
      },
      {
        name: 'RateLimitPerToken',
        priority: 1,
        action: tooManyRequests(60),
        statement: {
          rateBasedStatement: {
            limit: props.tokenRateLimitPerMinute ?? TOKEN_RATE_LIMIT_PER_MINUTE,
            evaluationWindowSec: 60,
            aggregateKeyType: 'CUSTOM_KEYS',
            customKeys: [{ header: { name: 'authorization', textTransformations: [{ priority: 0, type: 'NONE' }] } }],
          },
        },
        visibilityConfig: metric('rate-limit-per-token'),
      },
      ...MANAGED_RULE_GROUPS.map((name, i): wafv2.CfnWebACL.RuleProperty => ({
        name,
        priority: i + 2,
        overrideAction: { none: {} },
        statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
        visibilityConfig: metric(name),
      })),
    ];

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      description: `Web ACL of ${props.namePrefix}`,
      rules,
      customResponseBodies: { 'rate-limited': { contentType: 'APPLICATION_JSON', content: RATE_LIMITED_BODY } },
      visibilityConfig: metric('web-acl'),
    });
    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.resourceArn,
      webAclArn: this.webAcl.attrArn,
    });

    const logGroupName = `aws-waf-logs-${props.namePrefix}`;
    this.logGroup = new EncryptedLogGroup(this, 'LogGroup', {
      environment: props.environment,
      encryptionKey: props.logsKey,
      logGroupName,
    });
    const logging = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // WAF wants the log group ARN without the trailing ':*' that LogGroup.logGroupArn has.
      logDestinationConfigs: [Stack.of(this).formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: logGroupName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      })],
      redactedFields: [
        { singleHeader: { Name: 'authorization' } },
        { singleHeader: { Name: 'cookie' } },
      ],
      loggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [{
          Behavior: 'KEEP',
          Requirement: 'MEETS_ANY',
          Conditions: [
            { ActionCondition: { Action: 'BLOCK' } },
            { ActionCondition: { Action: 'COUNT' } },
          ],
        }],
      },
    });
    logging.node.addDependency(this.logGroup);
  }
}
