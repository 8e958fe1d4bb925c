import * as path from 'path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { NotificationTopic } from './notification-topic';
import { PipelineFunction } from './pipeline-function';
import { FINAL_EVENT_STATES } from '../../lambda/delivery-metrics/handle-event';
import { LAYOUT_VARIABLE } from '../../lambda/delivery-metrics/layout-env';
import { PipelineLayout } from '../../shared/delivery-metrics/history';
import { COUNTERS, DELIVERY_METRICS_NAMESPACE, DURATIONS, GAUGES, PIPELINE_DIMENSION, STAGE_DIMENSION } from '../../shared/delivery-metrics/metric-names';

/** Props of DeliveryMetrics. */
export interface DeliveryMetricsProps {
  /** The pipeline's stages and actions the definitions read (src/config/pipeline-layout.ts). */
  readonly layout: PipelineLayout;
  /** ARN of the CodePipeline (the rules match its events; the function reads its history). */
  readonly pipelineArn: string;
  /** The key of the pipeline's logs. */
  readonly logsKey: kms.IKey;
  /** The pipeline's topic (the function's error alarm). */
  readonly notifications: NotificationTopic;
  /** Every CodePipeline stage, in order (the dashboard's time per stage). */
  readonly stageNames: readonly string[];
}

/** The CodePipeline event names (CodePipeline User Guide, "Monitoring CodePipeline events"). */
export const PIPELINE_EXECUTION_EVENT = 'CodePipeline Pipeline Execution State Change';
export const ACTION_EXECUTION_EVENT = 'CodePipeline Action Execution State Change';

/**
 * The pipeline measures itself (README "Delivery metrics"): two EventBridge rules on CodePipeline's
 * state-change events of this pipeline (an execution's end; an approval's start and end) invoke a
 * function that publishes the four DORA keys, the approval wait, the bake and the time per stage
 * to the `DeliveryPipeline` namespace (src/lambda/delivery-metrics/), deduplicated through a claim
 * table; a dashboard shows them over 7 and 30 days with the approvals waiting and the drifted stacks.
 *
 * Least privilege: the function may read this one pipeline's history, write and delete claims in
 * its one table, write its own log group, and publish metrics to its namespace only
 * (`cloudwatch:PutMetricData` takes no resource, so the `cloudwatch:namespace` condition key is
 * what scopes it: Service Authorization Reference, Amazon CloudWatch, condition keys).
 */
export class DeliveryMetrics extends Construct {
  public readonly function: PipelineFunction;
  /** Claims of published datapoints (key `pk`, expiring through TTL `expiresAt`). */
  public readonly claims: dynamodb.Table;
  /** An execution's end (SUCCEEDED, FAILED, STOPPED, SUPERSEDED, CANCELED). */
  public readonly executionEndRule: events.Rule;
  /** A manual approval's start and end (the approvals-waiting gauge). */
  public readonly approvalRule: events.Rule;
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DeliveryMetricsProps) {
    super(scope, id);
    const { layout } = props;
    this.claims = new dynamodb.Table(this, 'Claims', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.function = new PipelineFunction(this, 'Publisher', {
      handlerSource: path.join('src', 'lambda', 'delivery-metrics', 'delivery-metrics.handler.ts'),
      description: `Delivery metrics of ${layout.pipelineName} (DORA keys from CodePipeline's events)`,
      roleDescription: 'Delivery metrics: read this pipeline\'s history, claim datapoints, publish to the DeliveryPipeline namespace',
      timeout: Duration.minutes(2),
      environment: { [LAYOUT_VARIABLE]: JSON.stringify(layout), CLAIMS_TABLE: this.claims.tableName },
      logsKey: props.logsKey,
      notifications: props.notifications,
    });
    const role = this.function.role;
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadThisPipelinesHistory',
      actions: ['codepipeline:ListPipelineExecutions', 'codepipeline:ListActionExecutions', 'codepipeline:GetPipelineState'],
      resources: [props.pipelineArn],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ClaimDatapoints', actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'], resources: [this.claims.tableArn],
    }));
    role.addToPrincipalPolicy(publishToNamespace());

    const target = new targets.LambdaFunction(this.function.function, { retryAttempts: 8, maxEventAge: Duration.hours(6) });
    this.executionEndRule = new events.Rule(this, 'ExecutionEnds', {
      description: `Ends of ${layout.pipelineName} executions -> delivery metrics`,
      eventPattern: { source: ['aws.codepipeline'], detailType: [PIPELINE_EXECUTION_EVENT], resources: [props.pipelineArn], detail: { state: [...FINAL_EVENT_STATES] } },
      targets: [target],
    });
    this.approvalRule = new events.Rule(this, 'ApprovalChanges', {
      description: `Manual approvals of ${layout.pipelineName} start or end -> approvals waiting`,
      eventPattern: { source: ['aws.codepipeline'], detailType: [ACTION_EXECUTION_EVENT], resources: [props.pipelineArn], detail: { type: { category: ['Approval'] } } },
      targets: [target],
    });
    this.dashboard = deliveryDashboard(this, layout, props.stageNames);
  }
}

