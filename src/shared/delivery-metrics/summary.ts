import { Datapoint } from './datapoints';
import { DoraBand, doraBand } from './dora-bands';
import { COUNTERS, DURATIONS } from './metric-names';

/**
 * The four keys and the separately reported times over a period, from the datapoints
 * (./datapoints.ts): what `npx projen pipeline:metrics` prints, and what the dashboard shows
 * from the published metrics. Durations are medians (the middle value; the mean of the two
 * middle ones for an even count), as DORA asks for "typical" times.
 */

/** A duration over the period. */
export interface DurationStats {
  readonly count: number;
  /** Seconds; undefined without datapoints. */
  readonly medianSeconds?: number;
}

/** The summary of one period. */
export interface DeliverySummary {
  readonly pipeline: string;
  readonly from: string;
  readonly to: string;
  readonly days: number;
  readonly deploymentFrequency: { readonly deployments: number; readonly perDay: number; readonly band?: DoraBand };
  readonly leadTime: DurationStats & {
    /** How many lead times were measured from the commit's author date, and how many from the execution's start. */
    readonly fromCommit: number; readonly fromExecutionStart: number; readonly band?: DoraBand;
  };
  readonly changeFailureRate: { readonly failures: number; readonly attempts: number; readonly rate?: number; readonly band?: DoraBand };
  readonly timeToRestore: DurationStats & {
    /** A change failure after the last deployment of the period: production has not been restored since (ISO time). */
    readonly failingSince?: string; readonly band?: DoraBand;
  };
  readonly approvalWait: DurationStats & { readonly rejected: number; readonly waitingNow?: number };
  readonly bakeTime: DurationStats;
  /** Per stage, in pipeline order: the time of each deployment's stage. */
  readonly stages: ReadonlyArray<DurationStats & { readonly stage: string }>;
}

/** The median of some numbers (undefined for none). */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function stats(points: readonly Datapoint[]): DurationStats {
  return { count: points.length, medianSeconds: median(points.map((p) => p.value)) };
}

/** Options of {@link summarize}. */
export interface SummaryOptions {
  readonly pipeline: string;
  /** The period's end. */
  readonly to: Date;
  /** Its length in days. */
  readonly days: number;
  /** Approvals waiting at `to`, when known (GetPipelineState). */
  readonly approvalsWaiting?: number;
}

/** The summary of the datapoints whose time falls in (to - days, to]. */
export function summarize(all: readonly Datapoint[], options: SummaryOptions): DeliverySummary {
  const from = new Date(options.to.getTime() - options.days * 86_400_000);
  const points = all.filter((p) => p.timestamp > from && p.timestamp <= options.to);
  const of = (metric: string) => points.filter((p) => p.metric === metric);
  const deployments = of(COUNTERS.deployments).length;
  const perDay = deployments / options.days;
  const lead = of(DURATIONS.leadTime);
  const leadStats = stats(lead);
  const attempts = of(COUNTERS.deploymentAttempts).length;
  const failures = of(COUNTERS.changeFailures).length;
  const rate = attempts > 0 ? failures / attempts : undefined;
  const restore = stats(of(DURATIONS.timeToRestore));
  const lastDeployment = all.filter((p) => p.metric === COUNTERS.deployments && p.timestamp <= options.to).at(-1);
  const openFailure = all.filter((p) => p.metric === COUNTERS.changeFailures && p.timestamp <= options.to
    && (!lastDeployment || p.timestamp > lastDeployment.timestamp))[0];
  const stageOrder = new Map<string, number[]>();
  for (const p of of(DURATIONS.stageDuration)) stageOrder.set(p.stage!, [...(stageOrder.get(p.stage!) ?? []), p.stageOrder ?? 0]);
  const stages = [...stageOrder.keys()]
    .sort((a, b) => median(stageOrder.get(a)!)! - median(stageOrder.get(b)!)! || a.localeCompare(b))
    .map((stage) => ({ stage, ...stats(of(DURATIONS.stageDuration).filter((p) => p.stage === stage)) }));
  return {
    pipeline: options.pipeline,
    from: from.toISOString(),
    to: options.to.toISOString(),
    days: options.days,
    deploymentFrequency: { deployments, perDay, band: doraBand('deploymentFrequency', perDay) },
    leadTime: {
      ...leadStats,
      fromCommit: lead.filter((p) => p.from === 'commit').length,
      fromExecutionStart: lead.filter((p) => p.from === 'execution-start').length,
      band: doraBand('leadTime', leadStats.medianSeconds),
    },
    changeFailureRate: { failures, attempts, rate, band: doraBand('changeFailureRate', rate) },
    timeToRestore: { ...restore, failingSince: openFailure?.timestamp.toISOString(), band: doraBand('timeToRestore', restore.medianSeconds) },
    approvalWait: { ...stats(of(DURATIONS.approvalWait)), rejected: of(COUNTERS.approvalsRejected).length, waitingNow: options.approvalsWaiting },
    bakeTime: stats(of(DURATIONS.bakeTime)),
    stages,
  };
}
