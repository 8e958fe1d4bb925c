import { approvalsWaiting, CodePipelineApi, loadHistory } from '../../shared/delivery-metrics/codepipeline-reader';
import { Datapoint, deliveryDatapoints } from '../../shared/delivery-metrics/datapoints';
import { FINAL_EXECUTION_STATUSES, PipelineLayout } from '../../shared/delivery-metrics/history';
import { GAUGES, PIPELINE_DIMENSION, STAGE_DIMENSION } from '../../shared/delivery-metrics/metric-names';

/**
 * What the function does with one CodePipeline state-change event (the Lambda entry point,
 * ./delivery-metrics.handler.ts, only builds the clients).
 *
 * Where the state lives: in CodePipeline's own history. At the end of an execution (its
 * pipeline-level SUCCEEDED, FAILED, STOPPED, SUPERSEDED or CANCELED event) the function reads the
 * history (ListPipelineExecutions, ListActionExecutions) back to the previous deployment, computes
 * every datapoint the definitions give (src/shared/delivery-metrics/datapoints.ts, the code the
 * CLI runs) and publishes the ones that execution owns, each stamped with the time it happened.
 * Events arriving late or out of order change nothing: the history read is the same whatever
 * order they came in.
 *
 * Why a claim table as well: EventBridge delivers "on a guaranteed, at-least-once basis"
 * (CodePipeline User Guide, "Monitoring CodePipeline events"), and CloudWatch does not dedupe
 * datapoints: two PutMetricData calls with the same value and timestamp are two samples (a Sum
 * of 2). So before publishing, the function claims each datapoint's key (`deployment#<execution>`,
 * ...) with a conditional write (`attribute_not_exists`); a repeated event finds its keys claimed
 * and publishes nothing. A failed publication releases its claims and fails the invocation, so
 * the retry publishes; a function stopped between claim and publication loses that datapoint
 * (never doubles it), and `npx projen pipeline:metrics` still counts it from the history.
 *
 * Gauges (approvals waiting) are read from GetPipelineState at every event and stamped with the
 * time of reading: a repeated or late event republishes the current state, which is what a gauge is.
 */

/** The EventBridge event (the fields read). */
export interface CodePipelineEvent {
  readonly 'detail-type': string;
  readonly 'time': string;
  readonly 'detail': {
    readonly 'pipeline'?: string;
    readonly 'execution-id'?: string;
    readonly 'state'?: string;
    readonly 'start-time'?: string;
  };
}

/** One CloudWatch datum. */
export interface MetricDatum {
  readonly name: string;
  readonly value: number;
  readonly unit: 'Count' | 'Seconds';
  readonly timestamp: Date;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** Claims of datapoint keys (DynamoDB conditional writes). */
export interface ClaimStore {
  /** Claim `key`; false when it was claimed before. */
  claim(key: string): Promise<boolean>;
  /** Give a claim back (its publication failed). */
  release(key: string): Promise<void>;
}

/** PutMetricData into the delivery metrics namespace. */
export interface MetricSink {
  put(data: readonly MetricDatum[]): Promise<void>;
}

/** What the handler needs. */
export interface HandlerDeps {
  readonly api: CodePipelineApi;
  readonly claims: ClaimStore;
  readonly metrics: MetricSink;
  readonly layout: PipelineLayout;
  /** @default the system clock */
  readonly now?: () => Date;
  /** @default console.log */
  readonly log?: (line: string) => void;
}

/** What one event led to. */
export interface HandleResult {
  /** Keys of the datapoints published. */
  readonly published: string[];
  /** Keys already claimed by an earlier delivery. */
  readonly duplicates: string[];
  /** Keys too old for CloudWatch (more than two weeks in the past): left to the CLI. */
  readonly tooOld: string[];
  readonly approvalsWaiting?: number;
}

/** The history does not show the execution as ended yet: fail, so Lambda retries the event. */
export class NotYetVisibleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotYetVisibleError';
  }
}

