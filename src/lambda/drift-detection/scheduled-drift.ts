import { GAUGES, PIPELINE_DIMENSION } from '../../shared/delivery-metrics/metric-names';
import { CloudFormationDriftApi, checkDrift, DriftClientTarget, DriftTarget, StackDriftResult } from '../../shared/drift/drift-check';
import { driftCounts, driftPassed, formatDriftReport } from '../../shared/drift/drift-report';
import { MetricSink } from '../delivery-metrics/handle-event';

/**
 * The scheduled drift check (the entry point, ./drift-detection.handler.ts, only builds the
 * clients): every stage stack of the config, the DriftedStacks and DriftUncheckedStacks gauges,
 * and, when anything drifted or could not be checked, one notification on the pipeline's topic
 * with the drifted resources and properties.
 */

/** Seconds between two reads of a detection's status. */
export const DRIFT_POLL_SECONDS = 10;
/** A detection still running after this long leaves its stack unchecked (the function runs at most 15 minutes). */
export const DRIFT_TIMEOUT_SECONDS = 600;

/** SNS Publish to the pipeline's topic. */
export interface Notifier {
  publish(subject: string, message: string): Promise<void>;
}

export interface ScheduledDriftDeps {
  readonly pipelineName: string;
  readonly targets: readonly DriftTarget[];
  readonly cloudFormation: (where: DriftClientTarget) => CloudFormationDriftApi;
  /** Whether the pipeline never deployed a target's stage (asked when STS refuses its drift role). */
  readonly neverDeployed?: (target: DriftTarget) => Promise<boolean>;
  readonly metrics: MetricSink;
  readonly notifier: Notifier;
  /** Poll interval and timeout of each detection. */
  readonly pollMs: number;
  readonly timeoutMs: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** SNS caps a subject at 100 characters and a message at 256 KB. */
const MAX_SUBJECT = 100;
const MAX_MESSAGE_BYTES = 250_000;

/** The notification of a check that did not pass. */
export function driftNotification(pipelineName: string, results: readonly StackDriftResult[]): { subject: string; message: string } {
  const c = driftCounts(results);
  const subject = `Drift in ${pipelineName}: ${c.drifted} stack(s) drifted, ${c.unchecked} not checked`.slice(0, MAX_SUBJECT);
  const body = `${formatDriftReport(results)}\nWhat to do: RUNBOOKS.md, "Drift detected". Re-run on demand: npx projen drift -- --env <name>\n`;
  const message = Buffer.byteLength(body) > MAX_MESSAGE_BYTES ? `${body.slice(0, MAX_MESSAGE_BYTES)}\n(truncated: run npx projen drift for the whole report)\n` : body;
  return { subject, message };
}

/** Run the check, publish the gauges, notify when it did not pass; resolves to the results. */
export async function runScheduledDrift(deps: ScheduledDriftDeps): Promise<StackDriftResult[]> {
  const results = await checkDrift(deps.targets, {
    cloudFormation: deps.cloudFormation,
    neverDeployed: deps.neverDeployed,
    pollMs: deps.pollMs,
    timeoutMs: deps.timeoutMs,
    now: deps.now,
    sleep: deps.sleep,
  });
  const c = driftCounts(results);
  const at = new Date(deps.now?.() ?? Date.now());
  const dimensions = { [PIPELINE_DIMENSION]: deps.pipelineName };
  await deps.metrics.put([
    { name: GAUGES.driftedStacks, value: c.drifted, unit: 'Count', timestamp: at, dimensions },
    { name: GAUGES.driftUnchecked, value: c.unchecked, unit: 'Count', timestamp: at, dimensions },
  ]);
  if (!driftPassed(results)) {
    const { subject, message } = driftNotification(deps.pipelineName, results);
    await deps.notifier.publish(subject, message);
  }
  console.log(JSON.stringify({ ...c, stacks: results.map((r) => `${r.target.stackName}: ${r.status}`) }));
  return results;
}
