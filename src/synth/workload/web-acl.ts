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
 * common, known bad inputs, SQL injection) and a per-IP rate limit. Blocked and counted
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
        action: { block: {} },
        statement: { rateBasedStatement: { limit: props.rateLimitPer5Minutes ?? 2000, aggregateKeyType: 'IP' } },
        visibilityConfig: metric('rate-limit'),
      },
      ...MANAGED_RULE_GROUPS.map((name, i): wafv2.CfnWebACL.RuleProperty => ({
        name,
        priority: i + 1,
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
