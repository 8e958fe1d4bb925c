/**
 * The CloudWatch metrics of the delivery pipeline: one namespace the functions may publish to
 * (their roles' `cloudwatch:PutMetricData` carries a `cloudwatch:namespace` condition naming it),
 * the metric names and units, and the dimensions. The functions publish them, the dashboard
 * (src/synth/pipeline/delivery-metrics.ts) reads them, the CLI prints the same quantities.
 */

/** The namespace of every metric the delivery metrics and the drift check publish. */
export const DELIVERY_METRICS_NAMESPACE = 'DeliveryPipeline';

/** Dimension naming the pipeline (every metric). */
export const PIPELINE_DIMENSION = 'Pipeline';
/** Dimension naming the CodePipeline stage (StageDuration only). */
export const STAGE_DIMENSION = 'Stage';

/** Counters: one datapoint of value 1 per occurrence, deduplicated by the function before it publishes. */
export const COUNTERS = {
  /** An execution whose last production stage succeeded. */
  deployments: 'Deployments',
  /** An execution that started deploying to production (the change failure rate's denominator). */
  deploymentAttempts: 'ProdDeploymentAttempts',
  /** A production deployment that failed, was rolled back or needed a manual fix. */
  changeFailures: 'ChangeFailures',
  /** A manual approval that was rejected. */
  approvalsRejected: 'ApprovalsRejected',
} as const;

/** Durations in seconds: one datapoint per occurrence, deduplicated like the counters. */
export const DURATIONS = {
  /** From the commit (or the execution's start) to the deployment. */
  leadTime: 'LeadTime',
  /** From the first change failure after a deployment to the next deployment. */
  timeToRestore: 'TimeToRestore',
  /** From an approval's request to its answer. */
  approvalWait: 'ApprovalWait',
  /** A bake between production regions. */
  bakeTime: 'BakeTime',
  /** One stage of a deployment, from its first action's start to its last action's end. */
  stageDuration: 'StageDuration',
} as const;

/** Gauges: the state at the time of publishing; a repeated publication repeats the same value. */
export const GAUGES = {
  /** Manual approvals waiting for an answer now. */
  approvalsWaiting: 'ApprovalsWaiting',
  /** Stage stacks whose drift check found unexpected differences. */
  driftedStacks: 'DriftedStacks',
  /** Stage stacks the drift check could not check completely. */
  driftUnchecked: 'DriftUncheckedStacks',
} as const;

/** Every metric name a counter or a duration datapoint carries. */
export type DatapointMetric = typeof COUNTERS[keyof typeof COUNTERS] | typeof DURATIONS[keyof typeof DURATIONS];