/** `cloudwatch:PutMetricData` to the delivery metrics namespace only. */
export function publishToNamespace(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'PublishOwnNamespaceOnly',
    actions: ['cloudwatch:PutMetricData'],
    resources: ['*'],
    conditions: { StringEquals: { 'cloudwatch:namespace': DELIVERY_METRICS_NAMESPACE } },
  });
}

/** The dashboard: the four keys over 7 and 30 days, time per stage, approvals, drift. */
function deliveryDashboard(scope: Construct, layout: PipelineLayout, stages: readonly string[]): cloudwatch.Dashboard {
  const metric = (metricName: string, statistic: string, extra: Record<string, string> = {}) => new cloudwatch.Metric({
    namespace: DELIVERY_METRICS_NAMESPACE,
    metricName,
    statistic,
    dimensionsMap: { [PIPELINE_DIMENSION]: layout.pipelineName, ...extra },
    period: Duration.days(1),
  });
  const keys = (days: number) => {
    const range = { start: `-P${days}D`, setPeriodToTimeRange: true, width: 6, height: 4 };
    return [
      new cloudwatch.SingleValueWidget({ ...range, title: `Deployments, ${days} days`, metrics: [metric(COUNTERS.deployments, 'Sum').with({ label: 'deployments' })] }),
      new cloudwatch.SingleValueWidget({
        ...range,
        title: `Lead time (median, hours), ${days} days`,
        metrics: [new cloudwatch.MathExpression({ expression: 'lt / 3600', usingMetrics: { lt: metric(DURATIONS.leadTime, 'p50') }, label: 'hours' })],
      }),
      new cloudwatch.SingleValueWidget({
        ...range,
        title: `Change failure rate (%), ${days} days`,
        metrics: [new cloudwatch.MathExpression({
          expression: '100 * f / a',
          label: '%',
          usingMetrics: { f: metric(COUNTERS.changeFailures, 'Sum'), a: metric(COUNTERS.deploymentAttempts, 'Sum') },
        })],
      }),
      new cloudwatch.SingleValueWidget({
        ...range,
        title: `Time to restore (median, hours), ${days} days`,
        metrics: [new cloudwatch.MathExpression({ expression: 'r / 3600', usingMetrics: { r: metric(DURATIONS.timeToRestore, 'p50') }, label: 'hours' })],
      }),
    ];
  };
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', { defaultInterval: Duration.days(30) });
  dashboard.addWidgets(new cloudwatch.TextWidget({
    markdown: `## Delivery of ${layout.pipelineName}\nDefinitions: README "Delivery metrics". The same numbers for any period: \`npx projen pipeline:metrics -- --days 30\`.`,
    width: 24,
    height: 2,
  }));
  dashboard.addWidgets(...keys(7));
  dashboard.addWidgets(...keys(30));
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Time per stage of each deployment (median per day, seconds)',
      width: 12,
      height: 6,
      stacked: true,
      left: stages.map((s) => metric(DURATIONS.stageDuration, 'p50', { [STAGE_DIMENSION]: s }).with({ label: s })),
    }),
    new cloudwatch.GraphWidget({
      title: 'Approval wait and bake (median per day, seconds)',
      width: 12,
      height: 6,
      left: [metric(DURATIONS.approvalWait, 'p50').with({ label: 'approval wait' }), metric(DURATIONS.bakeTime, 'p50').with({ label: 'bake' })],
      right: [metric(COUNTERS.approvalsRejected, 'Sum').with({ label: 'approvals rejected' })],
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.SingleValueWidget({ title: 'Approvals waiting now', width: 8, height: 4, metrics: [metric(GAUGES.approvalsWaiting, 'Maximum').with({ period: Duration.minutes(5), label: 'waiting' })] }),
    new cloudwatch.GraphWidget({
      title: 'Drifted stage stacks (scheduled drift check)',
      width: 16,
      height: 4,
      left: [metric(GAUGES.driftedStacks, 'Maximum').with({ label: 'drifted' }), metric(GAUGES.driftUnchecked, 'Maximum').with({ label: 'not checked' })],
    }),
  );
  return dashboard;
}