/** Pipeline-level states after which the execution changes no more. */
export const FINAL_EVENT_STATES: readonly string[] = ['SUCCEEDED', 'FAILED', 'STOPPED', 'SUPERSEDED', 'CANCELED'];
/** CloudWatch refuses datapoints "more than two weeks in the past" (PutMetricData, MetricDatum.Timestamp). */
export const MAX_DATAPOINT_AGE_MS = 14 * 86_400_000;
/** PutMetricData takes at most 1000 metrics per call. */
const PUT_BATCH = 1000;

/** The datum of a datapoint. */
export function datumOf(p: Datapoint, pipeline: string): MetricDatum {
  const dimensions: Record<string, string> = { [PIPELINE_DIMENSION]: pipeline };
  if (p.stage) dimensions[STAGE_DIMENSION] = p.stage;
  return { name: p.metric, value: p.value, unit: p.unit, timestamp: p.timestamp, dimensions };
}

/** The datapoints an ended execution owns, from the history as CodePipeline shows it now. */
async function ownedDatapoints(event: CodePipelineEvent, deps: HandlerDeps): Promise<Datapoint[]> {
  const id = event.detail['execution-id'];
  if (!id) throw new Error(`the ${event.detail.state} event has no execution-id`);
  let since = new Date(event.detail['start-time'] ?? event.time);
  let history = await loadHistory(deps.api, deps.layout.pipelineName, { since });
  let focus = history.executions.find((e) => e.id === id);
  if (focus && focus.startTime < since) {
    since = focus.startTime;
    history = await loadHistory(deps.api, deps.layout.pipelineName, { since });
    focus = history.executions.find((e) => e.id === id);
  }
  if (!focus) throw new NotYetVisibleError(`execution ${id} is not in the history of ${deps.layout.pipelineName} yet`);
  if (!FINAL_EXECUTION_STATUSES.has(focus.status)) throw new NotYetVisibleError(`execution ${id} is still ${focus.status} in the history`);
  return deliveryDatapoints(history, deps.layout).filter((p) => p.owner === id);
}

/** Claims, then publishes, the datapoints; releases the claims if publishing fails. */
async function publishOnce(points: readonly Datapoint[], deps: HandlerDeps, now: Date): Promise<Omit<HandleResult, 'approvalsWaiting'>> {
  const published: Datapoint[] = [];
  const duplicates: string[] = [];
  const tooOld: string[] = [];
  for (const p of points) {
    if (now.getTime() - p.timestamp.getTime() > MAX_DATAPOINT_AGE_MS) tooOld.push(p.key);
    else if (await deps.claims.claim(p.key)) published.push(p);
    else duplicates.push(p.key);
  }
  try {
    for (let i = 0; i < published.length; i += PUT_BATCH) {
      await deps.metrics.put(published.slice(i, i + PUT_BATCH).map((p) => datumOf(p, deps.layout.pipelineName)));
    }
  } catch (e) {
    for (const p of published) await deps.claims.release(p.key);
    throw e;
  }
  return { published: published.map((p) => p.key), duplicates, tooOld };
}

/** Handle one event. */
export async function handleDeliveryEvent(event: CodePipelineEvent, deps: HandlerDeps): Promise<HandleResult> {
  const log = deps.log ?? ((line: string) => console.log(line));
  const now = deps.now?.() ?? new Date();
  if (event.detail.pipeline !== deps.layout.pipelineName) {
    log(JSON.stringify({ ignored: `event of pipeline ${event.detail.pipeline}, not ${deps.layout.pipelineName}` }));
    return { published: [], duplicates: [], tooOld: [] };
  }
  const waiting = await approvalsWaiting(deps.api, deps.layout);
  await deps.metrics.put([{
    name: GAUGES.approvalsWaiting, value: waiting, unit: 'Count', timestamp: now, dimensions: { [PIPELINE_DIMENSION]: deps.layout.pipelineName },
  }]);
  const ended = event['detail-type'] === 'CodePipeline Pipeline Execution State Change' && FINAL_EVENT_STATES.includes(event.detail.state ?? '');
  const result = ended ? await publishOnce(await ownedDatapoints(event, deps), deps, now) : { published: [], duplicates: [], tooOld: [] };
  log(JSON.stringify({ execution: event.detail['execution-id'], state: event.detail.state, approvalsWaiting: waiting, ...result }));
  return { ...result, approvalsWaiting: waiting };
}
