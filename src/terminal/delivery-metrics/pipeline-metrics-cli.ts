import { ConfigError, loadConfig } from '../../config/load-config';
import { pipelineLayoutOf } from '../../config/pipeline-layout';
import { approvalsWaiting, CodePipelineApi, loadHistory } from '../../shared/delivery-metrics/codepipeline-reader';
import { deliveryDatapoints } from '../../shared/delivery-metrics/datapoints';
import { formatSummary } from '../../shared/delivery-metrics/format';
import { summarize } from '../../shared/delivery-metrics/summary';
import { parseOpsArgs, UsageError } from '../ops/args';

/**
 * `npx projen pipeline:metrics -- [--days 30] [--json] [--config path]`
 *
 * The four DORA keys of the pipeline over the last `--days` days (default 30), with the 2024
 * band each falls in, and the approval wait, bake and time per stage, computed from CodePipeline's
 * execution history (ListPipelineExecutions, ListActionExecutions, GetPipelineState) by the same
 * code the delivery metrics function runs (src/shared/delivery-metrics/). Needs credentials of the
 * pipeline account that may read the pipeline. Exit 0, 1 on a broken config or a failed read, 2
 * on a bad command line.
 */

export const PIPELINE_METRICS_USAGE = 'usage: npx projen pipeline:metrics -- [--days 30] [--json] [--config path/to/delivery.json]';
/** The default period. */
export const DEFAULT_DAYS = 30;
/** CodePipeline keeps 12 months of history. */
export const MAX_DAYS = 365;

export interface PipelineMetricsIo {
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** CodePipeline of the pipeline's region. */
  readonly codePipeline: (region: string) => CodePipelineApi;
  /** @default the system clock */
  readonly now?: () => Date;
}

function daysOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_DAYS;
  const days = Number(value);
  if (!/^\d+$/.test(value) || days < 1 || days > MAX_DAYS) {
    throw new UsageError(`--days must be a whole number of days from 1 to ${MAX_DAYS} (CodePipeline keeps 12 months of history); got ${JSON.stringify(value)}`);
  }
  return days;
}

function defaultIo(): PipelineMetricsIo {
  return {
    env: process.env,
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    codePipeline: (region) => (require('../../shared/delivery-metrics/codepipeline-aws') as typeof import('../../shared/delivery-metrics/codepipeline-aws')).sdkCodePipeline(region),
  };
}

/** The CLI; resolves to the exit code. */
export async function pipelineMetricsCli(argv: readonly string[], io: PipelineMetricsIo = defaultIo()): Promise<number> {
  try {
    const args = parseOpsArgs(argv, io.env, ['json', 'help'], false, ['days']);
    if (args.flags.has('help')) {
      io.out(`${PIPELINE_METRICS_USAGE}\n`);
      return 0;
    }
    const days = daysOf(args.values.days);
    const config = loadConfig(args.configPath);
    const layout = pipelineLayoutOf(config);
    const now = io.now?.() ?? new Date();
    const api = io.codePipeline(config.pipeline.region);
    const history = await loadHistory(api, layout.pipelineName, { since: new Date(now.getTime() - days * 86_400_000) });
    const summary = summarize(deliveryDatapoints(history, layout), {
      pipeline: layout.pipelineName, to: now, days, approvalsWaiting: await approvalsWaiting(api, layout),
    });
    io.out(args.flags.has('json') ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(`${e.message}\n`);
      return 1;
    }
    if (e instanceof UsageError) {
      io.err(`${e.message}\n${PIPELINE_METRICS_USAGE}\n`);
      return 2;
    }
    const err = e as Error;
    io.err(`pipeline:metrics: reading the history failed: ${err.name}: ${err.message}\n`);
    return 1;
  }
}

if (require.main === module) {
  void pipelineMetricsCli(process.argv.slice(2)).then((code) => process.exit(code));
}
